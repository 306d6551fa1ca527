"""Ignore entries: changes a team has seen and accepted, each with a reason
and, optionally, a date after which it must be looked at again.

In ``.dvgen-ignore`` (next to ``pyproject.toml``), one entry per line::

    # RULE      SUBJECT                            [expires:YYYY-MM-DD] [REASON...]
    column-removed  msdyn_ocliveworkitem.msdyn_oldcolumn  expires:2027-03-31  gone upstream
    choice-value-added  *.statuscode.*  our code has a default branch

or in ``pyproject.toml``::

    [tool.dvgen.diff]
    ignore = [
      { rule = "column-removed", subject = "msdyn_ocliveworkitem.msdyn_oldcolumn",
        expires = 2027-03-31, reason = "gone upstream" },
    ]

``RULE`` and ``SUBJECT`` are shell-style globs (``*``, ``?``, ``[...]``)
matched against a change's rule id and subject. An entry past its expiry
date silences nothing and fails the run; so does a rule that names no rule.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.diff.rules import RULES

if TYPE_CHECKING:
    from generator.diff.compare import Change

_ENTRY_KEYS = {"rule", "subject", "reason", "expires"}


class IgnoreError(Exception):
    """An ignore entry that cannot be used; the message names file and line."""


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    subject: str
    where: str  # ".dvgen-ignore:3" or "pyproject.toml: [tool.dvgen.diff] ignore[1]"
    reason: str | None = None
    expires: dt.date | None = None

    def matches(self, change: Change) -> bool:
        return fnmatch.fnmatchcase(change.rule, self.rule) and fnmatch.fnmatchcase(
            change.subject, self.subject
        )

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(slots=True)
class Applied:
    kept: list[Change] = field(default_factory=list)
    ignored: list[tuple[Change, IgnoreEntry]] = field(default_factory=list)
    expired: list[IgnoreEntry] = field(default_factory=list)
    unused: list[IgnoreEntry] = field(default_factory=list)


def parse_ignore_file(text: str, file: str) -> list[IgnoreEntry]:
    """The entries of a ``.dvgen-ignore`` file."""
    entries: list[IgnoreEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{file}:{number}"
        parts = line.split(None, 3)
        if len(parts) < 2:
            raise IgnoreError(f"{where}: expected RULE SUBJECT [expires:YYYY-MM-DD] [REASON]")
        rule, subject, rest = parts[0], parts[1], parts[2:]
        expires = None
        if rest and rest[0].startswith("expires:"):
            expires = _date(rest[0].removeprefix("expires:"), where)
            rest = rest[1:]
        reason = " ".join(rest) or None
        entries.append(_checked(IgnoreEntry(rule, subject, where, reason, expires)))
    return entries


def entries_from_config(items: Any, where: str) -> list[IgnoreEntry]:
    """The entries of ``[tool.dvgen.diff] ignore``: a list of inline tables."""
    if not isinstance(items, list):
        raise IgnoreError(f"{where}: expected a list of {{ rule, subject, reason, expires }}")
    entries = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise IgnoreError(f"{at}: expected {{ rule = ..., subject = ... }}")
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise IgnoreError(f"{at}: unknown key(s) {', '.join(unknown)}")
        rule, subject, reason = item.get("rule"), item.get("subject"), item.get("reason")
        if not isinstance(rule, str) or not isinstance(subject, str) or not subject:
            raise IgnoreError(f"{at}: rule and subject must be strings")
        if reason is not None and not isinstance(reason, str):
            raise IgnoreError(f"{at}: reason must be a string")
        expires = item.get("expires")
        if isinstance(expires, str):
            expires = _date(expires, at)
        elif isinstance(expires, dt.datetime) or (
            expires is not None and not isinstance(expires, dt.date)
        ):
            raise IgnoreError(f"{at}: expires must be a date such as 2027-03-31")
        entries.append(_checked(IgnoreEntry(rule, subject, at, reason, expires)))
    return entries


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise IgnoreError(f"{where}: {text!r} is not a date: write expires:YYYY-MM-DD") from None


def _checked(entry: IgnoreEntry) -> IgnoreEntry:
    if not any(fnmatch.fnmatchcase(r, entry.rule) for r in RULES):
        close = difflib.get_close_matches(entry.rule, list(RULES), n=1)
        hint = f"; did you mean {close[0]}?" if close else "; see the rule table in the README"
        raise IgnoreError(f"{entry.where}: {entry.rule!r} names no change rule{hint}")
    return entry


def apply(changes: Iterable[Change], entries: Sequence[IgnoreEntry], today: dt.date) -> Applied:
    """Split ``changes`` into kept and ignored; list expired and unused entries."""
    out = Applied()
    live = [e for e in entries if not e.expired(today)]
    out.expired = [e for e in entries if e.expired(today)]
    used: set[int] = set()
    for c in changes:
        hit = next((i for i, e in enumerate(live) if e.matches(c)), None)
        if hit is None:
            out.kept.append(c)
        else:
            used.add(hit)
            out.ignored.append((c, live[hit]))
    out.unused = [e for i, e in enumerate(live) if i not in used]
    return out
