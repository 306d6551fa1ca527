"""Atomic output: a failed or interrupted write changes nothing on disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.output import write
from generator.output.write import MANIFEST, UnsafePath, commit, recover


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_commit_writes_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    report = commit(out, {"model/a.yaml": b"a\n", "model/b.yaml": b"b\n"})
    assert sorted(report.written) == ["model/a.yaml", "model/b.yaml"]
    assert (out / "model" / "a.yaml").read_bytes() == b"a\n"
    assert '"model/a.yaml"' in (out / MANIFEST).read_text()
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)


def test_unchanged_files_keep_their_mtime_and_user_files_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n", "model/gone.yaml": b"x\n"})
    os.utime(out / "model" / "a.yaml", ns=(1_000_000_000, 1_000_000_000))
    (out / "notes.txt").write_text("mine")
    report = commit(out, {"model/a.yaml": b"a\n", "model/b.yaml": b"b\n"})
    assert report.unchanged == ["model/a.yaml"]
    assert report.removed == ["model/gone.yaml"]
    assert report.kept == ["notes.txt"]
    assert (out / "model" / "a.yaml").stat().st_mtime_ns == 1_000_000_000
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "model" / "gone.yaml").exists()


def test_a_symlink_in_the_way_is_replaced_and_nested_user_files_kept(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_bytes(b"a\n")  # the same bytes, but not dvgen's file
    (out / "model" / "a.yaml").unlink()
    (out / "model" / "a.yaml").symlink_to(elsewhere)
    (out / "deep" / "er").mkdir(parents=True)
    (out / "deep" / "er" / "mine.txt").write_text("mine")
    report = commit(out, {"model/a.yaml": b"a\n"})
    assert report.written == ["model/a.yaml"] and report.kept == ["deep/er/mine.txt"]
    assert not (out / "model" / "a.yaml").is_symlink()
    assert (out / "model" / "a.yaml").read_bytes() == elsewhere.read_bytes() == b"a\n"
    assert (out / "deep" / "er" / "mine.txt").read_text() == "mine"


def test_a_write_that_fails_midway_leaves_the_folder_exactly_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"old a\n", "model/b.yaml": b"old b\n"})
    (out / "mine.txt").write_text("user file")
    before = snapshot(out)
    calls = 0
    real = write._write

    def failing(path: str, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "_write", failing)
    with pytest.raises(OSError, match="No space left"):
        commit(
            out, {"model/a.yaml": b"new a\n", "model/b.yaml": b"new b\n", "model/c.yaml": b"c\n"}
        )
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]  # no staging left behind


def test_a_crash_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    before = snapshot(out)
    os.rename(out, tmp_path / ".generated.old-12345")  # killed after the first rename
    staging = tmp_path / ".generated.staging-abc"
    staging.mkdir()
    (staging / MANIFEST).write_bytes((tmp_path / ".generated.old-12345" / MANIFEST).read_bytes())
    assert recover(out) == ["restored generated/ from an interrupted run"]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


def _look_alike(folder: Path, manifest: bytes | None = None) -> dict[str, tuple[bytes, int]]:
    folder.mkdir()
    (folder / "important.txt").write_text("a user's", encoding="utf-8")
    if manifest is not None:
        (folder / MANIFEST).write_bytes(manifest)
    return snapshot(folder)


@pytest.mark.parametrize(
    ("name", "manifest"),
    [
        (".generated.staging-abc", None),
        (".generated.old-12345", None),
        (".generated.old-12345", b'{"generator": "someone else", "files": []}'),
        (".generated.staging-abc", b"not json"),
    ],
)
def test_only_what_dvgen_provably_made_is_deleted_or_restored(
    tmp_path: Path, name: str, manifest: bytes | None
) -> None:
    """A user's folder that merely has the name of a left-over is kept, as it
    is, with a note: dvgen deletes only what it can prove it made."""
    out = tmp_path / "generated"
    theirs = tmp_path / name
    before = _look_alike(theirs, manifest)
    notes = recover(out)  # generated/ missing: a backup would be restored
    assert notes and "dvgen cannot prove it made it" in notes[0] and name in notes[0]
    assert snapshot(theirs) == before and not out.exists()
    report = commit(out, {"model/a.yaml": b"a\n"})
    assert snapshot(theirs) == before
    assert any(name in note for note in report.notes)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["generated", name])


def test_a_link_named_like_a_left_over_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    commit(target, {"model/a.yaml": b"a\n"})  # dvgen's folder, but reached by a link
    (tmp_path / ".generated.old-1").symlink_to(target)
    (tmp_path / ".generated.staging-x").symlink_to(target)
    before = snapshot(target)
    assert len(recover(tmp_path / "generated")) == 2
    assert snapshot(target) == before and not (tmp_path / "generated").exists()


def test_a_folder_named_like_the_backup_is_never_swapped_over(tmp_path: Path) -> None:
    """Renaming a folder onto an empty one replaces it: the backup of a swap
    takes a name nothing holds."""
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    theirs = tmp_path / f".generated.old-{os.getpid()}"
    theirs.mkdir()
    commit(out, {"model/a.yaml": b"b\n"})
    assert theirs.is_dir() and (out / "model/a.yaml").read_bytes() == b"b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["generated", theirs.name])


def test_a_staging_folder_has_its_manifest_before_anything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its first file, a staging folder is still provably dvgen's."""
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    seen: list[str] = []
    real = write._write

    def dying(path: str, data: bytes) -> None:
        seen.append(path)
        if len(seen) == 1:
            return real(path, data)
        staging = next(tmp_path.glob(".generated.staging-*"))
        assert write.made_by_dvgen(staging)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "_write", dying)
    with pytest.raises(OSError, match="No space left"):
        commit(out, {"model/a.yaml": b"changed\n", "model/b.yaml": b"b\n"})
    # the rest are written by several threads: any of them may fail first
    assert len(seen) >= 2 and seen[0].endswith(f"/{MANIFEST}")
    # and the folder is as it was, with no staging folder left behind
    assert (out / "model/a.yaml").read_bytes() == b"a\n" and not (out / "model/b.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


@pytest.mark.parametrize(
    "rel",
    [
        "../escape.yaml",
        "/etc/passwd",
        "model/../../x",
        "model//x",
        "con.yaml",
        "model/aux.py",
        "a\\b",
        "",
    ],
)
def test_paths_outside_the_output_folder_are_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UnsafePath):
        commit(tmp_path / "generated", {rel: b"x"})
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(
    "rel", ["python/nul.py", "model/com0.yaml", "ts/aux .ts", "x/LPT\u00b9.md"]
)
def test_a_device_name_is_never_written(tmp_path: Path, rel: str) -> None:
    """Windows ignores an extension and trailing dots or spaces, and reserves
    COM0, LPT0 and the superscript ports too."""
    with pytest.raises(UnsafePath, match="is not a portable file name"):
        commit(tmp_path / "out", {rel: b"x"})
    assert not (tmp_path / "out").exists()


def _meanwhile(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> None:
    """Run ``act`` (another process at work in the output folder) after the
    new folder is staged and before the two are swapped."""
    real = write._stage

    def staged(*args: Any, **kwargs: Any) -> Any:
        carried = real(*args, **kwargs)
        act()
        return carried

    monkeypatch.setattr(write, "_stage", staged)


def test_what_another_process_writes_during_a_build_is_carried_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    (out / "notes.txt").write_text("v1", encoding="utf-8")
    (out / "keep.txt").write_text("kept", encoding="utf-8")

    def editor() -> None:
        (out / "new.txt").write_text("new", encoding="utf-8")
        (out / "deep/er").mkdir(parents=True)
        (out / "deep/er/x.txt").write_text("x", encoding="utf-8")
        (out / "empty").mkdir()
        (out / "notes.tmp").write_text("v2", encoding="utf-8")  # saved the way editors do
        os.replace(out / "notes.tmp", out / "notes.txt")
        (out / "link").symlink_to("keep.txt")

    _meanwhile(monkeypatch, editor)
    report = commit(out, {"model/a.yaml": b"b\n"})
    assert report.notes == []
    assert (out / "model/a.yaml").read_bytes() == b"b\n"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "v2"
    assert (out / "new.txt").read_text(encoding="utf-8") == "new"
    assert (out / "deep/er/x.txt").read_text(encoding="utf-8") == "x"
    assert (out / "empty").is_dir() and os.readlink(out / "link") == "keep.txt"
    assert (out / "keep.txt").read_text(encoding="utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


def test_a_file_written_meanwhile_where_dvgen_now_writes_is_kept_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    _meanwhile(monkeypatch, lambda: (out / "model/b.yaml").write_text("mine", encoding="utf-8"))
    report = commit(out, {"model/a.yaml": b"a\n", "model/b.yaml": b"dvgen's\n"})
    kept = tmp_path / f"generated.kept-{os.getpid()}"
    assert (out / "model/b.yaml").read_bytes() == b"dvgen's\n"
    assert (kept / "model/b.yaml").read_text(encoding="utf-8") == "mine"
    assert len(report.notes) == 1 and "model/b.yaml appeared in generated/" in report.notes[0]
    assert kept.name in report.notes[0]
    commit(out, {"model/a.yaml": b"c\n"})  # later runs never touch what was kept
    assert (kept / "model/b.yaml").read_text(encoding="utf-8") == "mine"


def test_a_run_killed_after_its_swap_leaves_no_user_file_behind(tmp_path: Path) -> None:
    """Killed after the swap, before what was written meanwhile was moved:
    the next run moves it over before it deletes the old folder."""
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    backup = tmp_path / ".generated.old-99"
    shutil.copytree(out, backup)  # the old folder, as the killed run left it
    (backup / "late.txt").write_text("written meanwhile", encoding="utf-8")
    (backup / "model/a.yaml").write_text("dvgen's old one", encoding="utf-8")
    assert recover(out) == []
    assert (out / "late.txt").read_text(encoding="utf-8") == "written meanwhile"
    assert (out / "model/a.yaml").read_bytes() == b"a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_build_run_as_root_keeps_the_owner_of_a_users_folders(tmp_path: Path) -> None:
    """``sudo dvgen build`` in a user's project: the folders stay the user's."""
    out = tmp_path / "generated"
    commit(out, {"model/a.yaml": b"a\n"})
    (out / "mine").mkdir()
    (out / "mine/x.txt").write_text("x", encoding="utf-8")
    for folder in (out, out / "model", out / "mine"):
        os.chown(folder, 4321, 4322)
    commit(out, {"model/a.yaml": b"b\n", "python/new.py": b"\n"})
    for folder in (out, out / "model", out / "mine"):
        assert (folder.stat().st_uid, folder.stat().st_gid) == (4321, 4322), folder
    assert (out / "python").stat().st_uid == 0  # a folder new to the build: the builder's
