"""``docs/architecture.md`` stays true: every module it names exists, and
every module of ``generator/`` is named in it."""

from __future__ import annotations

import re

from tests.helpers import ROOT

DOC = ROOT / "docs" / "architecture.md"


def _named() -> set[str]:
    return set(re.findall(r"`(?:[\w/]+/)?(\w+\.py)`", DOC.read_text(encoding="utf-8")))


def _modules() -> set[str]:
    return {
        p.name
        for p in (ROOT / "generator").rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }


def test_every_module_named_exists() -> None:
    elsewhere = {p.name for d in ("tests", "templates", "bench") for p in (ROOT / d).rglob("*.py")}
    assert _named() - _modules() - elsewhere == set()


def test_every_module_is_named() -> None:
    assert _modules() - _named() == set()
