"""What every builder of one page needs: where it is, and where to report."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from generator.diagnostics import Diagnostics
from generator.parse.facts import Fact, Facts, Ledger
from generator.parse.values import name_list

T = TypeVar("T")

#: What a logical or schema name may look like (the ones Dataverse allows).
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


@dataclass(slots=True)
class PageContext:
    file: str  # the page as shown in diagnostics
    source_path: str  # the page relative to its docs root, for the model
    diags: Diagnostics
    ledger: Ledger
    table: str = ""  # the table's logical name, once known

    def facts(self) -> Facts:
        return Facts(self.file, self.diags, self.ledger)

    def convert(self, fact: Fact | None, fn: Callable[[str], T]) -> T | None:
        """``fn(fact.value)``, or ``None`` with a warning when it does not fit."""
        if fact is None:
            return None
        try:
            return fn(fact.value)
        except ValueError as exc:
            self.diags.warning(
                "DV122", f"{fact.key}: {exc}; the value was left out", self.file, fact.line
            )
            return None

    def name(self, fact: Fact | None, what: str) -> str | None:
        """A logical or schema name from a fact, checked for shape."""
        value = fact.value.strip().strip("`").strip() if fact is not None else ""
        if fact is None or not value:
            return None
        if not NAME.match(value):
            self.diags.warning(
                "DV123",
                f"{what} {value!r} is not a valid Dataverse name; it was left out",
                self.file,
                fact.line,
            )
            return None
        return value

    def names(self, fact: Fact | None, what: str) -> tuple[str, ...]:
        """A comma-separated list of names (``Targets``), each checked for
        shape like :meth:`name`: one that is not a name is left out."""
        if fact is None:
            return ()
        kept = []
        for value in (v.strip("`").strip() for v in name_list(fact.value)):
            if NAME.match(value):
                kept.append(value)
            else:
                self.diags.warning(
                    "DV123",
                    f"{what} {value!r} is not a valid Dataverse name; it was left out",
                    self.file,
                    fact.line,
                )
        return tuple(kept)
