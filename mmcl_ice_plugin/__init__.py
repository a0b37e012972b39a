"""Unsupervised person re-identification (MMCL + MPLP, ICE) as an mmengine plugin over torchreid."""
from . import compat  # noqa: F401  (fixes for the pinned stack; must run before anything else)
from .version import __version__

__all__ = ['__version__']
