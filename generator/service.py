"""The typed model of what an org offers beside its tables: its actions and
functions (Custom APIs among them), and the complex and enum types they take
and return. It comes from orgs' ``$metadata`` documents (pages never give an
operation's parameters), and is what ``generated/model/_service.yaml`` holds,
validated when loaded, with its JSON Schema in ``service.schema.json``.

Names are the document's, without its namespace (``WhoAmI``,
``WhoAmIResponse``). Lists are sorted at construction, so the dump is
deterministic however the documents were ordered.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, field_validator

from generator.model import Source, _Frozen

SERVICE_VERSION: Final = 1
#: Where a build writes it, beside the tables' models (a table's logical name
#: never starts with ``_``).
SERVICE_FILE: Final = "_service.yaml"
SERVICE_TITLE: Final = "dvgen service model"

#: What a type names: an Edm primitive, a table of the build, another entity
#: type (the metadata API's, or ``crmbaseentity``: any table), a complex type
#: or an enum type.
TypeKind = Literal["primitive", "table", "entity", "complex", "enum"]


class TypeUse(_Frozen):
    """A type as a parameter, property or return value uses it."""

    name: str = Field(description="Edm.String; a table's logical name; a declared type's name.")
    kind: TypeKind
    collection: bool = False
    nullable: bool = True


class Member(_Frozen):
    """A parameter of an operation, or a property of a complex type."""

    name: str
    type: TypeUse


class Operation(_Frozen):
    """An action or a function.

    ``binding`` is the table (or entity type) a bound operation is called on,
    through a row (``accounts(<id>)/Microsoft.Dynamics.CRM.X``) or, with
    ``binding_collection``, the entity set; the binding parameter is not in
    ``parameters``. An unbound operation is called on the service root when
    the org imports it (``callable``); one it does not import (the query
    functions, such as ``Above``) only appears inside ``$filter``.
    """

    kind: Literal["action", "function"]
    name: str
    binding: str | None = None
    binding_kind: TypeKind | None = None
    binding_collection: bool = False
    parameters: tuple[Member, ...] = ()
    returns: TypeUse | None = None
    composable: bool = False
    callable: bool = True
    sources: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, bool]:
        """What tells overloads apart: name, binding, collection-bound."""
        return (self.name, self.binding or "", self.binding_collection)


class ComplexType(_Frozen):
    name: str
    base: str | None = None
    properties: tuple[Member, ...] = ()
    sources: tuple[str, ...] = ()


class EnumMember(_Frozen):
    name: str
    value: int


class EnumType(_Frozen):
    name: str
    flags: bool = False
    members: tuple[EnumMember, ...] = ()
    sources: tuple[str, ...] = ()


class Service(_Frozen):
    """Every operation, complex type and enum type of a build's documents."""

    schema_version: Literal[1] = SERVICE_VERSION
    namespace: str = "Microsoft.Dynamics.CRM"
    sources: tuple[Source, ...] = ()
    operations: tuple[Operation, ...] = ()
    complex_types: tuple[ComplexType, ...] = ()
    enum_types: tuple[EnumType, ...] = ()

    @field_validator("sources")
    @classmethod
    def _sorted_sources(cls, v: tuple[Source, ...]) -> tuple[Source, ...]:
        return tuple(sorted(v, key=lambda s: s.path))

    @field_validator("operations")
    @classmethod
    def _sorted_operations(cls, v: tuple[Operation, ...]) -> tuple[Operation, ...]:
        return tuple(sorted(v, key=lambda o: o.key))

    @field_validator("complex_types", "enum_types")
    @classmethod
    def _sorted_types(
        cls, v: tuple[ComplexType, ...] | tuple[EnumType, ...]
    ) -> tuple[ComplexType, ...] | tuple[EnumType, ...]:
        return tuple(sorted(v, key=lambda t: t.name))  # type: ignore[return-value]
