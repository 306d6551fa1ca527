"""Relationships from their H3 sections, in any page variant.

The intro line names the table at the other end, whatever its wording:
"Same as asyncoperation entity [...](asyncoperation.md#...)", "See workflow
Entity [...]", "One-To-Many Relationship: [msdyn_bookingrule ...](...)". The
first link's page is that table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from generator.model import ManyToMany, Relationship
from generator.parse import values
from generator.parse.context import NAME, PageContext
from generator.parse.facts import Facts
from generator.parse.markdown import Block, Para
from generator.parse.sections import Section

_REL_TEXT = {
    "ReferencedEntityNavigationPropertyName": "referenced_entity_navigation_property_name",
    "ReferencingEntityNavigationPropertyName": "referencing_entity_navigation_property_name",
    "ReferencedAttribute": "referenced_attribute",
    "ReferencingAttribute": "referencing_attribute",
}
_LINK_PAGE = re.compile(r"(?:^|/)([A-Za-z_][A-Za-z0-9_]*)(?:\.md)?(?:#.*)?$")
_INTERSECT_LINE = re.compile(r"^IntersectEntityName:\s*(\S+)\s*$")


def other_table(blocks: Sequence[Block]) -> str | None:
    """The table the intro line links to, from the link's page name."""
    for b in blocks:
        if not isinstance(b, Para):
            continue
        for cell in b.lines:
            for link in cell.links:
                m = _LINK_PAGE.search(link.href.split("?")[0])
                if m and not link.href.startswith("xref:"):
                    return m.group(1).lower()
    return None


def _name_fields(ctx: PageContext, facts: Facts, mapping: dict[str, str]) -> dict[str, Any]:
    return {field: ctx.name(facts.pop(key), key) for key, field in mapping.items()}


def _map(ctx: PageContext, facts: Facts, key: str) -> dict[str, str]:
    fact = facts.pop(key)
    if fact is None:
        return {}
    try:
        return values.key_values(fact.segments)
    except ValueError as exc:
        ctx.diags.warning("DV122", f"{key}: {exc}; the value was left out", ctx.file, fact.line)
        return {}


def _schema_name(ctx: PageContext, section: Section) -> str | None:
    """The relationship's schema name: its H3 heading, if it is a valid name."""
    schema = section.title
    if NAME.match(schema):
        return schema
    ctx.diags.warning(
        "DV140",
        f"relationship heading {schema!r} is not a relationship name; it was left out",
        ctx.file,
        section.heading.line,
    )
    return None


def build_relationship(ctx: PageContext, kind: str, section: Section) -> Relationship | None:
    """A one-to-many (``kind="one_to_many"``) or many-to-one relationship."""
    schema = _schema_name(ctx, section)
    if schema is None:
        return None
    facts = ctx.facts()
    rest = facts.read_blocks(section.blocks)
    for part in section.children:
        rest.extend(facts.read_blocks(part.blocks))
    other = other_table(rest)
    fields: dict[str, Any] = _name_fields(ctx, facts, _REL_TEXT)
    referenced = ctx.name(facts.pop("ReferencedEntity"), "ReferencedEntity")
    referencing = ctx.name(facts.pop("ReferencingEntity"), "ReferencingEntity")
    if kind == "one_to_many":
        referenced = referenced or ctx.table
        referencing = referencing or other
    else:
        referencing = referencing or ctx.table
        referenced = referenced or other
    fields["referenced_entity"] = referenced
    fields["referencing_entity"] = referencing
    fields["is_hierarchical"] = ctx.convert(facts.pop("IsHierarchical"), values.boolean)
    fields["is_customizable"] = ctx.convert(facts.pop("IsCustomizable"), values.boolean)
    fields["cascade"] = _map(ctx, facts, "CascadeConfiguration")
    fields["menu"] = _map(ctx, facts, "AssociatedMenuConfiguration")
    fields["added_by"] = ctx.convert(facts.pop("Added by"), values.text)
    _leftovers(ctx, facts, f"relationship {schema}")
    fields["schema_name"] = schema
    fields["sources"] = (ctx.source_path,)
    return Relationship(**{k: v for k, v in fields.items() if v is not None})


def build_many_to_many(ctx: PageContext, section: Section) -> ManyToMany | None:
    schema = _schema_name(ctx, section)
    if schema is None:
        return None
    facts = ctx.facts()
    rest = facts.read_blocks(section.blocks)
    other = other_table(rest)
    fields: dict[str, Any] = {"schema_name": schema}
    fields["intersect_entity"] = ctx.name(facts.pop("IntersectEntityName"), "IntersectEntityName")
    for b in rest:
        if isinstance(b, Para) and fields["intersect_entity"] is None:
            for cell in b.lines:
                m = _INTERSECT_LINE.match(cell.text)
                if m and NAME.match(m.group(1)):
                    fields["intersect_entity"] = m.group(1)
    named = facts.pop("SchemaName")
    if named is not None and named.value.strip() and named.value.strip() != schema:
        ctx.diags.warning(
            "DV141",
            f"SchemaName {named.value.strip()!r} differs from the heading {schema!r}",
            ctx.file,
            named.line,
        )
    fields["is_customizable"] = ctx.convert(facts.pop("IsCustomizable"), values.boolean)
    fields["added_by"] = ctx.convert(facts.pop("Added by"), values.text)
    sides = [p for p in section.children if p.title.lower().startswith("table ")]
    inferred: list[str] = []
    if sides:
        for n, part in enumerate(sides[:2], start=1):
            side = ctx.facts()
            side.read_blocks(part.blocks)
            _side(ctx, side, n, fields)
            _leftovers(ctx, side, f"relationship {schema}")
    elif "IntersectAttribute" in facts or "NavigationPropertyName" in facts:
        # Generated pages describe the side of the table the page is about.
        _side(ctx, facts, 1, fields)
        fields["entity1_logical_name"] = ctx.table
        fields["entity2_logical_name"] = other
        inferred.append("entity1_logical_name")
    elif other is not None:
        # "See account Entity [...] Many-To-Many Relationship": the details
        # live on the first entity's page, so this table is the second.
        fields["entity1_logical_name"] = other
        if fields["intersect_entity"] != ctx.table:
            fields["entity2_logical_name"] = ctx.table
            inferred.append("entity2_logical_name")
    _leftovers(ctx, facts, f"relationship {schema}")
    fields["sources"] = (ctx.source_path,)
    fields["inferred"] = tuple(inferred)
    return ManyToMany(**{k: v for k, v in fields.items() if v is not None})


def _side(ctx: PageContext, facts: Facts, n: int, fields: dict[str, Any]) -> None:
    logical = ctx.name(facts.pop("LogicalName"), "LogicalName")
    if logical is not None:
        fields[f"entity{n}_logical_name"] = logical
    fields[f"entity{n}_intersect_attribute"] = ctx.name(
        facts.pop("IntersectAttribute"), "IntersectAttribute"
    )
    fields[f"entity{n}_navigation_property_name"] = ctx.name(
        facts.pop("NavigationPropertyName"), "NavigationPropertyName"
    )
    if "IsCustomizable" in facts:
        fields["is_customizable"] = ctx.convert(facts.pop("IsCustomizable"), values.boolean)
    fields[f"menu{n}"] = _map(ctx, facts, "AssociatedMenuConfiguration")


def _leftovers(ctx: PageContext, facts: Facts, what: str) -> None:
    """A relationship property dvgen does not model is reported, not dropped."""
    for fact in facts:
        ctx.diags.warning(
            "DV142",
            f"{what}: property {fact.key!r} is not part of the model; it was left out",
            ctx.file,
            fact.line,
        )
