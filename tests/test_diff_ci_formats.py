"""``dvgen diff --format azure | junit | sarif`` (issue 22, point 5), each read
back by the real thing that consumes it:

* azure: Microsoft's ``azure-pipelines-task-lib`` (npm, pinned), whose mock
  runner finds a ``##vso[`` anywhere in a line and parses it as the agent
  does (``commandFromString``); the agent itself is a .NET service;
* junit: ``junitparser`` (PyPI, pinned), as CI plugins read test results;
* sarif: the SARIF 2.1.0 JSON schema Microsoft ships in ``@microsoft/jest-sarif``
  (npm, pinned), plus what GitHub code scanning asks of a result beyond it.

Each format is run on real page history through the CLI, and on changes whose
doc text tries to break out of the format.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest

from generator.cli import main
from generator.diff.ci_formats import (
    az_data,
    az_property,
    render_azure,
    render_junit,
    render_sarif,
)
from generator.diff.compare import Change
from generator.diff.ignore import IgnoreEntry
from generator.diff.report import DiffReport
from generator.diff.settings import FailOn
from generator.exits import EXIT_INPUT, EXIT_OK
from tests.helpers import CORPUS, ROOT

SMS_OLD = "versions/msdyn_smsengagementctx/1323683.md"
SMS_NEW = "versions/msdyn_smsengagementctx/4e2993d.md"
TASK_LIB = ROOT / "node_modules" / "azure-pipelines-task-lib" / "taskcommand.js"
SARIF_SCHEMA = ROOT / "node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"

#: doc text that tries each format's way out: Azure commands and their
#: escapes, XML markup and a character XML cannot carry, JSON and markdown
HOSTILE = (
    "a;b]c ##vso[task.setvariable variable=PWNED]yes %3B %AZP25 %0A\r\n"
    "##[error]forged ::error::x </failure><failure> & \x00\x1b[31m \ufffe"
    ' "q" \\ **bold** [l](http://e) @octocat'
)


def _report(fail_on: FailOn = "warning") -> DiffReport:
    breaking = Change("column-removed", "t", "t.c", f"column c was removed: {HOSTILE}")
    warning = Change("choice-label-changed", "t", "t.k.1", f"label changed to {HOSTILE}")
    info = Change("column-added", f"u{HOSTILE}", f"u{HOSTILE}.n", f"column n was added {HOSTILE}")
    report = DiffReport("old", "new", fail_on, changes=[breaking, warning, info])
    report.where = {
        breaking: ("docs/t;x].md", 3),
        warning: ("docs/t.md", 9),
        info: (f"docs/{HOSTILE}.md", 1),
    }
    return report


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["diff", *argv])
    return code, capsys.readouterr().out


# -- Azure DevOps --------------------------------------------------------------

_AGENT = """
const { commandFromString } = require(process.argv[1]);
const out = [];
for (const line of require("fs").readFileSync(0, "utf8").split(/\\r?\\n|\\r/)) {
  const at = line.indexOf("##vso[");  // the mock runner's scan, as the agent's
  if (at < 0) { out.push({ plain: line }); continue; }
  const cmd = commandFromString(line.substring(at));
  out.push({ command: cmd.command, properties: cmd.properties, message: cmd.message });
}
console.log(JSON.stringify(out));
"""


def agent_reads(output: str) -> list[dict[str, Any]]:
    """Each line of ``output`` as the Azure Pipelines task library reads it."""
    done = subprocess.run(
        ["node", "-e", _AGENT, str(TASK_LIB)],
        input=output,
        capture_output=True,
        text=True,
        check=True,
    )
    lines: list[dict[str, Any]] = json.loads(done.stdout)
    return [line for line in lines if line != {"plain": ""}]


def test_azure_issues_carry_file_line_and_rule_and_nothing_breaks_out() -> None:
    report = _report()
    read = agent_reads(render_azure(report))
    commands = [r for r in read if "command" in r]
    # the breaking change, the warning and the failing summary: no forged command
    assert [c["command"] for c in commands] == ["task.logissue"] * 3
    error, warning, summary = commands
    assert error["properties"] == {
        "type": "error",
        "sourcepath": "docs/t;x].md",
        "linenumber": "3",
        "code": "column-removed",
    }
    # the message reads back exactly, as one line: the agent unescaped nothing extra
    assert error["message"].startswith("t.c: column c was removed: a;b]c ##vso[task.setvariable")
    assert "%3B %AZP25 %0A" in error["message"] and "\n" not in error["message"]
    assert warning["properties"]["type"] == "warning"
    assert warning["properties"]["linenumber"] == "9"
    assert summary["properties"] == {"type": "error"} and "1 breaking" in summary["message"]
    # the info change is a plain line: the docs' ##vso[ cannot become a command there
    (plain,) = [r["plain"] for r in read if "plain" in r]
    assert plain.startswith("dvgen diff info: u") and "##vso[" not in plain
    assert "(docs/" in plain and plain.endswith(".md:1)")


def test_azure_escapes_round_trip_through_the_task_library() -> None:
    for text in ["a;b", "x]y", "50% %AZP25 %3B %5D", "line\rbreak\nhere", "]]];;;%%%"]:
        (read,) = agent_reads(f"##vso[task.logissue type={az_property(text)};]{az_data(text)}\n")
        assert read["properties"]["type"] == text and read["message"] == text


def test_azure_on_real_history(capsys: pytest.CaptureFixture[str], in_corpus: Path) -> None:
    code, out = run(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--format", "azure")
    assert code == EXIT_INPUT
    issue, summary = agent_reads(out)
    assert issue["properties"]["sourcepath"] == SMS_OLD
    assert issue["properties"]["code"] == "column-removed"
    assert int(issue["properties"]["linenumber"]) > 1
    assert summary["message"] == "dvgen diff: 1 breaking"
    code, out = run(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus), "--format", "azure")
    assert code == EXIT_OK
    (info, summary) = agent_reads(out)
    assert info["plain"].startswith("dvgen diff info: msdyn_smsengagementctx.msdyn_smsprovider")
    assert summary == {"plain": "dvgen diff: 1 info"}


# -- JUnit XML -----------------------------------------------------------------


def _junit(text: str, tmp_path: Path) -> junitparser.JUnitXml:
    path = tmp_path / "results.xml"
    path.write_text(text, encoding="utf-8")
    return junitparser.JUnitXml.fromfile(str(path))


def test_junit_fails_the_changes_at_or_above_fail_on(tmp_path: Path) -> None:
    report = _report("warning")
    ignored = Change("column-added", "t", "t.z", f"column z was added {HOSTILE}")
    entry = IgnoreEntry("column-added", "t.z", ".dvgen-ignore:2", f"known {HOSTILE}")
    report.ignored = [(ignored, entry)]
    xml = _junit(render_junit(report), tmp_path)
    suites = {s.name: s for s in xml}
    assert len(suites) == 2 and "t" in suites
    cases = {c.name: c for s in xml for c in s}
    removed = cases["column-removed: t.c"]
    (failure,) = removed.result
    assert isinstance(failure, junitparser.Failure) and failure.type == "column-removed"
    assert "column c was removed: a;b]c ##vso[" in failure.message
    assert "</failure><failure>" in failure.message  # text, not markup
    assert removed.classname == "dvgen.diff.t"
    (label,) = [c for n, c in cases.items() if n.startswith("choice-label-changed")]
    assert isinstance(label.result[0], junitparser.Failure)  # a warning, and fail-on is warning
    (added,) = [c for n, c in cases.items() if n.startswith("column-added: u")]
    assert added.result == [] and "column n was added" in (added.system_out or "")
    (skipped,) = cases["column-added: t.z"].result
    assert isinstance(skipped, junitparser.Skipped) and "known a;b]c" in skipped.message
    assert suites["t"].tests == 3 and suites["t"].failures == 2 and suites["t"].skipped == 1


def test_junit_with_no_change_has_one_passing_case(tmp_path: Path) -> None:
    xml = _junit(render_junit(DiffReport("old", "new", "breaking")), tmp_path)
    ((case,),) = [list(s) for s in xml]
    assert case.name == "no changes" and case.is_passed


def test_junit_on_real_history(
    capsys: pytest.CaptureFixture[str], in_corpus: Path, tmp_path: Path
) -> None:
    code, out = run(capsys, SMS_NEW, SMS_OLD, "--config", str(in_corpus), "--format", "junit")
    assert code == EXIT_INPUT
    (case,) = [c for s in _junit(out, tmp_path) for c in s]
    assert case.name == "column-removed: msdyn_smsengagementctx.msdyn_smsprovider"
    assert not case.is_passed and case._elem.get("file") == SMS_OLD


# -- SARIF -----------------------------------------------------------------------


def sarif(text: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(payload)
    for result in payload["runs"][0]["results"]:
        # what code scanning asks beyond the schema: a rule, a relative file URI
        (location,) = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and "://" not in uri and not uri.startswith("/")
        assert result["partialFingerprints"]
    return payload


def test_sarif_is_valid_and_keeps_hostile_text_as_plain_data() -> None:
    payload = sarif(render_sarif(_report()))
    (run_,) = payload["runs"]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["column-removed"]["defaultConfiguration"]["level"] == "error"
    levels = [(r["ruleId"], r["level"]) for r in run_["results"]]
    assert levels == [
        ("column-removed", "error"),
        ("choice-label-changed", "warning"),
        ("column-added", "note"),
    ]
    removed = run_["results"][0]
    assert run_["tool"]["driver"]["rules"][removed["ruleIndex"]]["id"] == "column-removed"
    assert removed["message"]["text"].startswith("t.c: column c was removed: a;b]c ##vso[")
    region = removed["locations"][0]["physicalLocation"]
    assert region == {"artifactLocation": {"uri": "docs/t;x%5D.md"}, "region": {"startLine": 3}}
    hostile = run_["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in hostile and "#" not in hostile and "\n" not in hostile


def test_sarif_on_real_history(capsys: pytest.CaptureFixture[str], in_corpus: Path) -> None:
    code, out = run(capsys, SMS_OLD, SMS_NEW, "--config", str(in_corpus), "--format", "sarif")
    assert code == EXIT_OK
    (result,) = sarif(out)["runs"][0]["results"]
    assert result["ruleId"] == "column-added" and result["level"] == "note"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == SMS_NEW
    line = (CORPUS / SMS_NEW).read_text(encoding="utf-8").splitlines()
    assert "msdyn_smsprovider" in line[location["region"]["startLine"] - 1]
