"""One page -> one single-source :class:`~generator.model.Table`.

The walk is the same for every variant (see :mod:`generator.parse.sections`):
the preamble gives the title, description, "Added by" and, on app extension
pages, the table extended; the Properties section gives the table's own
facts; the column and relationship sections give one item per H3. The
variant is detected from its markers and recorded in the page's source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from generator.diagnostics import Diagnostics
from generator.model import (
    Attribute,
    ManyToMany,
    Message,
    Relationship,
    Relationships,
    Source,
    Table,
    Variant,
)
from generator.naming import file_stems
from generator.output.filenames import is_device_name
from generator.parse import values
from generator.parse.attributes import build_attribute
from generator.parse.completeness import check_ending, check_indexes, check_read
from generator.parse.context import NAME, PageContext
from generator.parse.facts import Ledger, is_property_table
from generator.parse.markdown import Block, BrokenTable, Document, Heading, Para, Quote
from generator.parse.markdown import Table as MdTable
from generator.parse.messages import build_message_list, build_messages
from generator.parse.relationships import build_many_to_many, build_relationship
from generator.parse.sections import Section, section_kind, split

_TABLE_TEXT = {
    "DisplayName": "display_name",
    "DisplayCollectionName": "display_collection_name",
    "OwnershipType": "ownership_type",
    "TableType": "table_type",
}
_TABLE_NAMES = {
    "SchemaName": "schema_name",
    "EntitySetName": "entity_set_name",
    "CollectionSchemaName": "collection_schema_name",
    "LogicalCollectionName": "logical_collection_name",
    "PrimaryIdAttribute": "primary_id_attribute",
    "PrimaryNameAttribute": "primary_name_attribute",
}
_PAREN = re.compile(r"\(([A-Za-z_][A-Za-z0-9_]*)\)")
_TITLE_NAME = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*)\s+(?:entity|table/entity|table)\s+reference", re.I
)
_NOT_DESCRIPTION = re.compile(r"^\[!(INCLUDE|NOTE|TIP|IMPORTANT|WARNING)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedPage:
    table: Table
    extension: bool


@dataclass(slots=True)
class _Preamble:
    title: str
    description: str | None = None
    added_by: str | None = None
    extends: str | None = None


def parse_page(doc: Document, text_sha256: str, ctx: PageContext) -> ParsedPage | None:
    """The table a page describes, or ``None`` after an error diagnostic."""
    first_diag = len(ctx.diags.items)  # this page's diagnostics start here
    ctx.ledger.register(doc.blocks)
    _report_broken_tables(doc, ctx)
    front = _front_matter(doc, ctx)
    h1_index = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 1), None
    )
    if h1_index is None:
        ctx.diags.error(
            "DV101",
            "no '# Title' heading: this is not a Dataverse table reference page",
            ctx.file,
            1,
        )
        return None
    h1 = doc.blocks[h1_index]
    assert isinstance(h1, Heading)
    head, sections = split(doc.blocks[h1_index + 1 :], 2)
    pre = _preamble(ctx, h1, head)
    kinds = [(section_kind(s.title), s) for s in sections]
    if not any(k not in (None, "ignore") for k, _ in kinds):
        ctx.diags.error(
            "DV102",
            "no Messages, Properties, columns or relationships section: "
            "this is not a Dataverse table reference page",
            ctx.file,
            h1.line,
        )
        return None

    check_indexes(ctx, kinds)
    check_ending(ctx, doc)
    check_read(ctx, doc)
    table: dict[str, Any] = {}
    inferred: list[str] = []
    for kind, s in kinds:
        if kind == "properties":
            _read_properties(ctx, s, table)
    logical = table.pop("logical_name", None) or _logical_from_title(ctx, pre, h1, inferred)
    if logical is None:
        return None
    ctx.table = logical

    items = _read_items(ctx, kinds)
    extension = pre.extends is not None or any(k == "customized" for k, _ in kinds)
    variant = _variant(front, h1, sections, extension)
    source = Source(
        path=ctx.source_path,
        sha256=text_sha256,
        variant=variant,
        date=_front_date(ctx, front),
        title=h1.text or None,
        extends=pre.extends,
    )
    table.update(
        logical_name=logical,
        description=pre.description,
        added_by=pre.added_by,
        partial=extension,
        sources=(source,),
        **items,
        inferred=tuple(inferred),
    )
    # A row a specific warning already named is accounted for; any other
    # unused row gets this one, so nothing is dropped in silence.
    named = {d.line for d in ctx.diags.items[first_diag:] if d.level != "info"}
    for line, kind in ctx.ledger.unused():
        if line in named:
            continue
        ctx.diags.warning("DV104", f"{kind} not understood; it is not in the model", ctx.file, line)
    return ParsedPage(Table(**{k: v for k, v in table.items() if v is not None}), extension)


def _read_items(ctx: PageContext, kinds: list[tuple[str | None, Section]]) -> dict[str, Any]:
    """The columns, relationships and messages of every section, by kind."""
    attrs: dict[str, Attribute] = {}
    rels: dict[str, dict[str, Relationship]] = {"one_to_many": {}, "many_to_one": {}}
    m2m: dict[str, ManyToMany] = {}
    messages: dict[str, Message] = {}
    for kind, s in kinds:
        if kind in ("writable", "read_only", "customized"):
            for item in s.children:
                a = build_attribute(ctx, kind, item)
                if a is not None:
                    _put(ctx, attrs, a.logical_name, a, what="column", line=item.heading.line)
        elif kind in ("one_to_many", "many_to_one"):
            for item in s.children:
                r = build_relationship(ctx, kind, item)
                if r is not None:
                    _put(
                        ctx,
                        rels[kind],
                        r.schema_name,
                        r,
                        what="relationship",
                        line=item.heading.line,
                    )
        elif kind == "many_to_many":
            for item in s.children:
                mm = build_many_to_many(ctx, item)
                if mm is not None:
                    _put(ctx, m2m, mm.schema_name, mm, what="relationship", line=item.heading.line)
        elif kind in ("messages", "events"):
            for msg in _section_messages(ctx, s, kind == "events"):
                old = messages.get(msg.name)
                if old is None:
                    messages[msg.name] = msg
                elif old.subscribe_only != msg.subscribe_only:
                    # in both sections: a message that is also an event
                    keep = msg if old.subscribe_only else old
                    update = {"is_event": True, "subscribe_only": None}
                    messages[msg.name] = keep.model_copy(update=update)
        elif kind is None:
            ctx.diags.info(
                "DV103",
                f"section {s.title!r} is not part of a table reference; skipped",
                ctx.file,
                s.heading.line,
            )

    return {
        "attributes": tuple(attrs.values()),
        "relationships": Relationships(
            one_to_many=tuple(rels["one_to_many"].values()),
            many_to_one=tuple(rels["many_to_one"].values()),
            many_to_many=tuple(m2m.values()),
        ),
        "messages": tuple(messages.values()),
    }


def _report_broken_tables(doc: Document, ctx: PageContext) -> None:
    for b in doc.blocks:
        if isinstance(b, BrokenTable):
            why = (
                f"its header has {b.header_cells} column(s) but the line below it has "
                f"{b.delimiter_cells}"
                if b.header_cells != b.delimiter_cells
                else "the line below its header is not a |---|---| delimiter row"
            )
            ctx.diags.error(
                "DV110",
                f"malformed table ({why}); markdown reads its {len(b.lines)} lines as text. "
                "Make the header and delimiter rows agree",
                ctx.file,
                b.line,
            )
            for line in b.lines:
                ctx.ledger.use(line)


def _put(
    ctx: PageContext, into: dict[str, Any], key: str, value: Any, *, what: str, line: int
) -> None:
    if key in into:
        ctx.diags.warning(
            "DV105",
            f"{what} {key!r} is described twice on this page; the last one is kept",
            ctx.file,
            line,
        )
    into[key] = value


#: How much front matter is read (real pages carry a few hundred bytes), and
#: how deep it may nest: memory and time stay bounded whatever a page holds.
_FRONT_MATTER_BYTES = 64 * 1024
_FRONT_MATTER_DEPTH = 20


class _FrontMatterLoader(yaml.BaseLoader):
    """YAML with every value a string (no dates or numbers to overflow), no
    aliases (no alias bomb) and a bounded depth (no recursion to exhaust)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed in front matter")
        self._depth += 1
        try:
            if self._depth > _FRONT_MATTER_DEPTH:
                raise yaml.YAMLError(f"front matter nests deeper than {_FRONT_MATTER_DEPTH}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _front_matter(doc: Document, ctx: PageContext) -> dict[str, Any]:
    if doc.front_matter is None:
        return {}
    why = None
    if len(doc.front_matter.encode("utf-8", "surrogatepass")) > _FRONT_MATTER_BYTES:
        why, line = f"is over {_FRONT_MATTER_BYTES // 1024} KiB", 1
    else:
        try:
            data = yaml.load(doc.front_matter, Loader=_FrontMatterLoader)  # strings only
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            why, line = "is not valid YAML", mark.line + 2 if mark is not None else 1
            if "front matter" in str(exc):
                why = f"is not valid here ({exc})"
    if why is not None:
        ctx.diags.warning("DV106", f"front matter {why}; it was ignored", ctx.file, line)
        return {}
    return data if isinstance(data, dict) else {}


def _front_date(ctx: PageContext, front: dict[str, Any]) -> str | None:
    try:
        return values.doc_date(front.get("ms.date"))
    except ValueError as exc:
        ctx.diags.warning("DV107", f"ms.date: {exc}", ctx.file, 1)
        return None


def _preamble(ctx: PageContext, h1: Heading, blocks: list[Block]) -> _Preamble:
    pre = _Preamble(title=h1.text)
    for b in blocks:
        if isinstance(b, Quote):
            for para in b.paras:
                if "extends the" in para.text:
                    links = [lk for c in para.lines for lk in c.links]
                    if links:
                        pre.extends = links[0].href
        elif isinstance(b, Para):
            for cell in b.lines:
                if cell.pairs and cell.pairs[0][0].lower() == "added by":
                    pre.added_by = values.text(cell.pairs[0][1])
                    ctx.ledger.use(cell.line)
                elif (
                    cell.text and not _NOT_DESCRIPTION.match(cell.text) and pre.description is None
                ):
                    pre.description = values.text(b.text)
                    break
    return pre


def _read_properties(ctx: PageContext, section: Section, table: dict[str, Any]) -> None:
    facts = ctx.facts()
    facts.read_blocks(section.blocks)
    fact = facts.pop("LogicalName")
    logical = ctx.name(fact, "LogicalName")
    if logical is not None and fact is not None and _names_files(ctx, logical, fact.line):
        table["logical_name"] = logical
    for key, field in _TABLE_TEXT.items():
        table[field] = ctx.convert(facts.pop(key), values.text)
    for key, field in _TABLE_NAMES.items():
        table[field] = ctx.name(facts.pop(key), key)
    table["is_bpf_entity"] = ctx.convert(facts.pop("IsBPFEntity"), values.boolean)
    table["properties"] = {f.key: f.value for f in facts if f.value.strip()}


def _names_files(ctx: PageContext, name: str, line: int | None) -> bool:
    """Whether ``name`` can name the table's files on every system; a
    warning when it cannot."""
    if not any(is_device_name(stem) for stem in file_stems(name)):
        return True
    ctx.diags.warning(
        "DV124",
        f"table name {name!r} gives its files a device name Windows reserves (CON, NUL, "
        "COM0 to COM9, ...), so no such file can exist there; it was left out",
        ctx.file,
        line,
    )
    return False


def _logical_from_title(
    ctx: PageContext, pre: _Preamble, h1: Heading, inferred: list[str]
) -> str | None:
    """Where no LogicalName is given: the extended page's name, else the title's."""
    candidates: list[tuple[str, str]] = []
    if pre.extends:
        last = PurePosixPath(pre.extends.split("#")[0].split("?")[0].rstrip("/")).name
        candidates.append((last, "the page it extends"))
    m = _PAREN.search(h1.text)
    if m:
        candidates.append((m.group(1), "the title"))
    m2 = _TITLE_NAME.match(h1.text)
    if m2:
        candidates.append((m2.group(1), "the title"))
    for name, where in candidates:
        if NAME.match(name) and _names_files(ctx, name, h1.line):
            logical = name.lower()
            inferred.append("logical_name")
            ctx.diags.info(
                "DV108",
                f"no LogicalName property; inferred {logical!r} from {where}",
                ctx.file,
                h1.line,
            )
            return logical
    ctx.diags.error(
        "DV109",
        "cannot tell which table this page describes: no LogicalName property and "
        "no table name in the title",
        ctx.file,
        h1.line,
    )
    return None


def _section_messages(ctx: PageContext, section: Section, events: bool) -> list[Message]:
    out: list[Message] = []
    for b in section.blocks:
        if isinstance(b, MdTable) and not is_property_table(b):
            out.extend(build_messages(ctx, b, events))
        elif isinstance(b, Para):
            out.extend(build_message_list(ctx, b))
    return out


def _variant(
    front: dict[str, Any], h1: Heading, sections: list[Section], extension: bool
) -> Variant:
    if extension:
        return "app-extension"
    tables = [b for s in sections for b in _walk(s) if isinstance(b, MdTable)]
    generated = str(front.get("ms.topic", "")).strip() == "generated-reference" or any(
        any("is event" in c.lower() for c in t.columns)
        or (is_property_table(t) and any(r.cells and r.cells[0].bold for r in t.rows))
        or (is_property_table(t) and any(len(r.cells) > 1 and r.cells[1].codes for r in t.rows))
        for t in tables
    )
    if generated:
        return "generated-full-table"
    title = h1.text.lower()
    if (
        "table/entity reference" in title
        or "table (microsoft dataverse)" in title
        or any("columns/attributes" in s.title.lower() for s in sections)
    ):
        return "hybrid-table-reference"
    bold_list = any(
        isinstance(b, Para) and any(c.pairs and c.pairs[0][0] == "LogicalName" for c in b.lines)
        for s in sections
        for b in _walk(s)
    )
    return "legacy-bold-list" if bold_list else "legacy-entity-reference"


def _walk(section: Section) -> list[Block]:
    out: list[Block] = list(section.blocks)
    for child in section.children:
        out.extend(_walk(child))
    return out


def new_context(file: str, source_path: str, diags: Diagnostics) -> PageContext:
    return PageContext(file=file, source_path=source_path, diags=diags, ledger=Ledger())
