"""Nothing lost: a build that fails at any point (a bad page under --strict, a
template error, a formatter error, a full disk, Ctrl-C, the process killed) leaves
the output folder exactly as it was, bytes and mtimes, with nothing beside it
that the next build does not clear."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

import generator.render
import generator.targets.python_files
from generator.cli import main
from generator.exits import EXIT_BUG, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT
from generator.output import write
from tests.helpers import ROOT, SCHEMA_DOCS

Tree = dict[str, tuple[bytes, int]]


def tree(folder: Path) -> Tree:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The seeds, built once into ``generated/``, then edited so that the next
    build has files to write (the one that is made to fail)."""
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    assert build(tmp_path) == EXIT_OK
    (tmp_path / "generated" / "mine.txt").write_text("a user's file", encoding="utf-8")
    page = tmp_path / "docs" / "ce-omnichannel" / "msdyn_smsengagementctx.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("Stores context values for SMS", "Edited", 1), encoding="utf-8")
    return tmp_path


def build(root: Path, *extra: str) -> int:
    return main(["build", str(root / "docs"), "-o", str(root / "generated"), "-q", *extra])


def beside(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name not in ("docs", "generated"))


def fail_on_call(n: int, exc: BaseException, real: Callable[..., object]) -> Callable[..., object]:
    calls = 0

    def failing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == n:
            raise exc
        return real(*args, **kwargs)

    return failing


@pytest.mark.parametrize(
    ("where", "fault", "exit_code"),
    [
        ("template", jinja2.TemplateSyntaxError("unexpected '}'", 3), EXIT_BUG),
        ("formatter", ValueError("Cannot parse: 1:4: broken"), EXIT_BUG),
        ("disk", OSError(28, "No space left on device"), EXIT_OUTPUT),
        ("ctrl-c", KeyboardInterrupt(), EXIT_INTERRUPTED),
    ],
)
def test_a_fault_midway_leaves_the_folder_as_it_was(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    where: str,
    fault: BaseException,
    exit_code: int,
) -> None:
    before = tree(project / "generated")
    module, name = {
        "template": (generator.render.Templates, "render"),
        "formatter": (generator.targets.python_files, "formatted"),
        "disk": (write, "_write"),
        "ctrl-c": (write, "_write"),
    }[where]
    monkeypatch.setattr(module, name, fail_on_call(2, fault, getattr(module, name)))
    capsys.readouterr()
    assert build(project, "--no-cache") == exit_code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    assert "--debug" in err if exit_code == EXIT_BUG else "left as it was" in err
    if where == "template":  # one line, saying where
        assert "TemplateSyntaxError in a template:3: unexpected '}'" in err
    assert tree(project / "generated") == before
    assert beside(project) == []  # no staging folder, backup or lock left behind
    monkeypatch.undo()
    assert build(project) == EXIT_OK and tree(project / "generated") != before


def test_debug_shows_the_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    boom = jinja2.TemplateSyntaxError("unexpected '}'", 3)
    render = generator.render.Templates.render
    monkeypatch.setattr(generator.render.Templates, "render", fail_on_call(1, boom, render))
    assert build(project, "--no-cache", "--debug") == EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" in err and "TemplateSyntaxError" in err


def test_a_bad_page_under_strict_writes_nothing(project: Path) -> None:
    before = tree(project / "generated")
    # a table page with a warning (a property given twice); a page that is not a
    # table page at all would be skipped with a note, under a folder (DV024)
    page = (
        "# t Entity Reference\n\n## Entity Properties\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|t|\n\n## Writable attributes\n\n### a\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|a|\n|MaxLength|10|\n|MaxLength|20|\n|Type|String|\n"
    )
    (project / "docs" / "broken.md").write_text(page, encoding="utf-8")
    assert build(project, "--strict") == EXIT_INPUT
    assert tree(project / "generated") == before
    assert beside(project) == []


_KILLER = """
import os, signal, sys
from generator.output import write
from generator.cli import main

real, calls = write._write, 0

def dying(path, data):
    global calls
    calls += 1
    if calls == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
    real(path, data)

write._write = dying
main(["build", sys.argv[1], "-o", sys.argv[2], "-q", "--no-cache"])
"""


@pytest.mark.parametrize("after", [1, 3])
def test_a_build_killed_while_writing_leaves_the_folder_as_it_was(
    project: Path, after: int
) -> None:
    before = tree(project / "generated")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _KILLER,
            str(project / "docs"),
            str(project / "generated"),
            str(after),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    assert tree(project / "generated") == before
    left = beside(project)
    assert any(name.startswith(".generated.staging-") for name in left)  # it died mid-stage
    assert build(project) == EXIT_OK  # the next build clears what it left
    assert beside(project) == []
    assert (project / "generated" / "mine.txt").read_text(encoding="utf-8") == "a user's file"


def test_an_output_path_that_is_a_file_is_refused_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Swapping a folder in would have moved the user's file aside."""
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    mine = tmp_path / "generated"
    mine.write_text("my notes", encoding="utf-8")
    assert build(tmp_path) == EXIT_OUTPUT
    err = capsys.readouterr().err
    assert f"cannot write {mine}: it is a file, not a folder" in err
    assert mine.read_text(encoding="utf-8") == "my notes"
    assert beside(tmp_path) == []


def test_an_output_path_that_is_a_symlink_writes_where_it_points(tmp_path: Path) -> None:
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "generated").symlink_to(tmp_path / "elsewhere")
    assert build(tmp_path) == EXIT_OK
    assert (tmp_path / "generated").is_symlink()
    assert (tmp_path / "elsewhere" / "model" / "msdyn_smsengagementctx.yaml").is_file()
    assert build(tmp_path) == EXIT_OK  # and again, through the link
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "elsewhere", "generated"]


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_between_the_two_renames_waits_for_the_swap(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], threads: int
) -> None:
    """Ctrl-C between the renames of a swap left no generated/ (only the backup)
    while dvgen said it was left as it was (issue 18, point 10). The signal is
    now held until the new folder is in place, and dvgen says so; also while
    another thread runs (a progress bar's), which the kernel may hand it to."""
    real = os.rename
    out = project / "generated"

    def rename(src: object, dst: object) -> None:
        real(src, dst)  # type: ignore[arg-type]
        if Path(str(src)) == out:  # the old folder just moved aside: Ctrl-C now
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "rename", rename)
    # Ctrl-C as a terminal delivers it (a test runner's worker may ignore SIGINT)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()
    others = [threading.Thread(target=stop.wait) for _ in range(threads - 1)]
    for other in others:
        other.start()
    capsys.readouterr()
    try:
        assert build(project, "--no-cache") == EXIT_INTERRUPTED
    finally:
        stop.set()
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert "interrupted; the output folder had already been written in full" in err
    monkeypatch.undo()
    assert (out / "mine.txt").read_text(encoding="utf-8") == "a user's file"
    assert "Edited" in (out / "model" / "msdyn_smsengagementctx.yaml").read_text(encoding="utf-8")
    assert beside(project) == []


def test_a_users_folder_named_like_a_backup_is_kept_and_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seen through the command: the folder stays, and the note says why."""
    theirs = project / ".generated.old-7"
    theirs.mkdir()
    (theirs / "v1.txt").write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert build(project) == EXIT_OK
    err = capsys.readouterr().err
    assert "dvgen: note: left .generated.old-7 beside generated/ as it is" in err
    assert (theirs / "v1.txt").read_text(encoding="utf-8") == "mine"
    assert beside(project) == [".generated.old-7"]


def test_a_build_returns_only_once_the_old_folder_is_deleted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old folder is deleted by a thread while the cache is saved; the
    build waits for it, so nothing of it is left beside the output once
    dvgen is done, however slow the deletion."""
    assert build(project) == EXIT_OK
    real = shutil.rmtree
    slow: list[str] = []

    def slow_rmtree(path: object, *args: object, **kwargs: object) -> None:
        if ".old-" in str(path):
            slow.append(str(path))
            threading.Event().wait(0.5)  # a large folder on a slow disk
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "rmtree", slow_rmtree)
    page = project / "docs" / "ce-omnichannel" / "msdyn_smsengagementctx.md"
    page.write_text(page.read_text(encoding="utf-8").replace("SMS", "Text", 1), encoding="utf-8")
    assert build(project) == EXIT_OK
    assert slow and beside(project) == []
