"""Crash-safe file storage for the vault: atomic replace, a backup, and a writer lock.

:func:`write_atomic` writes the new content to a temporary file in the same directory, fsyncs
it, hard-links the current file to ``<name>.bak`` (atomically replacing the old backup), renames
the temporary file over the vault and fsyncs the directory. A crash at any instant leaves the
vault with either the old or the new content (the crash test kills writers to prove it).

:func:`write_lock` takes an exclusive ``fcntl.flock`` on ``<name>.lock`` (a separate file,
because the vault's own inode changes at every save). A second writer retries for
``timeout`` seconds (default :data:`LOCK_TIMEOUT`, or ``$TWOSTEP_LOCK_TIMEOUT``), then fails
with :class:`~twostep.authenticator.errors.VaultBusyError`. Readers take no lock: a rename is
atomic, so they see one whole version.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from twostep.authenticator.errors import VaultBusyError

__all__ = ["LOCK_TIMEOUT", "backup_path", "lock_path", "write_atomic", "write_lock"]

LOCK_TIMEOUT: Final = 5.0
_TMP_PREFIX: Final = ".tmp-"


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("TWOSTEP_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


@contextlib.contextmanager
def write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive writer lock of the vault at ``path`` (see the module docstring)."""
    timeout = _lock_timeout() if timeout is None else timeout
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise VaultBusyError(
                    f"another twostep-auth process is writing {path}; "
                    f"waited {timeout:g} s (try again)"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        _remove_stale_temporaries(path)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files left by a writer that died (only called under the lock)."""
    prefix = _TMP_PREFIX + path.name + "."
    with contextlib.suppress(OSError), os.scandir(path.parent) as it:
        for item in it:
            if item.name.startswith(prefix):
                with contextlib.suppress(OSError):
                    os.unlink(item.path)


def write_atomic(path: Path, data: bytes, *, keep_backup: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically and durably (call it under :func:`write_lock`).

    The file is created mode 0600. With ``keep_backup`` the previous version becomes
    ``<name>.bak``.
    """
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX + path.name + ".", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            _replace_backup(path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)


def _replace_backup(path: Path) -> None:
    backup = backup_path(path)
    with contextlib.suppress(OSError):
        if os.path.samefile(path, backup):
            # A writer died between linking the backup and renaming the new file in: the backup
            # already is the current version. (Renaming a hard link onto another link of the
            # same file is a no-op in POSIX, which would leave the staged name behind.)
            return
    staged = backup.with_name(_TMP_PREFIX + path.name + ".bak")
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    try:
        os.link(path, staged)  # the current version, without copying
    except OSError:  # a file system without hard links: copy it
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(path.read_bytes())
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(staged, backup)
