from .atomic_checkpoint_hook import AtomicCheckpointHook
from .clustering_hook import ClusteringHook
from .memory_bank_hook import MemoryBankHook
from .teacher_update_hook import TeacherUpdateHook

__all__ = ['AtomicCheckpointHook', 'ClusteringHook', 'MemoryBankHook', 'TeacherUpdateHook']
