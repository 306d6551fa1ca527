"""A diff as data: the changes kept, the ones ignored and why, and whether
the run fails under ``--fail-on``. The formats render this and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.diff.compare import Change, compare
from generator.diff.ignore import IgnoreEntry, apply
from generator.diff.locate import Location, locate
from generator.diff.operations import compare_services
from generator.diff.rules import RANK, SEVERITIES
from generator.diff.settings import FailOn
from generator.diff.sources import Side


@dataclass(frozen=True, slots=True, order=True)
class Use:
    """Where a consumer's code uses something a change changes."""

    file: str
    line: int


@dataclass(slots=True)
class DiffReport:
    old: str
    new: str
    fail_on: FailOn
    changes: list[Change] = field(default_factory=list)
    ignored: list[tuple[Change, IgnoreEntry]] = field(default_factory=list)
    expired: list[IgnoreEntry] = field(default_factory=list)
    unused: list[IgnoreEntry] = field(default_factory=list)
    where: dict[Change, Location] = field(default_factory=dict)
    #: with ``--usage``: where the consumer's code uses each change (empty: unused)
    uses: dict[Change, list[Use]] | None = None
    #: with ``--only-used``: only changes the code uses can fail the diff
    only_used: bool = False

    def usage_note(self, change: Change) -> str:
        """`` [used at app.py:12, ...]`` or `` [unused]`` with ``--usage``; else ""."""
        if self.uses is None:
            return ""
        uses = self.uses.get(change, [])
        if not uses:
            return " [unused]"
        shown = ", ".join(f"{u.file}:{u.line}" for u in uses[:3])
        more = f" and {len(uses) - 3} more" if len(uses) > 3 else ""
        return f" [used at {shown}{more}]"

    def used(self, change: Change) -> bool | None:
        """Whether the code uses ``change`` (``None``: no ``--usage`` given)."""
        return None if self.uses is None else bool(self.uses.get(change))

    def count(self, severity: str) -> int:
        return sum(1 for c in self.changes if c.severity == severity)

    @property
    def failed(self) -> bool:
        """A change at or above ``fail_on`` that no live entry ignores."""
        if self.fail_on == "never":
            return False
        limit = RANK[self.fail_on]
        return any(
            RANK[c.severity] <= limit and (not self.only_used or self.used(c)) for c in self.changes
        )

    def summary(self) -> str:
        """``2 breaking, 1 warning, 3 info (1 ignored)``, or ``no changes``."""
        parts = []
        for s in SEVERITIES:
            n = self.count(s)
            if n:
                parts.append(f"{n} {s}" + ("s" if s == "warning" and n != 1 else ""))
        text = ", ".join(parts) or "no changes"
        if self.ignored:
            text += f" ({len(self.ignored)} ignored)"
        if self.uses is not None and self.changes:
            used = sum(1 for c in self.changes if self.used(c))
            text += f"; {used} used by the code"
        return text

    def tables(self) -> list[str]:
        return sorted({c.table for c in self.changes})


def diff(
    old: Side,
    new: Side,
    *,
    fail_on: FailOn = "breaking",
    ignore: Sequence[IgnoreEntry] = (),
    today: dt.date | None = None,
) -> DiffReport:
    changes = compare(old.tables, new.tables)
    if old.service is not None and new.service is not None:  # pages give no operations
        changes = sorted(
            [*changes, *compare_services(old.service, new.service)], key=Change.sort_key
        )
    applied = apply(changes, ignore, today or dt.date.today())
    report = DiffReport(
        old.label,
        new.label,
        fail_on,
        changes=applied.kept,
        ignored=applied.ignored,
        expired=applied.expired,
        unused=applied.unused,
    )
    report.where = {c: locate(c, old, new) for c in changes}
    return report
