"""``TeacherUpdateHook``: the momentum (EMA) teacher update after each optimiser step."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.runner import Runner

from ...registry import HOOKS
from ..dist_utils import unwrap_model


@HOOKS.register_module()
class TeacherUpdateHook(Hook):
    """Momentum (EMA) update of ICE's teacher after every optimiser step.

    Reference:
        H. Chen, B. Lagadec, F. Bremond. ICE: Inter-instance Contrastive Encoding for
        Unsupervised Person Re-identification. ICCV 2021. https://arxiv.org/abs/2103.16364

    Calls ``model.update_teacher()``: ``t = m t + (1 - m) s`` on the parameters only
    (``m = model.teacher_momentum``, 0.999 in ICE). Unlike mmengine's ``EMAHook`` it leaves
    the teacher's BN statistics to the teacher's own train-mode forwards, and keeps the
    teacher inside the model, so it is saved in checkpoints and restored on resume. Before
    training (after ``load_from`` / resume), ``model.init_teacher()`` copies the student into
    a teacher that does not come from a checkpoint.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner: Runner) -> None:
        """Copy the student into the teacher unless a checkpoint provided one.

        Args:
            runner (Runner): The runner of the training process.
        """
        unwrap_model(runner.model).init_teacher()

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Move the teacher towards the student.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): The index of the current batch in the train loop.
            data_batch (dict, optional): Data from the dataloader. Defaults to None.
            outputs (dict, optional): Outputs of ``train_step``. Defaults to None.
        """
        unwrap_model(runner.model).update_teacher()
