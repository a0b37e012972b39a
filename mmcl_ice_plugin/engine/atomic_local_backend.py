"""Atomic file writes on local disk, and the mmengine file backend ``'atomic_local'`` that uses
them.

:func:`atomic_write` writes to a temporary file in the destination folder
(``.<name>.<random>.partial``), flushes it to disk and renames it over the destination with
``os.replace`` (atomic on POSIX within one file system). A process killed at any moment, even
with SIGKILL, leaves either the previous file or the complete new one, never a truncated one;
only a stray ``*.partial`` file may remain (:func:`remove_partial_files` clears them).

mmengine's ``LocalBackend.put`` opens the destination with ``'wb'`` and writes into it, so a
checkpoint being saved is truncated until the write ends. :class:`AtomicLocalBackend` is that
backend with atomic ``put`` / ``put_text``; it is registered under the name ``'atomic_local'``
only (mmengine's default backend for local paths is left unchanged) and selected with
``backend_args=dict(backend='atomic_local')``, as ``AtomicCheckpointHook`` does.
"""
import contextlib
import glob
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import List, Union

from mmengine.fileio import LocalBackend, register_backend

PARTIAL_SUFFIX = '.partial'

# The process's umask, read once: files are created with the usual 0o666 & ~umask permissions
# (mkstemp's temporary files would otherwise stay 0o600).
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(data: Union[bytes, str], path: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` atomically.

    The folder is created if needed. The data goes to a temporary file beside ``path``, is
    flushed and fsynced, then replaces ``path`` in one ``os.replace``; the folder is fsynced so
    the rename itself survives a crash. On any error the temporary file is removed and ``path``
    is left as it was.

    Args:
        data (bytes | str): The content; text is encoded with ``encoding``.
        path (str | Path): The destination file.
        encoding (str): Encoding of text data. Defaults to ``'utf-8'``.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    path = osp.abspath(os.fspath(path))
    folder, name = osp.split(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=PARTIAL_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Persist a rename in ``folder`` (best effort: some file systems refuse to fsync folders)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_partial_files(folder: str) -> List[str]:
    """Delete the temporary files that interrupted :func:`atomic_write` calls left in a folder.

    Only names of the form ``.<name>.<random>.partial`` are touched.

    Args:
        folder (str): The folder to clean.

    Returns:
        list[str]: The paths of the deleted files.
    """
    removed = sorted(glob.glob(osp.join(glob.escape(folder), f'.*{PARTIAL_SUFFIX}')))
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    return removed


@register_backend('atomic_local', force=True)
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` and ``put_text`` write atomically.

    Both go through :func:`atomic_write`. Select it with
    ``backend_args=dict(backend='atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes ``obj`` to ``filepath`` atomically."""
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Write text ``obj`` to ``filepath`` atomically, encoded with ``encoding``."""
        atomic_write(obj, filepath, encoding=encoding)
