"""Pseudo-label generators (MMCL: MPLP; ICE: k-reciprocal or camera-aware Jaccard + DBSCAN) and
their quality."""
from .ca_jaccard import camera_aware_jaccard_distance
from .clustering import dbscan_labels
from .gram import GramCache, similarity_rows
from .jaccard import jaccard_distance
from .knn import knn_search
from .mplp import MPLP, mplp_labels, mplp_labels_from_source
from .quality import camera_view_quality, pseudo_label_quality

__all__ = [
    'GramCache',
    'MPLP',
    'camera_aware_jaccard_distance',
    'camera_view_quality',
    'dbscan_labels',
    'jaccard_distance',
    'knn_search',
    'mplp_labels',
    'mplp_labels_from_source',
    'pseudo_label_quality',
    'similarity_rows',
]
