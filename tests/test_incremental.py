"""Incremental builds: unchanged pages are not parsed, unchanged tables not
rendered, unchanged files not rewritten, and the output is always byte for
byte what a cold build writes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from generator.build import BuildResult, generate
from generator.cli import main
from generator.config import CACHE_ENV, Config
from generator.engine.store import KINDS, LAYOUT
from generator.exits import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from tests.helpers import copy_pages

SMS = "schema_docs/ce-omnichannel/msdyn_smsengagementctx.md"
BASE = "schema_docs/ce-developer/msdyn_ocliveworkitem.md"


@pytest.fixture(scope="module")
def _pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_pages(tmp_path_factory.mktemp("pages"))


@pytest.fixture
def project(_pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """schema_docs/ plus every corpus variant folder, its cache in the project."""
    monkeypatch.delenv(CACHE_ENV)
    shutil.copytree(_pages, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture(scope="module")
def first_build(_pages: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(_pages, root, dirs_exist_ok=True)
    saved = os.environ.pop(CACHE_ENV)
    try:
        return root, build(root)
    finally:
        os.environ[CACHE_ENV] = saved


@pytest.fixture
def built(
    first_build: tuple[Path, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``project`` after one full build (copied, mtimes and cache included)."""
    monkeypatch.delenv(CACHE_ENV)
    shutil.copytree(first_build[0], tmp_path, dirs_exist_ok=True, symlinks=True)
    return tmp_path


def config(
    root: Path,
    out: str = "generated",
    inputs: tuple[str, ...] = ("schema_docs", "corpus"),
    cache: str | None = ".dvgen-cache",
) -> Config:
    # the version is pinned: these tests hold incremental builds to cold ones,
    # which have no previous build to follow (tests/test_versioning.py tests that)
    return Config(base=root, inputs=inputs, output=out, cache=cache, version="1.0.0")


def build(root: Path, inputs: tuple[str, ...] = ("schema_docs", "corpus")) -> BuildResult:
    result = generate(config(root, inputs=inputs))
    assert not result.failed(strict=False)
    return result


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cold(root: Path, inputs: tuple[str, ...] = ("schema_docs", "corpus")) -> dict[str, bytes]:
    """What a build with no cache writes, in a folder of its own."""
    result = generate(config(root, out="cold", inputs=inputs, cache=None))
    assert result.cache.pages_reused == 0 and result.cache.renders_reused == 0
    return {k: v for k, (v, _) in tree(root / "cold").items()}


def contents(folder: Path) -> dict[str, bytes]:
    return {k: v for k, (v, _) in tree(folder).items()}


def test_no_change_rebuild_parses_renders_and_writes_nothing(
    first_build: tuple[Path, BuildResult], built: Path
) -> None:
    """Also after the project moved: the copy lives in another folder."""
    project, first = built, first_build[1]
    assert first.cache.pages_parsed == first.pages > 40
    before = tree(project / "generated")
    inode = (project / "generated").stat().st_ino
    again = build(project)
    assert again.cache.pages_parsed == 0 and again.cache.pages_reused == first.pages
    assert again.cache.rendered == {}
    assert again.report is not None and again.report.written == again.report.removed == []
    assert tree(project / "generated") == before  # same bytes, same mtimes
    assert (project / "generated").stat().st_ino == inode  # not even swapped
    # a cached page still reports its diagnostics, under the page's new path
    assert [d.format().replace(str(project), "") for d in again.diagnostics.sorted()] == [
        d.format().replace(str(first_build[0]), "") for d in first.diagnostics.sorted()
    ]


def test_touching_a_page_without_changing_it_rebuilds_nothing(built: Path) -> None:
    project = built
    before = tree(project / "generated")
    os.utime(project / SMS, (1, 1))
    again = build(project)
    assert again.cache.pages_parsed == 0 and again.cache.rendered == {}
    assert tree(project / "generated") == before


def test_a_changed_page_rerenders_only_its_table(built: Path) -> None:
    project = built
    before = tree(project / "generated")
    page = project / "corpus" / "hybrid-table-reference" / "importjob.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("|MaxLength|110|", "|MaxLength|150|", 1),
        encoding="utf-8",
    )
    again = build(project)
    assert again.cache.pages_parsed == 1
    assert again.cache.rendered == {
        "model": ["importjob"],
        "odata": ["importjob"],  # its $metadata elements, and no other table's
        "python": ["importjob"],
        "typescript": ["importjob"],
    }
    after = tree(project / "generated")
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [
        "model/importjob.yaml",
        "odata/$metadata.xml",
        "python/dataverse_bindings/importjob.py",
        "python/manifest.json",  # records each page's hash, and each schema file's
        "python/schema/tables/importjob.json",  # the table's schema file, and no other
        "typescript/manifest.json",
        "typescript/schema/tables/importjob.json",
        "typescript/src/importjob.ts",
    ]
    assert contents(project / "generated") == cold(project)


def test_a_table_that_others_point_at_rerenders_them_too(project: Path) -> None:
    """The SMS table binds its Conversation lookup through Conversation's entity
    set: renaming that set must re-render SMS as well, and nothing else."""
    docs = ("schema_docs",)
    build(project, docs)
    page = project / BASE
    text = page.read_text(encoding="utf-8")
    row = "| **EntitySetName** | `msdyn_ocliveworkitems`|"
    assert row in text
    page.write_text(text.replace(row, row.replace("msdyn_ocliveworkitems", "conversations")))
    again = build(project, docs)
    assert sorted(again.cache.rendered["python"]) == [
        "msdyn_ocliveworkitem",
        "msdyn_smsengagementctx",
    ]
    # in $metadata, SMS binds its Conversation navigation to the renamed set,
    # and so does each type only pointed at through its navigation back to
    # Conversation (the partner of Conversation's lookup): those, and nothing else
    metadata = (project / "generated" / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    binding = re.compile(
        r'<EntitySet Name="\w+" EntityType="Microsoft\.Dynamics\.CRM\.(\w+)">'
        r'(?:(?!</EntitySet>).)*?Target="conversations"',
        re.S,
    )
    binds = set(binding.findall(metadata))
    assert len(binds) > 10 and "msdyn_smsengagementctx" in binds
    assert sorted(again.cache.rendered["odata"]) == sorted(binds | {"msdyn_ocliveworkitem"})
    sms = (project / "generated/python/dataverse_bindings/msdyn_smsengagementctx.py").read_text()
    assert '"conversations"' in sms
    assert contents(project / "generated") == cold(project, docs)


def test_vanished_table_files_go_but_user_files_stay(built: Path) -> None:
    project = built
    out = project / "generated"
    (out / "python" / "NOTES.md").write_text("mine\n", encoding="utf-8")
    (project / "corpus" / "app-extension" / "ratingvalue.md").unlink()
    again = build(project)
    assert again.report is not None
    assert "python/dataverse_bindings/ratingvalue.py" in again.report.removed
    assert not (out / "typescript/src/ratingvalue.ts").exists()
    assert (out / "python" / "NOTES.md").read_text(encoding="utf-8") == "mine\n"
    assert again.cache.rendered == {}  # the other tables did not change
    assert contents(out) == {**cold(project), "python/NOTES.md": b"mine\n"}


def test_a_damaged_cache_is_ignored(built: Path) -> None:
    project = built
    for entry in (project / ".dvgen-cache").rglob("*"):
        if entry.is_file() and entry.parent.name in KINDS:
            entry.write_text(json.dumps({"table": {"logical_name": 5}, "deps": []}))
    (project / "generated").rename(project / "old")
    again = build(project)
    assert again.cache.pages_reused == 0 and again.cache.renders_reused == 0
    assert contents(project / "generated") == cold(project)


def test_cache_folder_is_marked_and_holds_one_build(built: Path) -> None:
    project = built
    folder = project / ".dvgen-cache"
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert (
        (folder / "CACHEDIR.TAG")
        .read_text(encoding="utf-8")
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    pages = len(list((folder / LAYOUT / "pages").iterdir()))
    build(project, ("schema_docs",))
    assert len(list((folder / LAYOUT / "pages").iterdir())) == 3 < pages  # the rest was pruned


def test_a_failed_build_keeps_the_cache(built: Path) -> None:
    project = built
    entries = sorted((project / ".dvgen-cache").rglob("*"))
    (project / "schema_docs" / "empty.md").write_text("", encoding="utf-8")
    assert generate(config(project)).failed(strict=False)
    assert set(entries) <= set((project / ".dvgen-cache").rglob("*"))


def test_no_cache_and_check_write_no_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["schema_docs"]\n', encoding="utf-8"
    )
    assert main(["build", "-q", "--no-cache"]) == EXIT_OK
    assert main(["build", "--check", "-q"]) == EXIT_OK
    assert not (project / ".dvgen-cache").exists()
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["schema_docs"]\ncache = false\n', encoding="utf-8"
    )
    assert main(["build", "-q"]) == EXIT_OK
    assert not (project / ".dvgen-cache").exists()
    monkeypatch.setenv(CACHE_ENV, str(project / "elsewhere"))
    (project / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["schema_docs"]\ncache = ".c"\n', encoding="utf-8"
    )
    assert main(["build", "-q"]) == EXIT_OK
    assert (project / "elsewhere" / LAYOUT / "pages").is_dir() and not (project / ".c").exists()
    (project / "pyproject.toml").write_text("[tool.dvgen]\ncache = 3\n", encoding="utf-8")
    assert main(["build", "-q"]) == EXIT_USAGE


def test_verbose_build_says_what_it_reused(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    args = ["build", "schema_docs", "-o", "generated", "-v"]
    assert main(args) == EXIT_OK
    # tables only, though $metadata also rendered the types their lookups point at
    tables = "rendered 2 table(s) (msdyn_ocliveworkitem, msdyn_smsengagementctx)"
    assert tables in capsys.readouterr().err
    assert main(args) == EXIT_OK
    err = capsys.readouterr().err
    assert "parsed 0 page(s), 3 from the cache; rendered 0 table(s) (none)" in err
    assert main(["build", "schema_docs", "-o", "generated", "--format", "json"]) == EXIT_OK
    stats = json.loads(capsys.readouterr().out)["cache"]
    assert stats["pages_reused"] == 3 and stats["rendered"] == {}
    assert main(["build", "schema_docs", "nope", "-o", "generated", "-q"]) == EXIT_INPUT
