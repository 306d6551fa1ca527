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

The document is made in three steps, so a rebuild redoes only what changed:

1. a :class:`Piece` per table: its entity type as that table alone gives it
   (with what it read of other tables, :class:`Lookups`), and its actions;
2. linking, across all pieces: the tables lookups point at but no page
   describes, navigation properties with no keyed target, partners;
3. a :class:`Block` per entity type (its ``EntityType`` and ``EntitySet``
   elements), rendered from the linked type, then the document around them.

:class:`Parts` supplies pieces and blocks; :class:`generator.targets.odata_parts.StoredParts`
keeps them between builds: a piece while its reads hold, a block while its
table and its :func:`facts` are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from generator import webapi
from generator.diagnostics import Diagnostics
from generator.escape import xml_attr
from generator.model import Attribute, Table
from generator.render import Templates
from generator.service import Service
from generator.targets.odata_operations import declarations

NAMESPACE = "Microsoft.Dynamics.CRM"
BASE_TYPE = "crmbaseentity"
#: The lookup columns every activity table inherits from ``activitypointer``,
#: as the four real orgs in tests/fixtures/orgs declare them there. An activity
#: table's navigations through them carry no referential constraint in a real
#: org (``createdby_task``, ``regardingobjectid_account_task``): the property
#: belongs to the base type.
ACTIVITY_LOOKUPS = frozenset(
    {
        "createdby",
        "createdonbehalfby",
        "modifiedby",
        "modifiedonbehalfby",
        "ownerid",
        "owningbusinessunit",
        "owningteam",
        "owninguser",
        "regardingobjectid",
        "sendermailboxid",
        "serviceid",
        "slaid",
        "slainvokedid",
        "transactioncurrencyid",
    }
)
#: The primary id of every activity table: the key it inherits from activitypointer.
ACTIVITY_ID = "activityid"
#: What an owner column points at: Dataverse's abstract base of users and teams.
PRINCIPAL = "principal"
_SIMPLE_IDENTIFIER = re.compile(r"^[^\W\d]\w{0,127}$")


@dataclass(slots=True)
class PropertyView:
    name: str
    type: str
    facets: str  # extra attributes, already escaped: ' MaxLength="100"'
    description: str | None
    deprecated: bool = False  # annotated Core.Revisions, Kind Deprecated


@dataclass(slots=True)
class NavigationView:
    name: str
    target: str  # logical name of the target table, or BASE_TYPE
    collection: bool
    relationship: str | None
    #: (property, referenced property); the referenced one is ``None`` until
    #: linking makes it the target's key, which a table only pointed at gets
    #: by convention (<name>id), as real orgs constrain such lookups too
    constraint: tuple[str, str | None] | None = None
    partner: str | None = None

    @property
    def constraint_property(self) -> str | None:
        """The property of a referential constraint (the ``_<lookup>_value``)."""
        return self.constraint[0] if self.constraint else None

    @property
    def referenced_property(self) -> str | None:
        """The target's key the constraint references, once linked."""
        return self.constraint[1] if self.constraint else None

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
    deprecated: bool = False  # annotated Core.Revisions, Kind Deprecated


class Lookups(webapi.EntitySets):
    """Other tables as one table's navigations read them: entity sets (for
    bindings) and primary ids (for referential constraints). Every read is
    recorded in :attr:`reads`, so a cached piece stays valid exactly while
    each read gives the same answer (:func:`reads_hold`)."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        super().__init__(tables)
        self.ids: dict[str, str | None] = {}

    def primary_id(self, name: str) -> str | None:
        table = self._tables.get(name)
        self.ids[name] = value = table.primary_id_attribute if table is not None else None
        return value


#: what a piece read: entity set and primary id by table name
Reads = tuple[dict[str, str], dict[str, str | None]]


def reads_hold(reads: Reads, tables: Mapping[str, Table]) -> bool:
    """Whether every read a piece made gives the same answer in ``tables``."""
    sets, ids = reads
    return all(webapi.entity_set_of(name, tables) == value for name, value in sets.items()) and all(
        (t.primary_id_attribute if (t := tables.get(name)) is not None else None) == value
        for name, value in ids.items()
    )


@dataclass(slots=True)
class Piece:
    """What one table gives ``$metadata`` before linking.

    ``view`` is its entity type; ``full`` says whether it holds the
    properties and description too (it does when made in this build, not
    when read back from a cache, which keeps only what linking needs).
    """

    view: EntityTypeView
    actions: list[str]
    reads: Reads
    full: bool = True


@dataclass(slots=True)
class Block:
    """One entity type's elements, rendered: ``entity_type`` in the schema,
    ``entity_set`` (empty when it has none) in the container."""

    entity_type: str
    entity_set: str


class Parts:
    """Where the pieces and blocks come from: here, made every time.
    ``rendered`` is told the name of each block made."""

    def __init__(self, rendered: Callable[[str], None] | None = None) -> None:
        self._rendered = rendered

    def piece(
        self,
        table: Table,
        tables: Mapping[str, Table],
        diags: Diagnostics,
        make: Callable[[Diagnostics], Piece | None],
    ) -> Piece | None:
        """``table``'s piece (``None``: it declares no entity type)."""
        del table, tables
        return make(diags)

    def block(
        self, name: str, table: Table | None, facts: list[object], make: Callable[[], Block]
    ) -> Block:
        """The block of entity type ``name`` (described by ``table``, or
        ``None`` for a type only pointed at), given its :func:`facts`."""
        del table, facts
        if self._rendered is not None:
            self._rendered(name)
        return make()


class _Names:
    """Checks names against OData's SimpleIdentifier, reporting each one left out."""

    def __init__(self, diags: Diagnostics, shown_paths: Mapping[str, str]) -> None:
        self.diags = diags
        self.shown_path = shown_paths

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
        return self.shown_path.get(table.sources[0].path) if table.sources else None


def _facets(attr: Attribute, edm: str) -> str:
    """Facets as Dataverse writes them: every string ``Unicode="false"``, every
    decimal ``Scale="Variable"`` (tests/test_conformance.py compares them with
    real orgs). dvgen also writes a string's documented ``MaxLength``, which
    real orgs leave out: a client can then check a value before the server
    refuses it, and the limit is the one Dataverse enforces."""
    if edm == "Edm.String":
        length = f' MaxLength="{attr.max_length}"' if attr.max_length is not None else ""
        return f' Unicode="false"{length}'
    if edm == "Edm.Decimal":
        return ' Scale="Variable"'
    return ""


def _property(attr: Attribute) -> PropertyView | None:
    edm = webapi.edm_type(attr) if webapi.is_column(attr) else None
    if edm is None or edm.startswith("Collection("):
        return None  # PartyList, CalendarRules, ManagedProperty, Virtual: not plain values
    description = attr.description or attr.display_name
    return PropertyView(
        name=webapi.value_property(attr),
        type=edm,
        facets=_facets(attr, edm),
        description=xml_attr(description) if description else None,
        deprecated=bool(attr.deprecated),
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


def _navigations(table: Table, lookups: Lookups) -> list[NavigationView]:
    """Every navigation property of ``table`` as the model names it, first name wins."""
    rels = table.relationships
    found: list[NavigationView] = []
    activity = table.primary_id_attribute == ACTIVITY_ID and table.logical_name != "activitypointer"
    for r in rels.many_to_one:
        if r.referencing_entity_navigation_property_name and r.referenced_entity:
            nav = NavigationView(
                r.referencing_entity_navigation_property_name,
                r.referenced_entity,
                collection=False,
                relationship=r.schema_name,
            )
            inherited = activity and r.referencing_attribute in ACTIVITY_LOOKUPS
            if r.referencing_attribute and r.referenced_attribute and not inherited:
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
            inherited = activity and attr.logical_name in ACTIVITY_LOOKUPS
            grouped = webapi.by_navigation(webapi.bindings(attr, navs, lookups))
            for name, (first, *more) in grouped.items():
                # one navigation for several tables (an owner): typed as their common base
                common = PRINCIPAL if attr.type == "Owner" else BASE_TYPE
                nav = NavigationView(
                    name, common if more else first.target, collection=False, relationship=None
                )
                key = lookups.primary_id(first.target) if not more else None
                if not inherited:
                    nav.constraint = (webapi.value_property(attr), key)
                found.append(nav)
    return found


def _entity_type(table: Table, lookups: Lookups, names: _Names) -> EntityTypeView | None:
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
        deprecated=bool(table.deprecated),
    )
    taken = set(declared)
    for nav in _navigations(table, lookups):
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
    every navigation property has a keyed type to point at; and, for each
    relationship a page names, the collection-valued navigation back, named
    by the relationship (the convention real orgs follow), so that both
    sides name each other as partners. ``principal``, the target of owner
    columns, is abstract and keyed by ``ownerid``.
    """
    wanted = sorted(
        {n.target for v in types.values() for n in v.navigations} - set(types) - {BASE_TYPE}
    )
    back: dict[str, list[NavigationView]] = {}
    for view in sorted(types.values(), key=lambda v: v.name):
        for nav in view.navigations:
            if not nav.collection and nav.relationship and nav.target in wanted:
                back.setdefault(nav.target, []).append(
                    NavigationView(nav.relationship, view.name, True, nav.relationship)
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
        named: dict[str, NavigationView] = {}
        for nav in back.get(name, []):
            if _SIMPLE_IDENTIFIER.match(nav.name) and nav.name != key.name:
                named.setdefault(nav.name, nav)
        types[name].navigations = list(named.values())
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
            if nav.constraint is not None:
                prop, referenced = nav.constraint
                agree = referenced is None or referenced == target.key
                nav.constraint = (prop, target.key) if agree and target.key else None
            if nav.relationship is None:
                continue
            back = by_relationship.get((target.name, nav.relationship, not nav.collection), [])
            if len(back) == 1:
                nav.partner = back[0]
    return removed


METADATA = "odata/$metadata.xml"


def _piece(
    table: Table, tables: Mapping[str, Table], shown_paths: Mapping[str, str], diags: Diagnostics
) -> Piece | None:
    names = _Names(diags, shown_paths)
    lookups = Lookups(tables)
    view = _entity_type(table, lookups, names)
    if view is None or view.name == BASE_TYPE:
        return None
    actions = sorted(
        {
            op.name
            for msg in table.messages
            if (op := webapi.invocable(msg)) is not None
            and op.kind == "action"
            and op.name
            and names.ok(op.name, "action", table)
        }
    )
    return Piece(view, actions, (lookups.reads, lookups.ids))


def facts(view: EntityTypeView, sets: Mapping[str, str]) -> list[object]:
    """Everything a linked entity type's block says that its own table (or,
    for a type only pointed at, its name) does not: key, entity set, each
    navigation property as linked, and the entity set each one binds to (a
    type with no entity set binds none). As JSON values, so a cached block
    compares them as they were stored."""
    return [
        view.key,
        view.entity_set,
        view.abstract,
        [
            [
                n.name,
                n.type,
                n.partner,
                list(n.constraint) if n.constraint else None,
                sets.get(n.target) if view.entity_set else None,  # its binding, if any
            ]
            for n in view.navigations
        ],
    ]


def _block(
    view: EntityTypeView,
    tables: Mapping[str, Table],
    shown_paths: Mapping[str, str],
    sets: Mapping[str, str],
    read_back: set[str],
    *,
    templates: Templates,
) -> Block:
    """Render ``view`` (linked). A type in ``read_back`` came from a cached
    piece, without its properties and description: they are made again from
    its table (the piece's diagnostics were replayed with it)."""
    if view.name in read_back:
        full = _entity_type(tables[view.name], Lookups(tables), _Names(Diagnostics(), shown_paths))
        assert full is not None  # it was made from the same table before
        full.navigations = view.navigations
        view = full
    render = templates.render
    return Block(
        render("odata/entity_type.xml.jinja", t=view, namespace=NAMESPACE, base_type=BASE_TYPE),
        render("odata/entity_set.xml.jinja", t=view, sets=sets, namespace=NAMESPACE)
        if view.entity_set
        else "",
    )


def metadata_files(
    tables: Mapping[str, Table],
    diags: Diagnostics,
    shown_paths: Mapping[str, str],
    parts: Parts | None = None,
    templates: Templates | None = None,
    *,
    service: Service | None = None,
) -> dict[str, bytes]:
    """``odata/$metadata.xml``: the CSDL document for every table in the build,
    and (:mod:`generator.targets.odata_operations`) every operation."""
    templates = templates or Templates()
    parts = parts or Parts()
    names = _Names(diags, shown_paths)
    types: dict[str, EntityTypeView] = {}
    read_back: set[str] = set()  # types whose piece came back without properties
    actions: set[str] = set()
    for name in sorted(tables):
        table = tables[name]
        piece = parts.piece(table, tables, diags, partial(_piece, table, tables, shown_paths))
        if piece is None:
            continue
        types[piece.view.name] = piece.view
        actions.update(piece.actions)
        if not piece.full:
            read_back.add(piece.view.name)
    described = set(types)
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
    declared = declarations(service, tables, {*types, *sets.values(), BASE_TYPE}, actions, diags)
    blocks = [
        parts.block(
            view.name,
            tables[view.name] if view.name in described else None,
            facts(view, sets),
            partial(_block, view, tables, shown_paths, sets, read_back, templates=templates),
        )
        for view in types.values()
    ]
    text = templates.render(
        "odata/metadata.xml.jinja",
        namespace=NAMESPACE,
        base_type=BASE_TYPE,
        types=[b.entity_type for b in blocks],
        sets=[b.entity_set for b in blocks],
        declared=declared,
    )
    return {METADATA: text.encode()}
