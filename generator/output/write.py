"""Atomic output: the whole new ``generated/`` appears at once, or nothing does.

Every file is rendered in memory first; :func:`commit` then builds the new
folder beside the old one (unchanged files hard-linked, so their mtimes stay
put), carries over every file dvgen did not write (a user's own files are
never lost), and swaps the two folders with two renames. A crash at any point
leaves either the old folder or the new one; a backup left by a crash between
the two renames is restored by the next run. Beside the output folder, dvgen
deletes or restores only what it provably made (:func:`made_by_dvgen`).

``.dvgen-manifest.json`` lists the files dvgen wrote, so files of a table that
left the inputs are removed while files a user added are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from generator.output.carry import (
    Collision,
    UnsafePath,
    like,
    made_parent,
    place,
    rescue,
    scan,
)
from generator.output.filenames import is_device_name

__all__ = ["MANIFEST", "Collision", "UnsafePath", "WriteReport", "commit", "recover"]

MANIFEST = ".dvgen-manifest.json"
_WRITERS = 4  # threads writing a commit's files


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) that came while the new output folder was being
    swapped in: it was held until the swap was done, so the folder is the new
    one, in full."""


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT and SIGTERM off while the block runs (the two renames of a
    swap: between them the output folder does not exist), then deliver them:
    a Ctrl-C that came meanwhile ends the run as :class:`InterruptedAfterWrite`
    when the block finished, as itself when it failed.

    The signals are caught by handlers of dvgen's own for the while, not
    masked: a mask holds them off one thread only, and the kernel hands a
    signal to any thread that does not block it (a progress bar's refresh
    thread), whose Python handler then runs in the main thread all the same."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield  # only the main thread may set handlers (and receives them)
        return
    caught: list[int] = []
    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in wanted}
    done = False
    try:
        yield
        done = True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(caught):  # each once, in the order they came
            try:
                signal.raise_signal(signum)
            except KeyboardInterrupt:
                if done:
                    raise InterruptedAfterWrite from None
                raise


@dataclass(slots=True)
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # files dvgen did not write
    notes: list[str] = field(default_factory=list)  # what was found beside the folder
    #: what the commit left running (the old folder's deletion): see :meth:`finish`
    later: list[threading.Thread] = field(default_factory=list)

    def finish(self) -> None:
        """Wait for what the commit left running."""
        while self.later:
            self.later.pop().join()


def check_relpath(rel: str) -> str:
    """``rel`` if it is a plain relative path inside the output folder."""
    parts = rel.split("/")
    if not rel or "\\" in rel or any(part in ("", ".", "..") for part in parts):
        raise UnsafePath(f"refusing to write {rel!r}: not a plain relative path")
    for part in parts:
        if is_device_name(part) or len(part) > 200:
            raise UnsafePath(f"refusing to write {rel!r}: {part!r} is not a portable file name")
    return rel


def manifest_bytes(files: Mapping[str, bytes]) -> bytes:
    """The manifest a commit of ``files`` writes."""
    manifest = {"generator": "dvgen", "files": sorted(files)}
    return (json.dumps(manifest, indent=2) + "\n").encode()


def read_manifest(out_dir: Path) -> set[str]:
    """The files the last build wrote into ``out_dir`` (empty when unknown; a
    manifest that is not a regular file, a FIFO say, is never opened)."""
    try:
        if not stat.S_ISREG(os.lstat(out_dir / MANIFEST).st_mode):
            return set()
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


_LEFT_OVER = re.compile(r"\.(?P<name>.+)\.(?:staging-[A-Za-z0-9_]+|old-[0-9]+(?:-[0-9]+)?)")
_MAX_MANIFEST = 64 * 1024 * 1024


def made_by_dvgen(folder: Path) -> bool:
    """Whether ``folder`` provably came from dvgen: a real folder (not a
    link) of this user's, holding a manifest, as a regular file, that says
    dvgen wrote it. A staging folder gets its manifest before anything else,
    and every output folder dvgen swapped in has one."""
    try:
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode):
            return False
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return False
        mst = os.lstat(folder / MANIFEST)
        if not stat.S_ISREG(mst.st_mode) or mst.st_size > _MAX_MANIFEST:
            return False
        data = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("generator") == "dvgen"


def recover(out_dir: Path) -> list[str]:
    """Undo what a crashed run left beside ``out_dir`` and say what was done.

    Only folders dvgen provably made (:func:`made_by_dvgen`) are restored or
    deleted; one that merely has the name of a left-over is the user's, is
    left as it is, and gets a note."""
    parent = out_dir.parent
    notes: list[str] = []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return notes
    staging: list[Path] = []
    backups: list[Path] = []
    for name in names:
        match = _LEFT_OVER.fullmatch(name)
        if not match or match["name"] != out_dir.name:
            continue
        path = parent / name
        if not made_by_dvgen(path):
            notes.append(
                f"left {name} beside {out_dir.name}/ as it is: it has the name of a folder an "
                "interrupted dvgen run leaves, but dvgen cannot prove it made it (if it is "
                "your previous output, move it back yourself)"
            )
        elif ".staging-" in name:
            staging.append(path)
        else:
            backups.append(path)
    for stale in staging:
        shutil.rmtree(stale, ignore_errors=True)
    backups.sort(key=lambda p: p.stat().st_mtime_ns)
    if backups and not os.path.lexists(out_dir):
        os.rename(backups.pop(), out_dir)
        notes.append(f"restored {out_dir.name}/ from an interrupted run")
    for b in backups:  # the run was killed after its swap: the new folder is there
        notes += _drop_backup(b, out_dir, read_manifest(b), read_manifest(out_dir))
    return notes


def _backup_name(out_dir: Path) -> Path:
    """A name beside ``out_dir`` for the old folder during a swap."""
    return _free_name(out_dir.parent / f".{out_dir.name}.old-{os.getpid()}")


def _free_name(base: Path) -> Path:
    """``base``, or ``base-1``, ``base-2``...: the first that nothing holds
    (renaming a folder onto an empty one would replace it)."""
    path, n = base, 0
    while os.path.lexists(path):
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def commit(out_dir: Path, files: Mapping[str, bytes], *, background: bool = False) -> WriteReport:
    """Replace dvgen's files in ``out_dir`` with ``files``, atomically. With
    ``background``, the old folder is deleted by a thread once the new one is
    in place: the caller must :meth:`~WriteReport.finish` the report (a run
    killed meanwhile leaves it beside the folder, for the next to delete)."""
    for rel in files:
        check_relpath(rel)
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()  # write where the link points; the link stays
    if out_dir.exists() and not out_dir.is_dir():
        # swapping a folder in would move the user's file aside
        raise NotADirectoryError("it is a file, not a folder (name a folder for the output)")
    report = WriteReport()
    report.notes = recover(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    old_managed = read_manifest(out_dir) if out_dir.is_dir() else set()
    wanted = {**files, MANIFEST: manifest_bytes(files)}
    same = _already_there(out_dir, wanted)  # each old file read once, here
    _refuse_collisions(out_dir, files, old_managed, same)
    if len(same) == len(wanted) and old_managed <= set(files):
        report.unchanged = sorted(files)
        return report  # nothing to do: the folder is not even swapped
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        _like_output(staging, out_dir)
        _stage(out_dir, staging, wanted, old_managed, same=same, report=report)
        with _uninterrupted():
            if out_dir.exists():
                backup = _backup_name(out_dir)
                os.rename(out_dir, backup)
                try:
                    os.rename(staging, out_dir)
                except OSError:
                    os.rename(backup, out_dir)
                    raise
                later = report.later if background else None
                report.notes += _drop_backup(backup, out_dir, old_managed, set(wanted), later)
            else:
                os.rename(staging, out_dir)
    except BaseException:
        report.finish()  # a Ctrl-C held until the swap ended: the old folder is gone first
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _stage(
    out_dir: Path,
    staging: Path,
    wanted: Mapping[str, bytes],
    old_managed: set[str],
    *,
    same: set[str],
    report: WriteReport,
) -> None:
    """Fill ``staging``: user files and ``same`` files hard-linked from
    ``out_dir`` (content and mtime kept), the rest of ``wanted`` written.
    (Plain ``os`` calls on strings: at thousands of files, pathlib's own
    cost would be most of a rebuild's.)"""
    old, new = str(out_dir), str(staging)
    made: set[str] = {new}
    # the manifest first: should the run die midway, it proves the folder is dvgen's
    _stage_one(old, new, MANIFEST, wanted=wanted, same=same, made=made)
    files, others, empty = scan(old)
    # regular files, then a user's links, FIFOs and the like, carried over as they are
    for rel in [*files, *others]:
        if rel in wanted:
            continue
        if rel in old_managed:
            report.removed.append(rel)
            continue
        place(old, new, rel, made)
        report.kept.append(rel)
    for rel in empty:  # a user's empty folders, with their modes
        made_parent(old, new, f"{rel}/.", made)
    # written by a few threads: each file is synced to disk before the swap,
    # and the syncs of several files overlap (the file system batches them)
    failed = threading.Event()  # a full disk, say: nothing more is started

    def write_one(path: str, data: bytes) -> None:
        if not failed.is_set():
            try:
                _write(path, data)
            except BaseException:
                failed.set()
                raise

    with ThreadPoolExecutor(_WRITERS, thread_name_prefix="dvgen-write") as writers:
        pending = []
        for rel in sorted(wanted):
            if rel == MANIFEST:
                continue
            if failed.is_set():
                break
            if rel in same:
                place(old, new, rel, made)
                report.unchanged.append(rel)
            else:
                path = made_parent(old, new, rel, made)
                pending.append(writers.submit(write_one, path, wanted[rel]))
                report.written.append(rel)
    for done in pending:
        done.result()  # the first failure, raised here


def _drop_backup(
    backup: Path,
    out_dir: Path,
    was: set[str],
    now: set[str],
    later: list[threading.Thread] | None = None,
) -> list[str]:
    """Delete the old folder ``backup`` once ``out_dir`` replaced it, after
    moving over what another process put there meanwhile (``was`` and
    ``now``: the files dvgen wrote in each): by a thread of its own when
    ``later`` is given (the thread is added to it, for the caller to join).
    If some of it cannot be moved (a file of dvgen's now holds its path),
    keep the old folder under a name no later run touches, and say so."""
    try:
        stuck = rescue(
            str(backup), str(out_dir), was_dvgens=was | {MANIFEST}, now_dvgens=now | {MANIFEST}
        )
    except (OSError, Collision) as exc:  # say, a mount point made meanwhile
        stuck = [f"something dvgen could not move ({exc})"]
    if not stuck and later is not None:  # nothing of it is wanted: gone while the build ends
        drop = threading.Thread(
            target=shutil.rmtree, args=(backup,), kwargs={"ignore_errors": True}, name="dvgen-drop"
        )
        drop.start()
        later.append(drop)
        return []
    if not stuck:
        shutil.rmtree(backup, ignore_errors=True)
        return []
    kept = _free_name(out_dir.parent / f"{out_dir.name}.kept-{os.getpid()}")
    os.rename(backup, kept)
    shown = ", ".join(stuck[:5]) + (f" and {len(stuck) - 5} more" if len(stuck) > 5 else "")
    return [
        f"{shown} appeared in {out_dir.name}/ while a build ran, where it now writes "
        f"its own: the folder as it was is kept as {kept.name}/ (move what you need back)"
    ]


def _stage_one(
    old: str, new: str, rel: str, *, wanted: Mapping[str, bytes], same: set[str], made: set[str]
) -> None:
    """``wanted[rel]`` into the staging folder: linked when unchanged, else written."""
    if rel in same:
        place(old, new, rel, made)
    else:
        _write(made_parent(old, new, rel, made), wanted[rel])


def _refuse_collisions(
    out_dir: Path, files: Mapping[str, bytes], old_managed: set[str], same: set[str]
) -> None:
    """Raise :class:`Collision` when a file to write, or a folder it goes in,
    is taken in ``out_dir`` by something dvgen did not write (a file not in
    the manifest, a link, a special file). A folder written before manifests
    existed has none: there, a file that already holds exactly what dvgen
    writes is taken for dvgen's."""
    if not out_dir.is_dir():
        return
    manifest = out_dir / MANIFEST
    legacy = not os.path.lexists(manifest)
    taken: list[str] = []
    if not legacy and (manifest.is_symlink() or not manifest.is_file()):
        taken.append(MANIFEST)  # dvgen's name, but not a file dvgen wrote
    root = str(out_dir)
    folders: dict[str, bool] = {}  # each folder on the way, looked at once: free to go in?
    for rel in sorted(files):
        parts = rel.split("/")
        for i in range(1, len(parts)):  # each folder the file goes in
            sub = "/".join(parts[:i])
            free = folders.get(sub)
            if free is None:
                free = folders[sub] = _free_folder(f"{root}/{sub}")
            if not free:
                taken.append(sub)
                break
        else:
            if rel in old_managed or (legacy and rel in same):
                continue
            if os.path.lexists(f"{root}/{rel}"):
                taken.append(rel)
    if taken:
        shown = sorted(set(taken))
        more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
        it = "it" if len(shown) == 1 else "them"
        raise Collision(
            f"this build generates {', '.join(shown[:5])}{more}, but the output folder holds "
            f"{it} already and dvgen did not write {it} (not in {MANIFEST}): move {it} away, "
            f"or leave out what generates {it} (exclude, or another output folder)"
        )


def _free_folder(path: str) -> bool:
    """Whether a file may go in folder ``path``: it is a folder (not a link
    to one), or nothing there (as far as ``lstat`` can see)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return True


def _already_there(out_dir: Path, wanted: Mapping[str, bytes]) -> set[str]:
    """The paths of ``wanted`` that ``out_dir`` already holds byte for byte
    (as regular files, not symlinks)."""
    if not out_dir.is_dir():
        return set()
    root = str(out_dir)
    return {rel for rel, data in wanted.items() if _same(f"{root}/{rel}", data)}


def _like_output(staging: Path, out_dir: Path) -> None:
    """The old folder's mode and owner, or what a plain ``mkdir`` would give
    (mkdtemp gives 0700)."""
    try:
        like(str(staging), out_dir.stat())
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(staging, 0o777 & ~mask)


def _same(path: str, data: bytes) -> bool:
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
