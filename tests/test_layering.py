"""The layers import each other one way only: the engine runs stages and
knows the model and the render contract, never a target; a target is a
function of the model and imports no engine; the light command line imports
nothing heavy at import time (tests/test_cli.py checks what it loads)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

GENERATOR = ROOT / "generator"


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((GENERATOR / folder).glob("*.py"))


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("engine", ("generator.targets", "generator.build", "generator.commands")),
        ("targets", ("generator.engine", "generator.build", "generator.commands")),
    ],
)
def test_a_layer_never_imports_the_other(folder: str, forbidden: tuple[str, ...]) -> None:
    assert modules(folder)
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(folder)
        for name in imports(path)
        if name.startswith(forbidden)
    }
    assert not bad


def test_the_check_finds_an_import_when_there_is_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from generator.targets import odata\n", encoding="utf-8")
    assert "generator.targets" in imports(module)
