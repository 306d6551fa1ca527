"""What a ``$metadata`` document says, typed: the facts of an org's schema as
the Web API publishes them (CSDL 4.0, XML), before they meet the pages.

Every item keeps the line it was declared on, so a later disagreement with a
page can name both places. Type references are resolved: a
:class:`TypeRef` names either an ``Edm`` primitive or a type the document
declares, by its full name (``Microsoft.Dynamics.CRM.account``), never by alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def short_name(full: str) -> str:
    """A declared item's name without its namespace (``account``)."""
    return full.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as a property, parameter or return value uses it."""

    name: str  # "Edm.String", or a declared type's full name
    collection: bool = False

    @property
    def primitive(self) -> bool:
        return self.name.startswith("Edm.")


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    type: TypeRef
    nullable: bool
    line: int
    max_length: int | None = None
    precision: int | None = None
    scale: str | None = None  # a number, or "variable"
    #: ``Org.OData.Core.V1.Description``, which some orgs publish
    description: str | None = None
    #: ``Org.OData.Core.V1.Computed``: the server sets it, a client never writes it
    computed: bool = False


@dataclass(frozen=True, slots=True)
class NavigationProperty:
    name: str
    type: TypeRef  # an entity type, or a collection of them
    line: int
    partner: str | None = None
    #: referential constraints: (this type's property, the target's property)
    constraints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AlternateKey:
    """``OData.Community.Keys.V1.AlternateKeys``: a key other than the id,
    as its parts (the alias a URL uses, the property it names)."""

    parts: tuple[tuple[str, str], ...]
    line: int


@dataclass(frozen=True, slots=True)
class StructuredType:
    """An entity type or a complex type."""

    name: str  # the full name
    line: int
    base: str | None = None
    abstract: bool = False
    open: bool = False
    key: tuple[str, ...] = ()
    properties: tuple[Property, ...] = ()
    navigations: tuple[NavigationProperty, ...] = ()
    alternate_keys: tuple[AlternateKey, ...] = ()


@dataclass(frozen=True, slots=True)
class EnumType:
    name: str
    line: int
    flags: bool
    members: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: TypeRef
    nullable: bool
    line: int


@dataclass(frozen=True, slots=True)
class Operation:
    """An action or a function; ``bound`` ones take their binding parameter first."""

    kind: str  # "action" or "function"
    name: str  # the full name
    line: int
    bound: bool
    parameters: tuple[Parameter, ...]
    returns: TypeRef | None = None
    returns_nullable: bool = True
    composable: bool = False


@dataclass(frozen=True, slots=True)
class EntitySet:
    name: str
    entity_type: str
    line: int


@dataclass(slots=True)
class Document:
    """A whole ``$metadata`` document."""

    namespace: str
    alias: str | None
    entity_types: dict[str, StructuredType] = field(default_factory=dict)
    complex_types: dict[str, StructuredType] = field(default_factory=dict)
    enum_types: dict[str, EnumType] = field(default_factory=dict)
    #: by full name: a function may be overloaded (bound to several types)
    operations: dict[str, list[Operation]] = field(default_factory=dict)
    entity_sets: dict[str, EntitySet] = field(default_factory=dict)
    #: operation imports of the container: their name -> the operation's full name
    imports: dict[str, str] = field(default_factory=dict)
