"""Two tables whose files would have the same name, exactly or but for case,
are an error naming both, and nothing is written (issue 18, point 5):
``new_ab1`` and ``new_ab_1`` overwrote each other's Python module and the
registry mapped one to the other's class, with exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_INPUT, EXIT_OK
from tests.helpers import tree
from tests.test_collisions import NOTES


def page(name: str) -> str:
    return NOTES.replace("notes", name)


@pytest.fixture
def project(built_project: Path) -> Path:
    return built_project


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ("new_ab1", "new_ab_1", "would both be written to the python file new_ab_1.py"),
        ("new_Ab", "new_ab", "would both be written to the model file new_ab.yaml"),
    ],
)
def test_tables_whose_files_collide_are_refused(
    project: Path, capsys: pytest.CaptureFixture[str], first: str, second: str, said: str
) -> None:
    for name in (first, second):
        (project / "schema_docs" / f"{name}.md").write_text(page(name), encoding="utf-8")
    before = tree(project / "generated")
    capsys.readouterr()
    assert main(["build", "-q"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"tables {min(first, second)} and {max(first, second)} {said}" in err
    assert "[DV035]" in err and tree(project / "generated") == before


def test_only_the_targets_built_are_checked(project: Path) -> None:
    for name in ("new_ab1", "new_ab_1"):
        (project / "schema_docs" / f"{name}.md").write_text(page(name), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ntargets = ["model", "typescript", "odata"]\n', encoding="utf-8"
    )
    assert main(["build", "-q"]) == EXIT_OK  # TypeScript names its modules apart itself
    modules = sorted(p.name for p in (project / "generated" / "typescript" / "src").iterdir())
    assert {"new_ab_1.ts", "new_ab_1_2.ts"} <= set(modules)
