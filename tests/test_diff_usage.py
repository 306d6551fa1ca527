"""``dvgen diff --usage`` (issue 22, point 4): each change marked as used or
unused by a consumer's code, read by the language's own parser (``ast``;
tree-sitter's TypeScript grammar), and ``--only-used`` to fail only on what
the code touches. The consumers are small projects in
``tests/fixtures/consumers/``, written against the package generated from
the page that has the column ``msdyn_smsprovider``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.exits import EXIT_DIFF, EXIT_INPUT, EXIT_OK, EXIT_USAGE
from tests.helpers import CORPUS, FIXTURES, SCHEMA_DOCS

CONSUMERS = FIXTURES / "consumers"
SMS = CORPUS / "versions" / "msdyn_smsengagementctx"
PAGE = "ce-omnichannel/msdyn_smsengagementctx.md"
REMOVED = "msdyn_smsengagementctx.msdyn_smsprovider"
DESCRIBED = "msdyn_smsengagementctx.msdyn_smsengagementctxid"


@pytest.fixture
def sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """old: the page with msdyn_smsprovider; new: without it, and with another
    column's description changed (a change no consumer uses)."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(SCHEMA_DOCS, old)
    shutil.copyfile(SMS / "4e2993d.md", old / PAGE)
    shutil.copytree(old, new)
    text = (SMS / "1323683.md").read_text(encoding="utf-8")
    text = text.replace("Unique identifier for entity instances", "The row's id")
    (new / PAGE).write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dvgen]\ncache = false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return "old", "new"


def diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["diff", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


def _by_subject(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["subject"]: c for c in report["changes"]}


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_each_change_is_marked_used_or_unused(
    sides: tuple[str, str], capsys: pytest.CaptureFixture[str], language: str
) -> None:
    code, report, _ = diff(capsys, *sides, "--usage", str(CONSUMERS / language))
    assert code == EXIT_INPUT  # a breaking change, and --fail-on applies to all by default
    changes = _by_subject(report)
    removed, described = changes[REMOVED], changes[DESCRIBED]
    assert removed["rule"] == "column-removed" and removed["used"] is True
    assert described["rule"] == "column-description-changed" and described["used"] is False
    assert described["uses"] == []
    files = {Path(u["file"]).name for u in removed["uses"]}
    assert files == ({"sms.py"} if language == "python" else {"sms.ts"})  # not other.py
    source = Path(removed["uses"][0]["file"]).read_text(encoding="utf-8").splitlines()
    assert all("smsprovider" in source[u["line"] - 1].lower() for u in removed["uses"])
    # the same change's choice values are used through the enum member
    lines = {u["line"] for u in removed["uses"]}
    twilio = next(i + 1 for i, x in enumerate(source) if ".Twilio" in x or ".TWILIO" in x)
    assert twilio in lines


def test_only_used_changes_fail_with_only_used(
    sides: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    consumer = CONSUMERS / "python"
    code, report, _ = diff(capsys, *sides, "--usage", str(consumer), "--only-used")
    assert code == EXIT_INPUT and report["failed"] is True
    # code that touches only the table's other columns: the removal is unused, nothing fails
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(
        "from dataverse_bindings.msdyn_smsengagementctx import MsdynSmsengagementctx\n"
        "NAME = MsdynSmsengagementctx.Columns.MSDYN_NAME\n",
        encoding="utf-8",
    )
    code, report, _ = diff(capsys, *sides, "--usage", str(elsewhere), "--only-used")
    assert code == EXIT_OK and report["failed"] is False
    assert _by_subject(report)[REMOVED]["used"] is False
    code, report, _ = diff(capsys, *sides, "--usage", str(elsewhere))
    assert code == EXIT_INPUT  # without --only-used, every breaking change fails


def test_usage_shows_in_text_and_markdown(
    sides: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["diff", *sides, "--usage", str(CONSUMERS / "python")])
    text = capsys.readouterr().out
    assert "[used at " in text and "sms.py:" in text and "[unused]" in text
    assert "1 used by the code" in text
    main(["diff", *sides, "--usage", str(CONSUMERS / "typescript"), "--format", "markdown"])
    markdown = capsys.readouterr().out
    assert "\\[used at " in markdown and "\\[unused\\]" in markdown


def test_bad_usage_paths_and_code_are_errors_never_no_change(
    sides: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, report, err = diff(capsys, *sides, "--usage", "no/such/path")
    assert code == EXIT_DIFF and report is None and "no/such/path: no such file or folder" in err
    broken = tmp_path / "broken.py"
    broken.write_text("from dataverse_bindings import x\ndef f(:\n", encoding="utf-8")
    code, report, err = diff(capsys, *sides, "--usage", str(broken))
    assert code == EXIT_DIFF and f"{broken}:2: not Python" in err
    broken_ts = tmp_path / "broken.ts"
    broken_ts.write_text('import { A } from "dataverse-bindings";\nconst x = ;\n', encoding="utf-8")
    code, report, err = diff(capsys, *sides, "--usage", str(broken_ts))
    assert code == EXIT_DIFF and f"{broken_ts}:2: not TypeScript" in err
    code = main(["diff", *sides, "--only-used"])
    assert code == EXIT_USAGE and "--only-used needs --usage" in capsys.readouterr().err
