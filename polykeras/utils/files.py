"""Writing files safely: atomically (temporary file, fsync, rename) and durably, keeping
the file's permissions and symbolic links, and cleaning what killed saves left.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"hello")
    >>> open(path, "rb").read()
    b'hello'
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from typing import IO

_umask: int | None = None


def _file_mode() -> int:
    global _umask
    if _umask is None:
        _umask = os.umask(0)
        os.umask(_umask)
    return 0o666 & ~_umask


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[IO[bytes]]:
    """A binary file object whose content replaces ``path`` only if the block succeeds.

    A file that exists keeps its permission bits (a ``chmod 600`` file stays private);
    a symbolic link stays a link and its target gets the new content. Temporaries that
    an earlier, killed save of the same target left behind are removed.

    Example:
        >>> with atomic_write("/tmp/x.bin") as f:  # doctest: +SKIP
        ...     f.write(data)
    """
    path = os.path.realpath(os.path.abspath(path))  # through symlinks, to the target
    folder, base = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = _file_mode()
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(folder)


#: A temporary whose writer cannot be told (no process id in its name) is stale after this.
STALE_AFTER_S = 600.0


def remove_stale_temporaries(path: str) -> list[str]:
    """Delete the temporaries of ``path`` left by saves that were killed: those whose
    writing process has exited (or, without a process id, older than 10 minutes). A save
    in progress in a live process is left alone. Returns the removed paths."""
    folder, base = os.path.split(path)
    prefix = f".{base}."
    removed: list[str] = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return removed
    for name in names:
        full = os.path.join(folder, name)
        pid_text = name[len(prefix):].split(".", 1)[0]
        try:
            if pid_text.isdigit():
                if _alive(int(pid_text)):
                    continue
            elif time.time() - os.stat(full).st_mtime < STALE_AFTER_S:
                continue
            os.unlink(full)
            removed.append(full)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
