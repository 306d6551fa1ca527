"""Carrying a user's entries from the old output folder into the new one.

dvgen's own files are written; everything else below the output folder (a
user's files, folders, symlinks, FIFOs) is carried over as it is, with its
mode: hard-linked, so content and mtime are kept and nothing is copied. What
another process puts into the old folder while a build stages the new one is
carried over too, once the folders are swapped (:func:`rescue`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat


class UnsafePath(ValueError):
    """A generated path that would land outside the output folder."""


class Collision(UnsafePath):
    """A file dvgen would write where the output folder holds something dvgen
    did not write: it is the user's, and is never replaced."""


def scan(root: str) -> tuple[list[str], list[str], list[str]]:
    """Below ``root``, as sorted relative POSIX paths: the regular files; every
    other entry that is not a folder (symlinks, FIFOs, sockets, devices: never
    followed); and the empty folders. A mount point inside ``root`` is refused:
    swapping the folder would leave what is mounted there behind, with the
    backup that is then deleted."""
    files: list[str] = []
    others: list[str] = []
    empty: list[str] = []
    todo = [("", root)] if os.path.isdir(root) else []
    while todo:
        prefix, folder = todo.pop()
        if prefix and os.path.ismount(folder):
            raise Collision(
                f"{prefix.rstrip('/')} is a mount point: dvgen will not swap a folder with "
                "another file system mounted inside it (choose another output folder)"
            )
        with os.scandir(folder) as entries:
            listed = list(entries)
        if prefix and not listed:
            empty.append(prefix.rstrip("/"))
        for entry in listed:
            if entry.is_dir(follow_symlinks=False):
                todo.append((f"{prefix}{entry.name}/", entry.path))
            elif entry.is_file(follow_symlinks=False):
                files.append(prefix + entry.name)
            else:
                others.append(prefix + entry.name)
    return sorted(files), sorted(others), sorted(empty)


def made_parent(old: str, new: str, rel: str, made: set[str]) -> str:
    """``new/rel``, each folder on the way made (once a commit) with the mode
    and owner its counterpart below ``old`` has, if any (a 0700 folder stays
    0700)."""
    parent, _, _ = rel.rpartition("/")
    if not parent or f"{new}/{parent}" in made:  # its folder made already: most files
        return f"{new}/{rel}"
    parts = parent.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        folder = f"{new}/{sub}"
        if folder in made:
            continue
        os.makedirs(folder, exist_ok=True)
        try:
            st = os.lstat(f"{old}/{sub}")
        except OSError:
            pass  # a folder new to this build: mkdir's mode
        else:
            if stat.S_ISDIR(st.st_mode):
                like(folder, st)
        made.add(folder)
    return f"{new}/{rel}"


def like(folder: str, st: os.stat_result) -> None:
    """Give the new ``folder`` the mode of the folder ``st`` describes, and its
    owner and group where this process may (a build run as root in a user's
    folder must not leave it root's)."""
    if hasattr(os, "chown") and (st.st_uid, st.st_gid) != _owner(folder):
        with contextlib.suppress(PermissionError):
            os.chown(folder, st.st_uid, st.st_gid)
    os.chmod(folder, st.st_mode & 0o7777)  # after chown, which may clear set-id bits


def _owner(path: str) -> tuple[int, int]:
    st = os.lstat(path)
    return (st.st_uid, st.st_gid)


def place(old: str, new: str, rel: str, made: set[str]) -> None:
    """``old/rel`` hard-linked to ``new/rel`` (content and mtime kept, costs
    nothing; a symlink or a FIFO is linked as itself, never followed), else
    copied as what it is."""
    src, dst = f"{old}/{rel}", made_parent(old, new, rel, made)
    try:
        os.link(src, dst, follow_symlinks=False)
        return
    except OSError:
        pass  # another file system: copy it as what it is
    st = os.lstat(src)
    if stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
    elif stat.S_ISFIFO(st.st_mode):
        os.mkfifo(dst, st.st_mode & 0o7777)
    elif stat.S_ISREG(st.st_mode):
        shutil.copy2(src, dst)
    else:
        raise Collision(f"{rel} is a special file dvgen cannot carry over; move it away")


def _identity(path: str) -> tuple[int, int] | None:
    """An entry's (device, inode): the same for a file and its hard links."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def rescue(backup: str, out: str, *, was_dvgens: set[str], now_dvgens: set[str]) -> list[str]:
    """After a swap: move into ``out`` what appeared in the old folder (now
    ``backup``) while the new one was staged, or was replaced there (an editor
    saving a file): every entry of the user's that ``out`` does not hold as
    the same file (carried over, it is a hard link to it). ``was_dvgens`` are
    the files dvgen had written in the old folder, ``now_dvgens`` those it
    wrote in ``out``. Returns what could not be moved because ``out`` holds
    dvgen's file at its path: ``backup`` must then be kept."""
    files, others, empty = scan(backup)
    made: set[str] = {out}
    stuck: list[str] = []
    for rel in [*files, *others]:
        if rel in was_dvgens:
            continue  # dvgen's own, old
        path = f"{backup}/{rel}"
        if _identity(path) == _identity(f"{out}/{rel}"):
            continue  # carried over as it is
        if _blocked(out, rel, now_dvgens):
            stuck.append(rel)
            continue
        target = made_parent(backup, out, rel, made)
        if os.path.isdir(target) and not os.path.islink(target):
            stuck.append(rel)  # a folder of the user's own took the name meanwhile
            continue
        os.replace(path, target)
    for rel in empty:
        if not _blocked(out, rel, now_dvgens) and not os.path.lexists(f"{out}/{rel}"):
            made_parent(backup, out, f"{rel}/.", made)
    return stuck


def _blocked(out: str, rel: str, dvgens: set[str]) -> bool:
    """Whether a file of dvgen's, in ``out``, sits at ``rel`` or at a folder
    on its way."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if sub in dvgens or (
            i < len(parts) and os.path.lexists(f"{out}/{sub}") and not os.path.isdir(f"{out}/{sub}")
        ):
            return True
    return False
