"""The OData target: one EDMX 4.0 CSDL ``$metadata`` document for every table.

It follows Dataverse's own ``$metadata`` conventions: namespace
``Microsoft.Dynamics.CRM``, an abstract ``crmbaseentity`` every entity type
derives from, entity types named by logical name and keyed by the primary id,
``_<lookup>_value`` ``Edm.Guid`` properties for lookups, single- and
collection-valued navigation properties named as the pages name them, an
entity set per table in the ``System`` container with a navigation property
binding for every target in the build, and the documented actions as unbound
actions with action imports.

A name the document cannot carry (not an OData SimpleIdentifier) is left out
with a diagnostic rather than renamed: ``$metadata`` describes the wire, and a
renamed wire name would be a lie.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.diagnostics import Diagnostics
from generator.escape import xml_attr
from generator.model import Attribute, Table
from generator.render import render
from generator.targets import webapi

NAMESPACE = "Microsoft.Dynamics.CRM"
BASE_TYPE = "crmbaseentity"
#: What an owner column points at: Dataverse's abstract base of users and teams.
PRINCIPAL = "principal"
_SIMPLE_IDENTIFIER = re.compile(r"^[^\W\d]\w{0,127}$")

_EDM_BY_TYPE = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "EntityName": "Edm.String",
    "MultiSelectPicklist": "Edm.String",
    "Integer": "Edm.Int32",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Double": "Edm.Double",
    "Decimal": "Edm.Decimal",
    "Money": "Edm.Decimal",
    "Boolean": "Edm.Boolean",
    "Uniqueidentifier": "Edm.Guid",
    "File": "Edm.Guid",
    "Image": "Edm.Binary",
    "Lookup": "Edm.Guid",
    "Customer": "Edm.Guid",
    "Owner": "Edm.Guid",
}


_MAX_SCALE = {"Decimal": 10, "Money": 4}


@dataclass(slots=True)
class PropertyView:
    name: str
    type: str
    facets: str  # extra attributes, already escaped: ' MaxLength="100"'
    description: str | None


@dataclass(slots=True)
class NavigationView:
    name: str
    target: str  # logical name of the target table, or BASE_TYPE
    collection: bool
    relationship: str | None
    constraint: tuple[str, str] | None = None  # (property, referenced property)
    partner: str | None = None

    @property
    def type(self) -> str:
        qualified = f"{NAMESPACE}.{self.target}"
        return f"Collection({qualified})" if self.collection else qualified


@dataclass(slots=True)
class EntityTypeView:
    name: str
    key: str | None
    description: str | None
    properties: list[PropertyView]
    navigations: list[NavigationView] = field(default_factory=list)
    entity_set: str | None = None
    abstract: bool = False


class _Names:
    """Checks names against OData's SimpleIdentifier, reporting each one left out."""

    def __init__(self, diags: Diagnostics, display: Mapping[str, str]) -> None:
        self.diags = diags
        self.display = display

    def ok(self, name: str | None, what: str, table: Table) -> bool:
        if name is None:
            return False
        if _SIMPLE_IDENTIFIER.match(name):
            return True
        self.diags.warning(
            "DV302",
            f"table {table.logical_name}: {what} {name!r} is not an OData identifier; "
            "left out of $metadata",
            self.file(table),
        )
        return False

    def file(self, table: Table) -> str | None:
        return self.display.get(table.sources[0].path) if table.sources else None


def _facets(attr: Attribute) -> str:
    if attr.type in ("String", "Memo") and attr.max_length is not None:
        return f' MaxLength="{attr.max_length}"'
    if attr.type in ("Decimal", "Money"):
        # Dataverse's precision is the digits after the point, OData's Scale;
        # when no page gives it, the most Dataverse allows, so every value fits.
        scale = attr.precision if attr.precision is not None else _MAX_SCALE[attr.type]
        return f' Scale="{scale}"'
    return ""


def _property(attr: Attribute) -> PropertyView | None:
    if not webapi.is_column(attr):
        return None
    if attr.type == "DateTime":
        edm = "Edm.Date" if webapi.kind(attr) == "date" else "Edm.DateTimeOffset"
    elif attr.type in _EDM_BY_TYPE:
        edm = _EDM_BY_TYPE[attr.type]
    else:
        return None  # PartyList, CalendarRules, ManagedProperty, Virtual: not plain values
    description = attr.description or attr.display_name
    return PropertyView(
        name=webapi.value_property(attr),
        type=edm,
        facets=_facets(attr),
        description=xml_attr(description) if description else None,
    )


def _properties(table: Table, names: _Names) -> list[PropertyView]:
    out: dict[str, PropertyView] = {}
    skipped = []
    for attr in table.attributes:
        prop = _property(attr)
        if prop is None:
            if webapi.is_column(attr):
                skipped.append(f"{attr.logical_name} ({attr.type})")
            continue
        if names.ok(prop.name, "column", table) and prop.name not in out:
            out[prop.name] = prop
    key = table.primary_id_attribute
    if key is not None and key not in out and names.ok(key, "primary id column", table):
        out[key] = PropertyView(key, "Edm.Guid", "", None)  # the key is a GUID by definition
    if skipped:
        names.diags.info(
            "DV303",
            f"table {table.logical_name}: column(s) with no plain OData value type left out of "
            f"$metadata: {', '.join(skipped)}",
            names.file(table),
        )
    return list(out.values())


def _navigations(table: Table, tables: Mapping[str, Table]) -> list[NavigationView]:
    """Every navigation property of ``table`` as the model names it, first name wins."""
    rels = table.relationships
    found: list[NavigationView] = []
    for r in rels.many_to_one:
        if r.referencing_entity_navigation_property_name and r.referenced_entity:
            nav = NavigationView(
                r.referencing_entity_navigation_property_name,
                r.referenced_entity,
                collection=False,
                relationship=r.schema_name,
            )
            if r.referencing_attribute and r.referenced_attribute:
                nav.constraint = (f"_{r.referencing_attribute}_value", r.referenced_attribute)
            found.append(nav)
    for r in rels.one_to_many:
        if r.referenced_entity_navigation_property_name and r.referencing_entity:
            found.append(
                NavigationView(
                    r.referenced_entity_navigation_property_name,
                    r.referencing_entity,
                    collection=True,
                    relationship=r.schema_name,
                )
            )
    for m in rels.many_to_many:
        for own, nav_name, other in (
            (m.entity1_logical_name, m.entity1_navigation_property_name, m.entity2_logical_name),
            (m.entity2_logical_name, m.entity2_navigation_property_name, m.entity1_logical_name),
        ):
            if own == table.logical_name and nav_name and other:
                found.append(NavigationView(nav_name, other, collection=True, relationship=None))
    navs = webapi.navigations(table)
    for attr in table.attributes:
        if webapi.is_column(attr) and webapi.kind(attr) == "lookup":
            grouped = webapi.by_navigation(webapi.bindings(attr, navs, webapi.EntitySets(tables)))
            for name, (first, *more) in grouped.items():
                # one navigation for several tables (an owner): typed as their common base
                common = PRINCIPAL if attr.type == "Owner" else BASE_TYPE
                nav = NavigationView(
                    name, common if more else first.target, collection=False, relationship=None
                )
                target = tables.get(first.target)
                if not more and target is not None and target.primary_id_attribute:
                    nav.constraint = (webapi.value_property(attr), target.primary_id_attribute)
                found.append(nav)
    return found


def _entity_type(table: Table, tables: Mapping[str, Table], names: _Names) -> EntityTypeView | None:
    if not names.ok(table.logical_name, "table name", table):
        return None
    properties = _properties(table, names)
    declared = {p.name for p in properties}
    key = table.primary_id_attribute if table.primary_id_attribute in declared else None
    entity_set = webapi.entity_set(table) if key is not None else None
    if entity_set is not None and not names.ok(entity_set, "entity set name", table):
        entity_set = None
    view = EntityTypeView(
        name=table.logical_name,
        key=key,
        description=xml_attr(table.description) if table.description else None,
        properties=properties,
        entity_set=entity_set,
    )
    taken = set(declared)
    for nav in _navigations(table, tables):
        if nav.name in taken or not names.ok(nav.name, "navigation property", table):
            continue
        taken.add(nav.name)
        if nav.constraint is not None and nav.constraint[0] not in declared:
            nav.constraint = None  # its lookup column is not documented here
        view.navigations.append(nav)
    if table.partial:
        _report_partial(table, view, names)
    return view


def _report_partial(table: Table, view: EntityTypeView, names: _Names) -> None:
    missing = [
        what
        for what, absent in (
            ("a key (no primary id column)", view.key is None),
            ("an entity set", view.entity_set is None),
            ("a schema name", table.schema_name is None),
            ("a display name", table.display_name is None),
            ("the base table's own columns", True),
        )
        if absent
    ]
    names.diags.info(
        "DV301",
        f"table {table.logical_name}: only extension pages describe it; $metadata declares "
        f"what they give ({len(view.properties)} column(s)) and lacks {', '.join(missing)}",
        names.file(table),
    )


def _referenced(
    types: dict[str, EntityTypeView], names: _Names, tables: Mapping[str, Table]
) -> None:
    """Declare the tables that lookups point at but no page in the build describes.

    Each gets what Dataverse's conventions say about it: the key
    ``<logical name>id`` (``Edm.Guid``) and the plural entity set, so that
    every navigation property has a keyed type to point at. ``principal``,
    the target of owner columns, is abstract and keyed by ``ownerid``.
    """
    wanted = sorted(
        {n.target for v in types.values() for n in v.navigations} - set(types) - {BASE_TYPE}
    )
    declared = []
    for name in wanted:
        if not _SIMPLE_IDENTIFIER.match(name):
            continue  # _link drops the navigations that point at it
        if name == PRINCIPAL:
            key = PropertyView("ownerid", "Edm.Guid", "", None)
            types[name] = EntityTypeView(name, key.name, None, [key], abstract=True)
            continue
        key = PropertyView(f"{name}id", "Edm.Guid", "", None)
        entity_set = webapi.entity_set_of(name, tables)
        types[name] = EntityTypeView(
            name,
            key.name if _SIMPLE_IDENTIFIER.match(key.name) else None,
            xml_attr(f"Referenced by a relationship; no page in the build describes {name}."),
            [key],
            entity_set=entity_set if _SIMPLE_IDENTIFIER.match(entity_set) else None,
        )
        declared.append(name)
    if declared:
        names.diags.info(
            "DV304",
            f"$metadata declares {len(declared)} table(s) that relationships point at but no page "
            f"describes, keyed <name>id by Dataverse convention: {', '.join(declared)}",
        )


def _link(types: dict[str, EntityTypeView]) -> list[str]:
    """Resolve referential constraints and partners across the document.

    A navigation property with no keyed entity type to point at is removed
    (consumers cannot type it); the removed ones are returned, as
    ``table.navigation``.
    """
    removed = []
    for view in types.values():
        kept = []
        for nav in view.navigations:
            if (target := types.get(nav.target)) is None or target.key is None:
                removed.append(f"{view.name}.{nav.name}")
            else:
                kept.append(nav)
        view.navigations = kept
    # (type, relationship, collection?) -> names: each nav finds its partner in one lookup
    by_relationship: dict[tuple[str, str, bool], list[str]] = {}
    for view in types.values():
        for nav in view.navigations:
            if nav.relationship is not None:
                key = (view.name, nav.relationship, nav.collection)
                by_relationship.setdefault(key, []).append(nav.name)
    for view in types.values():
        for nav in view.navigations:
            target = types[nav.target]
            if nav.constraint is not None and nav.constraint[1] != target.key:
                nav.constraint = None
            if nav.relationship is None:
                continue
            back = by_relationship.get((target.name, nav.relationship, not nav.collection), [])
            if len(back) == 1:
                nav.partner = back[0]
    return removed


METADATA = "odata/$metadata.xml"


def metadata_files(
    tables: Mapping[str, Table], diags: Diagnostics, display: Mapping[str, str]
) -> dict[str, bytes]:
    """``odata/$metadata.xml``: the CSDL document for every table in the build."""
    names = _Names(diags, display)
    types: dict[str, EntityTypeView] = {}
    actions: set[str] = set()
    for name in sorted(tables):
        table = tables[name]
        view = _entity_type(table, tables, names)
        if view is None or view.name == BASE_TYPE:
            continue
        types[view.name] = view
        for msg in table.messages:
            op = msg.web_api
            if (
                op is not None
                and op.kind == "action"
                and op.name
                and names.ok(op.name, "action", table)
            ):
                actions.add(op.name)
    _referenced(types, names, tables)
    removed = _link(types)
    if removed:
        diags.warning(
            "DV305",
            "navigation properties left out of $metadata, their target has no key or no "
            f"valid name: {', '.join(removed)}",
        )
    sets = {v.name: v.entity_set for v in types.values() if v.entity_set}
    # a schema's children share one namespace, and so do the container's
    actions -= set(types) | set(sets.values())
    text = render(
        "odata/metadata.xml.jinja",
        namespace=NAMESPACE,
        base_type=BASE_TYPE,
        types=list(types.values()),
        sets=sets,
        actions=sorted(actions),
    )
    return {METADATA: text.encode()}
