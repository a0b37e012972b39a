from .identity_sampler import IdentitySampler, sample_instances

__all__ = ['IdentitySampler', 'sample_instances']
