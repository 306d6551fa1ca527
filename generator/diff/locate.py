"""Where a change shows in the files, for annotations: a file and a line.

The model keeps no line numbers (they would make every model diff noisy), so
a change is found in its table's page or model text: the table's title for
table changes, the heading (or model key) naming the item, then the first
line below it naming the value or target. The new side is preferred; a
change to something no longer there points at its table in the new side, and
a removed table at its page on the old side. What an org's ``$metadata``
describes is found by the lines its reading kept.
"""

from __future__ import annotations

import re
from functools import cache

from generator.diff.compare import Change
from generator.diff.sources import Side

Location = tuple[str | None, int | None]


@cache
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", re.IGNORECASE)


def _find(lines: list[str], name: str, start: int = 0) -> int | None:
    """Index of the best line naming ``name`` at or after ``start``."""
    pattern = _word(name)
    first = None
    for i in range(start, len(lines)):
        line = lines[i]
        if not pattern.search(line):
            continue
        stripped = line.lstrip()
        if stripped.startswith("#") or re.match(rf"-?\s*\w+:\s*{re.escape(name)}\s*$", stripped):
            return i
        if first is None:
            first = i
    return first


def _title(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.startswith("# ")), 0)


def _anchored(change: Change, old: Side, new: Side) -> Location:
    """Where an org's ``$metadata`` declares what changed (its lines are
    known: a document is not searched, its lines can be megabytes long)."""
    parts = change.subject.split(".")
    keys: list[tuple[str, ...]] = [("type", parts[0]), ("table", change.table)]
    if len(parts) > 1:
        keys[:0] = [
            ("column", change.table, parts[1]),
            ("relationship", parts[1]),
            ("operation", parts[1]),
        ]
    for side in (new, old):
        for key in keys:
            if key in side.anchors:
                return side.anchors[key]
    return None, None


def locate(change: Change, old: Side, new: Side) -> Location:
    side = new if change.table in new.texts else old
    found = side.texts.get(change.table)
    if found is None:
        return _anchored(change, old, new)
    file, lines = found
    parts = change.subject.split(".")
    line = _title(lines)
    if len(parts) > 1 and side is new:
        item = _find(lines, parts[1])
        if item is not None:
            line = item
            if len(parts) > 2:
                sub = _find(lines, parts[2], item + 1)
                line = sub if sub is not None else item
    return file, line + 1
