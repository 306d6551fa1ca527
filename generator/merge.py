"""Pages -> tables: merge, resolve relationships across tables, infer gaps.

1. **Merge.** Pages with the same logical name become one table. Base pages
   come first (oldest first, so the newest wins), then extension pages in path
   order, so an extension's value wins a conflict. Columns, relationships and
   messages merge by name; choices by value; targets as a union; every item
   keeps the paths of the pages that described it.
2. **Resolve.** A relationship is one fact seen from two tables. Every
   description of it, on any page of the build, merges into one, which is
   then listed under ``one_to_many`` of its referenced table and
   ``many_to_one`` of its referencing table, wherever those are in the build.
3. **Infer.** Gaps that a documented Dataverse convention fills are filled,
   listed in the owner's ``inferred`` and reported as info diagnostics (see
   :mod:`generator.conventions`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from generator.conventions import infer_relationship, infer_table
from generator.csdl.combine import combine
from generator.csdl.tables import DocumentTables
from generator.deprecation import marked
from generator.diagnostics import Diagnostics
from generator.model import (
    Relationship,
    Relationships,
    Table,
)
from generator.overlay import merge_models
from generator.parse.page import ParsedPage

_VARIANT_AGE = {
    "legacy-bold-list": 0,
    "legacy-entity-reference": 1,
    "hybrid-table-reference": 2,
    "generated-full-table": 3,
    "app-extension": 4,
}


#: Where a build's tables of several pages come from (the engine's
#: :meth:`~generator.engine.runner.Runner.merged`): ``(pages, diags, shown_paths,
#: merge)`` returns ``merge(diags)``, or what it returned for the same pages before.
Merged = Callable[
    [list[ParsedPage], Diagnostics, Mapping[str, str], Callable[[Diagnostics], Table]], Table
]


def merge_pages(
    pages: Iterable[ParsedPage],
    diags: Diagnostics,
    shown_paths: Mapping[str, str],
    merged: Merged | None = None,
    documents: Sequence[DocumentTables] = (),
) -> dict[str, Table]:
    """All pages of a build as tables keyed by logical name. ``merged``
    (the engine, through its store) may hand back a table described by several pages as
    merged before, when the same pages describe it. Each of ``documents``
    (orgs' ``$metadata``) then adds its tables, and states the wire facts of
    those the pages describe (:func:`generator.csdl.combine.combine`)."""
    groups: dict[str, list[ParsedPage]] = defaultdict(list)
    for p in pages:
        groups[p.table.logical_name].append(p)
    tables: dict[str, Table] = {}
    for logical in sorted(groups):
        ordered = sorted(groups[logical], key=_page_order)
        merge = partial(_merge_group, logical, ordered, shown_paths=shown_paths)
        if merged is not None and len(ordered) > 1:
            tables[logical] = merged(ordered, diags, shown_paths, merge)
        else:
            tables[logical] = merge(diags)
    for doc in sorted(documents, key=lambda d: d.source.path):
        for logical, org in doc.tables.items():
            page = tables.get(logical)
            tables[logical] = org if page is None else combine(page, org, doc, diags, shown_paths)
    _resolve_relationships(tables, diags, shown_paths)
    return {name: tables[name] for name in sorted(tables)}


def _merge_group(
    logical: str, ordered: list[ParsedPage], diags: Diagnostics, *, shown_paths: Mapping[str, str]
) -> Table:
    bases = [p for p in ordered if not p.extension]
    if len(bases) > 1:
        diags.info(
            "DV201",
            f"table {logical} is described by {len(bases)} base pages; where they differ, "
            f"the newest ({bases[-1].table.sources[0].path}) wins",
            shown_paths.get(bases[-1].table.sources[0].path),
        )
    merged = ordered[0].table
    for p in ordered[1:]:
        merged = merge_models(merged, p.table)
    return marked(infer_table(merged.model_copy(update={"partial": not bases}), diags, shown_paths))


def _page_order(page: ParsedPage) -> tuple[int, int, str, str]:
    src = page.table.sources[0]
    return (int(page.extension), _VARIANT_AGE[src.variant], src.date or "", src.path)


def _resolve_relationships(
    tables: dict[str, Table], diags: Diagnostics, shown_paths: Mapping[str, str]
) -> None:
    every: dict[str, Relationship] = {}
    for name in sorted(tables):
        rels = tables[name].relationships
        for r in (*rels.one_to_many, *rels.many_to_one):
            if r.schema_name in every:
                _report_conflicts(every[r.schema_name], r, diags, shown_paths)
                every[r.schema_name] = merge_models(every[r.schema_name], r)
            else:
                every[r.schema_name] = r
    for key in sorted(every):
        every[key] = infer_relationship(every[key], tables, diags, shown_paths)
    placed: dict[str, dict[str, dict[str, Relationship]]] = {
        name: {"one_to_many": {}, "many_to_one": {}} for name in tables
    }
    for name, t in tables.items():
        for r in t.relationships.one_to_many:
            placed[name]["one_to_many"][r.schema_name] = every[r.schema_name]
        for r in t.relationships.many_to_one:
            placed[name]["many_to_one"][r.schema_name] = every[r.schema_name]
    for r in every.values():
        if r.referenced_entity in placed:
            placed[r.referenced_entity]["one_to_many"][r.schema_name] = r
        if r.referencing_entity in placed:
            placed[r.referencing_entity]["many_to_one"][r.schema_name] = r
    for name, t in tables.items():
        tables[name] = t.model_copy(
            update={
                "relationships": Relationships(
                    one_to_many=tuple(placed[name]["one_to_many"].values()),
                    many_to_one=tuple(placed[name]["many_to_one"].values()),
                    many_to_many=t.relationships.many_to_many,
                )
            }
        )


def _report_conflicts(
    a: Relationship, b: Relationship, diags: Diagnostics, shown_paths: Mapping[str, str]
) -> None:
    for field in ("referenced_entity", "referencing_entity", "referencing_attribute"):
        va, vb = getattr(a, field), getattr(b, field)
        if va is not None and vb is not None and va != vb:
            diags.warning(
                "DV202",
                f"relationship {a.schema_name}: {field} is {va!r} on {a.sources[0]} but {vb!r} "
                f"on {b.sources[0]}; {vb!r} is kept",
                shown_paths.get(b.sources[0]),
            )
