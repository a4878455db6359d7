"""Every file the project writes: one atomic write, one file mode, and the clean-up of interrupted writes.

A file is written under a temporary name beside its target, ``.<name>.<8 random
characters>.tmp``, then renamed over the target, so a reader sees the old file or
the new one, never half of one. The target gets mode ``0644`` and new folders
``0755`` whatever the umask or the temporary file's mode (``mkstemp`` makes
``0600``): the server may run as another user than the build and must read
everything.

A writer holds an exclusive ``flock`` on its temporary file until the rename. A
process killed while writing loses its lock with its file descriptors, so
:func:`remove_interrupted_writes` (run by every build, hence at every
``clustermap serve`` start) removes exactly the temporary files nobody holds
and never one still being written, however long that write takes. It also
removes the unlocked leftovers of earlier versions (same naming without the
lock, and pooch's ``tmpXXXXXXXX`` download files).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o644
"""Mode of every file written: readable by a server running as another user."""
DIR_MODE = 0o755
"""Mode of every folder created."""
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}(\.tmp)?$|^tmp[a-z0-9_]{8}$")
"""A temporary file of ours (``.<name>.<random>.tmp``; earlier versions had no suffix) or of pooch."""


def make_dirs(folder: Path) -> Path:
    """Create ``folder`` and its missing parents with mode 0755 (existing folders are left as they are)."""
    folder = Path(folder)
    missing = []
    for parent in (folder, *folder.parents):
        if parent.is_dir():
            break
        missing.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        created.chmod(DIR_MODE)
    return folder


class PendingFile:
    """A locked temporary file beside ``target``: :meth:`commit` moves it into place, :meth:`discard` removes it."""

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        make_dirs(self.target.parent)
        while True:
            fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=TEMP_SUFFIX, dir=self.target.parent)
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a clean-up holds it, then checks the file is still ours
            if _same_file(name, fd):
                break
            os.close(fd)  # a clean-up removed it between mkstemp and flock: take another name
        self._fd: int | None = fd
        self.tmp = Path(name)

    def commit(self) -> Path:
        """Give the written file the shared mode and rename it over the target."""
        try:
            os.chmod(self.tmp, FILE_MODE)
            os.replace(self.tmp, self.target)
        finally:
            self.discard()
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (if still there) and release the lock."""
        self.tmp.unlink(missing_ok=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write ``target``'s content to; on success it replaces ``target``, on error it is removed."""
    pending = PendingFile(target)
    try:
        yield pending.tmp
    except BaseException:
        pending.discard()
        raise
    pending.commit()


def atomic_write(target: Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(tmp)`` and move the result over ``target`` (mode 0644); on failure ``target`` is untouched."""
    with atomic_path(target) as tmp:
        write(tmp)
    log.info("wrote %r (%d bytes)", str(target), Path(target).stat().st_size)
    return Path(target)


def atomic_write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically."""
    return atomic_write(target, lambda tmp: tmp.write_bytes(data))


def atomic_copy(source: Path, target: Path) -> Path:
    """Copy ``source``'s bytes to ``target`` atomically (the copy gets mode 0644, not the source's)."""
    return atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))


def remove_interrupted_writes(folder: Path) -> list[Path]:
    """Remove the temporary files of writes that were killed, anywhere under ``folder``; returns them.

    A temporary file whose lock is held belongs to a write in progress and is kept.
    """
    removed: list[Path] = []
    if not Path(folder).is_dir():
        return removed
    for path in Path(folder).rglob("*"):
        if not _TEMP_NAME.match(path.name):
            continue
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            fd = os.open(path, os.O_RDONLY)
        except OSError:  # gone meanwhile (its write finished) or unreadable: not ours to judge
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("%r is being written by a running process; kept", str(path))
                continue
            if _same_file(path, fd):
                size = os.fstat(fd).st_size
                path.unlink()
                removed.append(path)
                log.warning("removed %r (%d bytes), left by an interrupted write", str(path), size)
        finally:
            os.close(fd)
    return removed


def _same_file(path: str | Path, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)
