"""The packages' version follows the schema (issue 22, points 1 to 3): the
previous build is the baseline, the diff's rules pick the bump, the changelog
gains an entry per version, and the manifest records what built it from what.

Each test builds a project through the CLI, changing one page between builds
with the real versions of a corpus page.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import generator.build
import generator.manifests
import generator.versioning
from generator.cli import main
from generator.diff.compare import Change
from generator.exits import EXIT_DIFF, EXIT_INPUT, EXIT_OK, EXIT_USAGE
from generator.service import Operation, Service
from generator.targets.package_meta import Stamp, changelog
from generator.versioning import Previous, Release, bumped, decide, rule_bump
from tests.helpers import CORPUS, SCHEMA_DOCS, tree

SMS = CORPUS / "versions" / "msdyn_smsengagementctx"
OLD, NEW = SMS / "1323683.md", SMS / "4e2993d.md"  # NEW adds the column msdyn_smsprovider
PAGE = "docs/ce-omnichannel/msdyn_smsengagementctx.md"
DESCRIBED = "Unique identifier for entity instances"
SMS_SCHEMA = "schema/tables/msdyn_smsengagementctx.json"  # in each package


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    shutil.copyfile(OLD, tmp_path / PAGE)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["docs"]\ncache = false\n', encoding="utf-8"
    )
    return tmp_path


def build(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["build", "--config", str(project / "pyproject.toml"), *extra])
    return code, capsys.readouterr().err


def manifest(project: Path, package: str = "python") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (project / "generated" / package / "manifest.json").read_text(encoding="utf-8")
    )
    return data


def versions(project: Path) -> set[str]:
    """The version every file that names one gives."""
    out = project / "generated"
    pyproject = (out / "python" / "pyproject.toml").read_text(encoding="utf-8")
    (line,) = [x for x in pyproject.splitlines() if x.startswith("version = ")]
    return {
        line.split('"')[1],
        json.loads((out / "typescript" / "package.json").read_text())["version"],
        manifest(project)["package"]["version"],
        manifest(project, "typescript")["package"]["version"],
    }


def test_the_bump_follows_the_worst_change(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(project, capsys)[0] == EXIT_OK
    assert versions(project) == {"1.0.0"}
    # an addition: minor
    shutil.copyfile(NEW, project / PAGE)
    code, err = build(project, capsys)
    assert code == EXIT_OK and versions(project) == {"1.1.0"}
    assert "dvgen: version 1.1.0 (minor, from 1.0.0: 1 addition or behaviour change" in err
    assert "column-added msdyn_smsengagementctx.msdyn_smsprovider" in err
    # documentation only: patch
    page = (project / PAGE).read_text(encoding="utf-8")
    (project / PAGE).write_text(page.replace(DESCRIBED, "Unique id of a row"), encoding="utf-8")
    code, err = build(project, capsys)
    assert versions(project) == {"1.1.1"} and "(patch, from 1.1.0: 1 documentation change" in err
    # a breaking change (with a documentation change): major
    shutil.copyfile(OLD, project / PAGE)
    code, err = build(project, capsys)
    assert versions(project) == {"2.0.0"}
    assert "(major, from 1.1.1: 1 breaking change (column-removed" in err
    recorded = manifest(project)["package"]
    assert recorded["bump"] == "major" and recorded["previous"] == "1.1.1"
    assert recorded["why"][0].startswith("1 breaking change (column-removed")
    assert recorded == manifest(project, "typescript")["package"] | {"name": recorded["name"]}


def test_an_unchanged_build_keeps_version_changelog_and_bytes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    before = tree(project / "generated")
    code, err = build(project, capsys)
    assert code == EXIT_OK and "dvgen: version 1.1.0 (unchanged: no change)" in err
    assert tree(project / "generated") == before  # the manifest still says what made 1.1.0
    assert manifest(project)["package"]["bump"] == "minor"


def test_the_changelog_gains_an_entry_per_version_with_doc_text_escaped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    page = (project / PAGE).read_text(encoding="utf-8")
    hostile = "a <b>bold</b> @here [x](http://e) `tick` | pipe"
    (project / PAGE).write_text(page.replace(DESCRIBED, hostile), encoding="utf-8")
    build(project, capsys)
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    for package in ("python", "typescript"):
        text = (project / "generated" / package / "CHANGELOG.md").read_text(encoding="utf-8")
        headings = [line for line in text.splitlines() if line.startswith("## ")]
        assert headings == ["## 1.1.0", "## 1.0.1", "## 1.0.0"]  # newest first
        newest = text[text.index("## 1.1.0") : text.index("## 1.0.1")]
        assert (
            "Minor, from 1.0.1: 1 addition or behaviour change, 1 documentation change." in newest
        )
        assert "### Added and documented" in newest
        assert "`column-added` `msdyn_smsengagementctx.msdyn_smsprovider`" in newest
        for bad in ("<b>", "@here", "[x](", "| pipe"):
            assert bad not in text
        assert "&#64;here" in text  # what the page's parse left of the markup is escaped


def test_a_changelog_entry_cannot_break_out_of_its_list() -> None:
    hostile = "x\n## 9.9.9\n<script>@octocat</script> **b** [l](http://e) `t` | y"
    change = Change("column-added", f"t{hostile}", f"t{hostile}.c", f"column c {hostile}")
    release = Release("1.1.0", "1.0.0", "minor", ("1 addition",), (change,))
    text = changelog(Stamp(release, ""), "python/", f"pkg{hostile}").decode()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [headings[0], "## 1.1.0", "### Added and documented"]
    assert "\n## 9.9.9" not in text
    # outside code spans (which show their text as it is), nothing is markup
    prose = re.sub(r"(`+).*?\1", "", text)
    for bad in ("<script>", "@octocat", "**b**", "[l]("):
        assert bad not in prose


def test_a_set_version_and_a_first_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + 'version-start = "0.3.0"\n', encoding="utf-8")
    build(project, capsys)
    assert versions(project) == {"0.3.0"}
    config.write_text(config.read_text() + 'version = "7.1.2"\n', encoding="utf-8")
    code, err = build(project, capsys)
    assert versions(project) == {"7.1.2"} and "7.1.2 (set by [tool.dvgen] version)" in err
    config.write_text(config.read_text().replace('"7.1.2"', '"7.1"'), encoding="utf-8")
    code, err = build(project, capsys)
    assert code == EXIT_USAGE and "version: expected a version MAJOR.MINOR.PATCH" in err


def test_the_manifest_is_the_baseline_even_without_the_model_target(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + 'targets = ["python", "typescript"]\n', encoding="utf-8")
    build(project, capsys)
    before = tree(project / "generated")
    assert build(project, capsys)[0] == EXIT_OK and tree(project / "generated") == before
    schema = json.loads((project / "generated" / "python" / SMS_SCHEMA).read_bytes())
    assert schema["entity_set_name"] == "msdyn_smsengagementctxes"
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    assert versions(project) == {"1.1.0"}


def test_a_manifest_without_a_schema_takes_any_change_as_breaking(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    for package in ("python", "typescript"):
        path = project / "generated" / package / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        del data["schema"]
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    shutil.copyfile(NEW, project / PAGE)
    err = build(project, capsys)[1]
    assert versions(project) == {"2.0.0"}
    assert "the previous build recorded no schema to compare with" in err


def test_the_schema_the_same_and_the_code_not_is_a_patch(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    config = project / "pyproject.toml"
    config.write_text(
        config.read_text() + '[tool.dvgen.python]\npackage = "other_bindings"\n', encoding="utf-8"
    )
    err = build(project, capsys)[1]
    assert versions(project) == {"1.0.1"}
    assert "the schema is the same, the generated code is not" in err


def test_a_broken_previous_manifest_stops_the_build_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    schema = project / "generated" / "python" / SMS_SCHEMA
    text = schema.read_text(encoding="utf-8")
    schema.write_text(
        text.replace('"entity_set_name": "msdyn_smsengagementctxes"', '"entity_set_name": 7')
    )
    line = next(
        i + 1
        for i, x in enumerate(schema.read_text().splitlines())
        if x.startswith('  "entity_set_name": ')
    )
    before = tree(project / "generated")
    shutil.copyfile(NEW, project / PAGE)
    code, err = build(project, capsys)
    assert code == EXIT_INPUT and f"{schema.as_posix()}:{line}: error: " in err and "[DV060]" in err
    assert "the previous build's manifest cannot be compared with" in err
    assert tree(project / "generated") == before
    path = project / "generated" / "python" / "manifest.json"
    path.write_text("{not json", encoding="utf-8")
    code, err = build(project, capsys)
    assert code == EXIT_INPUT and f"{path}:1: error: " in err and "not JSON" in err


# -- provenance -------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_manifest_records_each_source_and_its_docs_commit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = project / "docs"  # a docs checkout of its own, beside the project
    _git(docs, "init", "-q")
    _git(docs, "add", ".")
    _git(docs, "commit", "-q", "-m", "docs")
    head = _git(docs, "rev-parse", "HEAD")
    build(project, capsys)
    sources = {s["path"]: s for s in manifest(project)["sources"]}
    sms = sources["ce-omnichannel/msdyn_smsengagementctx.md"]
    assert sms["sha256"] == _sha256(project / PAGE)
    assert sms["git"] == {
        "commit": head,
        "path": "ce-omnichannel/msdyn_smsengagementctx.md",
        "modified": False,
    }
    settings = manifest(project)["generator"]["settings"]
    assert settings["inputs"] == ["docs"] and settings["targets"][0] == "model"
    # the docs move on without touching the pages: the packages stay byte-identical
    (docs / "unrelated.txt").write_text("x", encoding="utf-8")
    _git(docs, "add", ".")
    _git(docs, "commit", "-q", "-m", "unrelated")
    before = tree(project / "generated")
    build(project, capsys)
    assert tree(project / "generated") == before
    # an edited page, not yet committed, says so
    page = (project / PAGE).read_text(encoding="utf-8")
    (project / PAGE).write_text(page.replace(DESCRIBED, "Unique id"), encoding="utf-8")
    build(project, capsys)
    sms = {s["path"]: s for s in manifest(project)["sources"]}[sms["path"]]
    assert sms["git"]["modified"] is True and sms["sha256"] == _sha256(project / PAGE)


def test_docs_committed_beside_the_package_record_no_commit(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(project, "init", "-q")
    build(project, capsys)
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "docs and bindings")
    sms = {s["path"]: s for s in manifest(project)["sources"]}[
        "ce-omnichannel/msdyn_smsengagementctx.md"
    ]
    # the commit that holds the package holds its docs: built before it, it cannot name it
    assert "git" not in sms
    monkeypatch.chdir(project)
    assert main(["build", "--check"]) == EXIT_OK  # committing made nothing stale


def test_outside_a_git_checkout_sources_have_path_and_hash_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    sources = manifest(project, "typescript")["sources"]
    assert sources and all(set(s) == {"path", "sha256"} for s in sources)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "bump"),
    [
        ("column-removed", "major"),
        ("column-added", "minor"),
        ("lookup-target-added", "minor"),  # a warning: behaviour can change
        ("column-description-changed", "patch"),
        ("table-display-name-changed", "patch"),
    ],
)
def test_each_rule_asks_for_its_bump(rule: str, bump: str) -> None:
    assert rule_bump(rule) == bump


def test_bumps_reset_the_lower_parts() -> None:
    assert bumped("1.4.2", "major") == "2.0.0"
    assert bumped("1.4.2", "minor") == "1.5.0"
    assert bumped("1.4.2", "patch") == "1.4.3"
    assert bumped("1.4.2", "none") == "1.4.2"


# -- a package or its manifest as a side of dvgen diff -------------------------------


def diff(project: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["diff", "--config", str(project / "pyproject.toml"), *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


def test_diff_compares_two_drops_of_a_vendored_package(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build(project, capsys)
    shutil.copytree(project / "generated" / "python", project / "vendor-old")
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    monkeypatch.chdir(project)
    for old, new in [
        ("vendor-old", "generated/python"),
        ("vendor-old/manifest.json", "generated/typescript/manifest.json"),
    ]:
        code, report = diff(project, capsys, old, new)
        assert code == EXIT_OK
        (change,) = report["changes"]
        assert change["rule"] == "column-added"
        assert change["subject"] == "msdyn_smsengagementctx.msdyn_smsprovider"
        # it points at the column in the new manifest's schema
        lines = Path(change["file"]).read_text(encoding="utf-8").splitlines()
        assert lines[change["line"] - 1].strip() == '"logical_name": "msdyn_smsprovider",'
    code, report = diff(project, capsys, "generated/python", "vendor-old")
    assert code == EXIT_INPUT and report["changes"][0]["rule"] == "column-removed"


def test_diff_reads_a_package_at_a_git_revision(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(project, "init", "-q")
    build(project, capsys)
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "first drop")
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    monkeypatch.chdir(project)
    code, report = diff(project, capsys, "git:HEAD:generated/python", "generated/python")
    assert code == EXIT_OK and [c["rule"] for c in report["changes"]] == ["column-added"]
    code, report = diff(
        project, capsys, "git:HEAD:generated/python/manifest.json", "generated/python"
    )
    assert code == EXIT_OK and len(report["changes"]) == 1


def test_a_manifest_without_a_schema_is_no_side(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build(project, capsys)
    path = project / "generated" / "python" / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["schema"]
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.chdir(project)
    code = main(["diff", "generated/python", "generated/typescript"])
    captured = capsys.readouterr()
    assert code == EXIT_DIFF and "records no schema" in captured.err
    assert "no changes" not in captured.out


def test_an_older_dvgens_output_starts_the_first_version(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(project, capsys)
    for package in ("python", "typescript"):
        path = project / "generated" / package / "manifest.json"
        path.write_text('{"generator": "dvgen", "version": "0.1.0", "tables": {}}\n')
    code, err = build(project, capsys)
    assert code == EXIT_OK and versions(project) == {"1.0.0"}
    assert "version 1.0.0 (the first version: no previous build to follow)" in err


def test_operations_dropped_with_their_document_are_breaking() -> None:
    tables: dict[str, Any] = {}
    service = Service(operations=(Operation(kind="action", name="WinOpportunity"),))
    previous = Previous("1.2.0", "code", tables, service)
    dropped = decide(previous, tables, None, "code")
    assert dropped.version == "2.0.0" and dropped.changes[0].rule == "operation-removed"
    added = decide(Previous("1.2.0", "code", tables, None), tables, service, "code")
    assert added.version == "1.3.0" and added.changes[0].rule == "operation-added"


def test_an_unchanged_build_reads_no_table_of_the_schema(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed: every table's schema file is kept as it is, without
    being read into a model, compared or laid out again (make bench's
    no-change rebuild paid for all three); one change takes that table alone."""
    build(project, capsys)
    shutil.copyfile(NEW, project / PAGE)
    build(project, capsys)
    before = tree(project / "generated")
    read: list[str] = []
    laid_out: list[str] = []
    real_read, real_lay = generator.manifests._Files.table, generator.build.table_json

    def spy_read(self: Any, name: str, rel: str, raw: bytes) -> Any:
        read.append(name)
        return real_read(self, name, rel, raw)

    def spy_lay(table: Any) -> bytes:
        laid_out.append(table.logical_name)
        return real_lay(table)

    monkeypatch.setattr(generator.manifests._Files, "table", spy_read)
    monkeypatch.setattr(generator.build, "table_json", spy_lay)
    code, err = build(project, capsys)
    assert code == EXIT_OK and tree(project / "generated") == before
    assert "dvgen: version 1.1.0 (unchanged: no change)" in err
    assert read == laid_out == []
    page = (project / PAGE).read_text(encoding="utf-8")
    (project / PAGE).write_text(page.replace(DESCRIBED, "Unique id"), encoding="utf-8")
    code, err = build(project, capsys)
    assert code == EXIT_OK and "version 1.1.1 (patch, from 1.1.0" in err
    assert read == laid_out == ["msdyn_smsengagementctx"]


def test_an_edited_schema_file_is_written_again(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schema file is kept only as the manifest records it (its SHA-256): a
    hand edit, a bad merge of two regenerations or a deleted file is written
    again as the build has it. The table's model is what the manifest
    records, so it is unchanged: no spurious change from an edited file."""
    build(project, capsys)
    for package in ("python", "typescript"):
        path = project / "generated" / package / SMS_SCHEMA
        written = path.read_bytes()
        line = f'"description": "{DESCRIBED}'.encode()
        assert written.count(line) == 1
        for edit in (line.replace(b": ", b":  "), line + b"edited by hand"):
            path.write_bytes(written.replace(line, edit))
            code, err = build(project, capsys)
            assert code == EXIT_OK and "version 1.0.0 (unchanged: no change)" in err
            assert path.read_bytes() == written
        path.unlink()
        code, err = build(project, capsys)
        assert code == EXIT_OK and "version 1.0.0 (unchanged: no change)" in err
        assert path.read_bytes() == written


def test_a_build_reads_only_the_tables_that_changed_from_the_baseline(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table the previous manifest records exactly as this build has it is
    neither read nor compared: one page changed in a large project costs
    one table, not all of them; and the version, changelog and manifests
    are what reading them all gives."""
    build(project, capsys)
    whole = tmp_path_factory.mktemp("whole") / "project"
    shutil.copytree(project, whole)
    for folder in (project, whole):
        shutil.copyfile(NEW, folder / PAGE)
    read: list[str] = []
    real = generator.manifests._Files.table

    def spy(self: Any, name: str, rel: str, raw: bytes) -> Any:
        read.append(name)
        return real(self, name, rel, raw)

    monkeypatch.setattr(generator.manifests._Files, "table", spy)
    code, err = build(project, capsys)
    assert code == EXIT_OK and read == ["msdyn_smsengagementctx"]
    assert "version 1.1.0 (minor, from 1.0.0: 1 addition or behaviour change" in err
    # the same build with every table of the baseline read and compared
    every = generator.versioning.read_manifest

    def read_all(*args: Any, **kwargs: Any) -> Any:
        return every(*args, **{**kwargs, "reuse": None})

    monkeypatch.setattr(generator.versioning, "read_manifest", read_all)
    read.clear()
    code, err_whole = build(whole, capsys)
    assert code == EXIT_OK and len(read) > 1 and err_whole == err.replace(str(project), str(whole))
    assert tree(whole / "generated") == tree(project / "generated")
