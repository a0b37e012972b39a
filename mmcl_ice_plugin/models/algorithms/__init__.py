from .base_reid import BaseReID
from .supervised import Supervised

__all__ = ['BaseReID', 'Supervised']
