"""The benchmark corpus: the pages dvgen carries, copied until it is large.

The base set is every page of ``schema_docs/`` plus every page of the five
format-variant folders of ``tests/fixtures/corpus/`` (not the version
history, nor the broken/hostile/functional fixtures): 49 real pages in all
five formats, about 1 MB, which merge into 37 tables.

Generation 0 is those pages byte for byte. Generation ``g >= 1`` is the same
pages with every base table renamed: each whole word (a maximal run of
``[A-Za-z0-9_]``) that is a base table's logical name, schema name, entity
set name, collection schema name, logical collection name or relationship
schema name (relationships are global in Dataverse), or that starts with
one of those and an underscore (a relationship no page declares, such as
``accountleads_UserEntityInstanceDatas``), gets the suffix ``_g<g>``:
``accountleads`` -> ``accountleads_g7``, ``AccountLeads`` -> ``AccountLeads_g7``.
So a generation is a world of its own: its lookups, relationships and
extension pages point at its own tables, just as the real pages point at
each other, and names that are not base tables (``systemuser``, column
names, prose) stay as they are. A page is written to ``g<g>/<its path>``,
so every page keeps its folder, and with it its docs root. Nothing is
random: the same ``generations`` give the same bytes.

Every generation parses to the same tables with the same diagnostics as
generation 0 (``tests/test_bench.py`` checks it), so the copies cost what
real pages of that shape would cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.build import parse_pages
from generator.diagnostics import Diagnostics
from generator.inputs import collect

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = (
    "app-extension",
    "generated-full-table",
    "hybrid-table-reference",
    "legacy-bold-list",
    "legacy-entity-reference",
)
#: The page the one-page-changed rebuild edits (a generation-0 page).
EDITED = "g0/schema_docs/ce-omnichannel/msdyn_smsengagementctx.md"
_WORD = re.compile(rb"[A-Za-z0-9_]+")


@dataclass(frozen=True, slots=True)
class BasePage:
    path: str  # below the corpus root: ``schema_docs/...`` or ``corpus/<variant>/...``
    data: bytes


def base_pages(root: Path = ROOT) -> list[BasePage]:
    """The real pages, sorted by their path in the corpus."""
    sources = [(root / "schema_docs", "schema_docs")]
    sources += [(root / "tests/fixtures/corpus" / v, f"corpus/{v}") for v in VARIANTS]
    pages = [
        BasePage(f"{prefix}/{p.relative_to(folder).as_posix()}", p.read_bytes())
        for folder, prefix in sources
        for p in folder.rglob("*.md")
    ]
    return sorted(pages, key=lambda p: p.path)


def table_names(root: Path = ROOT) -> frozenset[bytes]:
    """Every name that identifies a base table: what a generation renames."""
    diags = Diagnostics()
    folders = [root / "schema_docs"] + [root / "tests/fixtures/corpus" / v for v in VARIANTS]
    parsed = parse_pages(collect(tuple(str(f) for f in folders), root, diags), diags)
    names: set[str] = set()
    for page in parsed:
        t = page.table
        own = (
            t.logical_name,
            t.schema_name,
            t.entity_set_name,
            t.collection_schema_name,
            t.logical_collection_name,
        )
        rels = t.relationships
        names.update(n for n in own if n)
        names.update(r.schema_name for r in (*rels.one_to_many, *rels.many_to_one))
        names.update(r.schema_name for r in rels.many_to_many)
    return frozenset(n.encode() for n in names)


def rename(data: bytes, names: frozenset[bytes], generation: int) -> bytes:
    """``data`` with every whole-word table name suffixed for ``generation``."""
    if generation == 0:
        return data
    suffix = b"_g%d" % generation

    def sub(m: re.Match[bytes]) -> bytes:
        word = m.group(0)
        if word in names:
            return word + suffix
        # relationships no parsed page declares, named after a base table:
        # ``accountleads_UserEntityInstanceDatas``
        cut = word.find(b"_", 1)
        while cut > 0:
            if word[:cut] in names:
                return word + suffix
            cut = word.find(b"_", cut + 1)
        return word

    return _WORD.sub(sub, data)


def synthesize(generations: int, root: Path = ROOT) -> Iterator[tuple[str, bytes]]:
    """``(relative path, bytes)`` of every page of ``generations`` generations."""
    pages = base_pages(root)
    names = table_names(root)
    for g in range(generations):
        for page in pages:
            yield f"g{g}/{page.path}", rename(page.data, names, g)


def write_corpus(folder: Path, generations: int, root: Path = ROOT) -> tuple[int, int]:
    """Write the corpus into ``folder`` (which must be empty or missing);
    return (pages, bytes)."""
    count = size = 0
    for rel, data in synthesize(generations, root):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        count += 1
        size += len(data)
    return count, size
