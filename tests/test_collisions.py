"""A file dvgen would write where the output folder holds something dvgen did
not write (a user's file, folder, link or special file) is an error that
names it, and nothing is touched: a table ``notes`` appearing never silently
replaces a user's ``generated/model/notes.yaml`` (issue 18, point 4)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_OK, EXIT_OUTPUT
from tests.helpers import tree

NOTES = """\
# notes Entity Reference

## Entity Properties

|Property|Value|
|-|-|
|LogicalName|notes|
|EntitySetName|noteses|
|PrimaryIdAttribute|notesid|

## Writable attributes

### notesid

|Property|Value|
|-|-|
|LogicalName|notesid|
|Type|Uniqueidentifier|
"""


@pytest.fixture
def project(built_project: Path) -> Path:
    return built_project


def add_notes(project: Path) -> None:
    (project / "schema_docs" / "notes.md").write_text(NOTES, encoding="utf-8")


def refused(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Build, which must refuse and leave everything as it was; its message."""
    before = {**tree(project / "generated"), "(links)": repr(_links(project)).encode()}
    capsys.readouterr()
    assert main(["build", "-q"]) == EXIT_OUTPUT
    assert {**tree(project / "generated"), "(links)": repr(_links(project)).encode()} == before
    return capsys.readouterr().err


def _links(project: Path) -> list[tuple[str, str]]:
    return sorted(
        (str(p.relative_to(project)), os.readlink(p))
        for p in (project / "generated").rglob("*")
        if p.is_symlink()
    )


def test_a_users_file_is_never_replaced_by_a_new_tables(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "generated" / "model" / "notes.yaml").write_text("my notes\n", encoding="utf-8")
    add_notes(project)
    err = refused(project, capsys)
    assert "this build generates model/notes.yaml, but the output folder holds it already" in err
    assert "dvgen did not write it (not in .dvgen-manifest.json)" in err
    assert (project / "generated" / "model" / "notes.yaml").read_text() == "my notes\n"


@pytest.mark.parametrize("kind", ["folder", "link", "fifo"])
def test_a_users_folder_link_or_fifo_is_never_replaced(
    project: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = project / "generated" / "python" / "dataverse_bindings" / "notes.py"
    if kind == "folder":
        path.mkdir()
        (path / "keep.txt").write_text("mine", encoding="utf-8")
    elif kind == "link":
        (project / "elsewhere.py").write_text("mine", encoding="utf-8")
        path.symlink_to(project / "elsewhere.py")
    else:
        os.mkfifo(path)
    add_notes(project)
    assert "python/dataverse_bindings/notes.py" in refused(project, capsys)
    assert os.path.lexists(path)
    if kind == "link":
        assert (project / "elsewhere.py").read_text(encoding="utf-8") == "mine"


def test_a_users_file_where_dvgen_needs_a_folder(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(project / "generated" / "typescript")
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ntargets = ["model", "python", "odata"]\n', encoding="utf-8"
    )
    assert main(["build", "-q"]) == EXIT_OK  # typescript/ is dvgen's no longer
    (project / "generated" / "typescript").write_text("my notes", encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    assert "this build generates typescript," in refused(project, capsys)


def test_a_folder_from_before_manifests_is_taken_as_dvgens_where_identical(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "generated" / ".dvgen-manifest.json").unlink()
    assert main(["build", "-q"]) == EXIT_OK
    assert (project / "generated" / ".dvgen-manifest.json").is_file()
    # but not where it differs
    (project / "generated" / ".dvgen-manifest.json").unlink()
    module = project / "generated" / "model" / "msdyn_smsengagementctx.yaml"
    module.write_text("edited by hand\n", encoding="utf-8")
    assert "model/msdyn_smsengagementctx.yaml" in refused(project, capsys)


def test_a_fifo_in_place_of_the_manifest_is_refused_not_read(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by tests/test_fs_fuzz.py: dvgen opened it, and waited forever for
    a writer."""
    manifest = project / "generated" / ".dvgen-manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    add_notes(project)
    assert "this build generates .dvgen-manifest.json," in refused(project, capsys)
    assert stat.S_ISFIFO(manifest.lstat().st_mode)
