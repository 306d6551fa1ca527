"""A ``$metadata`` :class:`~generator.csdl.document.Document` as model tables:
what the org states about each table that has an entity set, marked as
coming from that document.

The org states wire facts: the entity set, the key, each property's Edm
type, which ``_<name>_value`` property a lookup is read through and the
navigation properties that lead from it (with their exact names, partners
and constraints), alternate keys, and (in some orgs) descriptions and which
properties the server computes. It does not state labels, choices, required
levels or limits: those come from pages (:mod:`generator.csdl.combine`).

A column's Dataverse type is the one its Edm type implies (``Edm.Int32``
is an ``Integer``, ``Edm.Date`` a date-only ``DateTime``) and is listed in
``inferred``: a page that says ``Picklist`` names the same wire type more
precisely, and is kept. A relationship's schema name is not in the
document: it is its collection-valued navigation's name (Dataverse names
that navigation after the relationship), also listed in ``inferred``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from generator.csdl.document import (
    Document,
    NavigationProperty,
    Property,
    StructuredType,
    short_name,
)
from generator.model import (
    AlternateKey,
    Attribute,
    ManyToMany,
    Relationship,
    Relationships,
    Source,
    Table,
)
from generator.service import Service

#: The Dataverse type each Edm type implies, when nothing says more.
TYPE_BY_EDM = {
    "Edm.String": "String",
    "Edm.Int32": "Integer",
    "Edm.Int16": "Integer",
    "Edm.Int64": "BigInt",
    "Edm.Double": "Double",
    "Edm.Single": "Double",
    "Edm.Decimal": "Decimal",
    "Edm.Boolean": "Boolean",
    "Edm.Guid": "Uniqueidentifier",
    "Edm.DateTimeOffset": "DateTime",
    "Edm.Date": "DateTime",
    "Edm.Binary": "Image",
}
#: What every table's entity type derives from.
TABLE_BASE = "crmbaseentity"
#: What an owner column's navigation leads to in ``$metadata``, and what it stands for.
PRINCIPAL = "principal"
OWNERS = ("systemuser", "team")
#: Lookup columns whose targets name their Dataverse type.
_LOOKUP_KINDS = {
    frozenset({"systemuser", "team"}): "Owner",
    frozenset({"account", "contact"}): "Customer",
}


@dataclass(slots=True)
class DocumentTables:
    """The tables of one document, and the line each fact was declared on
    (``("table", name)``, ``("column", table, column)``,
    ``("relationship", schema name)``), for diagnostics that name it."""

    source: Source
    tables: dict[str, Table] = field(default_factory=dict)
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    service: Service = field(default_factory=Service)

    def line(self, *key: str) -> int | None:
        return self.lines.get(key)


def lookup_column(prop: str) -> str | None:
    """``x`` for the ``_x_value`` property a lookup column is read through."""
    if prop.startswith("_") and prop.endswith("_value") and len(prop) > len("__value"):
        return prop[1 : -len("_value")]
    return None


def tables_of(doc: Document, source: Source) -> DocumentTables:
    """Every table of ``doc``, as the org states it: each entity type that
    has an entity set and derives from ``crmbaseentity`` (an abstract base
    has no set; the metadata API's types, such as ``EntityMetadata`` behind
    ``EntityDefinitions``, derive from ``MetadataBase`` and are not tables)."""
    out = DocumentTables(source)
    structured = {**doc.entity_types, **doc.complex_types}
    base = f"{doc.namespace}.{TABLE_BASE}"
    for entity_set in sorted(doc.entity_sets.values(), key=lambda s: s.entity_type):
        t = doc.entity_types[entity_set.entity_type]
        name = short_name(t.name)
        if name in out.tables or base not in {k.name for k in _chain(t, structured)}:
            continue  # a second set of one type, or not a table
        out.lines[("table", name)] = t.line
        out.tables[name] = _table(t, entity_set.name, structured, out)
    return out


def _table(
    t: StructuredType, entity_set: str, structured: dict[str, StructuredType], out: DocumentTables
) -> Table:
    name = short_name(t.name)
    path = out.source.path
    chain = list(_chain(t, structured))
    properties = [p for k in chain for p in k.properties]
    navigations = [n for k in chain for n in k.navigations]
    key = next((k for k in chain if k.key), t).key
    by_lookup: dict[str, list[NavigationProperty]] = {}
    for nav in navigations:
        for constrained, _ in nav.constraints:
            by_lookup.setdefault(constrained, []).append(nav)
    attributes: dict[str, Attribute] = {}
    for prop in properties:
        attr = _attribute(prop, by_lookup.get(prop.name, []), path)
        if attr.logical_name not in attributes:
            attributes[attr.logical_name] = attr
            out.lines[("column", name, attr.logical_name)] = prop.line
    columns = {a.logical_name: a for a in attributes.values()}
    keys = tuple(
        AlternateKey(
            columns=tuple(lookup_column(prop) or prop for _, prop in alt.parts), sources=(path,)
        )
        for k in chain
        for alt in k.alternate_keys
    )
    many_to_one, many_to_many = _relationships(name, t.navigations, columns, path, out)
    return Table(
        logical_name=name,
        entity_set_name=entity_set,
        primary_id_attribute=key[0] if len(key) == 1 else None,
        sources=(out.source,),
        attributes=tuple(attributes.values()),
        relationships=Relationships(many_to_one=many_to_one, many_to_many=many_to_many),
        alternate_keys=keys,
    )


def _attribute(prop: Property, navs: list[NavigationProperty], path: str) -> Attribute:
    edm = prop.type.name
    lookup = lookup_column(prop.name) if edm == "Edm.Guid" else None
    inferred = ["type"]
    extra: dict[str, object] = {}
    if lookup is not None:
        targets = tuple(sorted({short_name(n.type.name) for n in navs if not n.type.collection}))
        if targets == (PRINCIPAL,):  # the abstract base of the two tables an owner may be
            targets = OWNERS
        kind = "Owner" if lookup == "ownerid" else _LOOKUP_KINDS.get(frozenset(targets), "Lookup")
        extra = {"type": kind, "targets": targets}
    elif prop.type.collection:
        extra = {"type": None}
    else:
        extra = {"type": TYPE_BY_EDM.get(edm)}
        if edm == "Edm.Date":
            extra["date_time_behavior"] = "DateOnly"
            inferred.append("date_time_behavior")
    if prop.computed:
        extra |= {"valid_for_create": False, "valid_for_update": False}
    return Attribute(
        logical_name=lookup or prop.name,
        edm_type=f"Collection({edm})" if prop.type.collection else edm,
        description=prop.description,
        sources=(path,),
        inferred=tuple(sorted(inferred)),
        **extra,
    )


def _relationships(
    name: str,
    navigations: tuple[NavigationProperty, ...],
    columns: dict[str, Attribute],
    path: str,
    out: DocumentTables,
) -> tuple[tuple[Relationship, ...], tuple[ManyToMany, ...]]:
    """The relationships ``name`` is the many side of (from each
    single-valued navigation it declares), and its many-to-many ones (a
    collection navigation whose partner is one too). A navigation without a
    constraint (an activity's ``regardingobjectid_account_task``, whose
    lookup it inherits) is tied to the lookup its name starts with, by
    Dataverse's naming convention: ``referencing_attribute`` is then inferred."""
    many_to_one: dict[str, Relationship] = {}
    many_to_many: dict[str, ManyToMany] = {}
    for nav in navigations:
        target = short_name(nav.type.name)
        if not nav.type.collection:
            column = next((lookup_column(p) for p, _ in nav.constraints if lookup_column(p)), None)
            referenced = next((r for p, r in nav.constraints if lookup_column(p) == column), None)
            guessed = column is None
            if guessed:
                column = _named_lookup(nav, target, columns)
            schema = nav.partner or nav.name
            many_to_one.setdefault(
                schema,
                Relationship(
                    schema_name=schema,
                    referenced_entity=target,
                    referenced_attribute=referenced,
                    referencing_entity=name,
                    referencing_attribute=column,
                    referencing_entity_navigation_property_name=nav.name,
                    referenced_entity_navigation_property_name=nav.partner,
                    sources=(path,),
                    inferred=("referencing_attribute", "schema_name")
                    if guessed
                    else ("schema_name",),
                ),
            )
            out.lines.setdefault(("relationship", schema), nav.line)
        elif nav.partner == nav.name and not nav.constraints:
            many_to_many.setdefault(
                nav.name,
                ManyToMany(
                    schema_name=nav.name,
                    entity1_logical_name=name,
                    entity1_navigation_property_name=nav.name,
                    entity2_logical_name=target,
                    entity2_navigation_property_name=nav.partner,
                    sources=(path,),
                    inferred=("schema_name",),
                ),
            )
            out.lines.setdefault(("relationship", nav.name), nav.line)
    return tuple(many_to_one.values()), tuple(many_to_many.values())


def _named_lookup(
    nav: NavigationProperty, target: str, columns: dict[str, Attribute]
) -> str | None:
    """The lookup column a navigation's name starts with (the longest) that
    may point at ``target``."""
    fits = [
        c
        for c, a in columns.items()
        if nav.name.startswith(c + "_") and (not a.targets or target in a.targets)
    ]
    return max(fits, key=len) if fits else None


def _chain(t: StructuredType, structured: dict[str, StructuredType]) -> Iterator[StructuredType]:
    """``t``, then the types it derives from."""
    seen: set[str] = set()
    current: StructuredType | None = t
    while current is not None and current.name not in seen:
        seen.add(current.name)
        yield current
        current = structured.get(current.base) if current.base else None
