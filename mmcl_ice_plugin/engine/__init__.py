from .dist_utils import all_gather_variable, unwrap_model
from .feature_extraction import extract_features
from .hooks import *  # noqa: F401,F403
from .loops import ResumableEpochLoop

__all__ = ['all_gather_variable', 'extract_features', 'unwrap_model', 'ResumableEpochLoop']
