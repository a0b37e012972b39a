"""``AtomicCheckpointHook``: mmengine's ``CheckpointHook`` whose saves never leave a truncated
checkpoint, a truncated ``last_checkpoint`` or no complete checkpoint at all."""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from ...registry import HOOKS
from ..atomic_local_backend import atomic_write, remove_partial_files


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` made safe against a process killed while saving.

    mmengine's hook deletes the oldest checkpoint beyond ``max_keep_ckpts`` first, then writes
    the new file in place, then ``last_checkpoint``: a SIGKILL in between leaves a truncated
    file, and with ``max_keep_ckpts=1`` no complete checkpoint at all. Here:

    1. every checkpoint (periodic, last, best) is written to a temporary file in the same
       folder and renamed into place (the ``'atomic_local'`` file backend, the default when
       neither ``backend_args`` nor ``file_client_args`` is given and ``out_dir`` is local);
    2. ``last_checkpoint`` is then replaced atomically, so it always names a complete file,
       and ``--resume`` always finds one;
    3. only then are the checkpoints beyond ``max_keep_ckpts`` deleted.

    Temporary files that a killed save left behind (``.epoch_3.pth.<random>.partial``) are
    deleted before training. The checkpoints' content and the ``keep_ckpt_ids`` bookkeeping
    stored in them are mmengine's, and so is the rest: with ``save_best`` the previous best
    checkpoint is still deleted before the new one is written (``--resume`` does not use it),
    and the copies made for ``published_keys`` after training are plain writes.

    Args:
        backend_args (dict, optional): mmengine file backend arguments. Defaults to None
            (``dict(backend='atomic_local')`` for a local ``out_dir``).
        file_client_args (dict, optional): Deprecated mmengine file client arguments.
            Defaults to None.
        out_dir (str, optional): Where checkpoints are saved. Defaults to None (the work
            dir).
        **kwargs: The other ``CheckpointHook`` arguments (``interval``, ``max_keep_ckpts``,
            ``save_last``, ``save_best``, ``by_epoch``, ...).
    """

    def __init__(self, backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None, out_dir: Optional[str] = None,
                 **kwargs) -> None:
        if backend_args is None and file_client_args is None and (
                out_dir is None or '://' not in str(out_dir)):
            backend_args = dict(backend='atomic_local')
        super().__init__(backend_args=backend_args, file_client_args=file_client_args,
                         out_dir=out_dir, **kwargs)

    def before_train(self, runner: Runner) -> None:
        """Set up as ``CheckpointHook`` and delete the files of interrupted saves.

        Args:
            runner (Runner): The runner of the training process.
        """
        super().before_train(runner)
        if is_main_process() and osp.isdir(self.out_dir):
            for path in remove_partial_files(self.out_dir):
                runner.logger.warning(f'Removed {path}: an incomplete checkpoint left by an '
                                      'interrupted save.')

    def _save_checkpoint_with_step(self, runner: Runner, step: int, meta: dict) -> None:
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
            backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        atomic_write(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            self._remove(self.file_backend.join_path(self.out_dir,
                                                     self.filename_tmpl.format(outdated)))

    def _remove(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # checkpoints saved by DeepSpeed are folders
            self.file_backend.rmtree(path)
