"""Hostile pages for the fuzz tests (tests/test_fuzz.py, ``make fuzz``).

Two sources, both hypothesis strategies of page bytes:

* :func:`grammar_pages`: pages written from a grammar of the real formats
  (legacy bold lists, property tables, column headings, choice tables,
  relationships, messages), every name and text drawn from hostile text;
* :func:`mutated_pages`: real corpus pages, mutated: truncated anywhere,
  rows, cells and headings deleted or duplicated, sections shuffled, table
  headers swapped, control characters, invalid UTF-8, BOMs, CRLF and NUL
  bytes injected, cells and pages made enormous, markdown nested deep.

:func:`survives` is the property: a page either gives a valid model, which
renders into files that stay inside the output folder, Python that compiles
and XML that parses, or it is refused with an error diagnostic. Nothing
raises, and nothing runs longer than :data:`HANG_SECONDS`.
"""

from __future__ import annotations

import contextlib
import signal
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from hypothesis import strategies as st

from generator.build import model_files
from generator.diagnostics import Diagnostics
from generator.merge import merge_pages
from generator.modelio import load_table
from generator.output.write import check_relpath
from generator.parse import parse_bytes
from generator.targets.odata import METADATA, metadata_files
from generator.targets.python_files import python_package
from generator.targets.typescript_files import typescript_package
from tests.helpers import CORPUS, SCHEMA_DOCS, VARIANTS

#: A page that takes longer than this is taken to hang (the largest pages
#: the fuzzer makes parse in well under a second).
HANG_SECONDS = 60

#: Text aimed at every target and at the parser itself.
PAYLOADS = (
    '"""',
    "'''",
    "\\",
    "\\N{BULLET}",
    "\nimport os\n",
    "{__import__('os')}",
    "*/",
    "/*",
    "`${x}`",
    "\u2028",
    "\u2029",
    "</script>",
    "]]>",
    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    "&e;",
    "&amp;",
    "{{ 7*7 }}",
    "{% raw %}",
    "../../etc/passwd",
    "/abs/path",
    "con",
    "|",
    "<br />",
    "**Bold**: x",
    "[link](x)",
    "<a name='x'></a>",
    "\x1b[31m",
    "\ufeff",
)  # (NUL bytes and invalid UTF-8 refuse a whole page: the mutations inject those)

_ALPHABET = st.characters(codec="utf-8") | st.sampled_from(
    ["|", "*", "_", "#", "<", ">", "`", "\\", "\n", "-", ":", "[", "]", "(", ")"]
)
hostile_text = st.one_of(
    st.text(_ALPHABET, max_size=40),
    st.sampled_from(PAYLOADS),
    st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=4).map("".join),
)
_valid_names = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)
#: names: mostly valid (so pages get far enough to render), sometimes not
names = st.one_of(
    _valid_names,
    _valid_names,
    _valid_names,
    st.sampled_from(["id", "class", "from", "None", "self", "con", "_", "a" * 130]),
    hostile_text,
)
_TYPES = [
    "String",
    "Memo",
    "Integer",
    "BigInt",
    "Decimal",
    "Double",
    "Money",
    "Boolean",
    "DateTime",
    "Lookup",
    "Customer",
    "Owner",
    "Picklist",
    "State",
    "Status",
    "MultiSelectPicklist",
    "Uniqueidentifier",
    "Virtual",
    "EntityName",
    "Image",
    "File",
    "PartyList",
    "Hologram",
]


def _cell(text: str) -> str:
    return text.replace("\n", " ")


@st.composite
def _facts(draw: st.DrawFn, keys: list[str], bold: bool) -> str:
    """A property table, or the legacy bold list, of ``keys``."""
    rows = []
    for key in keys:
        if key in ("LogicalName", "SchemaName", "EntitySetName", "PrimaryIdAttribute"):
            value = draw(names)
        elif key == "Type":
            value = draw(st.sampled_from(_TYPES) | hostile_text)
        elif key in ("MaxLength", "MinValue", "MaxValue", "Precision"):
            value = draw(st.integers(-(2**70), 2**70).map(str) | hostile_text)
        elif key == "Targets":
            value = ",".join(draw(st.lists(names, max_size=3)))
        else:
            value = draw(hostile_text)
        rows.append((key, _cell(value)))
    if bold:
        return "".join(f"**{k}**: {v}<br />\n" for k, v in rows)
    return "|Property|Value|\n|--------|-----|\n" + "".join(f"|{k}|{v}|\n" for k, v in rows)


_TABLE_KEYS = [
    "DisplayName",
    "EntitySetName",
    "LogicalName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "SchemaName",
    "Description",
]
_COLUMN_KEYS = ["Description", "DisplayName", "LogicalName", "Type", "MaxLength", "Targets"]
_REL_KEYS = ["ReferencedEntity", "ReferencedAttribute", "ReferencingEntity", "ReferencingAttribute"]


@st.composite
def _column(draw: st.DrawFn, bold: bool) -> str:
    name = draw(names)
    keys = draw(st.lists(st.sampled_from(_COLUMN_KEYS), max_size=6))
    if draw(st.integers(0, 3)):
        keys[:0] = ["LogicalName", "Type"]
    text = f'### <a name="BKMK_{_cell(name)}"></a> {_cell(name)}\n\n'
    text += draw(_facts(keys, bold)) + "\n"
    if draw(st.booleans()):
        options = draw(st.lists(st.tuples(st.integers(-5, 2**40), hostile_text), max_size=5))
        text += f"#### {_cell(name)} Options\n\n|Value|Label|\n|-----|-----|\n"
        text += "".join(f"|{v}|{_cell(label)}|\n" for v, label in options) + "\n"
    return text


@st.composite
def grammar_pages(draw: st.DrawFn) -> bytes:
    """A page in one of the real formats, its names and texts hostile."""
    bold = draw(st.booleans())
    title = draw(names)
    head = draw(st.sampled_from(["Entity Reference", "table/entity reference", "", "(Extension)"]))
    parts = []
    if draw(st.booleans()):
        parts.append(f'---\ntitle: "{_cell(draw(hostile_text))}"\nms.date: 01/02/2024\n---\n')
    parts.append(f"# {_cell(title)} {head}\n\n{_cell(draw(hostile_text))}\n\n")
    sections = []
    keys = draw(st.lists(st.sampled_from(_TABLE_KEYS), max_size=7))
    if draw(st.integers(0, 3)):  # mostly: say which table this is
        keys.insert(draw(st.integers(0, len(keys))), "LogicalName")
    sections.append("## Properties\n\n" + draw(_facts(keys, bold)))
    columns = draw(st.lists(_column(bold), min_size=1, max_size=4))
    heading = draw(
        st.sampled_from(["Writable attributes", "Writable columns/attributes", "Columns"])
    )
    sections.append(f"## {heading}\n\n" + "\n".join(columns))
    if draw(st.booleans()):
        rel = draw(names)
        rels = f"## One-To-Many Relationships\n\n### <a name='{_cell(rel)}'></a> {_cell(rel)}\n\n"
        sections.append(rels + draw(_facts(_REL_KEYS, bold)))
    if draw(st.booleans()):
        rows = draw(st.lists(st.tuples(names, hostile_text), max_size=3))
        sections.append(
            "## Messages\n\n|Message|Web API Operation|SDK Assembly|\n|-|-|-|\n"
            + "".join(f"|{_cell(m)}|{_cell(op)}||\n" for m, op in rows)
        )
    parts.extend(draw(st.permutations(sections)))
    return "\n".join(parts).encode()


def _real_pages() -> list[bytes]:
    folders = [SCHEMA_DOCS, *(CORPUS / v for v in VARIANTS)]
    return [p.read_bytes() for f in folders for p in sorted(f.rglob("*.md"))]


REAL_PAGES = _real_pages()

Mutation = Callable[[bytes], bytes]
_HUGE = 1_000_000


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def _mutation(draw: st.DrawFn) -> Mutation:
    """One mutation, its positions drawn as fractions so it fits any page."""
    kind = draw(
        st.sampled_from(
            [
                "truncate",
                "delete_line",
                "duplicate_line",
                "delete_cell",
                "duplicate_cell",
                "heading",
                "shuffle_sections",
                "swap_headers",
                "control",
                "invalid_utf8",
                "bom",
                "crlf",
                "nul",
                "huge_cell",
                "huge_page",
                "nested",
            ]
        )
    )
    at = draw(st.floats(0, 1))
    seed = draw(st.integers(0, 2**32))

    def index(n: int) -> int:
        return min(int(at * n), max(n - 1, 0))

    def mutate(data: bytes) -> bytes:
        lines = _lines(data)
        i = index(len(lines))
        if kind == "truncate":
            return data[: index(len(data) + 1)]
        if kind in ("delete_line", "duplicate_line"):
            return b"\n".join(
                lines[:i] + lines[i + 1 :] if kind == "delete_line" else lines[: i + 1] + lines[i:]
            )
        if kind in ("delete_cell", "duplicate_cell"):
            rows = [n for n, line in enumerate(lines) if line.startswith(b"|")]
            if rows:
                n = rows[index(len(rows))]
                cells = lines[n].split(b"|")
                j = seed % len(cells)
                cells = (
                    cells[:j] + cells[j + 1 :]
                    if kind == "delete_cell"
                    else cells[: j + 1] + cells[j:]
                )
                lines[n] = b"|".join(cells)
            return b"\n".join(lines)
        if kind == "heading":
            heads = [n for n, line in enumerate(lines) if line.startswith(b"#")]
            if heads:
                n = heads[index(len(heads))]
                lines = lines[:n] + lines[n + 1 :] if seed % 2 else lines[: n + 1] + lines[n:]
            return b"\n".join(lines)
        if kind == "shuffle_sections":
            parts = data.split(b"\n## ")
            head, rest = parts[0], parts[1:]
            rest = rest[seed % max(len(rest), 1) :] + rest[: seed % max(len(rest), 1)]
            return b"\n## ".join([head, *reversed(rest)] if seed % 3 == 0 else [head, *rest])
        if kind == "swap_headers":
            heads = [n for n in range(len(lines) - 1) if lines[n + 1].startswith(b"|-")]
            if len(heads) >= 2:
                a, b = heads[index(len(heads))], heads[seed % len(heads)]
                lines[a], lines[b] = lines[b], lines[a]
            return b"\n".join(lines)
        pos = index(len(data) + 1)
        if kind == "control":
            junk = bytes([seed % 32]) + "\u2028\u2029\x7f".encode()[seed % 3 :]
            return data[:pos] + junk + data[pos:]
        if kind == "invalid_utf8":
            junk = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82", b"\x80"][seed % 5]
            return data[:pos] + junk + data[pos:]
        if kind == "bom":
            return [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"][
                seed % 4
            ] + data
        if kind == "crlf":
            return data.replace(b"\n", b"\r\n" if seed % 2 else b"\r")
        if kind == "nul":
            return data[:pos] + b"\x00" * (1 + seed % 3) + data[pos:]
        if kind == "huge_cell":
            rows = [n for n, line in enumerate(lines) if line.startswith(b"|")]
            if rows:
                n = rows[index(len(rows))]
                lines[n] = b"|Description|" + b"x" * (50_000 + seed % 150_000) + b"|"
            return b"\n".join(lines)
        if kind == "huge_page":  # up to 2 MB: larger only costs time and memory
            return data * max(1, min(2 + seed % 8, 2 * _HUGE // max(len(data), 1)))
        nest = 200 + seed % 2000
        deep = [
            b"> " * nest + b"x",
            b"\n".join(b"  " * k + b"- x" for k in range(nest // 4)),  # quadratic in size
            b"[" * (nest * 5) + b"x" + b"]" * (nest * 5),
            b"*" * (nest * 5) + b"x",
            b"<div>" * nest,
            b"`" * nest + b"x",
        ][seed % 6]
        return data[:pos] + b"\n" + deep + b"\n" + data[pos:]

    mutate.__qualname__ = f"{kind}(at={at:.3f}, seed={seed})"
    return mutate


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(REAL_PAGES))
    for mutate in draw(st.lists(_mutation(), min_size=1, max_size=4)):
        data = mutate(data)
    return data


class Hang(Exception):
    """A page took longer than :data:`HANG_SECONDS`."""


@contextlib.contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` in the block after ``seconds`` (a hang guard, not
    a speed test: the bound is two orders of magnitude over the real cost)."""

    def ring(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def survives(data: bytes, name: str = "fuzz/page.md") -> None:
    """The property every page must have (see the module docstring)."""
    with bounded(HANG_SECONDS):
        diags = Diagnostics()
        page = parse_bytes(data, name, name, diags)
        if page is None:
            assert any(d.level == "error" for d in diags), "refused without an error"
            return
        tables = merge_pages([page], diags, {name: name})
        files = {
            **model_files(tables, "model/"),
            **python_package(tables, package="fuzz_bindings", distribution="fuzz-bindings"),
            **typescript_package(tables, package="fuzz-bindings"),
            **metadata_files(tables, diags, {name: name}),
        }
        for path, content in files.items():
            check_relpath(path)
            if path.endswith(".py"):
                compile(content, path, "exec", dont_inherit=True)
            elif path.startswith("model/") and path.endswith(".yaml"):
                table = load_table(content.decode(), path)
                assert table == tables[table.logical_name]
        ET.fromstring(files[METADATA])


def save_crash(data: bytes, path: Path) -> None:
    """Keep a page that broke :func:`survives` in ``path``. Hypothesis runs
    the smallest failing page last, so the file ends up holding that one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
