"""One build at a time per output folder.

Two builds writing the same ``generated/`` at once would each stage a folder
and swap it in, and the slower one would silently win with output made from
whatever its pages were when it started. :func:`output_lock` makes the
second one stop at once with a clear message instead.

The lock is an OS lock (``flock``; ``msvcrt.locking`` on Windows) on a file
beside the output folder, ``.<folder>.lock``, holding the owner's process id
for the message. The OS drops it when its process dies, so a killed build
never leaves a stale lock, and the owner deletes the file when it is done,
so nothing is left beside ``generated/``. (A build that opened the file just
before it was deleted sees, once it holds the lock, that the path now names
another file or none, and starts over.) The lock sits beside the folder a
symlinked output folder names, so every way to one folder takes one lock;
it is never opened through a link, and a file there that holds more than a
process id is someone else's: refused (:class:`NotOurs`), never truncated.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path


class Busy(Exception):
    """Another build holds the output folder's lock."""


class NotOurs(OSError):
    """The lock's path names something dvgen did not make (a link, a user's
    file): it is never opened through, truncated or deleted."""


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_PID = re.compile(rb"^\d*\n?$")


def lock_path(out_dir: Path) -> Path:
    """Beside the folder a link names, so that every way to the same folder
    takes the same lock."""
    real = out_dir.resolve()
    return real.parent / f".{real.name}.lock"


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir``'s lock for the block; :class:`Busy` if another build does."""
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
        except OSError as exc:
            if os.path.islink(path):
                raise NotOurs(
                    f"{path} is a symbolic link, not dvgen's lock file: remove it"
                ) from None
            raise exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise NotOurs(f"{path} is not a file dvgen made: remove it")
            if not _try_lock(fd):
                raise Busy(_busy_message(out_dir, fd))
            os.lseek(fd, 0, os.SEEK_SET)
            if not _PID.match(os.read(fd, 64)):
                raise NotOurs(f"{path} is not dvgen's lock file (it holds more than a process id)")
            if _still_names(path, fd):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # deleted by its last owner after we opened it: take the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still held, so no one can take the old file
        _unlock(fd)
        os.close(fd)


def _still_names(path: Path, fd: int) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _busy_message(out_dir: Path, fd: int) -> str:
    try:
        pid = os.read(fd, 32).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    who = f"another dvgen build (process {pid})" if pid.isdigit() else "another dvgen build"
    return f"{who} is writing {out_dir} right now; run again when it has finished"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
