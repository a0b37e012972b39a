from .torchreid_backbone import TorchreidBackbone, load_local_weights, set_last_stride

__all__ = ['TorchreidBackbone', 'load_local_weights', 'set_last_stride']
