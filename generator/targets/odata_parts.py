"""``$metadata``'s parts, kept between builds in one cache entry.

The document reads every table, so one changed page would otherwise redo it
whole. :class:`StoredParts` keeps what :mod:`generator.targets.odata` makes
in two steps, each reused only while it is exactly right:

* a table's *piece* (its entity type before linking, and its diagnostics),
  by the table's model, while what it read of other tables (entity sets,
  primary ids) still reads the same;
* an entity type's *block* (its rendered elements), by name, while its
  table's model and its :func:`~generator.targets.odata.facts` (key, entity
  set, linked navigation properties and their bindings) are unchanged.

They are spread over :data:`SHARDS` entries by a stable hash of the piece's
digest or the block's name: a few thousand small files would cost more to
read than the document costs to make, and one file would be rewritten whole
(tens of MB at Dataverse scale) for every changed page, where a shard is
rewritten only when something in it changed. Each shard is a JSON header
line (pieces, and each block's facts and sizes), then the blocks' text end
to end, as it is, so reading it back decodes no escapes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel, NonNegativeInt, ValidationError

from generator.cache_entries import StoredDiagnostic, as_shown, stored
from generator.diagnostics import Diagnostics
from generator.model import Table
from generator.targets.odata import (
    Block,
    EntityTypeView,
    NavigationView,
    Parts,
    Piece,
    Reads,
    reads_hold,
)

SHARDS = 64

#: name, target, collection?, relationship, referential constraint
_Navigation = tuple[str, str, bool, str | None, tuple[str, str | None] | None]


class _StoredPiece(BaseModel):
    name: str | None = None  # None: the table declares no entity type
    key: str | None = None
    entity_set: str | None = None
    navigations: list[_Navigation] = []
    actions: list[str] = []
    reads: Reads = ({}, {})
    diagnostics: list[StoredDiagnostic] = []

    def piece(self) -> Piece | None:
        if self.name is None:
            return None
        view = EntityTypeView(
            self.name,
            self.key,
            None,
            [],
            [NavigationView(*n) for n in self.navigations],
            self.entity_set,
        )
        return Piece(view, list(self.actions), self.reads, full=False)


class _StoredBlock(BaseModel):
    facts: list[object]  # [the table's model digest or None, *facts]
    sizes: tuple[NonNegativeInt, NonNegativeInt]  # of its two texts, in the entry's body


class _Header(BaseModel):
    pieces: dict[str, _StoredPiece] = {}  # by the table's model digest
    blocks: dict[str, _StoredBlock] = {}  # by entity type name, in body order


def shard_of(key: str) -> int:
    """Which shard holds the piece or block named ``key`` (the same in every
    process, unlike ``hash``)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % SHARDS


def _read(text: str | None) -> tuple[_Header, dict[str, Block]]:
    """A shard's header and blocks; empty when it is missing or damaged."""
    if text is None:
        return _Header(), {}
    header, _, body = text.partition("\n")
    try:
        entry = _Header.model_validate_json(header)
    except ValidationError:
        return _Header(), {}
    if sum(sum(b.sizes) for b in entry.blocks.values()) != len(body):
        return _Header(), {}
    blocks, at = {}, 0
    for name, b in entry.blocks.items():
        middle, end = at + b.sizes[0], at + b.sizes[0] + b.sizes[1]
        blocks[name] = Block(body[at:middle], body[middle:end])
        at = end
    return entry, blocks


class StoredParts(Parts):
    """Pieces and blocks from ``shards`` (each as the last build left it, or
    ``None``); :meth:`dump` gives the shards to write back.

    ``digest`` names a table's model; ``shown_paths`` shows each page's path
    below its docs root as this build shows it, and ``source_paths`` is its
    inverse (diagnostics are kept by the former, shown by the latter).
    """

    def __init__(
        self,
        shards: Sequence[str | None],
        digest: Callable[[Table], str],
        shown_paths: Mapping[str, str],
        source_paths: Mapping[str, str],
        rendered: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(rendered)
        self._old = _Header()
        self._old_blocks: dict[str, Block] = {}
        for text in shards:
            header, blocks = _read(text)
            self._old.pieces.update(header.pieces)
            self._old.blocks.update(header.blocks)
            self._old_blocks.update(blocks)
        self._new = _Header()
        self._blocks: dict[str, Block] = {}
        self._changed: set[int] = set()  # shards with something made this build
        self._digest = digest
        self._shown_paths = shown_paths
        self._source_paths = source_paths

    def piece(
        self,
        table: Table,
        tables: Mapping[str, Table],
        diags: Diagnostics,
        make: Callable[[Diagnostics], Piece | None],
    ) -> Piece | None:
        digest = self._digest(table)
        old = self._old.pieces.get(digest)
        if old is not None and reads_hold(old.reads, tables):
            self._new.pieces[digest] = old
            diags.items.extend(as_shown(d, self._shown_paths) for d in old.diagnostics)
            return old.piece()
        mine = Diagnostics()
        piece = make(mine)
        diags.items.extend(mine.items)
        keep = _StoredPiece(diagnostics=[stored(d, self._source_paths) for d in mine.items])
        if piece is not None:  # kept now: linking changes the navigations next
            v = piece.view
            keep.name, keep.key, keep.entity_set = v.name, v.key, v.entity_set
            keep.navigations = [
                (n.name, n.target, n.collection, n.relationship, n.constraint)
                for n in v.navigations
            ]
            keep.actions, keep.reads = piece.actions, piece.reads
        self._new.pieces[digest] = keep
        self._changed.add(shard_of(digest))
        return piece

    def block(
        self, name: str, table: Table | None, facts: list[object], make: Callable[[], Block]
    ) -> Block:
        facts = [self._digest(table) if table is not None else None, *facts]
        old = self._old.blocks.get(name)
        if old is not None and old.facts == facts:
            self._new.blocks[name] = old
            block = self._blocks[name] = self._old_blocks[name]
            return block
        block = self._blocks[name] = super().block(name, table, facts, make)
        sizes = (len(block.entity_type), len(block.entity_set))
        self._new.blocks[name] = _StoredBlock(facts=facts, sizes=sizes)
        self._changed.add(shard_of(name))
        return block

    def dump(self, *, prune: bool) -> dict[int, str]:
        """The shards to write back: those that would change. With
        ``prune``, a shard keeps only what this build used; else the old
        parts too (a failed build keeps them: the next one needs them)."""
        changed = set(self._changed)
        if prune:
            changed.update(shard_of(k) for k in self._old.pieces.keys() - self._new.pieces.keys())
            changed.update(shard_of(k) for k in self._old.blocks.keys() - self._new.blocks.keys())
        else:
            for digest, piece in self._old.pieces.items():
                self._new.pieces.setdefault(digest, piece)
            for name, b in self._old.blocks.items():
                if name not in self._new.blocks:
                    self._new.blocks[name], self._blocks[name] = b, self._old_blocks[name]
        shards = {i: _Header() for i in sorted(changed)}
        for digest, piece in self._new.pieces.items():
            if (shard := shards.get(shard_of(digest))) is not None:
                shard.pieces[digest] = piece
        for name, b in self._new.blocks.items():
            if (shard := shards.get(shard_of(name))) is not None:
                shard.blocks[name] = b
        return {
            i: shard.model_dump_json()
            + "\n"
            + "".join(
                self._blocks[n].entity_type + self._blocks[n].entity_set for n in shard.blocks
            )
            for i, shard in shards.items()
        }
