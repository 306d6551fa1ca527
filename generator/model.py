"""The typed, immutable model of a Dataverse table: dvgen's contract.

Every output target, and ``dvgen diff``, reads these classes and nothing else.
They are what ``generated/model/<logical_name>.yaml`` holds, validated when
loaded, and their JSON Schema is published as ``generated/model/schema.json``.

Conventions:

* names from the docs are kept verbatim (logical names keep their case);
* empty cells are absent (``None``), never empty strings;
* a value dvgen filled in by a documented Dataverse convention, rather than
  read from a page, has its field name listed in the owner's ``inferred``;
* lists are sorted at construction by the documented key (see ``Table``), so
  the dump is deterministic however the pages were ordered.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION: Final = 1

Variant = Literal[
    "legacy-bold-list",
    "legacy-entity-reference",
    "hybrid-table-reference",
    "generated-full-table",
    "app-extension",
    "odata-csdl",
]

#: Column types Dataverse documents. Pages use exactly these spellings.
KNOWN_TYPES: frozenset[str] = frozenset(
    {
        "BigInt",
        "Boolean",
        "CalendarRules",
        "Customer",
        "DateTime",
        "Decimal",
        "Double",
        "EntityName",
        "File",
        "Image",
        "Integer",
        "Lookup",
        "ManagedProperty",
        "Memo",
        "Money",
        "MultiSelectPicklist",
        "Owner",
        "PartyList",
        "Picklist",
        "State",
        "Status",
        "String",
        "Uniqueidentifier",
        "Virtual",
    }
)

#: Types whose values point at rows of other tables.
LOOKUP_TYPES: frozenset[str] = frozenset({"Lookup", "Customer", "Owner"})

Number = Annotated[int | float, Field(union_mode="smart")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Source(_Frozen):
    """One page, or one org's ``$metadata`` document (variant ``odata-csdl``),
    that contributed to a table."""

    path: str = Field(description="Path of the file, relative to its docs root, '/'-separated.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    variant: Variant
    date: str | None = Field(None, description="ms.date from front matter, as YYYY-MM-DD.")
    title: str | None = None
    extends: str | None = Field(
        None, description="For an app extension page: the page it says it extends."
    )


class Option(_Frozen):
    """One value of a choice column."""

    value: int
    label: str | None = None
    description: str | None = None
    state: int | None = Field(None, description="Status options: the state it belongs to.")
    default_status: int | None = Field(None, description="State options: default status.")
    invariant_name: str | None = None
    transition_data: str | None = None
    deprecated: bool | None = Field(
        None,
        description="True when the docs mark it deprecated (generator/deprecation.py); "
        "set by dvgen from the texts.",
    )


class VirtualColumn(_Frozen):
    """Marks a column that only carries a lookup's formatted value.

    ``owneridname`` is the ``name`` of ``ownerid``; ``owneridtype`` its
    ``entity_type``. Targets expose these as formatted values, not as Web API
    properties.
    """

    of: str = Field(description="Logical name of the lookup column it describes.")
    kind: Literal["name", "yominame", "entity_type"]


class Attribute(_Frozen):
    """One column (attribute) of a table."""

    logical_name: str
    schema_name: str | None = None
    display_name: str | None = None
    description: str | None = None
    type: str | None = Field(None, description="The Dataverse type the page states.")
    edm_type: str | None = Field(
        None,
        description="The Edm type an org's $metadata declares for it (for a lookup, its "
        "_<name>_value property's): what the server puts on the wire.",
    )
    read_only: bool | None = Field(
        None, description="True when listed as read-only (neither valid for create nor update)."
    )
    valid_for_create: bool | None = None
    valid_for_update: bool | None = None
    valid_for_read: bool | None = None
    valid_for_form: bool | None = None
    required_level: str | None = None
    max_length: int | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    precision: int | None = None
    precision_source: str | None = None
    format: str | None = None
    date_time_behavior: str | None = None
    default_value: bool | int | str | None = Field(
        None, description="DefaultValue / DefaultFormValue, typed as the page writes it."
    )
    global_choice_name: str | None = None
    targets: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    added_by: str | None = None
    virtual: VirtualColumn | None = None
    properties: dict[str, str] = Field(
        default_factory=dict,
        description="Every other documented property (IsLocalizable, ImeMode, ...), verbatim.",
    )
    sources: tuple[str, ...] = Field((), description="Paths of the pages that described it.")
    inferred: tuple[str, ...] = ()
    deprecated: bool | None = Field(
        None,
        description="True when the docs mark it deprecated (generator/deprecation.py); "
        "set by dvgen from the texts.",
    )

    @field_validator("targets")
    @classmethod
    def _sorted_targets(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(v)))

    @field_validator("options")
    @classmethod
    def _sorted_options(cls, v: tuple[Option, ...]) -> tuple[Option, ...]:
        return tuple(sorted(v, key=lambda o: o.value))


class Relationship(_Frozen):
    """A one-to-many relationship, seen from either end.

    Under ``one_to_many`` the table is the referenced (one) side; under
    ``many_to_one`` it is the referencing (many) side, and the lookup column
    is ``referencing_attribute``.
    """

    schema_name: str
    referenced_entity: str | None = None
    referenced_attribute: str | None = None
    referencing_entity: str | None = None
    referencing_attribute: str | None = None
    referenced_entity_navigation_property_name: str | None = Field(
        None, description="Collection-valued navigation property on the referenced table."
    )
    referencing_entity_navigation_property_name: str | None = Field(
        None, description="Single-valued navigation property on the referencing table."
    )
    is_hierarchical: bool | None = None
    is_customizable: bool | None = None
    cascade: dict[str, str] = Field(default_factory=dict)
    menu: dict[str, str] = Field(
        default_factory=dict, description="AssociatedMenuConfiguration, verbatim."
    )
    added_by: str | None = None
    sources: tuple[str, ...] = ()
    inferred: tuple[str, ...] = ()


class ManyToMany(_Frozen):
    """A many-to-many relationship through an intersect table."""

    schema_name: str
    intersect_entity: str | None = None
    entity1_logical_name: str | None = None
    entity1_intersect_attribute: str | None = None
    entity1_navigation_property_name: str | None = None
    entity2_logical_name: str | None = None
    entity2_intersect_attribute: str | None = None
    entity2_navigation_property_name: str | None = None
    is_customizable: bool | None = None
    menu1: dict[str, str] = Field(default_factory=dict)
    menu2: dict[str, str] = Field(default_factory=dict)
    added_by: str | None = None
    sources: tuple[str, ...] = ()
    inferred: tuple[str, ...] = ()


class Relationships(_Frozen):
    one_to_many: tuple[Relationship, ...] = ()
    many_to_one: tuple[Relationship, ...] = ()
    many_to_many: tuple[ManyToMany, ...] = ()

    @field_validator("one_to_many", "many_to_one", "many_to_many")
    @classmethod
    def _sorted(
        cls, v: tuple[Relationship, ...] | tuple[ManyToMany, ...]
    ) -> tuple[Relationship, ...] | tuple[ManyToMany, ...]:
        return tuple(sorted(v, key=lambda r: r.schema_name))  # type: ignore[return-value]


class AlternateKey(_Frozen):
    """A key other than the primary id (``OData.Community.Keys.V1.AlternateKeys``
    in an org's ``$metadata``): the columns whose values together address one
    row, in the order the org declares them."""

    columns: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = ()


class WebApiOperation(_Frozen):
    """How a message is reached through the Web API.

    ``kind`` is ``http`` (method and path template, relative to the org's
    ``/api/data/v9.x/``, with ``{column}`` placeholders), ``action`` or
    ``function`` (an OData operation named ``name``), or ``associate`` /
    ``disassociate`` (the ``$ref`` endpoints).
    """

    kind: Literal["http", "action", "function", "associate", "disassociate"]
    method: str | None = None
    path: str | None = None
    name: str | None = None


class Message(_Frozen):
    name: str
    is_event: bool | None = Field(None, description="Null when the page does not say.")
    subscribe_only: bool | None = Field(
        None,
        description="The page lists it only among Events: plug-ins and flows subscribe to "
        "it; it is not invoked, so no target builds a request for it.",
    )
    web_api: WebApiOperation | None = None
    sdk_request: str | None = Field(
        None, description="The SDK for .NET request class, fully qualified."
    )
    sdk_method: str | None = None
    internal: bool | None = Field(
        None,
        description="The page says only Dataverse executes it, to trigger plug-ins and flows.",
    )
    sources: tuple[str, ...] = ()
    inferred: tuple[str, ...] = ()


class Table(_Frozen):
    """One Dataverse table, merged from every page that describes it.

    Sort keys: attributes by ``logical_name``; relationships by
    ``schema_name``; messages by ``name``; options by ``value``; sources by
    ``path``; targets alphabetically.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    logical_name: str
    schema_name: str | None = None
    display_name: str | None = None
    display_collection_name: str | None = None
    description: str | None = None
    entity_set_name: str | None = None
    collection_schema_name: str | None = None
    logical_collection_name: str | None = None
    primary_id_attribute: str | None = None
    primary_name_attribute: str | None = None
    ownership_type: str | None = None
    table_type: str | None = None
    is_bpf_entity: bool | None = None
    added_by: str | None = None
    properties: dict[str, str] = Field(
        default_factory=dict, description="Every other documented table property, verbatim."
    )
    partial: bool = Field(False, description="True when only extension pages were seen.")
    sources: tuple[Source, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    relationships: Relationships = Relationships()
    messages: tuple[Message, ...] = ()
    alternate_keys: tuple[AlternateKey, ...] = ()
    inferred: tuple[str, ...] = ()
    deprecated: bool | None = Field(
        None,
        description="True when the docs mark it deprecated (generator/deprecation.py); "
        "set by dvgen from the texts.",
    )

    @field_validator("alternate_keys")
    @classmethod
    def _sorted_keys(cls, v: tuple[AlternateKey, ...]) -> tuple[AlternateKey, ...]:
        return tuple(sorted(v, key=lambda k: k.columns))

    @field_validator("sources")
    @classmethod
    def _sorted_sources(cls, v: tuple[Source, ...]) -> tuple[Source, ...]:
        return tuple(sorted(v, key=lambda s: s.path))

    @field_validator("attributes")
    @classmethod
    def _sorted_attributes(cls, v: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
        return tuple(sorted(v, key=lambda a: a.logical_name))

    @field_validator("messages")
    @classmethod
    def _sorted_messages(cls, v: tuple[Message, ...]) -> tuple[Message, ...]:
        return tuple(sorted(v, key=lambda m: m.name))

    @model_validator(mode="after")
    def _unique_names(self) -> Table:
        _require_unique("attribute", [a.logical_name for a in self.attributes])
        _require_unique("message", [m.name for m in self.messages])
        rels = self.relationships
        for kind, names in (
            ("one_to_many relationship", [r.schema_name for r in rels.one_to_many]),
            ("many_to_one relationship", [r.schema_name for r in rels.many_to_one]),
            ("many_to_many relationship", [r.schema_name for r in rels.many_to_many]),
        ):
            _require_unique(kind, names)
        return self

    def attribute(self, logical_name: str) -> Attribute | None:
        for a in self.attributes:
            if a.logical_name == logical_name:
                return a
        return None

    def sha256(self) -> str:
        """The SHA-256 of the model: what the cache keys and the manifests'
        schema digest hold."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def _require_unique(kind: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"duplicate {kind} {n!r}")
        seen.add(n)
