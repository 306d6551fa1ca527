"""One build at a time per output folder (generator/output/lock.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_OK, EXIT_OUTPUT
from generator.output.lock import Busy, _still_names, lock_path, output_lock
from tests.helpers import ROOT, SCHEMA_DOCS


def contents(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def build(out: Path) -> int:
    return main(["build", str(SCHEMA_DOCS), "-o", str(out), "-q", "--no-cache"])


def test_a_second_build_stops_at_once_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "generated"
    assert build(out) == EXIT_OK
    before = contents(out)
    with output_lock(out):
        capsys.readouterr()
        assert build(out) == EXIT_OUTPUT
        err = capsys.readouterr().err
        assert f"another dvgen build (process {os.getpid()}) is writing {out}" in err
        assert "nothing was written" in err and "Traceback" not in err
        assert contents(out) == before
    assert not lock_path(out).exists()  # the holder leaves nothing beside the folder
    assert build(out) == EXIT_OK


def test_a_build_leaves_no_lock_file(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert build(out) == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


def test_check_does_not_take_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert build(out) == EXIT_OK
    with output_lock(out):
        args = ["build", str(SCHEMA_DOCS), "-o", str(out), "-q", "--no-cache", "--check"]
        assert main(args) == EXIT_OK


def test_the_lock_of_a_killed_build_does_not_block(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from generator.output.lock import output_lock\n"
            "with output_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(Busy), output_lock(out):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    finally:
        holder.kill()
        holder.wait()
    assert lock_path(out).exists()  # killed before it could clean up
    assert build(out) == EXIT_OK  # the OS dropped its lock with it
    assert not lock_path(out).exists()


def test_a_lock_file_deleted_under_a_waiter_is_not_trusted(tmp_path: Path) -> None:
    """A build that opened the lock file just before its owner deleted it
    must not take the deleted file's lock for the folder's."""
    out = tmp_path / "generated"
    with output_lock(out):
        fd = os.open(lock_path(out), os.O_RDWR)
        try:
            assert _still_names(lock_path(out), fd)
        finally:
            os.close(fd)
        fd = os.open(lock_path(out), os.O_RDWR)
    try:
        assert not _still_names(lock_path(out), fd)  # the owner deleted it on release
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind", ["link", "file"])
def test_a_lock_path_that_is_not_dvgens_is_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A symlink at .generated.lock made dvgen truncate the file it points at
    and write a PID into it (issue 18, point 14); a user's file there is not
    truncated either."""
    out = tmp_path / "generated"
    victim = tmp_path / "important.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    if kind == "link":
        lock_path(out).symlink_to(victim)
    else:
        lock_path(out).write_text("my notes\n", encoding="utf-8")
    capsys.readouterr()
    assert build(out) == EXIT_OUTPUT
    err = capsys.readouterr().err
    assert "symbolic link, not dvgen's lock file" in err if kind == "link" else "not dvgen's" in err
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert (
        lock_path(out).is_symlink()
        if kind == "link"
        else lock_path(out).read_text() == "my notes\n"
    )
    assert not out.exists()


def test_a_link_to_a_folder_another_build_holds_takes_the_same_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Building into a symlink to the folder bypassed the other build's lock."""
    real = tmp_path / "generated"
    assert build(real) == EXIT_OK
    link = tmp_path / "bindings"
    link.symlink_to(real)
    before = contents(real)
    with output_lock(real):
        capsys.readouterr()
        assert build(link) == EXIT_OUTPUT
        assert "another dvgen build" in capsys.readouterr().err
    assert contents(real) == before
