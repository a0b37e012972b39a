from .identity_sampler import IdentitySampler, sample_instances
from .pseudo_identity_sampler import PseudoIdentitySampler, camera_aware_instances

__all__ = ['IdentitySampler', 'sample_instances', 'PseudoIdentitySampler',
           'camera_aware_instances']
