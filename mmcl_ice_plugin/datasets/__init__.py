from .image_io import UnreadableImageError, read_image
from .reid_dataset import ReIDDataset, load_torchreid_splits
from .samplers import *  # noqa: F401,F403
from .synthetic import PRESETS, make_synthetic_reid
from .transforms import *  # noqa: F401,F403

__all__ = ['ReIDDataset', 'load_torchreid_splits', 'read_image', 'UnreadableImageError',
           'make_synthetic_reid', 'PRESETS']
