"""``dvgen diff`` for CI systems beyond GitHub's annotations: Azure DevOps
logging commands (``azure``), JUnit XML (``junit``, which every CI shows as
test results) and SARIF 2.1.0 (``sarif``, GitHub code scanning and the
SARIF viewers).

Every change's subject and message come from the docs and are untrusted;
each format escapes them for its own syntax:

* Azure's agent acts on the first ``##vso[`` anywhere in a line and ends its
  properties at the first ``]``: each change is one ``task.logissue`` command
  whose properties escape ``;``, ``]``, line breaks and ``%`` as the agent
  unescapes them, and whose message (data) escapes line breaks and ``%``;
  a line that is not a command (an info change, the summary) carries no
  ``##vso[`` of the docs' text;
* JUnit is XML: markup escaped, characters XML cannot carry dropped;
* SARIF is JSON (``json.dumps``), its text plain, never markdown.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from generator import __version__
from generator.diff.compare import Change
from generator.diff.report import DiffReport
from generator.diff.rules import RANK, RULES
from generator.escape import one_line, xml_attr

# -- Azure DevOps --------------------------------------------------------------

_AZ_TYPE = {"breaking": "error", "warning": "warning"}
#: what the agent's unescaping turns back (``%AZP25`` last, so ``%`` goes first)
_AZ_DATA = (("%", "%AZP25"), ("\r", "%0D"), ("\n", "%0A"))
_AZ_PROPERTY = (*_AZ_DATA, (";", "%3B"), ("]", "%5D"))


def az_data(text: str) -> str:
    """``text`` as a logging command's message: one line, as the agent shows it."""
    for token, escaped in _AZ_DATA:
        text = text.replace(token, escaped)
    return text


def az_property(text: str) -> str:
    """``text`` as a logging command's property value."""
    for token, escaped in _AZ_PROPERTY:
        text = text.replace(token, escaped)
    return text


def az_plain(text: str) -> str:
    """``text`` for a log line that is no command: the agent finds ``##vso[``
    anywhere in a line (case-sensitively), so the docs' text never holds one."""
    return one_line(text).replace("##vso[", "##vso%5B")


def _describe(report: DiffReport, c: Change) -> str:
    why = RULES[c.rule].why
    return one_line(f"{c.subject}: {c.message} ({c.severity}: {why}){report.usage_note(c)}")


def render_azure(report: DiffReport) -> str:
    """One ``##vso[task.logissue]`` per breaking change or warning (an error or
    a warning in the run's issues, at the file and line); info changes as
    plain log lines; then the summary, an error when the run fails."""
    out = []
    for c in report.changes:
        file, line = report.where.get(c, (None, None))
        if c.severity not in _AZ_TYPE:
            where = f" ({one_line(file)}:{line})" if file and line else ""
            out.append(f"dvgen diff info: {az_plain(_describe(report, c))}{az_plain(where)}")
            continue
        props = [f"type={_AZ_TYPE[c.severity]}"]
        if file:
            props.append(f"sourcepath={az_property(one_line(file))}")
            if line:
                props.append(f"linenumber={line}")
        props.append(f"code={az_property(c.rule)}")
        out.append(f"##vso[task.logissue {';'.join(props)};]{az_data(_describe(report, c))}")
    summary = f"dvgen diff: {report.summary()}"
    if report.failed:
        out.append(f"##vso[task.logissue type=error;]{az_data(summary)}")
    else:
        out.append(az_plain(summary))
    return "\n".join(out) + "\n"


# -- JUnit XML -------------------------------------------------------------------


def _fails(report: DiffReport, c: Change) -> bool:
    return report.fail_on != "never" and RANK[c.severity] <= RANK[report.fail_on]


def render_junit(report: DiffReport) -> str:
    """A test suite per table, a test case per change: failed when the change
    is at or above ``--fail-on``, skipped when an ignore entry silenced it,
    passed otherwise (its message as the case's output). With no change at
    all, one passing case says so, as CIs flag an empty result file."""
    suites: dict[str, list[str]] = {}
    failures: dict[str, int] = {}
    skipped: dict[str, int] = {}

    def case(c: Change, body: str) -> None:
        file, line = report.where.get(c, (None, None))
        attrs = [
            f'classname="dvgen.diff.{xml_attr(one_line(c.table))}"',
            f'name="{xml_attr(one_line(f"{c.rule}: {c.subject}"))}"',
        ]
        if file:
            attrs.append(f'file="{xml_attr(one_line(file))}"')
            if line:
                attrs.append(f'line="{line}"')
        suites.setdefault(c.table, []).append(
            f'    <testcase {" ".join(attrs)} time="0">\n{body}    </testcase>\n'
        )

    for c in report.changes:
        text = xml_attr(_describe(report, c))
        if _fails(report, c):
            failures[c.table] = failures.get(c.table, 0) + 1
            rule = xml_attr(c.rule)
            body = f'      <failure type="{rule}" message="{text}">{text}</failure>\n'
        else:
            body = f"      <system-out>{text}</system-out>\n"
        case(c, body)
    for c, entry in report.ignored:
        skipped[c.table] = skipped.get(c.table, 0) + 1
        reason = one_line(f"ignored: {entry.reason or '(no reason given)'} ({entry.where})")
        case(c, f'      <skipped message="{xml_attr(reason)}"/>\n')
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    total = sum(len(cases) for cases in suites.values()) or 1
    lines.append(
        f'<testsuites name="dvgen diff" tests="{total}" failures="{sum(failures.values())}" '
        f'skipped="{sum(skipped.values())}" errors="0" time="0">'
    )
    if not suites:
        lines.append('  <testsuite name="dvgen diff" tests="1" failures="0" errors="0" time="0">')
        lines.append('    <testcase classname="dvgen.diff" name="no changes" time="0"/>')
        lines.append("  </testsuite>")
    for table in sorted(suites):
        cases = suites[table]
        lines.append(
            f'  <testsuite name="{xml_attr(one_line(table))}" tests="{len(cases)}" '
            f'failures="{failures.get(table, 0)}" skipped="{skipped.get(table, 0)}" '
            'errors="0" time="0">'
        )
        lines.append("".join(cases).rstrip("\n"))
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


# -- SARIF 2.1.0 -----------------------------------------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"breaking": "error", "warning": "warning", "info": "note"}


def _sarif_result(report: DiffReport, c: Change, index: dict[str, int]) -> dict[str, Any]:
    file, line = report.where.get(c, (None, None))
    result: dict[str, Any] = {
        "ruleId": c.rule,
        "ruleIndex": index[c.rule],
        "level": _SARIF_LEVEL[c.severity],
        "message": {"text": _describe(report, c)},
        # the same change keeps its identity from run to run (code scanning
        # follows an alert by it), whatever line it lands on
        "partialFingerprints": {"dvgenChange/v1": f"{c.rule}:{c.subject}"},
        "properties": {"table": c.table, "subject": c.subject, "severity": c.severity},
    }
    # code scanning takes a result only at a file: the change's, else the new side
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(file or report.new)}}
    if file and line:
        location["region"] = {"startLine": line}
    result["locations"] = [{"physicalLocation": location}]
    return result


def _uri(path: str) -> str:
    """A file as a SARIF URI reference: forward slashes, and percent-encoded
    where a URI may not hold the character (a space, ``#``, ``%``, ``?``), and
    ``:``, which would make a first segment read as a scheme."""
    return quote(one_line(path).replace("\\", "/"), safe="/@!$&'()*+,;=-._~")


def render_sarif(report: DiffReport) -> str:
    """One run of the tool ``dvgen``: every rule the results name (with its
    severity as the default level), and a result per change."""
    used = sorted({c.rule for c in report.changes})
    index = {rule: i for i, rule in enumerate(used)}
    rules = [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": f"{rule} ({RULES[rule].severity})"},
            "fullDescription": {"text": f"{RULES[rule].subject}: {RULES[rule].why}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rule].severity]},
            "properties": {"tags": ["dvgen", RULES[rule].severity]},
        }
        for rule in used
    ]
    run = {
        "tool": {
            "driver": {
                "name": "dvgen",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "results": [_sarif_result(report, c, index) for c in report.changes],
        "properties": {"old": report.old, "new": report.new, "summary": report.summary()},
    }
    payload = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
