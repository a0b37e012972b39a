"""Pseudo-label generators (MMCL: MPLP; ICE: k-reciprocal Jaccard + DBSCAN) and their quality."""
from .gram import GramCache, similarity_rows
from .mplp import MPLP, mplp_labels, mplp_labels_from_source

__all__ = [
    'GramCache',
    'MPLP',
    'mplp_labels',
    'mplp_labels_from_source',
    'similarity_rows',
]
