"""A hook for the atomic-checkpoint test: SIGKILLs its own process in the middle of a
checkpoint save, as soon as the bytes of the new checkpoint start reaching the disk."""
import json
import os
import signal
import threading
import time

from mmengine.hooks import Hook

from mmcl_ice_plugin.registry import HOOKS


def _kill_when_written(folder: str, before: set, marker: str) -> None:
    """Poll ``folder`` until a file absent from ``before`` holds some bytes, note it in
    ``marker`` and SIGKILL this process."""
    while True:
        for entry in os.scandir(folder):
            if entry.name not in before and entry.is_file() and entry.stat().st_size > 0:
                with open(marker, 'w') as f:
                    json.dump(dict(name=entry.name, size=entry.stat().st_size), f)
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.0005)


@HOOKS.register_module()
class KillOnSaveHook(Hook):
    """At the ``at_save``-th checkpoint save, starts a thread that kills the process once the
    new file in the work dir has bytes (``before_save_checkpoint`` runs just before the file
    is written). Where it found the file goes to ``<work_dir>/../kill_marker.json``."""

    def __init__(self, at_save: int = 2) -> None:
        self.at_save = at_save
        self.saves = 0

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        self.saves += 1
        if self.saves != self.at_save:
            return
        before = set(os.listdir(runner.work_dir))
        marker = os.path.join(os.path.dirname(os.path.abspath(runner.work_dir)),
                              'kill_marker.json')
        threading.Thread(target=_kill_when_written, args=(runner.work_dir, before, marker),
                         daemon=True).start()
