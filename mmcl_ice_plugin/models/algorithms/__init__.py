from .base_reid import BaseReID
from .ice import ICE
from .mmcl import MMCL
from .supervised import Supervised

__all__ = ['BaseReID', 'ICE', 'MMCL', 'Supervised']
