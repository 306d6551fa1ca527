"""A docs folder as Microsoft publishes it builds and diffs (issue 18, point
17): an ``index.md`` or overview page beside the table pages is skipped with
a note (DV024), an error only when named on its own, and a ``toc.yml`` does
not make ``dvgen diff`` take the folder for a folder of models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_INPUT, EXIT_OK

OVERVIEW = "---\ntitle: About the table reference\n---\n# Table/entity reference\n\nRead on.\n"
NO_TITLE = "Welcome. This folder holds one page per table.\n"


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "entities"
    shutil.copytree(Path(__file__).parent.parent / "schema_docs", folder)
    (folder / "about-entity-reference.md").write_text(OVERVIEW, encoding="utf-8")
    (folder / "index.md").write_text(NO_TITLE, encoding="utf-8")
    (folder / "toc.yml").write_text("- name: Tables\n  href: index.md\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.dvgen]\ninputs = ["entities"]\n')
    monkeypatch.chdir(tmp_path)
    return folder


def test_a_published_docs_folder_builds_with_a_note_for_each_other_page(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--format", "json"]) == EXIT_OK
    notes = {
        (Path(d["file"]).name, d["message"])
        for d in json.loads(capsys.readouterr().out)["diagnostics"]
        if d["code"] == "DV024"
    }
    assert notes == {
        (
            "about-entity-reference.md",
            "skipped, not a table reference page (no Messages, Properties, columns or "
            "relationships section)",
        ),
        ("index.md", "skipped, not a table reference page (no '# Title' heading)"),
    }
    assert sorted(p.name for p in (docs.parent / "generated" / "model").glob("*.yaml")) == [
        "msdyn_ocliveworkitem.yaml",
        "msdyn_smsengagementctx.yaml",
    ]


def test_named_on_its_own_it_is_an_error(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(docs / "index.md"), "-o", "out"]) == EXIT_INPUT
    assert "index.md:1: error: no '# Title' heading" in capsys.readouterr().err


def test_diff_reads_a_docs_folder_with_a_toc(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = docs.parent / "older"
    shutil.copytree(docs, other)
    assert main(["diff", str(other), str(docs), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == []
