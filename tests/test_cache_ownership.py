"""dvgen writes and deletes only in a cache folder of its own.

A cache pointed at a shared place (``cache = "."``, or ``DVGEN_CACHE_DIR`` at a
CI cache folder) used to delete every sibling named ``v<digits>`` and write
``CACHEDIR.TAG`` and a ``.gitignore`` of ``*`` there, git-ignoring a whole
project. Now a folder that holds anything dvgen did not write is not used
(a warning, DV034; the build goes on without a cache), and inside its own
folder dvgen deletes only layouts made of nothing but its entries.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.config import CACHE_ENV
from generator.engine.store import LAYOUT
from generator.exits import EXIT_INPUT, EXIT_OK
from tests.helpers import SCHEMA_DOCS, tree


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    (root / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return root


def mine(folder: Path) -> dict[str, bytes]:
    """The user's things in ``folder``: everything but dvgen's output."""
    return {k: v for k, v in tree(folder).items() if not k.startswith(("generated/",))}


def test_the_project_root_as_cache_is_left_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.dvgen]\ncache = "."\n', encoding="utf-8")
    (project / "v1").mkdir()
    (project / "v1" / "important.txt").write_text("mine", encoding="utf-8")
    before = mine(project)
    for _ in range(2):
        assert main(["build"]) == EXIT_OK
        err = capsys.readouterr().err
        assert "holds files dvgen did not write" in err and "[DV034]" in err
        assert mine(project) == before  # no CACHEDIR.TAG, no .gitignore, v1/ kept
    assert main(["build", "--strict"]) == EXIT_INPUT  # a warning, as the setting is ignored


def test_a_shared_cache_folder_from_the_environment_is_left_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = project.parent / "ci-cache"
    (shared / "v7").mkdir(parents=True)
    (shared / "v7" / "notes.txt").write_text("another tool's", encoding="utf-8")
    (shared / "pip").mkdir()
    before = tree(shared)
    monkeypatch.setenv(CACHE_ENV, str(shared))
    assert main(["build", "-q"]) == EXIT_OK
    assert main(["diff", "schema_docs", "schema_docs"]) == EXIT_OK
    assert "holds files dvgen did not write" in capsys.readouterr().err
    assert tree(shared) == before and sorted(p.name for p in shared.iterdir()) == ["pip", "v7"]


def test_a_file_as_cache_folder_is_left_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "cache-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(project / "cache-file"))
    assert main(["build", "-q"]) == EXIT_OK
    assert (project / "cache-file").read_text(encoding="utf-8") == "not a folder"


def test_a_new_or_empty_folder_becomes_dvgens_and_is_used(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in (project.parent / "new", project.parent / "empty"):
        if folder.name == "empty":
            folder.mkdir()
        monkeypatch.setenv(CACHE_ENV, str(folder))
        assert main(["build", "-q", "-o", f"out-{folder.name}"]) == EXIT_OK
        assert (folder / "CACHEDIR.TAG").is_file() and (folder / LAYOUT).is_dir()
        assert main(["build", "-v", "-o", f"out-{folder.name}"]) == EXIT_OK
        err = capsys.readouterr().err
        assert "DV034" not in err and "3 from the cache" in err  # its pages were reused


def test_only_layouts_made_of_dvgens_entries_are_pruned(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = project.parent / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    assert main(["build", "-q"]) == EXIT_OK
    old = cache / "v1" / "pages"  # an older dvgen's layout: its entries only
    old.mkdir(parents=True)
    (old / ("ab" * 32)).write_text("{}", encoding="utf-8")
    kept = cache / "v3"  # a v<digits> folder with a user's file in it
    kept.mkdir()
    (kept / "notes.txt").write_text("mine", encoding="utf-8")
    outside = project.parent / "elsewhere"
    (outside / "pages").mkdir(parents=True)
    (outside / "pages" / ("cd" * 32)).write_text("{}", encoding="utf-8")
    os.symlink(outside, cache / "v4")  # a link to somewhere else: never followed
    (project / "schema_docs" / "ce-omnichannel" / "msdyn_smsengagementctx.md").touch()
    assert main(["build", "-q", "--no-cache"]) == EXIT_OK  # writes nothing to the cache
    assert main(["build", "-q"]) == EXIT_OK
    assert not (cache / "v1").exists()
    assert (kept / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (cache / "v4").is_symlink() and (outside / "pages" / ("cd" * 32)).is_file()
