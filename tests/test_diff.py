"""``dvgen diff`` end to end: real page history, every format, --fail-on,
ignore entries, git revisions, and inputs that cannot be diffed."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console
from syrupy.assertion import SnapshotAssertion

from generator.cli import main
from generator.config import CACHE_ENV
from generator.diff.compare import Change
from generator.diff.formats import md_code, md_text, render_github, render_markdown, render_text
from generator.diff.ignore import IgnoreEntry, IgnoreError, apply, parse_ignore_file
from generator.diff.report import DiffReport
from generator.engine.folder import CACHEDIR_TAG
from generator.engine.store import LAYOUT
from generator.exits import EXIT_DIFF, EXIT_INPUT, EXIT_OK, EXIT_USAGE
from generator.model import Table
from generator.modelio import dump_table
from tests.helpers import CORPUS, FIXTURES, ROOT, SCHEMA_DOCS, build_tables

VERSIONS = CORPUS / "versions"
BROKEN = FIXTURES / "broken"
#: each page's versions, oldest first (by ms.date; the undated one last, as catalogued)
HISTORY = {
    "msdyn_smsengagementctx": ["1323683", "4e2993d", "8ec7740"],
    "bookingstatus": ["541aac2", "44c8258", "59b7cee"],
    "activitypointer": ["1037bc9", "44c8258", "e0817b2"],
}
PAIRS = [(t, a, b) for t, vs in HISTORY.items() for a, b in itertools.pairwise(vs)]
SMS_OLD = "versions/msdyn_smsengagementctx/1323683.md"
SMS_NEW = "versions/msdyn_smsengagementctx/4e2993d.md"
SCHEMA = json.loads((ROOT / "docs" / "diff-report.schema.json").read_text(encoding="utf-8"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def diff_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *argv, "--format", "json")
    payload = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(payload)
    return code, payload


def page(table: str, version: str) -> str:
    return f"versions/{table}/{version}.md"


# -- real history --------------------------------------------------------------

EXPECTED = {
    ("msdyn_smsengagementctx", "1323683", "4e2993d"): [
        ("column-added", "info", "msdyn_smsengagementctx.msdyn_smsprovider")
    ],
    ("msdyn_smsengagementctx", "4e2993d", "8ec7740"): [],
    ("bookingstatus", "541aac2", "44c8258"): [
        ("relationship-added", "info", "bookingstatus.TransactionCurrency_bookingstatus")
    ],
    ("bookingstatus", "44c8258", "59b7cee"): [],
    ("activitypointer", "1037bc9", "44c8258"): [],
    ("activitypointer", "44c8258", "e0817b2"): [
        ("lookup-target-added", "warning", f"activitypointer.regardingobjectid.{t}")
        for t in (
            "msdyn_bookingrule",
            "msdyn_resourceterritory",
            "msdyn_systemuserschedulersetting",
            "msdyn_timegroup",
            "msdyn_timegroupdetail",
        )
    ],
}


@pytest.mark.parametrize(("table", "old", "new"), PAIRS)
def test_real_history_reports_exactly_what_changed(
    capsys: pytest.CaptureFixture[str], in_corpus: Path, table: str, old: str, new: str
) -> None:
    code, payload = diff_json(
        capsys, page(table, old), page(table, new), "--config", str(in_corpus)
    )
    got = [(c["rule"], c["severity"], c["subject"]) for c in payload["changes"]]
    assert got == EXPECTED[(table, old, new)]
    assert code == EXIT_OK  # nothing breaking in these forward steps
    assert got_items(payload) == model_items(table, old, new)


def _items(t: Table) -> set[str]:
    """Columns, choice values, lookup targets and relationships, by name."""
    out = {a.logical_name for a in t.attributes if a.virtual is None}
    out |= {f"{a.logical_name}.{o.value}" for a in t.attributes for o in a.options}
    out |= {f"{a.logical_name}.{x}" for a in t.attributes for x in a.targets}
    rels = t.relationships
    out |= {r.schema_name for r in (*rels.one_to_many, *rels.many_to_one, *rels.many_to_many)}
    return out


def model_items(table: str, old: str, new: str) -> set[str]:
    """What differs between the two models, worked out independently of the diff."""
    a = build_tables(VERSIONS / table / f"{old}.md")[0][table]
    b = build_tables(VERSIONS / table / f"{new}.md")[0][table]
    differ = _items(a) ^ _items(b)
    # the values and targets of an added or removed column come with it
    return {i for i in differ if "." not in i or i.split(".")[0] not in differ}


def got_items(payload: dict[str, Any]) -> set[str]:
    return {c["subject"].split(".", 1)[1] for c in payload["changes"]}


def test_going_back_in_history_is_breaking(
    capsys: pytest.CaptureFixture[str], in_corpus: Path
) -> None:
    code, payload = diff_json(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus))
    assert code == EXIT_INPUT
    assert payload["failed"] is True
    assert [(c["rule"], c["severity"], c["old"]) for c in payload["changes"]] == [
        ("column-removed", "breaking", "Picklist")
    ]
    assert payload["summary"] == {"breaking": 1, "warning": 0, "info": 0, "ignored": 0}


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_markdown_and_json_snapshots(
    capsys: pytest.CaptureFixture[str],
    in_corpus: Path,
    snapshot_file: SnapshotAssertion,
    pair: tuple[str, str, str],
) -> None:
    table, old, new = pair
    args = (page(table, old), page(table, new), "--config", str(in_corpus))
    _, markdown, _ = run(capsys, *args, "--format", "markdown")
    _, as_json, _ = run(capsys, *args, "--format", "json")
    assert markdown == snapshot_file(name="markdown")
    assert as_json == snapshot_file(name="json")


def test_text_and_github_formats_on_real_history(
    capsys: pytest.CaptureFixture[str], in_corpus: Path
) -> None:
    args = (SMS_NEW, SMS_OLD, "--config", str(in_corpus))
    code, text, _ = run(capsys, *args)
    assert code == EXIT_INPUT
    assert "\x1b[" not in text  # not a terminal: no colour
    assert re.search(r"breaking\s+column-removed\s+msdyn_smsprovider\s+column", text)
    assert text.rstrip().endswith("1 breaking; fails on breaking: FAILED")
    _, github, _ = run(capsys, *args, "--format", "github")
    first, summary = github.splitlines()
    assert first.startswith(f"::error file={SMS_OLD},line=")
    assert "title=dvgen diff%3A column-removed::" in first
    assert summary == "::error title=dvgen diff::1 breaking"


def test_changes_point_at_their_line(capsys: pytest.CaptureFixture[str], in_corpus: Path) -> None:
    _, payload = diff_json(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus))
    (change,) = payload["changes"]
    assert change["file"] == SMS_NEW
    line = (CORPUS / SMS_NEW).read_text(encoding="utf-8").splitlines()[change["line"] - 1]
    assert line.startswith("### ") and "msdyn_smsprovider" in line


# -- --fail-on -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fail_on", "breaking_pair", "info_pair"),
    [("breaking", 1, 0), ("warning", 1, 0), ("info", 1, 1), ("never", 0, 0)],
)
def test_fail_on_sets_the_exit_code(
    capsys: pytest.CaptureFixture[str],
    in_corpus: Path,
    fail_on: str,
    breaking_pair: int,
    info_pair: int,
) -> None:
    cfg = ("--config", str(in_corpus), "--fail-on", fail_on, "-q")
    assert run(capsys, SMS_NEW, SMS_OLD, *cfg)[0] == breaking_pair
    assert run(capsys, SMS_OLD, SMS_NEW, *cfg)[0] == info_pair


def test_fail_on_from_pyproject(capsys: pytest.CaptureFixture[str], in_corpus: Path) -> None:
    in_corpus.write_text('[tool.dvgen.diff]\nfail-on = "info"\n', encoding="utf-8")
    assert run(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus))[0] == EXIT_INPUT
    in_corpus.write_text('[tool.dvgen.diff]\nfail-on = "sometimes"\n', encoding="utf-8")
    code, _, err = run(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus))
    assert code == EXIT_USAGE and "fail-on: 'sometimes' is not one of" in err


# -- ignore entries ----------------------------------------------------------------

REMOVED = "msdyn_smsengagementctx.msdyn_smsprovider"


def test_ignore_file_silences_a_change_with_its_reason(
    capsys: pytest.CaptureFixture[str], in_corpus: Path
) -> None:
    (in_corpus.parent / ".dvgen-ignore").write_text(
        f"# accepted breaks\n\ncolumn-removed  {REMOVED}  expires:2999-12-31  we never used it\n",
        encoding="utf-8",
    )
    code, payload = diff_json(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus))
    assert code == EXIT_OK
    assert payload["changes"] == [] and payload["summary"]["ignored"] == 1
    (ignored,) = payload["ignored"]
    assert ignored["subject"] == REMOVED
    assert ignored["ignored_by"]["reason"] == "we never used it"
    assert ignored["ignored_by"]["expires"] == "2999-12-31"
    assert ignored["ignored_by"]["where"].endswith(".dvgen-ignore:3")


def test_expired_entry_fails_loudly(capsys: pytest.CaptureFixture[str], in_corpus: Path) -> None:
    (in_corpus.parent / ".dvgen-ignore").write_text(
        f"column-removed {REMOVED} expires:2020-01-31 until the migration\n", encoding="utf-8"
    )
    code, out, err = run(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--fail-on", "never")
    assert code == EXIT_USAGE
    assert re.search(
        r"\.dvgen-ignore:1: error: ignore entry column-removed .* expired on 2020-01-31", err
    )
    assert "column-removed" in out  # the change is reported again, not silenced


def test_ignore_entries_from_pyproject_and_an_explicit_file(
    capsys: pytest.CaptureFixture[str], in_corpus: Path, tmp_path: Path
) -> None:
    in_corpus.write_text(
        "[tool.dvgen.diff]\nignore = [\n"
        f'  {{ rule = "column-*", subject = "{REMOVED}", reason = "old", expires = 2999-01-01 }},\n'
        "]\n",
        encoding="utf-8",
    )
    code, payload = diff_json(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus))
    assert code == EXIT_OK
    assert payload["ignored"][0]["ignored_by"]["where"].endswith("[tool.dvgen].diff ignore[0]")
    extra = tmp_path / "mine.ignore"
    extra.write_text("choice-value-added *.*.* nobody switches\n", encoding="utf-8")
    code, _, err = run(
        capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--ignore-file", str(extra)
    )
    assert code == EXIT_OK
    assert "mine.ignore:1: note: ignore entry choice-value-added *.*.* matches no change" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("colum-removed a.b", "'colum-removed' names no change rule; did you mean column-removed?"),
        ("column-removed", "expected RULE SUBJECT"),
        ("column-removed a.b expires:31/12/2027", "'31/12/2027' is not a date"),
    ],
)
def test_bad_ignore_entries_name_file_and_line(
    capsys: pytest.CaptureFixture[str], in_corpus: Path, line: str, message: str
) -> None:
    (in_corpus.parent / ".dvgen-ignore").write_text(f"# header\n{line}\n", encoding="utf-8")
    code, out, err = run(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus))
    assert code == EXIT_USAGE and out == ""
    assert ".dvgen-ignore:2: " in err and message in err


def test_ignore_entries_match_globs_and_expire_by_date() -> None:
    entries = parse_ignore_file("choice-value-* t.c.* expires:2027-01-01 reason here\n", "f")
    added = Change("choice-value-added", "t", "t.c.3", "value 3 was added")
    other = Change("choice-value-added", "t", "t.d.3", "value 3 was added")
    applied = apply([added, other], entries, dt.date(2026, 12, 31))
    assert applied.kept == [other] and applied.ignored == [(added, entries[0])]
    applied = apply([added, other], entries, dt.date(2027, 1, 2))
    assert applied.kept == [added, other] and applied.expired == entries
    with pytest.raises(IgnoreError, match=r"^f:1: 'zzz' names no change rule"):
        parse_ignore_file("zzz t\n", "f")


# -- inputs that cannot be diffed -------------------------------------------------


def test_unreadable_sides_exit_4_and_never_say_no_changes(
    capsys: pytest.CaptureFixture[str], in_corpus: Path, tmp_path: Path
) -> None:
    bad_model = tmp_path / "bad.yaml"
    bad_model.write_text("logical_name: t\nattributes:\n- logical_name: a\n  max_length: lots\n")
    cases = {
        "versions/nope.md": "no such file or folder",
        str(BROKEN / "broken_table.md"): "the pages have errors",
        str(bad_model): "bad.yaml:4: attributes.0.max_length",
        "git:--upload-pack=x": "expected git:REV",
        str(ROOT / "pyproject.toml"): "an org's $metadata or a model (*.yaml)",
    }
    for spec, message in cases.items():
        code, out, err = run(capsys, spec, SMS_NEW, "--config", str(in_corpus))
        assert code == EXIT_DIFF, spec
        assert out == "", spec
        assert "cannot compute the diff" in err and message in err, (spec, err)


# -- models and git revisions -------------------------------------------------------


def test_models_and_pages_of_the_same_docs_do_not_differ(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for side in ("generated", "generated/model", "generated/model/msdyn_ocliveworkitem.yaml"):
        code, payload = diff_json(capsys, side, "schema_docs", "--fail-on", "info")
        if side.endswith(".yaml"):  # one table against three pages: the others are added
            assert {c["rule"] for c in payload["changes"]} == {"table-added"}
        else:
            assert (code, payload["changes"]) == (EXIT_OK, [])


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose schema_docs/ has the older SMS page committed, the newer one on disk."""
    root = tmp_path / "project"
    (root / "schema_docs" / "sms").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    target = root / "schema_docs" / "sms" / "msdyn_smsengagementctx.md"
    shutil.copyfile(CORPUS / SMS_OLD, target)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "old docs")
    shutil.copyfile(CORPUS / SMS_NEW, target)
    monkeypatch.chdir(root)
    return root


def test_git_revision_against_the_working_tree(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    code, payload = diff_json(capsys, "git:main", "schema_docs")
    assert code == EXIT_OK
    assert [(c["rule"], c["file"]) for c in payload["changes"]] == [
        ("column-added", "schema_docs/sms/msdyn_smsengagementctx.md")
    ]
    _git(repo, "commit", "-qam", "new docs")
    code, payload = diff_json(capsys, "git:HEAD", "git:HEAD~1")
    assert code == EXIT_INPUT and payload["changes"][0]["rule"] == "column-removed"
    code, payload = diff_json(capsys, "git:HEAD~1:schema_docs/sms", "git:HEAD:schema_docs/sms")
    assert [c["rule"] for c in payload["changes"]] == ["column-added"]
    code, out, err = run(capsys, "git:no-such-branch", "schema_docs")
    assert (code, out) == (EXIT_DIFF, "")
    assert "'no-such-branch' is not a revision of this repository" in err


def test_git_revision_falls_back_to_committed_models(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    assert main(["build", "-q"]) == EXIT_OK
    _git(repo, "rm", "-rq", "--cached", "schema_docs")
    _git(repo, "add", "generated")
    _git(repo, "commit", "-qm", "only models")
    code, payload = diff_json(capsys, "git:HEAD", "schema_docs")
    assert (code, payload["changes"]) == (EXIT_OK, [])
    code, _, err = run(capsys, "git:HEAD:nothing/here", "schema_docs")
    assert code == EXIT_DIFF and "has no pages under nothing/here/" in err


@pytest.mark.parametrize(
    "inputs", ["schema_docs/*/*.md", "schema_docs/**/*.md", "sch*/sms/[lm]*.md"]
)
def test_git_revisions_read_glob_inputs_not_stale_models(
    capsys: pytest.CaptureFixture[str], repo: Path, inputs: str
) -> None:
    """With inputs configured as a glob, a git side fell back to the committed
    (stale) models and said "no changes" although a column was removed from
    the pages (issue 18, point 6)."""
    (repo / "pyproject.toml").write_text(f'[tool.dvgen]\ninputs = ["{inputs}"]\n')
    assert main(["build", "-q"]) == EXIT_OK  # models of the newer page...
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "new docs and their models")
    target = repo / "schema_docs" / "sms" / "msdyn_smsengagementctx.md"
    shutil.copyfile(CORPUS / SMS_OLD, target)  # ...then the column goes from the page only
    _git(repo, "commit", "-qam", "a column removed from the page")
    code, payload = diff_json(capsys, "git:HEAD~1", "git:HEAD")
    assert code == EXIT_INPUT
    assert [(c["rule"], c["subject"]) for c in payload["changes"]] == [
        ("column-removed", "msdyn_smsengagementctx.msdyn_smsprovider")
    ]
    assert payload["changes"][0]["file"] == "schema_docs/sms/msdyn_smsengagementctx.md"


def test_git_outside_a_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, out, err = run(capsys, "git:main", str(SCHEMA_DOCS))
    assert (code, out) == (EXIT_DIFF, "")
    assert "is not inside a git repository" in err


# -- untrusted text in every format ----------------------------------------------------

HOSTILE = "x | y `z` <script>@octocat</script> **b** [l](http://e) \x1b[31mred\n::error::boom %0A"


def _hostile_report() -> DiffReport:
    change = Change("choice-label-changed", "t", "t.c.1", f"label changed to {HOSTILE}")
    report = DiffReport("old", "new", "breaking", changes=[change])
    report.where[change] = ("docs/t.md", 3)
    return report


def test_markdown_keeps_hostile_text_in_its_cell() -> None:
    row = next(line for line in render_markdown(_hostile_report()).splitlines() if "label" in line)
    cells = re.split(r"(?<!\\)\|", row)
    assert len(cells) == 6  # four cells between five pipes
    for bad in ("<script>", "@octocat", "**b**", "[l](", "\x1b"):
        assert bad not in row
    assert md_code("a`b|c") == "``a`b\\|c``"
    assert md_text("@here <b>") == "&#64;here \\<b\\>"


def test_github_annotations_cannot_be_split_or_forged() -> None:
    lines = render_github(_hostile_report()).splitlines()
    assert len(lines) == 2  # the change and the summary
    assert lines[0].startswith("::warning file=docs/t.md,line=3,title=")
    assert "%250A" in lines[0] and "\x1b" not in lines[0]


def test_text_colours_only_a_terminal_and_drops_control_characters() -> None:
    plain = Console(record=True, width=200, force_terminal=False)
    render_text(_hostile_report(), plain)
    text = plain.export_text()
    assert "\x1b" not in text and "red ::error::boom" in text
    colour = Console(record=True, width=200, force_terminal=True, color_system="standard")
    render_text(_hostile_report(), colour)
    styled = colour.export_text(styles=True)
    assert "\x1b[33m" in styled  # warning in yellow
    assert styled.count("\x1b[31m") == 0  # the page's own escape did not get through


def test_ignore_reasons_are_escaped_in_markdown() -> None:
    change = Change("column-added", "t", "t.c", "column c was added")
    entry = IgnoreEntry("column-added", "t.c", ".dvgen-ignore:1", "see @someone <b>")
    report = DiffReport("o", "n", "breaking", ignored=[(change, entry)])
    md = render_markdown(report)
    assert "1 ignored" in md and "&#64;someone \\<b\\>" in md


def test_model_side_round_trips_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A model folder written by hand (not by a build) is a side too."""
    tables, _ = build_tables(CORPUS / SMS_OLD)
    (tmp_path / "m").mkdir()
    for name, t in tables.items():
        (tmp_path / "m" / f"{name}.yaml").write_text(dump_table(t), encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path / "m"), str(CORPUS / SMS_NEW), "--format", "json")
    assert code == EXIT_OK and json.loads(out)["summary"]["info"] == 1


def test_markdown_stays_under_githubs_comment_limit() -> None:
    changes = [
        Change("column-added", f"t{i:04}", f"t{i:04}.c{j}", "column was added " + "x" * 60)
        for i in range(400)
        for j in range(5)
    ]
    md = render_markdown(DiffReport("o", "n", "breaking", changes=changes))
    assert len(md) < 65_536
    shown = md.count("| 🔵 info |")
    assert 0 < shown < len(changes)
    assert f"… and {len(changes) - shown} more change(s)" in md
    assert "### dvgen diff: 2000 info" in md  # the summary still counts them all


def test_diff_parses_through_the_build_cache_without_pruning_it(
    capsys: pytest.CaptureFixture[str],
    in_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    (cache / LAYOUT / "render").mkdir(parents=True)
    (cache / "CACHEDIR.TAG").write_text(CACHEDIR_TAG, encoding="utf-8")  # as a build left it
    (cache / LAYOUT / "render" / "kept").write_text("{}", encoding="utf-8")
    first = run(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--format", "json")
    pages = sorted((cache / LAYOUT / "pages").iterdir())
    assert len(pages) == 2  # one entry per page read
    assert (cache / LAYOUT / "render" / "kept").exists()  # a build's entries survive a diff
    for page in pages:  # the second diff reads the cached pages: prove it by editing one
        entry = json.loads(page.read_text(encoding="utf-8"))
        if entry["table"]["sources"][0]["path"] == "4e2993d.md":
            entry["table"]["description"] = "from the cache"
            page.write_text(json.dumps(entry), encoding="utf-8")
    _, second = diff_json(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus))
    rules = [c["rule"] for c in second["changes"]]
    assert rules == ["column-removed", "table-description-changed"]
    assert second["changes"][1]["old"] == "from the cache"
    _, cold = diff_json(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--no-cache")
    assert cold["changes"] == json.loads(first[1])["changes"]
    assert sorted((cache / LAYOUT / "pages").iterdir()) == pages


def test_a_revision_whose_blob_is_missing_is_no_crash(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A git revision with a missing blob (a damaged or partial clone) ended in
    exit 70 (issue 18, point 12): it is a diff that could not be computed."""
    _git(repo, "commit", "-qam", "new docs")
    blob = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD~1:schema_docs/sms/msdyn_smsengagementctx.md"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    code, out, err = run(capsys, "git:HEAD~1", "git:HEAD")
    assert (code, out) == (EXIT_DIFF, "")
    assert f"git has no content for schema_docs/sms/msdyn_smsengagementctx.md (blob {blob})" in err


@pytest.mark.parametrize("limit", [1000, 4000, 65_536])
def test_markdown_keeps_to_any_length_it_is_given(limit: int) -> None:
    changes = [
        Change("column-added", f"t{i:04}", f"t{i:04}.c{j}", "column was added " + "x" * 60)
        for i in range(400)
        for j in range(5)
    ]
    entry = IgnoreEntry("column-added", "t.z", ".dvgen-ignore:1", "known " + "y" * 100)
    report = DiffReport("o", "n", "breaking", changes=changes, ignored=[(changes[0], entry)])
    md = render_markdown(report, limit)
    assert len(md) <= limit and "### dvgen diff: 2000 info (1 ignored)" in md
    shown = md.count("| 🔵 info |")
    assert 0 < shown < len(changes) and f"… and {len(changes) - shown} more change(s)" in md


def test_max_length_is_checked_on_the_command_line(
    capsys: pytest.CaptureFixture[str], in_corpus: Path
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["diff", SMS_OLD, SMS_NEW, "--format", "markdown", "--max-length", "99"])
    assert stop.value.code == EXIT_USAGE and "at least 1000 characters" in capsys.readouterr().err
    code, out, _ = run(
        capsys,
        SMS_OLD,
        SMS_NEW,
        "--config",
        str(in_corpus),
        "--format",
        "markdown",
        "--max-length",
        "1000",
    )
    assert code == EXIT_OK and len(out) <= 1000 and "msdyn\\_smsprovider" in out
