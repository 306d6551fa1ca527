"""Property facts, in either format, and the ledger that accounts for rows.

A *fact* is one documented ``Key -> value``: a row of a ``|Property|Value|``
table, or a ``**Key**: value`` line of the legacy bold-list format (whose
``**CascadeConfiguration**:`` and ``**Options**:`` keys own the bullet list
that follows them).

The :class:`Ledger` knows every table row and fact line of a page. Each one
the parser uses is marked; whatever is left unmarked at the end becomes a
warning naming its line, so no row is ever dropped in silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from generator.diagnostics import Diagnostics
from generator.parse.markdown import Block, BrokenTable, Cell, ListBlock, Para, Table


@dataclass(slots=True)
class Ledger:
    """Every row and fact line of one page, and which of them were used."""

    rows: dict[int, str] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def register(self, blocks: Iterable[Block]) -> None:
        for b in blocks:
            if isinstance(b, Table):
                for r in b.rows:
                    self.rows[r.line] = "table row"
            elif isinstance(b, BrokenTable):
                for line in b.lines:
                    self.rows[line] = "table row"
            elif isinstance(b, Para):
                self._register_cells(b.lines)
            elif isinstance(b, ListBlock):
                for item in b.items:
                    self._register_cells(item.lines)

    def _register_cells(self, cells: Sequence[Cell]) -> None:
        for c in cells:
            if c.pairs:
                self.rows[c.line] = "property line"

    def use(self, line: int) -> None:
        self.used.add(line)

    def unused(self) -> list[tuple[int, str]]:
        return sorted((line, kind) for line, kind in self.rows.items() if line not in self.used)


@dataclass(frozen=True, slots=True)
class Fact:
    key: str
    cell: Cell
    line: int
    items: tuple[Cell, ...] = ()  # the bullet list a bold-list key owns

    @property
    def value(self) -> str:
        return self.cell.text

    @property
    def segments(self) -> list[str]:
        """``<br />``-joined values, or the bullet list's ``Key: value`` items."""
        if self.items:
            return [f"{k}: {v}" for c in self.items for k, v in c.pairs]
        return self.cell.segments


class Facts:
    """The facts of one item (attribute, relationship, ...), in page order."""

    def __init__(self, file: str, diags: Diagnostics, ledger: Ledger) -> None:
        self.file = file
        self.diags = diags
        self.ledger = ledger
        self._facts: dict[str, Fact] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._facts

    def __iter__(self) -> Iterator[Fact]:
        return iter(list(self._facts.values()))

    def add(self, fact: Fact) -> None:
        if fact.key in self._facts:
            first = self._facts[fact.key].line
            self.diags.warning(
                "DV120",
                f"property {fact.key!r} given twice (first at line {first}); the last one is kept",
                self.file,
                fact.line,
            )
        self._facts[fact.key] = fact
        self.ledger.use(fact.line)

    def pop(self, key: str) -> Fact | None:
        return self._facts.pop(key, None)

    def get(self, key: str) -> Fact | None:
        return self._facts.get(key)

    def read_table(self, table: Table) -> None:
        """Rows of a ``|Property|Value|`` table (keys may be bold)."""
        for row in table.rows:
            if not row.cells:
                continue
            key = row.cells[0].text.strip()
            if not key:
                continue
            value = row.cells[1] if len(row.cells) > 1 else Cell("", row.line)
            self.add(Fact(key, value, row.line))
            if row.extra_cells:
                self.diags.warning(
                    "DV121",
                    f"row has {row.extra_cells} cell(s) more than its header; they were ignored",
                    self.file,
                    row.line,
                )

    def read_blocks(self, blocks: Sequence[Block]) -> list[Block]:
        """Take the facts out of ``blocks``; return the blocks that held none."""
        rest: list[Block] = []
        i = 0
        while i < len(blocks):
            b = blocks[i]
            if isinstance(b, Table) and is_property_table(b):
                self.read_table(b)
            elif isinstance(b, Para) and any(c.pairs for c in b.lines):
                owner = self._read_pair_lines(b.lines)
                nxt = blocks[i + 1] if i + 1 < len(blocks) else None
                if owner is not None and isinstance(nxt, ListBlock):
                    self._attach_list(owner, nxt)
                    i += 1
                non_pairs = [c for c in b.lines if not c.pairs and c.text]
                if non_pairs:
                    rest.append(Para(tuple(non_pairs), non_pairs[0].line))
            else:
                rest.append(b)
            i += 1
        return rest

    def _read_pair_lines(self, cells: Sequence[Cell]) -> Fact | None:
        """Add each ``**Key**: value`` line; return the last one if it is empty.

        An empty last key (``**Options**:``) owns the bullet list that follows.
        """
        last: Fact | None = None
        for c in cells:
            if not c.pairs:
                continue
            if len(c.pairs) == 1:
                key, value = c.pairs[0]
                fact = Fact(key, Cell(value, c.line, c.links, c.codes), c.line)
                self.add(fact)
                last = fact
            else:
                # ``**Value**: 1 **Label**: x`` outside a list: one fact per pair
                for key, value in c.pairs:
                    self.add(Fact(key, Cell(value, c.line), c.line))
                last = None
        return last if last is not None and not last.value else None

    def _attach_list(self, owner: Fact, lst: ListBlock) -> None:
        items = tuple(c for item in lst.items for c in item.lines if c.pairs)
        for c in items:
            self.ledger.use(c.line)
        self._facts[owner.key] = Fact(owner.key, owner.cell, owner.line, items)


def is_property_table(table: Table) -> bool:
    cols = [c.lower() for c in table.columns]
    return len(cols) >= 2 and cols[0] == "property" and cols[1] == "value"
