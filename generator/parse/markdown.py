"""The one adapter between markdown-it-py tokens and the rest of the parser.

It turns a page into a flat list of blocks (headings, tables, paragraphs, lists,
quotes), each with its 1-based source line, and renders every piece of inline
markup once into a :class:`Cell`: plain text with ``<br />`` as a newline, the
links and code spans it held, and the ``**Key**: value`` pairs of the legacy
bold-list format. Nothing downstream looks at raw markdown.

Traps handled here (see markdown-it-py's own fixtures):

* tables are enabled explicitly on top of ``commonmark``;
* a header/delimiter column mismatch turns a table into a paragraph: such a
  paragraph is reported as :class:`BrokenTable` so its rows are not lost;
* a row with more cells than the header loses the extra cells: the row keeps
  ``extra_cells`` (counted from its source line) so the caller can warn;
* only ``tr_open`` and ``inline`` tokens carry ``.map`` line numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qs, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

__all__ = [
    "Block",
    "BrokenTable",
    "Cell",
    "Document",
    "Heading",
    "Link",
    "ListBlock",
    "Para",
    "Quote",
    "Row",
    "Table",
    "parse_markdown",
]

_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_ANCHOR = re.compile(r"""<a\s+name\s*=\s*["']([^"']*)["']\s*>""", re.IGNORECASE)
_XREF_TAG = re.compile(r"""^<xref\s+href\s*=\s*["']([^"']*)["'][^>]*>$""", re.IGNORECASE)
# ``<xref:Uid?displayProperty=x />`` has a space, so it is no autolink and
# arrives as plain text; recognise it inside already-rendered text.
_XREF_TEXT = re.compile(r"<xref:([^\s>?]+)(\?[^\s>]*)?\s*/?>")


@dataclass(frozen=True, slots=True)
class Link:
    """A link in a cell: its text and target (``xref:`` uids keep the prefix)."""

    text: str
    href: str


@dataclass(frozen=True, slots=True)
class Cell:
    """Inline markup rendered to plain text, with what it was made of."""

    text: str
    line: int
    links: tuple[Link, ...] = ()
    codes: tuple[str, ...] = ()
    bold: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    anchors: tuple[str, ...] = ()

    @property
    def segments(self) -> list[str]:
        """The ``<br />``-separated parts, stripped, empty ones dropped."""
        return [s.strip() for s in self.text.split("\n") if s.strip()]


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    line: int
    extra_cells: int = 0


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[Cell, ...]
    rows: tuple[Row, ...]
    line: int

    @property
    def columns(self) -> list[str]:
        return [c.text.strip() for c in self.header]


@dataclass(frozen=True, slots=True)
class BrokenTable:
    """Lines that look like a table but did not parse as one."""

    lines: tuple[int, ...]
    line: int
    header_cells: int = 0
    delimiter_cells: int = 0


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph, one :class:`Cell` per source line."""

    lines: tuple[Cell, ...]
    line: int

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.lines)


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[Para, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Quote:
    paras: tuple[Para, ...]
    line: int


Block = Heading | Table | BrokenTable | Para | ListBlock | Quote


@dataclass(slots=True)
class Document:
    front_matter: str | None
    blocks: list[Block] = field(default_factory=list)
    #: the page's last line that is not blank, and its number (0, "" when none)
    last_line: tuple[int, str] = (0, "")
    #: the first line with text that no block the tokenizer made holds: where it
    #: gave up (lists or quotes nested past its limit); None when it read all
    unread: int | None = None


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(front_matter_plugin)
    return md


def parse_markdown(text: str) -> Document:
    """Tokenize ``text`` and group the tokens into blocks."""
    tokens = _parser().parse(text)
    lines = text.split("\n")
    doc = Document(front_matter=None)
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    if last is not None:
        doc.last_line = (last + 1, lines[last])
    doc.unread = _first_unread(tokens, lines)
    walker = _Walker(tokens, lines)
    for block in walker.blocks():
        if isinstance(block, str):
            doc.front_matter = block
        else:
            doc.blocks.append(block)
    return doc


#: Tokens whose map covers the text of their lines (containers only wrap them).
_LEAVES = frozenset(
    {"inline", "fence", "code_block", "html_block", "hr", "front_matter", "table_open"}
)
#: A line that is only a container's markup (a bullet, a quote mark), or blank.
_MARKUP_ONLY = re.compile(r"^\s*(?:(?:[-*+>]|\d+[.)])\s*)*$")


def _first_unread(tokens: list[Token], lines: list[str]) -> int | None:
    """The number of the first line with text outside every leaf block."""
    read = bytearray(len(lines) + 1)
    for token in tokens:
        if token.type in _LEAVES and token.map:
            start, end = token.map
            read[start:end] = b"\1" * (end - start)
    for i, line in enumerate(lines):
        if not read[i] and not _MARKUP_ONLY.match(line):
            return i + 1
    return None


def _line_of(token: Token, default: int) -> int:
    return token.map[0] + 1 if token.map else default


class _Walker:
    def __init__(self, tokens: Sequence[Token], lines: list[str]) -> None:
        self.tokens = tokens
        self.lines = lines
        self.pos = 0

    def _close(self, open_type: str) -> int:
        """Index of the token closing the one at ``self.pos``."""
        close_type = open_type.replace("_open", "_close")
        depth = 0
        for i in range(self.pos, len(self.tokens)):
            t = self.tokens[i].type
            if t == open_type:
                depth += 1
            elif t == close_type:
                depth -= 1
                if depth == 0:
                    return i
        return len(self.tokens) - 1

    def blocks(self) -> Iterator[Block | str]:
        toks = self.tokens
        while self.pos < len(toks):
            tok = toks[self.pos]
            kind = tok.type
            if kind == "front_matter":
                yield tok.content
                self.pos += 1
            elif kind == "heading_open":
                inline = toks[self.pos + 1]
                cell = render_inline(inline, _line_of(tok, 1))
                anchor = cell.anchors[0] if cell.anchors else None
                yield Heading(int(tok.tag[1:]), cell.text.strip(), anchor, cell.line)
                self.pos += 3
            elif kind == "table_open":
                end = self._close(kind)
                yield self._table(toks[self.pos : end + 1], _line_of(tok, 1))
                self.pos = end + 1
            elif kind == "paragraph_open":
                inline = toks[self.pos + 1]
                para = self._para(inline, _line_of(tok, 1))
                yield _maybe_broken(para, self.lines)
                self.pos += 3
            elif kind in ("bullet_list_open", "ordered_list_open"):
                end = self._close(kind)
                yield self._list(toks[self.pos : end + 1], _line_of(tok, 1))
                self.pos = end + 1
            elif kind == "blockquote_open":
                end = self._close(kind)
                inner = [
                    self._para(toks[i + 1], _line_of(toks[i], 1))
                    for i in range(self.pos, end)
                    if toks[i].type == "paragraph_open"
                ]
                yield Quote(tuple(inner), _line_of(tok, 1))
                self.pos = end + 1
            elif kind == "html_block":
                yield from self._html_block(tok)
                self.pos += 1
            else:
                # hr, fences, code blocks: nothing a table reference keeps.
                self.pos += 1

    def _html_block(self, tok: Token) -> Iterator[Block]:
        """A standalone ``<a name>`` line; its anchor names what follows."""
        found = _ANCHOR.findall(tok.content)
        if found:
            line = _line_of(tok, 1)
            yield Para((Cell("", line, anchors=tuple(found)),), line)

    def _para(self, inline: Token, line: int) -> Para:
        return Para(tuple(_split_lines(inline, line)), line)

    def _list(self, toks: Sequence[Token], line: int) -> ListBlock:
        items: list[Para] = []
        for i, t in enumerate(toks):
            if t.type == "list_item_open":
                cells: list[Cell] = []
                depth = 0
                for j in range(i, len(toks)):
                    tj = toks[j]
                    if tj.type == "list_item_open":
                        depth += 1
                    elif tj.type == "list_item_close":
                        depth -= 1
                        if depth == 0:
                            break
                    elif tj.type == "inline" and depth == 1:
                        cells.extend(_split_lines(tj, _line_of(tj, line)))
                items.append(Para(tuple(cells), _line_of(t, line)))
        return ListBlock(tuple(items), line)

    def _table(self, toks: Sequence[Token], line: int) -> Table:
        header: list[Cell] = []
        rows: list[Row] = []
        in_head = False
        current: list[Cell] | None = None
        row_line = line
        for t in toks:
            if t.type == "thead_open":
                in_head = True
            elif t.type == "thead_close":
                in_head = False
            elif t.type == "tr_open":
                current = []
                row_line = _line_of(t, row_line)
            elif t.type == "inline" and current is not None:
                current.append(render_inline(t, row_line))
            elif t.type == "tr_close" and current is not None:
                if in_head:
                    header = current
                else:
                    raw = self.lines[row_line - 1] if row_line - 1 < len(self.lines) else ""
                    extra = max(0, _count_cells(raw) - len(header))
                    rows.append(Row(tuple(current), row_line, extra))
                current = None
        return Table(tuple(header), tuple(rows), line)


def _count_cells(raw: str) -> int:
    """Cells in one source row of a pipe table (escaped pipes and code spans kept)."""
    s = raw.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    count, in_code, prev = 1, False, ""
    for ch in s:
        if ch == "`":
            in_code = not in_code
        elif ch == "|" and prev != "\\" and not in_code:
            count += 1
        prev = ch
    return count


def _maybe_broken(para: Para, lines: list[str]) -> Para | BrokenTable:
    """A paragraph of two or more ``|`` lines is a table markdown-it refused."""
    first = para.line
    last = first + len(para.lines) - 1
    source = lines[first - 1 : last]
    if len(source) >= 2 and all(s.lstrip().startswith("|") for s in source):
        return BrokenTable(
            tuple(range(first, last + 1)), first, _count_cells(source[0]), _count_cells(source[1])
        )
    return para


def _split_lines(inline: Token, line: int) -> list[Cell]:
    """One cell per source line of an inline token (split at soft/hard breaks)."""
    first = _line_of(inline, line)
    children = inline.children or []
    out: list[Cell] = []
    chunk: list[Token] = []
    n = 0
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            out.append(_render(chunk, first + n))
            chunk = []
            n += 1
        else:
            chunk.append(child)
    out.append(_render(chunk, first + n))
    return out


def render_inline(inline: Token, line: int) -> Cell:
    return _render(inline.children or [], _line_of(inline, line))


def _render(children: Sequence[Token], line: int) -> Cell:
    text: list[str] = []
    links: list[Link] = []
    codes: list[str] = []
    anchors: list[str] = []
    spans: list[tuple[int, int]] = []  # bold spans as [start, end) into ``text``
    strong_depth = 0
    strong_start = 0
    link_href = ""
    link_start = 0
    for tok in children:
        kind = tok.type
        if kind in ("text", "text_special"):
            text.append(tok.content)
        elif kind == "code_inline":
            codes.append(tok.content)
            text.append(tok.content)
        elif kind == "strong_open":
            if strong_depth == 0:
                strong_start = len(text)
            strong_depth += 1
        elif kind == "strong_close":
            strong_depth -= 1
            if strong_depth == 0:
                spans.append((strong_start, len(text)))
        elif kind == "link_open":
            link_href = str(tok.attrs.get("href", ""))
            link_start = len(text)
        elif kind == "link_close":
            if tok.markup == "autolink" or link_href.startswith("xref:"):
                # <xref:Uid> shows the uid, not the scheme
                shown = link_href.removeprefix("xref:")
                del text[link_start:]
                text.append(shown)
            links.append(Link("".join(text[link_start:]), link_href))
        elif kind == "image":
            text.append(tok.content)
        elif kind == "html_inline":
            _html_inline(tok.content, text, links, anchors)
        # em_open/em_close and anything else carry no text of their own.
    rendered = "".join(text)
    if "<xref:" in rendered:
        rendered = _XREF_TEXT.sub(lambda m: _xref_text(m, links), rendered)
    return Cell(
        text=_squash(rendered),
        line=line,
        links=tuple(links),
        codes=tuple(codes),
        bold=tuple("".join(text[a:b]).strip() for a, b in spans),
        pairs=_pairs(text, spans),
        anchors=tuple(anchors),
    )


def _pairs(text: list[str], spans: list[tuple[int, int]]) -> tuple[tuple[str, str], ...]:
    """``**Key**: value **Key2**: value2`` as ((Key, value), (Key2, value2)).

    A pair line starts with a bold key and every bold span is followed by a
    colon; anything else (a bold label, a bold word mid-sentence) is no pair.
    """
    if not spans or "".join(text[: spans[0][0]]).strip():
        return ()
    out: list[tuple[str, str]] = []
    for i, (a, b) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        after = "".join(text[b:end])
        key = "".join(text[a:b]).strip()
        if key.endswith(":"):  # **Key:** value
            key, after = key[:-1].strip(), ":" + after
        if not after.lstrip().startswith(":") or not key:
            return ()
        out.append((key, _squash(after.lstrip()[1:]).strip()))
    return tuple(out)


def _html_inline(tag: str, text: list[str], links: list[Link], anchors: list[str]) -> None:
    if _BR.match(tag.strip()):
        text.append("\n")
        return
    anchor = _ANCHOR.match(tag)
    if anchor:
        anchors.append(anchor.group(1))
        return
    xref = _XREF_TAG.match(tag.strip())
    if xref:
        href = html.unescape(xref.group(1))
        parts = urlsplit(href)
        shown = parse_qs(parts.query).get("text", [parts.path])[0]
        links.append(Link(shown, "xref:" + parts.path))
        text.append(shown)
    # any other tag is markup only (closing </a>, <b>, ...): it adds no text


def _xref_text(match: re.Match[str], links: list[Link]) -> str:
    uid = match.group(1)
    links.append(Link(uid, "xref:" + uid))
    return uid


_SPACES = re.compile(r"[ \t\u00a0]+")


def _squash(s: str) -> str:
    """Collapse runs of spaces inside each line; keep the line breaks."""
    return "\n".join(_SPACES.sub(" ", part).strip() for part in s.split("\n")).strip("\n")
