"""What a target's per-table render is, for whoever runs it: the contract
between the targets (:mod:`generator.targets`) and the engine
(:mod:`generator.engine`), which import this and never each other.

A render is a pure function of one table and the tables it may look up. It
returns a result with named text fields and what it *read* of other tables;
the engine caches the result by the table's model and keeps reusing it while
:attr:`TableRender.holds` says every read still gives the same answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from generator.model import Table

#: What a render read of other tables, by a name only its target understands.
Reads = dict[str, str]
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class TableRender(Generic[R]):
    """One target's per-table render.

    ``result`` is a dataclass whose fields are all ``str`` (so the engine can
    store it without knowing it); ``render(table, tables, settings)`` makes it,
    with its reads; ``holds(reads, tables)`` says whether those reads give the
    same answers in ``tables``."""

    target: str
    result: type[R]
    render: Callable[[Table, Mapping[str, Table], tuple[str, ...]], tuple[R, Reads]]
    holds: Callable[[Reads, Mapping[str, Table]], bool]

    def texts(self, result: Any) -> list[str]:
        """``result``'s fields, in order."""
        return [getattr(result, f.name) for f in dataclasses.fields(result)]

    def from_texts(self, texts: list[str]) -> R:
        return self.result(*texts)


def reads_nothing(reads: Reads, tables: Mapping[str, Table]) -> bool:
    """``holds`` of a render that reads no other table."""
    del tables
    return not reads
