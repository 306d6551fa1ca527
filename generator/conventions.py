"""Dataverse's documented conventions: what they say about a table, column or
relationship that its pages leave out. Every value filled in here is listed
in the owner's ``inferred`` and reported as an info diagnostic, so a reader
can tell a stated fact from a convention's (:mod:`generator.merge` applies
them once the pages are merged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.diagnostics import Diagnostics
from generator.model import LOOKUP_TYPES, Attribute, Relationship, Table, VirtualColumn


def pluralize(name: str) -> str:
    """Dataverse's default entity set name for a logical name (English plural)."""
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and len(name) > 1 and name[-2] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def infer_table(t: Table, diags: Diagnostics, shown_paths: Mapping[str, str]) -> Table:
    file = shown_paths.get(t.sources[0].path) if t.sources else None
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


def infer_relationship(
    r: Relationship, tables: Mapping[str, Table], diags: Diagnostics, shown_paths: Mapping[str, str]
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
    file = shown_paths.get(r.sources[0]) if r.sources else None
    for field, value in sorted(update.items()):
        diags.info(
            "DV214",
            f"relationship {r.schema_name}: {field} inferred as {value!r} by Dataverse convention",
            file,
        )
    update["inferred"] = tuple(sorted({*r.inferred, *update}))
    return r.model_copy(update=update)
