"""Input a user can write never crashes dvgen (exit 70, "a bug in dvgen"):
each of these did (issue 18, points 11 and 12). Each is now a warning or an
error naming the file, with memory and time bounded."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import generator.engine.runner
from generator.cli import main
from generator.engine.workers import parse_task
from generator.exits import EXIT_DIFF, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT
from generator.parse.source import MAX_PAGE_BYTES
from tests.helpers import ROOT, SEED_LEGACY

FRONT = SEED_LEGACY.read_text(encoding="utf-8").split("---", 2)[
    2
]  # the page after its front matter
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.mark.parametrize(
    ("front", "code", "said"),
    [
        ("ms.date: 2024-02-30\n", "DV107", "day is out of range for month"),
        (f"ms.date: 12/01/2024\nbig: {'9' * 5000}\n", None, None),
        ("x: " + "[" * 20000 + "]" * 20000 + "\n", "DV106", "nests deeper than 20"),
        (BOMB, "DV106", "aliases are not allowed in front matter"),
        ("x: '" + "y" * 70000 + "'\n", "DV106", "is over 64 KiB"),
    ],
    ids=["impossible-date", "5000-digits", "20000-brackets", "alias-bomb", "huge"],
)
def test_front_matter_cannot_crash_a_build(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    front: str,
    code: str | None,
    said: str | None,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "sms.md").write_text(f"---\n{front}---{FRONT}", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.dvgen]\ninputs = ["docs"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--format", "json"]) == EXIT_OK  # a warning at most: the page builds
    out = capsys.readouterr().out
    if code is not None:
        assert f'"code": "{code}"' in out and str(said) in out
    assert (tmp_path / "generated" / "model" / "msdyn_smsengagementctx.yaml").is_file()


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ("\nwhen: 2024-02-30", "a value YAML cannot read: day is out of range for month"),
        (f"\nbig: {'9' * 5000}", "a value YAML cannot read: Exceeds the limit"),
    ],
)
def test_a_hand_edited_model_cannot_crash_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str, said: str
) -> None:
    model = ROOT / "generated" / "model" / "msdyn_smsengagementctx.yaml"
    for side in ("old", "new"):
        (tmp_path / side).mkdir()
        text = model.read_text(encoding="utf-8")
        if side == "new":
            text = text.replace("\nlogical_name:", f"{edit}\nlogical_name:", 1)
        (tmp_path / side / model.name).write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "old"), str(tmp_path / "new")]) == EXIT_DIFF
    err = capsys.readouterr().err
    assert f"new/{model.name}: {said}" in err and "internal error" not in err


def test_ctrl_c_while_starting_is_a_clean_exit() -> None:
    """A Ctrl-C while dvgen imports its libraries printed a traceback."""
    starting = (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'black':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        "from generator.entry import run\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", starting, "build"], capture_output=True, text=True, check=False
    )
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stderr == "dvgen: interrupted while starting; nothing was read or written\n"


def test_a_huge_page_is_refused_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 6 GB (sparse) page was read whole before the size check, 6 GB of
    memory (issue 18, point 13): now at most the limit and one byte is read."""
    page = tmp_path / "huge.md"
    with page.open("wb") as fh:
        fh.truncate(6 * 1024**3)
    capsys.readouterr()
    assert main(["parse", str(page), "-o", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert f"huge.md: error: the page is {6 * 1024**3} bytes, more than the" in err
    assert f"{MAX_PAGE_BYTES} a table page can be [DV002]" in err


def _die_on_the_legacy_page(job: tuple[bytes, str, str]) -> object:
    if job[1].endswith("msdyn_smsengagementctx.md"):
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
    return parse_task(job)


def test_a_worker_killed_by_the_system_stops_the_build_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generator.engine.runner, "parse_task", _die_on_the_legacy_page)
    capsys.readouterr()
    out = tmp_path / "out"
    assert (
        main(["build", str(SEED_LEGACY.parent.parent), "-o", str(out), "-j", "2", "--no-cache"])
        == EXIT_OUTPUT
    )
    err = capsys.readouterr().err
    assert "a worker process died (killed by the system: out of memory?)" in err
    assert "internal error" not in err and not out.exists()


@pytest.mark.parametrize("redirect", [">/dev/full", ">&-", "2>&-"])
def test_a_full_or_closed_stream_is_no_crash(redirect: str) -> None:
    command = f"{shlex.quote(sys.executable)} -m generator diff schema_docs schema_docs {redirect}"
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode in (EXIT_OK, EXIT_OUTPUT), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if redirect == ">/dev/full":
        assert done.returncode == EXIT_OUTPUT and "No space left on device" in done.stderr


def test_a_page_whose_file_name_is_not_utf8_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It reached the model's sources and crashed its JSON (exit 70)."""
    (tmp_path / "docs").mkdir()
    shutil.copy(SEED_LEGACY, tmp_path / "docs" / os.fsdecode(b"sms\xff.md"))
    capsys.readouterr()
    assert main(["build", str(tmp_path / "docs"), "-o", str(tmp_path / "out")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "sms\\udcff.md: error: the file name is not UTF-8" in err and "[DV025]" in err
    assert "internal error" not in err and not (tmp_path / "out").exists()
