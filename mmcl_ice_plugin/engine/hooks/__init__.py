from .atomic_checkpoint_hook import AtomicCheckpointHook
from .clustering_hook import ClusteringHook
from .finite_loss_hook import FiniteLossHook
from .memory_bank_hook import MemoryBankHook
from .teacher_update_hook import TeacherUpdateHook

__all__ = ['AtomicCheckpointHook', 'ClusteringHook', 'FiniteLossHook', 'MemoryBankHook',
           'TeacherUpdateHook']
