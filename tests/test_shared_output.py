"""An output folder that is, or holds, what is not dvgen's to swap (the
project, the working folder, an input, the cache, the templates) is refused
before anything is read or written (issue 18, point 1): ``dvgen build -o .``
swapped the whole project, dropping its links, empty folders and FIFOs and
resetting a 0700 folder to 0755."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.config import CACHE_ENV
from generator.exits import EXIT_OK, EXIT_OUTPUT
from tests.helpers import SCHEMA_DOCS
from tests.test_user_entries import entries


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    (root / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    (root / "link").symlink_to("schema_docs")
    (root / "empty").mkdir()
    os.mkfifo(root / "pipe")
    (root / "private").mkdir(mode=0o700)
    (root / "private" / "key").write_text("secret", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def refused(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> str:
    before = entries(project.parent)
    capsys.readouterr()
    assert main(list(argv)) == EXIT_OUTPUT
    assert entries(project.parent) == before  # not even a lock file beside it
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["build", "-o", "."], "and it is the project (pyproject.toml's folder)"),
        (["build", "-o", ".."], "project: the project (pyproject.toml's folder)"),
        (["parse", "schema_docs", "-o", "."], "and it is the project"),
        (["build", "-o", "schema_docs"], "and it is the input 'schema_docs'"),
    ],
)
def test_an_output_folder_that_holds_the_project_or_an_input_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    err = refused(capsys, project, *argv)
    assert said in err and "a build replaces its output folder whole" in err


def test_the_working_folder_and_a_glob_inputs_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["schema_docs/*/*.md"]\noutput = "schema_docs"\n',
        encoding="utf-8",
    )
    assert "the input 'schema_docs/*/*.md'" in refused(capsys, project, "build")
    work = project / "private"
    monkeypatch.chdir(work)
    (project / "pyproject.toml").write_text('[tool.dvgen]\noutput = "private"\n', encoding="utf-8")
    err = refused(capsys, project, "build", "--config", str(project / "pyproject.toml"))
    assert "and it is the working folder" in err


def test_an_output_folder_that_holds_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(project / "out" / "cache"))
    assert "the cache" in refused(capsys, project, "build", "-o", "out")


def test_a_folder_of_its_own_is_fine(project: Path) -> None:
    assert main(["build", "-q", "-o", "bindings"]) == EXIT_OK
    assert (project / "bindings" / ".dvgen-manifest.json").is_file()
