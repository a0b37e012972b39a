from .seeding import derive_seed, seed_global_rngs

__all__ = ['derive_seed', 'seed_global_rngs']
