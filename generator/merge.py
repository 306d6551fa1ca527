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
   :func:`_infer_table` and :func:`_infer_relationship`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel

from generator.deprecation import marked
from generator.diagnostics import Diagnostics
from generator.model import (
    LOOKUP_TYPES,
    Attribute,
    Option,
    Relationship,
    Relationships,
    Table,
    VirtualColumn,
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


#: How a build remembers merged tables: ``(pages, diags, display, merge)``
#: returns ``merge(diags)``, or what it returned for the same pages before.
Remember = Callable[
    [list[ParsedPage], Diagnostics, Mapping[str, str], Callable[[Diagnostics], Table]], Table
]


def merge_pages(
    pages: Iterable[ParsedPage],
    diags: Diagnostics,
    display: Mapping[str, str],
    remember: Remember | None = None,
) -> dict[str, Table]:
    """All pages of a build as tables keyed by logical name. ``remember``
    (the build cache) may hand back a table described by several pages as
    merged before, when the same pages describe it."""
    groups: dict[str, list[ParsedPage]] = defaultdict(list)
    for p in pages:
        groups[p.table.logical_name].append(p)
    tables: dict[str, Table] = {}
    for logical in sorted(groups):
        ordered = sorted(groups[logical], key=_page_order)
        merge = partial(_merge_group, logical, ordered, display=display)
        if remember is not None and len(ordered) > 1:
            tables[logical] = remember(ordered, diags, display, merge)
        else:
            tables[logical] = merge(diags)
    _resolve_relationships(tables, diags, display)
    return tables


def _merge_group(
    logical: str, ordered: list[ParsedPage], diags: Diagnostics, *, display: Mapping[str, str]
) -> Table:
    bases = [p for p in ordered if not p.extension]
    if len(bases) > 1:
        diags.info(
            "DV201",
            f"table {logical} is described by {len(bases)} base pages; where they differ, "
            f"the newest ({bases[-1].table.sources[0].path}) wins",
            display.get(bases[-1].table.sources[0].path),
        )
    merged = ordered[0].table
    for p in ordered[1:]:
        merged = merge_models(merged, p.table)
    return marked(_infer_table(merged.model_copy(update={"partial": not bases}), diags, display))


def _page_order(page: ParsedPage) -> tuple[int, int, str, str]:
    src = page.table.sources[0]
    return (int(page.extension), _VARIANT_AGE[src.variant], src.date or "", src.path)


def _resolve_relationships(
    tables: dict[str, Table], diags: Diagnostics, display: Mapping[str, str]
) -> None:
    every: dict[str, Relationship] = {}
    for name in sorted(tables):
        rels = tables[name].relationships
        for r in (*rels.one_to_many, *rels.many_to_one):
            if r.schema_name in every:
                _report_conflicts(every[r.schema_name], r, diags, display)
                every[r.schema_name] = merge_models(every[r.schema_name], r)
            else:
                every[r.schema_name] = r
    for key in sorted(every):
        every[key] = _infer_relationship(every[key], tables, diags, display)
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
    a: Relationship, b: Relationship, diags: Diagnostics, display: Mapping[str, str]
) -> None:
    for field in ("referenced_entity", "referencing_entity", "referencing_attribute"):
        va, vb = getattr(a, field), getattr(b, field)
        if va is not None and vb is not None and va != vb:
            diags.warning(
                "DV202",
                f"relationship {a.schema_name}: {field} is {va!r} on {a.sources[0]} but {vb!r} "
                f"on {b.sources[0]}; {vb!r} is kept",
                display.get(b.sources[0]),
            )


def pluralize(name: str) -> str:
    """Dataverse's default entity set name for a logical name (English plural)."""
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and len(name) > 1 and name[-2] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def _infer_table(t: Table, diags: Diagnostics, display: Mapping[str, str]) -> Table:
    file = display.get(t.sources[0].path) if t.sources else None
    update: dict[str, Any] = {}
    inferred = set(t.inferred)
    if t.entity_set_name is None:
        update["entity_set_name"] = pluralize(t.logical_name)
        inferred.add("entity_set_name")
        diags.info(
            "DV210",
            f"table {t.logical_name}: no page gives its entity set name; inferred "
            f"{update['entity_set_name']!r} (the plural of its logical name)",
            file,
        )
    if t.primary_id_attribute is None:
        pk = t.attribute(t.logical_name + "id")
        if pk is not None and pk.type == "Uniqueidentifier":
            update["primary_id_attribute"] = pk.logical_name
            inferred.add("primary_id_attribute")
            diags.info(
                "DV211",
                f"table {t.logical_name}: primary id column inferred as {pk.logical_name!r}",
                file,
            )
        else:
            diags.warning(
                "DV212",
                f"table {t.logical_name}: no page gives its primary id column; targets that "
                "need a key will have to do without",
                file,
            )
    attrs = tuple(_infer_attribute(a, t, diags, file) for a in t.attributes)
    update["attributes"] = _virtual_columns(_states_known(attrs, t, diags, file))
    update["inferred"] = tuple(sorted(inferred))
    return t.model_copy(update=update)


def _states_known(
    attrs: tuple[Attribute, ...], t: Table, diags: Diagnostics, file: str | None
) -> tuple[Attribute, ...]:
    """Each Status value's state as one of the State column's values: a state
    no State value has is left out, with a warning (``DV216``); typed code
    that pairs statuses with states could not name it."""
    states = {o.value for a in attrs if a.type == "State" for o in a.options}
    if not states:
        return attrs
    out = []
    for a in attrs:
        if a.type != "Status" or all(o.state in (None, *states) for o in a.options):
            out.append(a)
            continue
        for o in a.options:
            if o.state is not None and o.state not in states:
                diags.warning(
                    "DV216",
                    f"column {t.logical_name}.{a.logical_name}: status {o.value} names state "
                    f"{o.state}, which no State value has; its state was left out",
                    file,
                )
        kept = tuple(
            o if o.state in (None, *states) else o.model_copy(update={"state": None})
            for o in a.options
        )
        out.append(a.model_copy(update={"options": kept}))
    return tuple(out)


def _infer_attribute(a: Attribute, t: Table, diags: Diagnostics, file: str | None) -> Attribute:
    a = _infer_type(a, t, diags, file)
    if a.type != "DateTime" or a.date_time_behavior is not None:
        return a
    # Older pages give a format but no behaviour. UserLocal is Dataverse's
    # default (and every column's before behaviours existed): a point in time
    # on the wire. Read as a date, such a value could land on the wrong day;
    # a real date read as a point in time loses nothing.
    diags.info(
        "DV215",
        f"column {t.logical_name}.{a.logical_name}: no page gives its date and time behaviour; "
        "inferred UserLocal (Dataverse's default): a point in time, not a date",
        file,
    )
    inferred = tuple(sorted({*a.inferred, "date_time_behavior"}))
    return a.model_copy(update={"date_time_behavior": "UserLocal", "inferred": inferred})


def _infer_type(a: Attribute, t: Table, diags: Diagnostics, file: str | None) -> Attribute:
    if a.type is not None:
        return a
    guess = "Picklist" if a.options else "Lookup" if a.targets else None
    if guess is None:
        return a
    diags.info(
        "DV213",
        f"column {t.logical_name}.{a.logical_name}: no page gives its type; inferred {guess} "
        f"from its {'choices' if a.options else 'targets'}",
        file,
    )
    return a.model_copy(update={"type": guess, "inferred": tuple(sorted({*a.inferred, "type"}))})


def _virtual_columns(attrs: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
    """Mark ``<lookup>name``, ``<lookup>yominame`` and ``<lookup>type`` columns.

    Dataverse adds these beside each lookup to carry its display name and the
    table it points at; the Web API returns them as annotations of the lookup
    (``FormattedValue``, ``lookuplogicalname``), not as properties.
    """
    lookups = {a.logical_name.lower(): a.logical_name for a in attrs if a.type in LOOKUP_TYPES}
    out: list[Attribute] = []
    for a in attrs:
        name = a.logical_name.lower()
        found: VirtualColumn | None = None
        for suffix, kind, types in (
            ("yominame", "yominame", {"String"}),
            ("name", "name", {"String"}),
            ("idtype", "entity_type", {"EntityName"}),
            ("type", "entity_type", {"EntityName"}),
        ):
            if name.endswith(suffix) and a.type in types:
                base = name[: -len(suffix)]
                for candidate in (base, base + "id"):
                    if candidate in lookups and candidate != name:
                        found = VirtualColumn(of=lookups[candidate], kind=kind)
                        break
            if found:
                break
        out.append(a.model_copy(update={"virtual": found}) if found else a)
    return tuple(out)


def lookup_navigation(lookup: Attribute, target: str) -> str:
    """Dataverse's single-valued navigation property of a lookup to ``target``:
    the lookup's logical name, or ``<lookup>_<target>`` when it has several
    targets; an owner column (``ownerid``) has one navigation for every target."""
    several = len(lookup.targets) > 1 and lookup.type != "Owner"
    return f"{lookup.logical_name}_{target}" if several else lookup.logical_name


def _infer_relationship(
    r: Relationship, tables: Mapping[str, Table], diags: Diagnostics, display: Mapping[str, str]
) -> Relationship:
    """Fill a relationship's missing names by Dataverse's conventions.

    * the referenced column is the referenced table's primary id;
    * the collection-valued navigation property is named after the
      relationship's schema name;
    * the single-valued navigation property is the lookup's logical name, or
      ``<lookup>_<table>`` for a lookup that can point at several tables.
    """
    update: dict[str, Any] = {}
    referenced = tables.get(r.referenced_entity or "")
    referencing = tables.get(r.referencing_entity or "")
    if (
        r.referenced_attribute is None
        and referenced is not None
        and referenced.primary_id_attribute
    ):
        update["referenced_attribute"] = referenced.primary_id_attribute
    if r.referenced_entity_navigation_property_name is None and referenced is not None:
        update["referenced_entity_navigation_property_name"] = r.schema_name
    if (
        r.referencing_entity_navigation_property_name is None
        and r.referencing_attribute
        and referencing is not None
    ):
        lookup = referencing.attribute(r.referencing_attribute)
        if lookup is not None:
            update["referencing_entity_navigation_property_name"] = lookup_navigation(
                lookup, r.referenced_entity or ""
            )
    if not update:
        return r
    file = display.get(r.sources[0]) if r.sources else None
    for field, value in sorted(update.items()):
        diags.info(
            "DV214",
            f"relationship {r.schema_name}: {field} inferred as {value!r} by Dataverse convention",
            file,
        )
    update["inferred"] = tuple(sorted({*r.inferred, *update}))
    return r.model_copy(update=update)
