"""``TeacherUpdateHook``: the momentum (EMA) teacher update after each optimiser step."""
from typing import Optional

from mmengine.hooks import Hook

from ...registry import HOOKS
from ..dist_utils import unwrap_model


@HOOKS.register_module()
class TeacherUpdateHook(Hook):
    """Calls ``model.update_teacher()`` after every optimiser step (ICE: ``t = 0.999 t +
    0.001 s`` on the parameters only). Unlike mmengine's ``EMAHook`` it leaves the teacher's
    BN statistics to the teacher's own train-mode forwards, and keeps the teacher inside the
    model, so it is saved in checkpoints and restored on resume. Before training (after
    ``load_from`` / resume), ``model.init_teacher()`` copies the student into a teacher that
    does not come from a checkpoint."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        unwrap_model(runner.model).init_teacher()

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        unwrap_model(runner.model).update_teacher()
