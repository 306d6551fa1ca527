"""Which files a run reads, and how each is shown (:mod:`generator.inputs`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.inputs import collect, shown_path


def test_each_page_is_shown_as_resolving_it_alone_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``collect`` resolves each folder once, not each page: the same shown
    paths, through linked pages (pointing inside and outside) and ``..``,
    inside where dvgen runs and outside it."""
    run = tmp_path / "project"
    (run / "docs" / "a").mkdir(parents=True)
    (run / "docs" / "a" / "t1.md").write_text("x")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "t2.md").write_text("x")
    (outside / "t3.md").write_text("x")
    os.symlink(run / "docs" / "a" / "t1.md", run / "docs" / "t4.md")  # a page linked inside
    os.symlink(outside / "t3.md", run / "docs" / "a" / "t5.md")  # a page linked from outside
    monkeypatch.chdir(run)
    specs = ["docs", "docs/a/../a/t1.md", str(outside / "t2.md")]
    pages = collect(specs, run, Diagnostics())
    assert [p.shown_path for p in pages] == [shown_path(p.path) for p in pages]
    shown = {p.source_path: p.shown_path for p in pages}
    assert shown["a/t1.md"] == shown["t1.md"] == "docs/a/t1.md"  # the second named, with ..
    assert shown["t4.md"] == "docs/a/t1.md"  # a link inside: where it points
    assert shown["a/t5.md"] == (run / "docs" / "a" / "t5.md").as_posix()  # pointing outside
    assert shown["t2.md"] == (outside / "t2.md").as_posix()  # named by itself, outside
