"""What dvgen prints never acts on a terminal (issue 18, point 16): a file
name from the command line with an escape sequence, a newline, a
bidirectional control or a byte that is not UTF-8 is shown escaped, in
diagnostics and in dvgen's own lines alike."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostic, terminal_safe
from tests.helpers import SEED_LEGACY

EVIL = "evil\x1b]0;pwned\x07\x1b[2J\nforged: error: x\u202etxt.md"


def test_terminal_safe_escapes_what_acts_on_a_terminal() -> None:
    assert terminal_safe(EVIL) == (
        "evil\\x1b]0;pwned\\x07\\x1b[2J\\x0aforged: error: x\\u202etxt.md"
    )
    assert terminal_safe("plain ascii, ümlaut and 中文") == "plain ascii, ümlaut and 中文"
    line = Diagnostic("error", "DV001", "a\nb", EVIL, 3).format()
    assert "\x1b" not in line and "\n" not in line and "\u202e" not in line


@pytest.mark.parametrize("name", [EVIL, os.fsdecode(b"bad\xff\x1b[31m.md")])
def test_a_hostile_file_name_reaches_stderr_escaped(tmp_path: Path, name: str) -> None:
    page = tmp_path / name
    shutil.copy(SEED_LEGACY, page)
    page.write_bytes(page.read_bytes()[:0])  # empty: an error that names the file
    missing = tmp_path / f"{name}-missing"
    out = tmp_path / f"out{EVIL[:9]}"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(page), str(missing), "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1
    err = done.stderr
    assert b"\x1b" not in err and b"\x07" not in err and "\u202e".encode() not in err
    lines = err.decode("utf-8", "replace").splitlines()
    assert not any(line.startswith("forged") for line in lines)
    said = ("the page is empty", "the file name is not UTF-8")  # the second: bytes not UTF-8
    assert any(any(s in line for s in said) and "\\x1b" in line for line in lines)
