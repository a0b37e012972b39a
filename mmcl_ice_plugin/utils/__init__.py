from .machine import cpu_model

__all__ = ['cpu_model']
