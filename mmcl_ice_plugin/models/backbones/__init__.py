from .timm_backbone import TIMMBackbone, load_timm_weights, package_to_timm, weight_package_file
from .torchreid_backbone import TorchreidBackbone, load_local_weights, set_last_stride

__all__ = ['TIMMBackbone', 'TorchreidBackbone', 'load_local_weights', 'load_timm_weights',
           'package_to_timm', 'set_last_stride', 'weight_package_file']
