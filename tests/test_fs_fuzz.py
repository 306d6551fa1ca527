"""Fuzzing the file system around real builds (issue 18).

- A user's files, folders, symlinks (to files, folders, nowhere), FIFOs,
  read-only folders and files taking dvgen's own paths are put into
  ``generated/``, then a build that has something to write runs. It either
  succeeds, writes exactly what a cold build writes, and leaves every entry
  of the user's as it was (kind, mode, content, link target); or refuses with
  exit 3, naming what is in the way, and changes nothing.
- Another process does the same while the build runs (after the build read
  the folder, before it swapped the new one in): what it made is kept.
- The disk fills up (a tmpfs of its own, where this machine may mount one)
  at any point of the build, the cache's writes included: exit 3 naming the
  full disk with everything as it was, or exit 0 with everything written.

None ends in exit 70 or a traceback. ``make test`` runs a fixed set of
examples (4 per property; 12 in CI); ``make fuzz`` runs fresh ones
(DVGEN_FUZZ_EXAMPLES of them).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.exits import EXIT_OK, EXIT_OUTPUT
from generator.output import write
from tests.helpers import SCHEMA_DOCS, SEED_LEGACY, tree

#: Where a user might put things: dvgen's own files and folders, and beside them.
SPOTS = [
    "model/msdyn_smsengagementctx.yaml",
    "model/notes.yaml",
    "model",
    "python/.venv/bin/python",
    "python/dataverse_bindings/msdyn_ocliveworkitem.py",
    "python/dataverse_bindings/extra.py",
    "python/dataverse_bindings",
    "typescript/node_modules/.bin/tsc",
    "typescript/src",
    "typescript/dist",
    "odata/$metadata.xml",
    "odata",
    "mine/deep/er",
    ".dvgen-manifest.json",
]
KINDS = ["file", "folder", "link-file", "link-folder", "link-nowhere", "fifo", "read-only"]


class Files(dict[str, bytes]):
    """A folder's files: shown by their names only when an example fails."""

    def __repr__(self) -> str:
        return f"<{len(self)} files: {', '.join(sorted(self))}>"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Files:
    """A cold build of the edited pages: what every successful build must write."""
    root = tmp_path_factory.mktemp("reference")
    _project(root)
    _edit(root)
    assert main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    return Files(tree(root / "generated"))


def _project(root: Path) -> None:
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    # the version pinned: every successful build must write the reference, whatever came before
    (root / "pyproject.toml").write_text('[tool.dvgen]\nversion = "1.0.0"\n', encoding="utf-8")


def _edit(root: Path) -> None:
    page = root / "schema_docs" / SEED_LEGACY.relative_to(SCHEMA_DOCS)
    page.write_text(page.read_text(encoding="utf-8").replace("SMS Provider", "SMS provider"))


def _put(out: Path, spot: str, kind: str, n: int) -> None:
    """Put a user's entry of ``kind`` at ``spot`` (replacing what is there)."""
    path = out / spot
    if os.path.lexists(path) or path.is_dir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    outside = out.parent / f"outside-{n}"
    if kind == "file":
        path.write_text(f"mine {n}\n", encoding="utf-8")
    elif kind in ("folder", "read-only"):
        path.mkdir()
        (path / "keep.txt").write_text(f"mine {n}\n", encoding="utf-8")
        if kind == "read-only":
            path.chmod(0o555)
    elif kind == "link-file":
        outside.write_text(f"outside {n}\n", encoding="utf-8")
        path.symlink_to(outside)
    elif kind == "link-folder":
        outside.mkdir()
        (outside / "x.txt").write_text(f"outside {n}\n", encoding="utf-8")
        path.symlink_to(outside, target_is_directory=True)
    elif kind == "link-nowhere":
        path.symlink_to(out.parent / f"nowhere-{n}")
    else:
        os.mkfifo(path)


Entry = tuple[str, int, str, bytes]


def _entries(folder: Path) -> dict[str, Entry]:
    """Every entry below ``folder``, links not followed: kind, mode, target, bytes."""
    out: dict[str, Entry] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            described = _entry(path)
            assert described is not None
            out[path.relative_to(folder).as_posix()] = described
    return out


def _entry(path: Path) -> Entry | None:
    """What ``path`` is (links not followed); ``None`` when nothing is there."""
    try:
        st_ = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    mode = stat.S_IMODE(st_.st_mode)
    if stat.S_ISLNK(st_.st_mode):
        return ("link", 0, os.readlink(path), b"")
    if stat.S_ISDIR(st_.st_mode):
        return ("dir", mode, "", b"")
    if stat.S_ISFIFO(st_.st_mode):
        return ("fifo", mode, "", b"")
    return ("file", mode, "", path.read_bytes())


def _everything(root: Path) -> dict[str, Entry]:
    return {k: v for k, v in _entries(root).items() if not k.startswith("schema_docs")}


#: each example is two real builds: fewer than the page fuzzers run
_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
EXAMPLES = int(os.environ.get("DVGEN_FUZZ_EXAMPLES", "12" if _CI else "4"))


def _ops(spots: list[str], kinds: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """One to four things to do, each at a spot of its own."""
    return st.lists(
        st.tuples(st.sampled_from(spots), st.sampled_from(kinds)),
        min_size=1,
        max_size=4,
        unique_by=lambda op: op[0],
    )


@settings(max_examples=EXAMPLES)
@given(_ops(SPOTS, KINDS))
def test_a_build_keeps_every_user_entry_or_refuses_untouched(
    tmp_path_factory: pytest.TempPathFactory,
    reference: Files,
    ops: list[tuple[str, str]],
) -> None:
    root = tmp_path_factory.mktemp("fs")
    _project(root)
    assert main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    out = root / "generated"
    managed = set(tree(out))
    for n, (spot, kind) in enumerate(sorted(ops)):
        if any(spot.startswith(f"{other}/") for other, _ in ops if other != spot):
            continue  # a parent is replaced too: its own entry stands for both
        _put(out, spot, kind, n)
    _edit(root)
    before = _everything(root)
    code = main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")])
    try:
        assert code in (EXIT_OK, EXIT_OUTPUT), code
        after = _everything(root)
        if code == EXIT_OUTPUT:
            assert after == before  # refused: nothing changed, not even a mode
            return
        assert tree(out) == {
            **{k: v for k, v in tree(out).items() if k not in reference},
            **reference,
        }
        for rel, entry in before.items():
            rel_out = rel.removeprefix("generated/")
            if rel.startswith("generated/") and rel_out not in managed | set(reference):
                parents = {p.as_posix() for p in Path(rel_out).parents}
                if not parents & (managed | set(reference)) or entry[0] != "dir":
                    assert after.get(rel) == entry, rel  # the user's, as it was
    finally:
        for path in root.rglob("*"):  # let the next example's clean-up delete it all
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


#: what another process may do in ``generated/`` while a build runs
MEANWHILE = ["file", "folder", "link-file", "link-nowhere", "fifo", "replace"]


@settings(max_examples=EXAMPLES)
@given(_ops([*SPOTS, "mine.txt", "python/mine.txt"], MEANWHILE))
def test_what_another_process_does_meanwhile_is_kept(
    tmp_path_factory: pytest.TempPathFactory,
    reference: Files,
    ops: list[tuple[str, str]],
) -> None:
    """Another process (an editor, ``npm install``, a second terminal) works
    in ``generated/`` after the build has read it and before the new folder is
    swapped in. Whatever it made is, after the build, in ``generated/``, or,
    where dvgen now writes its own file, kept in ``generated.kept-<pid>/``.
    (A change to one of dvgen's own files is overwritten, as in any build.)"""
    root = tmp_path_factory.mktemp("meanwhile")
    _project(root)
    assert main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    out = root / "generated"
    (out / "mine.txt").write_text("before\n", encoding="utf-8")
    dvgens = set(tree(out)) - {"mine.txt"}
    _edit(root)
    made: dict[str, Entry] = {}
    real = write._stage

    def staged(*args: Any, **kwargs: Any) -> Any:
        carried = real(*args, **kwargs)
        for n, (spot, kind) in enumerate(sorted(ops)):
            if any(spot.startswith(f"{other}/") for other, _ in ops if other != spot):
                continue
            if kind == "replace":  # saved the way editors save: a new file renamed over
                if (out / spot).is_dir():
                    continue
                (out / spot).parent.mkdir(parents=True, exist_ok=True)
                (out / f"{spot}.tmp").write_text(f"saved {n}\n", encoding="utf-8")
                os.replace(out / f"{spot}.tmp", out / spot)
            else:
                _put(out, spot, kind, n)
            path = out / spot
            for rel, entry in _entries(out).items():
                if (rel == spot or rel.startswith(f"{spot}/")) and entry[0] != "dir":
                    made[rel] = entry
            if path.is_symlink() or not path.is_dir():
                made[spot] = _entry(path)
        return carried

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(write, "_stage", staged)
        code = main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")])
    try:
        assert code == EXIT_OK
        assert {k: v for k, v in tree(out).items() if k in reference} == reference
        kept = sorted(root.glob("generated.kept-*"))
        for rel, entry in made.items():
            if rel in dvgens:
                continue
            places = [out, *kept]
            found = [_entry(p / rel) for p in places]
            assert entry in found, (rel, entry, found)
        beside = {p.name for p in root.iterdir()} - {"schema_docs", "pyproject.toml"}
        assert beside - {k.name for k in kept} <= {"generated"} | {
            f"outside-{n}" for n in range(len(ops))
        }
    finally:
        for path in root.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 16 MiB file system of its own (tmpfs), to fill up: mounting one
    needs root, or a user namespace, which not every machine allows."""
    where = tmp_path_factory.mktemp("disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Take all of ``disk``'s free space but ``leave`` bytes."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with (disk / "filler").open("ab") as fh:
        os.posix_fallocate(fh.fileno(), 0, max(free - leave, 0))


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leave=st.integers(0, 600_000), cache=st.booleans())
def test_a_full_disk_fails_the_build_cleanly_or_it_succeeds(
    small_disk: Path,
    reference: Files,
    leave: int,
    cache: bool,
    capsys: pytest.CaptureFixture[str],  # read before each build
) -> None:
    """With only ``leave`` bytes free, a build that must write either writes
    everything (exit 0) or fails with exit 3 naming the full disk, with the
    output folder as it was and nothing left beside it."""
    for entry in small_disk.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    _project(small_disk)
    argv = ["build", "-q", "--config", str(small_disk / "pyproject.toml")]
    argv += [] if cache else ["--no-cache"]
    assert main(argv) == EXIT_OK
    (small_disk / "generated" / "mine.txt").write_text("a user's\n", encoding="utf-8")
    _edit(small_disk)
    before = _everything(small_disk)
    _fill(small_disk, leave)
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    (small_disk / "filler").unlink()
    beside = {p.name for p in small_disk.iterdir()}
    assert beside <= {"schema_docs", "pyproject.toml", "generated", ".dvgen-cache"}, beside
    if code == EXIT_OUTPUT:
        assert "No space left on device" in err and "it was left as it was" in err
        after = _everything(small_disk)
        assert {k: v for k, v in after.items() if not k.startswith(".dvgen-cache")} == {
            k: v for k, v in before.items() if not k.startswith(".dvgen-cache")
        }
        return
    assert code == EXIT_OK, err
    assert {k: v for k, v in tree(small_disk / "generated").items() if k in reference} == reference
    assert (small_disk / "generated" / "mine.txt").read_text(encoding="utf-8") == "a user's\n"
