"""``dvgen diff`` output: text (coloured on a terminal), markdown (a pull
request comment), json (documented in ``docs/diff-report.schema.json``) and
github (workflow annotations); azure, junit and sarif are in
:mod:`generator.diff.ci_formats`.

Names, labels and descriptions in a change come from the docs and are
untrusted: every format escapes them for where they land, so a label cannot
add markdown or HTML to a comment, mention a user, start a new annotation,
or send control sequences to a terminal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.text import Text

from generator.diff.ci_formats import render_azure, render_junit, render_sarif
from generator.diff.compare import Change
from generator.diff.report import DiffReport
from generator.diff.rules import RULES
from generator.escape import one_line

FORMAT_VERSION = 1
#: GitHub refuses comments over 65,536 characters; leave room for the footer.
MARKDOWN_LIMIT = 60_000

_STYLE = {"breaking": "bold red", "warning": "yellow", "info": "cyan"}
_MD_ICON = {"breaking": "🔴 breaking", "warning": "🟡 warning", "info": "🔵 info"}
_GH_LEVEL = {"breaking": "error", "warning": "warning", "info": "notice"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def _item(c: Change) -> str:
    """The subject without its table: ``msdyn_channel.192350000``."""
    return c.subject[len(c.table) + 1 :] if c.subject != c.table else "(table)"


# -- text -------------------------------------------------------------------


def render_text(report: DiffReport, console: Console) -> None:
    """Print ``report`` for a person; colours only when ``console`` is a terminal."""
    console.print(Text(f"dvgen diff {one_line(report.old)} -> {one_line(report.new)}", "bold"))
    width = max((len(c.rule) for c in report.changes), default=0)
    for table in report.tables():
        console.print(Text(one_line(table), "bold"))
        for c in (c for c in report.changes if c.table == table):
            line = Text("  ")
            line.append(f"{c.severity:<8}", _STYLE[c.severity])
            line.append(f"  {c.rule:<{width}}  ")
            line.append(one_line(_item(c)), "bold")
            line.append(f"  {one_line(c.message + report.usage_note(c))}")
            console.print(line, soft_wrap=True)
    tail = Text(report.summary())
    if report.fail_on != "never":
        tail.append(
            f"; fails on {report.fail_on}: " + ("FAILED" if report.failed else "ok"),
            "bold red" if report.failed else "green",
        )
    console.print(tail)


# -- markdown ---------------------------------------------------------------


def md_text(text: str) -> str:
    """Plain text for a markdown table cell: no markup, no HTML, no mentions."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text)).replace("@", "&#64;")


def md_code(text: str) -> str:
    """An inline code span holding ``text`` exactly, safe in a table cell."""
    text = one_line(text).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(report: DiffReport, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull request comment: a summary line, then one table per table; at
    most ``limit`` characters (GitHub's comments: 65,536; Azure DevOps' pull
    request descriptions: 4,000): tables that would pass it are counted in a
    last line instead, and ignored changes fold into a ``<details>`` if they fit."""
    head = f"### dvgen diff: {report.summary()}"
    verdict = ""
    if report.fail_on != "never":
        verdict = f" Fails on {report.fail_on}: **{'failed' if report.failed else 'passed'}**."
    lines = [
        head,
        "",
        f"{md_code(report.old)} → {md_code(report.new)}: {len(report.changes)} change(s) "
        f"in {len(report.tables())} table(s).{verdict}",
    ]
    left = 0
    size = _size(lines)
    room = limit - _TAIL_ROOM
    by_table: dict[str, list[Change]] = {}
    for c in report.changes:
        by_table.setdefault(c.table, []).append(c)
    for table, rows in sorted(by_table.items()):
        block = ["", f"#### {md_code(table)}", "", "| Severity | Change | Subject | Details |"]
        block.append("|---|---|---|---|")
        block += [
            f"| {_MD_ICON[c.severity]} | `{c.rule}` | {md_code(_item(c))} | "
            f"{md_text(c.message + report.usage_note(c))} |"
            for c in rows
        ]
        if left or size + _size(block) > room:
            left += len(rows)
            continue
        lines += block
        size += _size(block)
    if left:
        lines += ["", f"… and {left} more change(s): run `dvgen diff` for the full list."]
    if report.ignored:
        block = ["", f"<details><summary>{len(report.ignored)} ignored</summary>", ""]
        block += ["| Change | Subject | Reason | Expires |", "|---|---|---|---|"]
        for c, e in report.ignored:
            reason = md_text(e.reason) if e.reason else "(no reason given)"
            expires = e.expires.isoformat() if e.expires else "never"
            block.append(f"| `{c.rule}` | {md_code(c.subject)} | {reason} | {expires} |")
        block += ["", "</details>"]
        if _size(lines) + _size(block) <= limit:
            lines += block
        else:
            lines += ["", f"{len(report.ignored)} ignored change(s) left out for length."]
    return "\n".join(lines) + "\n"


#: what the last lines need (the count of changes left out, of ignored ones)
_TAIL_ROOM = 160


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


# -- json -------------------------------------------------------------------


def _change_json(report: DiffReport, c: Change) -> dict[str, Any]:
    file, line = report.where.get(c, (None, None))
    return {
        "rule": c.rule,
        "severity": c.severity,
        "table": c.table,
        "subject": c.subject,
        "message": c.message,
        "old": c.old,
        "new": c.new,
        "file": file,
        "line": line,
        **(
            {}
            if report.uses is None
            else {
                "used": bool(report.uses.get(c)),
                "uses": [{"file": u.file, "line": u.line} for u in report.uses.get(c, [])],
            }
        ),
    }


def render_json(report: DiffReport) -> str:
    """The stable machine format; its schema is ``docs/diff-report.schema.json``."""
    payload = {
        "format_version": FORMAT_VERSION,
        "old": report.old,
        "new": report.new,
        "fail_on": report.fail_on,
        "failed": report.failed,
        "summary": {
            "breaking": report.count("breaking"),
            "warning": report.count("warning"),
            "info": report.count("info"),
            "ignored": len(report.ignored),
        },
        "changes": [_change_json(report, c) for c in report.changes],
        "ignored": [
            {
                **_change_json(report, c),
                "ignored_by": {
                    "where": e.where,
                    "reason": e.reason,
                    "expires": e.expires.isoformat() if e.expires else None,
                },
            }
            for c, e in report.ignored
        ],
        "expired": [
            {"where": e.where, "rule": e.rule, "subject": e.subject, "expires": str(e.expires)}
            for e in report.expired
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# -- github -----------------------------------------------------------------


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: DiffReport) -> str:
    """One workflow command per change (error, warning, notice), then a summary."""
    out = []
    for c in report.changes:
        file, line = report.where.get(c, (None, None))
        props = []
        if file:
            props.append(f"file={_gh_property(file)}")
            if line:
                props.append(f"line={line}")
        props.append(f"title={_gh_property(f'dvgen diff: {c.rule}')}")
        why = RULES[c.rule].why
        message = one_line(f"{c.subject}: {c.message} ({c.severity}: {why}){report.usage_note(c)}")
        out.append(f"::{_GH_LEVEL[c.severity]} {','.join(props)}::{_gh_data(message)}")
    level = "error" if report.failed else "notice"
    out.append(f"::{level} title=dvgen diff::{_gh_data(report.summary())}")
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[DiffReport], str]] = {
    "markdown": render_markdown,
    "json": render_json,
    "github": render_github,
    "azure": render_azure,
    "junit": render_junit,
    "sarif": render_sarif,
}
