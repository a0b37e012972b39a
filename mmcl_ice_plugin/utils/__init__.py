from .machine import cpu_model, describe_machine, gpu_model, machine_info

__all__ = ['cpu_model', 'describe_machine', 'gpu_model', 'machine_info']
