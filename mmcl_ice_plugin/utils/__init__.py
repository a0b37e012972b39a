from .machine import cpu_model, describe_machine, gpu_model, machine_info
from .seeding import derive_seed, seed_global_rngs

__all__ = ['cpu_model', 'describe_machine', 'gpu_model', 'machine_info', 'derive_seed',
           'seed_global_rngs']
