"""What the Dataverse Web API does with a column, decided once for every target.

The Python, TypeScript and OData targets print different languages but must
agree on the wire: which columns a create or an update may send, which ones
a create must send, the ``_<lookup>_value`` property a read returns, the
``<navigation>@odata.bind`` key and ``/<entity set>(<id>)`` value a write
uses, and which kind of value a column holds. They all ask this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.conventions import lookup_navigation, pluralize
from generator.model import (
    LOOKUP_TYPES,
    AlternateKey,
    Attribute,
    Message,
    Table,
    WebApiOperation,
)

_REQUIRED_LEVELS = frozenset({"ApplicationRequired", "SystemRequired"})

#: The kind of value a column holds, by the type the page states.
_KIND_BY_TYPE = {
    "String": "str",
    "Memo": "str",
    "EntityName": "str",
    "Integer": "int",
    "BigInt": "int",
    "Decimal": "decimal",
    "Money": "decimal",
    "Double": "float",
    "Boolean": "bool",
    "Uniqueidentifier": "uuid",
    "Lookup": "lookup",
    "Customer": "lookup",
    "Owner": "lookup",
    "Image": "bytes",
}


#: The Edm type on the wire, by the type a page states.
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


def edm_type(attr: Attribute) -> str | None:
    """The Edm type of the column's value on the wire: the one an org's
    ``$metadata`` declares, else the one its Dataverse type implies (``None``
    for PartyList, CalendarRules, ManagedProperty and Virtual, which are not
    plain values)."""
    if attr.edm_type is not None:
        return attr.edm_type
    return implied_edm_type(attr)


def implied_edm_type(attr: Attribute) -> str | None:
    """The Edm type the column's Dataverse type (and date behaviour) implies."""
    if attr.type == "DateTime":
        return "Edm.Date" if attr.date_time_behavior == "DateOnly" else "Edm.DateTimeOffset"
    return _EDM_BY_TYPE.get(attr.type or "")


def is_column(attr: Attribute) -> bool:
    """A column the Web API reads and writes itself (not a formatted-value
    companion such as ``createdbyname``, and with a stated type)."""
    return attr.virtual is None and attr.type is not None


def has_choices(attr: Attribute) -> bool:
    """A column whose options become an enum (a Yes/No column stays a bool)."""
    return bool(attr.options) and attr.type != "Boolean" and attr.virtual is None


def choice_name(attr: Attribute) -> str:
    """What a column's enum is named after: its global choice, else the column."""
    if attr.type not in ("State", "Status") and attr.global_choice_name:
        return attr.global_choice_name
    return attr.schema_name or attr.logical_name


def kind(attr: Attribute) -> str:
    """``str``, ``int``, ``float``, ``decimal``, ``bool``, ``uuid``, ``lookup``,
    ``choice``, ``choices``, ``date``, ``datetime``, ``bytes`` or ``object``."""
    if attr.type in ("Picklist", "State", "Status") and has_choices(attr):
        return "choice"
    if attr.type == "MultiSelectPicklist" and has_choices(attr):
        return "choices"
    if attr.type == "DateTime":
        # Only the DateOnly *behaviour* puts a date on the wire (Edm.Date); a
        # DateOnly *format* with any other behaviour is shown as a date but
        # served as a point in time (Edm.DateTimeOffset), as every real org's
        # $metadata declares it (tests/test_conformance.py).
        return "date" if attr.date_time_behavior == "DateOnly" else "datetime"
    return _KIND_BY_TYPE.get(attr.type or "", "object")


def invocable(msg: Message) -> WebApiOperation | None:
    """The Web API operation a request for ``msg`` calls: none for an event a
    page lists only to subscribe to ("you shouldn't invoke the message")."""
    return None if msg.subscribe_only else msg.web_api


def readable(attr: Attribute) -> bool:
    return attr.valid_for_read is not False


def creatable(attr: Attribute) -> bool:
    return attr.valid_for_create is not False and attr.read_only is not True


def updatable(attr: Attribute) -> bool:
    return attr.valid_for_update is not False and attr.read_only is not True


def required_on_create(attr: Attribute, table: Table) -> bool:
    """A required column the caller must supply on create: not the key, the
    owner or the state/status, which Dataverse fills in itself."""
    return (
        attr.required_level in _REQUIRED_LEVELS
        and creatable(attr)
        and attr.logical_name != table.primary_id_attribute
        and attr.type not in ("Owner", "State", "Status")
    )


def value_property(attr: Attribute) -> str:
    """The property a read returns for a column: ``_<lookup>_value`` for a lookup."""
    if attr.type in LOOKUP_TYPES:
        return f"_{attr.logical_name}_value"
    return attr.logical_name


def entity_set(table: Table) -> str:
    return table.entity_set_name or pluralize(table.logical_name)


def entity_set_of(name: str, tables: Mapping[str, Table]) -> str:
    """The entity set of ``name``: as its page says when it is in the build,
    else by Dataverse's plural convention."""
    t = tables.get(name)
    return entity_set(t) if t is not None else pluralize(name)


class EntitySets:
    """The entity sets of other tables, as a per-table renderer looks them up.

    It records every lookup in ``reads``, so a cached render knows exactly
    what else it depended on: it stays valid while each of those names still
    has the entity set it had (:func:`sets_hold`).
    """

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self._tables = tables
        self.reads: dict[str, str] = {}

    def of(self, name: str) -> str:
        value = entity_set_of(name, self._tables)
        self.reads[name] = value
        return value


def sets_hold(reads: Mapping[str, str], tables: Mapping[str, Table]) -> bool:
    """Whether every entity set an :class:`EntitySets` read is the same in ``tables``."""
    return all(entity_set_of(name, tables) == value for name, value in reads.items())


Navigations = dict[tuple[str, str], str]


def navigations(table: Table) -> Navigations:
    """(lookup column, target table) -> navigation property, as the pages name them."""
    return {
        (
            r.referencing_attribute,
            r.referenced_entity,
        ): r.referencing_entity_navigation_property_name
        for r in table.relationships.many_to_one
        if r.referencing_attribute
        and r.referenced_entity
        and r.referencing_entity_navigation_property_name
    }


@dataclass(frozen=True, slots=True)
class Binding:
    """One way to set a lookup: ``"<navigation>@odata.bind": "/<entity_set>(<id>)"``."""

    target: str
    entity_set: str
    navigation: str

    @property
    def key(self) -> str:
        return f"{self.navigation}@odata.bind"


def bindings(attr: Attribute, navs: Navigations, sets: EntitySets) -> list[Binding]:
    """One binding per target of a lookup, in target order."""
    return [
        Binding(
            target,
            sets.of(target),
            navs.get((attr.logical_name, target)) or lookup_navigation(attr, target),
        )
        for target in attr.targets
    ]


def limits_text(attr: Attribute) -> str | None:
    """The documented limits of a column as one sentence for doc comments."""
    bits = []
    if attr.max_length is not None:
        bits.append(f"at most {attr.max_length} characters")
    if attr.min_value is not None and attr.max_value is not None:
        bits.append(f"from {attr.min_value} to {attr.max_value}")
    if attr.targets:
        bits.append("points at " + ", ".join(attr.targets))
    if attr.type == "DateTime" and kind(attr) == "date":
        bits.append("a date without time or time zone (behaviour DateOnly)")
    elif attr.type == "DateTime" and attr.format == "DateOnly":
        bits.append(
            "shown as a date, but a point in time on the wire "
            f"(format DateOnly, behaviour {attr.date_time_behavior})"
        )
    return ("Dataverse: " + "; ".join(bits) + ".") if bits else None


def by_navigation(binds: list[Binding]) -> dict[str, list[Binding]]:
    """The bindings of one lookup grouped by navigation property, in order: an
    owner column has one navigation (``ownerid``) for all of its targets."""
    out: dict[str, list[Binding]] = {}
    for b in binds:
        out.setdefault(b.navigation, []).append(b)
    return out


@dataclass(frozen=True, slots=True)
class Navigation:
    """A navigation property a query may ``$expand``: its name, the table it
    leads to, whether it leads to many rows, and (single-valued ones) the
    lookup column it follows (a one-to-many's: the target's lookup column
    that points back)."""

    name: str
    target: str
    collection: bool
    column: str | None = None


def expandable(table: Table) -> list[Navigation]:
    """The table's navigation properties, by name: one per lookup target
    (single-valued), and one per one-to-many and many-to-many relationship
    on this table's side (collection-valued)."""
    navs = navigations(table)
    out: dict[str, Navigation] = {}
    for attr in table.attributes:
        if is_column(attr) and kind(attr) == "lookup":
            for target in attr.targets:
                name = navs.get((attr.logical_name, target)) or lookup_navigation(attr, target)
                out.setdefault(name, Navigation(name, target, False, attr.logical_name))
    rels = table.relationships
    for r in rels.one_to_many:
        if r.referenced_entity_navigation_property_name and r.referencing_entity:
            name = r.referenced_entity_navigation_property_name
            back = r.referencing_attribute
            out.setdefault(name, Navigation(name, r.referencing_entity, True, back))
    for m in rels.many_to_many:
        for mine, nav, other in (
            (m.entity1_logical_name, m.entity1_navigation_property_name, m.entity2_logical_name),
            (m.entity2_logical_name, m.entity2_navigation_property_name, m.entity1_logical_name),
        ):
            if mine == table.logical_name and nav and other:
                out.setdefault(nav, Navigation(nav, other, collection=True))
    return [out[name] for name in sorted(out)]


def alternate_keys(table: Table) -> list[tuple[AlternateKey, list[tuple[Attribute, str]]]]:
    """Each alternate key of ``table`` whose columns it has, with each
    column and the property a key segment names it by (``_x_value`` for a
    lookup, as ``$metadata`` declares it)."""
    out = []
    for key in table.alternate_keys:
        parts = [(a, value_property(a)) for c in key.columns if (a := table.attribute(c))]
        if len(parts) == len(key.columns) and all(is_column(a) for a, _ in parts):
            out.append((key, parts))
    return out
