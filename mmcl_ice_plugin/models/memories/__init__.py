from .cluster_memory import ClusterMemory, segment_mean
from .instance_memory import InstanceMemory

__all__ = ['ClusterMemory', 'InstanceMemory', 'segment_mean']
