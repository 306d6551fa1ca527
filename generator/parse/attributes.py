"""One column (attribute) from its H3 section, in any page variant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.model import KNOWN_TYPES, Attribute, Option
from generator.parse import values
from generator.parse.context import NAME, PageContext
from generator.parse.facts import Fact, Facts
from generator.parse.markdown import Block, Cell, ListBlock, Para, Table
from generator.parse.sections import Section

# Page key -> model field, and how to read its value.
_TEXT_FIELDS = {
    "DisplayName": "display_name",
    "Description": "description",
    "RequiredLevel": "required_level",
    "PrecisionSource": "precision_source",
    "DateTimeBehavior": "date_time_behavior",
    "GlobalChoiceName": "global_choice_name",
}
_BOOL_FIELDS = {
    "IsValidForCreate": "valid_for_create",
    "IsValidForUpdate": "valid_for_update",
    "IsValidForRead": "valid_for_read",
    "IsValidForForm": "valid_for_form",
}
_INT_FIELDS = {"MaxLength": "max_length", "Precision": "precision"}
_NUMBER_FIELDS = {"MinValue": "min_value", "MaxValue": "max_value"}

_OPTION_KEYS = {
    "value": "value",
    "trueoption value": "value",
    "falseoption value": "value",
    "label": "label",
    "description": "description",
    "defaultstatus": "default_status",
    "invariantname": "invariant_name",
    "state": "state",
    "transitiondata": "transition_data",
}
_OPTION_INTS = {"value", "default_status", "state"}


def build_attribute(ctx: PageContext, kind: str, section: Section) -> Attribute | None:
    """The column an H3 section describes; ``kind`` is the H2 section kind."""
    facts = ctx.facts()
    facts.read_blocks(section.blocks)
    options: list[Option] = []
    for part in section.children:
        rest = facts.read_blocks(part.blocks)
        options.extend(_options_from_blocks(ctx, rest))
    options.extend(_options_from_facts(ctx, facts))

    heading = section.title
    logical = ctx.name(facts.pop("LogicalName"), "LogicalName")
    inferred: list[str] = []
    if logical is None:
        if not NAME.match(heading):
            ctx.diags.warning(
                "DV130",
                f"column heading {heading!r} is not a column name and no LogicalName is given; "
                "the column was left out",
                ctx.file,
                section.heading.line,
            )
            return None
        logical = heading.lower()
        inferred.append("logical_name")
        ctx.diags.info(
            "DV131",
            f"column {heading}: no LogicalName given; inferred {logical!r} from the heading",
            ctx.file,
            section.heading.line,
        )
    # Pages list columns "by SchemaName": the heading is the schema name.
    schema: str | None = heading if NAME.match(heading) else None
    if schema is not None and schema.lower() != logical.lower():
        ctx.diags.warning(
            "DV132",
            f"column heading (schema name) {heading!r} does not match its LogicalName "
            f"{logical!r}; both are kept as written",
            ctx.file,
            section.heading.line,
        )

    fields: dict[str, Any] = {"logical_name": logical, "schema_name": schema}
    _read_typed_fields(ctx, facts, fields)
    _read_access(kind, fields)
    if options:
        fields["options"] = tuple(_unique_options(ctx, options, logical))
    fields["properties"] = {f.key: f.value for f in facts if f.value.strip()}
    fields["sources"] = (ctx.source_path,)
    fields["inferred"] = tuple(inferred)
    return Attribute(**{k: v for k, v in fields.items() if v is not None})


def _read_typed_fields(ctx: PageContext, facts: Facts, fields: dict[str, Any]) -> None:
    for key, name in _TEXT_FIELDS.items():
        fields[name] = ctx.convert(facts.pop(key), values.text)
    for key, name in _BOOL_FIELDS.items():
        fields[name] = ctx.convert(facts.pop(key), values.boolean)
    for key, name in _INT_FIELDS.items():
        fields[name] = ctx.convert(facts.pop(key), values.count)  # MaxLength, Precision
    for key, name in _NUMBER_FIELDS.items():
        fields[name] = ctx.convert(facts.pop(key), values.number)

    type_fact = facts.pop("Type")
    type_ = ctx.convert(type_fact, values.text)
    if type_ is not None and type_ not in KNOWN_TYPES and type_fact is not None:
        ctx.diags.warning(
            "DV133", f"unknown column type {type_!r}; kept as written", ctx.file, type_fact.line
        )
    fields["type"] = type_
    # Integer and DateTime columns say Format; String and Memo say FormatName.
    fmt = facts.pop("Format")
    fmt_name = facts.get("FormatName")
    if fmt is None and fmt_name is not None:
        fmt = facts.pop("FormatName")
    fields["format"] = ctx.convert(fmt, values.text)
    default = facts.pop("DefaultValue") or facts.pop("DefaultFormValue")
    fields["default_value"] = ctx.convert(default, values.scalar)
    fields["targets"] = ctx.names(facts.pop("Targets"), "Targets")
    added = facts.pop("Added by")
    fields["added_by"] = ctx.convert(added, values.text)


def _read_access(kind: str, fields: dict[str, Any]) -> None:
    """What the section a column is listed in says about create and update.

    Writable columns list ``IsValidForCreate``/``IsValidForUpdate`` only when
    false; read-only columns are valid for neither. Customized (extension)
    columns say nothing beyond what they list.
    """
    if kind == "read_only":
        fields["read_only"] = True
        for name in ("valid_for_create", "valid_for_update"):
            if fields.get(name) is None:
                fields[name] = False
    elif kind == "writable":
        fields["read_only"] = False
        for name in ("valid_for_create", "valid_for_update"):
            if fields.get(name) is None:
                fields[name] = True


def _options_from_blocks(ctx: PageContext, blocks: Sequence[Block]) -> list[Option]:
    out: list[Option] = []
    for b in blocks:
        if isinstance(b, Table):
            out.extend(_options_from_table(ctx, b))
        elif isinstance(b, ListBlock):
            for item in b.items:
                for c in item.lines:
                    if c.pairs:
                        opt = _option_from_pairs(ctx, c)
                        if opt is not None:
                            out.append(opt)
        elif isinstance(b, Para):
            for c in b.lines:
                if c.pairs:
                    opt = _option_from_pairs(ctx, c)
                    if opt is not None:
                        out.append(opt)
    return out


def _options_from_table(ctx: PageContext, table: Table) -> list[Option]:
    cols = [c.lower().replace(" ", "") for c in table.columns]
    if not cols or cols[0] != "value":
        return []
    out: list[Option] = []
    for row in table.rows:
        data: dict[str, str] = {}
        for col, cell in zip(cols, row.cells, strict=False):
            if col == "details":
                data.update(_details(cell))
            elif col in _OPTION_KEYS:
                data[_OPTION_KEYS[col]] = cell.text
        opt = _make_option(ctx, data, row.line)
        if opt is not None:
            out.append(opt)
            ctx.ledger.use(row.line)
    return out


def _details(cell: Cell) -> dict[str, str]:
    """``Label: **Open**<br />DefaultStatus: 1<br />InvariantName: `Open` ``."""
    out: dict[str, str] = {}
    for seg in cell.segments:
        key, sep, val = seg.partition(":")
        norm = key.strip().lower().replace(" ", "")
        if sep and norm in _OPTION_KEYS:
            out[_OPTION_KEYS[norm]] = val.strip()
    return out


def _option_from_pairs(ctx: PageContext, cell: Cell) -> Option | None:
    data: dict[str, str] = {}
    for key, val in cell.pairs:
        norm = key.strip().lower()
        if norm in _OPTION_KEYS:
            data[_OPTION_KEYS[norm]] = val
    opt = _make_option(ctx, data, cell.line)
    if opt is not None:
        ctx.ledger.use(cell.line)
    return opt


def _make_option(ctx: PageContext, data: dict[str, str], line: int) -> Option | None:
    fields: dict[str, Any] = {}
    try:
        for name, raw in data.items():
            if name in _OPTION_INTS:
                fields[name] = values.int32(raw)
            else:
                fields[name] = values.text(raw)
    except ValueError as exc:
        ctx.diags.warning("DV134", f"choice row: {exc}; the row was left out", ctx.file, line)
        return None
    if fields.get("value") is None:
        ctx.diags.warning("DV134", "choice row has no value; the row was left out", ctx.file, line)
        return None
    return Option(**{k: v for k, v in fields.items() if v is not None})


def _options_from_facts(ctx: PageContext, facts: Facts) -> list[Option]:
    """Bold-list ``**Options**:`` lists and the ``True Label``/``False Label`` rows."""
    out: list[Option] = []
    opts = facts.pop("Options")
    if opts is not None:
        for c in opts.items:
            opt = _option_from_pairs(ctx, c)
            if opt is not None:
                out.append(opt)
    for key, value in (("True Label", 1), ("False Label", 0)):
        fact: Fact | None = facts.pop(key)
        if fact is not None:
            out.append(Option(value=value, label=values.text(fact.value)))
    return out


def _unique_options(ctx: PageContext, options: list[Option], column: str) -> list[Option]:
    seen: dict[int, Option] = {}
    for o in options:
        if o.value in seen and seen[o.value] != o:
            ctx.diags.warning(
                "DV135",
                f"column {column}: choice value {o.value} is listed twice; the last one is kept",
                ctx.file,
            )
        seen[o.value] = o
    return list(seen.values())
