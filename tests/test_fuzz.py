"""Fuzzing: no page, however broken or hostile, crashes dvgen, hangs it, or
gets code into what it generates (the property is tests/fuzzing.survives).

``make test`` runs a fixed set of examples (derandomized: the same ones on
every machine); ``make fuzz`` runs many more, each time new ones, and keeps
the smallest page that breaks the property in ``.fuzz-crashes/``. Such a
page, once fixed, goes to ``tests/fixtures/fuzz/`` as a regression test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from hypothesis import given

from generator.output.write import UnsafePath
from tests import fuzzing
from tests.fuzzing import grammar_pages, mutated_pages, save_crash, survives
from tests.helpers import FIXTURES, ROOT

CRASHES = ROOT / ".fuzz-crashes"
REGRESSIONS = sorted((FIXTURES / "fuzz").glob("*.md"))


def check(data: bytes, test: str) -> None:
    try:
        survives(data)
    except BaseException:
        save_crash(data, CRASHES / f"{test}.md")
        raise


@given(grammar_pages())
def test_pages_from_the_grammar_survive(data: bytes) -> None:
    check(data, "grammar")


@given(mutated_pages())
def test_mutated_corpus_pages_survive(data: bytes) -> None:
    check(data, "mutated")


@pytest.mark.parametrize("page", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_pages_that_once_broke_dvgen_survive(page: Path) -> None:
    survives(page.read_bytes(), f"fuzz/{page.name}")


def test_the_regression_folder_holds_the_extremes() -> None:
    assert {"nested-quotes", "nul-byte", "invalid-utf8", "huge-cell"} <= {
        p.stem for p in REGRESSIONS
    }


def test_the_property_catches_generated_code_that_does_not_compile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = (FIXTURES / "fuzz" / "controls.md").read_bytes()
    survives(page)
    for files, error in (({"p/x.py": b"def ("}, SyntaxError), ({"../x.py": b""}, UnsafePath)):
        monkeypatch.setattr(fuzzing, "python_package", lambda *_, files=files, **__: files)
        with pytest.raises(error):
            survives(page)


def test_a_breaking_page_is_kept_for_the_regression_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes) -> None:
        raise ValueError(f"broke on {data!r}")

    monkeypatch.setattr(sys.modules[__name__], "CRASHES", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "survives", broken)
    for data in (b"big page", b"small"):  # hypothesis replays the smallest last
        with pytest.raises(ValueError, match="broke on"):
            check(data, "grammar")
    assert (tmp_path / "grammar.md").read_bytes() == b"small"


def test_a_hang_is_cut_short() -> None:
    with pytest.raises(fuzzing.Hang), fuzzing.bounded(1):
        time.sleep(30)
