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
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel

from generator.conventions import infer_relationship, infer_table
from generator.deprecation import marked
from generator.diagnostics import Diagnostics
from generator.model import (
    Option,
    Relationship,
    Relationships,
    Table,
)
from generator.parse.page import ParsedPage

M = TypeVar("M", bound=BaseModel)

_VARIANT_AGE = {
    "legacy-bold-list": 0,
    "legacy-entity-reference": 1,
    "hybrid-table-reference": 2,
    "generated-full-table": 3,
    "app-extension": 4,
}
_KEYED = {"attributes": "logical_name", "messages": "name"}


def merge_models(old: M, new: M) -> M:
    """``new`` over ``old``: a value ``new`` states wins, absent ones fall back.

    Lists of named items merge item by item; ``targets`` and ``sources`` are
    unions; choices merge by value; maps merge key by key. A value ``new``
    only inferred never replaces one ``old`` states, and a field stays in
    ``inferred`` only if the value that won was inferred.
    """
    old_inferred: set[str] = set(getattr(old, "inferred", ()))
    new_inferred: set[str] = set(getattr(new, "inferred", ()))
    data: dict[str, Any] = {}
    inferred: set[str] = set()
    for name in type(old).model_fields:
        a, b = getattr(old, name), getattr(new, name)
        if name == "inferred":
            continue
        if name in ("sources", "targets"):
            data[name] = _union(a, b, key=lambda s: s.path if hasattr(s, "path") else s)
        elif name == "options":
            data[name] = _merge_keyed(a, b, "value")
        elif name in _KEYED:
            data[name] = _merge_keyed(a, b, _KEYED[name])
        elif name in ("one_to_many", "many_to_one", "many_to_many"):
            data[name] = _merge_keyed(a, b, "schema_name")
        elif isinstance(a, BaseModel) and isinstance(b, BaseModel):
            data[name] = merge_models(a, b)
        elif isinstance(a, dict):
            data[name] = {**a, **b}
        elif b is None or (name in new_inferred and a is not None and name not in old_inferred):
            data[name] = a
            inferred |= {name} & old_inferred
        else:
            data[name] = b
            inferred |= {name} & new_inferred
    if "inferred" in type(old).model_fields:
        data["inferred"] = tuple(sorted(inferred))
    return type(old).model_validate(data)


def _union(a: Iterable[Any], b: Iterable[Any], key: Any) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for item in (*a, *b):
        seen[key(item)] = item
    return tuple(seen.values())


def _merge_keyed(a: Iterable[Any], b: Iterable[Any], key: str) -> tuple[Any, ...]:
    out: dict[Any, Any] = {getattr(x, key): x for x in a}
    for item in b:
        k = getattr(item, key)
        if k in out and isinstance(item, Option):
            out[k] = item  # a choice is replaced whole: label, state and all
        elif k in out:
            out[k] = merge_models(out[k], item)
        else:
            out[k] = item
    return tuple(out.values())


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
) -> dict[str, Table]:
    """All pages of a build as tables keyed by logical name. ``merged``
    (the engine, through its store) may hand back a table described by several pages as
    merged before, when the same pages describe it."""
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
    _resolve_relationships(tables, diags, shown_paths)
    return tables


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
