"""Check, before a run starts, that its work dir can hold logs and checkpoints."""
import os
import os.path as osp
import tempfile


def check_writable_dir(path: str, key: str = 'work_dir') -> str:
    """Create ``path`` if needed and write (then delete) a probe file in it.

    A run thus fails at once instead of after its first epoch.

    Args:
        path (str): The work dir.
        key (str): The config key named in the error. Defaults to ``'work_dir'``.

    Returns:
        str: The absolute path.

    Raises:
        OSError: The subclass of the failure (``PermissionError``, ``NotADirectoryError``,
            ``FileExistsError``, ...), with a message that names the folder, the config key
            and the fix.
    """
    path = osp.abspath(osp.expanduser(path))
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix='.write_test_', dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as err:
        raise type(err)(
            f'Cannot write to the work dir {path} ({err.strerror or err}). Choose a writable '
            f'folder with --work-dir (config key {key}), or make this one writable: check its '
            'permissions and free space, and that no part of the path is a file.') from err
    return path
