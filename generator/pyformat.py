"""Python source laid out the way black leaves it, without running black.

Run on every generated module, black would cost about 0.7x a whole cold
build at Dataverse scale (``docs/benchmarks.md``, "Formatting", measured by
``make bench``). So the Python target writes source that black (the pinned
version, line length 100) already accepts:

* :func:`layout` prints an expression on one line when it fits, and
  otherwise one element per line with a trailing comma, recursively. The
  trailing comma is black's "magic" one: black keeps such a split as it is,
  and it never splits a line that fits;
* :func:`docstring` applies black's docstring rules (first line stripped,
  the rest re-indented, closing quotes on their own line when the last line
  is too long) to text already escaped by :func:`generator.escape.py_docstring`;
* :func:`generator.escape.py_string` picks the quotes black would.

What this module cannot split (a name or a string too long for any line) is
caught by :func:`black_stable`: a module with a code line over the limit is
handed to black itself, so the output is always what black would leave.
``tests/test_pyformat.py`` runs black over every module the corpus
generates and over hostile text, and fails if black would change one byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from black.strings import str_width

LINE_LENGTH = 100  # black's line length for generated code (generator.render)
INDENT = "    "


@dataclass(frozen=True, slots=True)
class Atom:
    """Text black cannot split: a name, a literal, an operator expression."""

    text: str


@dataclass(frozen=True, slots=True)
class Brackets:
    """``head(items)``, ``(items)``, ``{items}``...: split between items.

    ``one_tuple`` marks a parenthesised single item that needs its comma
    even on one line: ``("a",)``.
    """

    head: str
    close: str
    items: tuple[Node, ...]
    one_tuple: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    """``key=value`` or ``key: value``: split inside the value."""

    key: str
    value: Node


@dataclass(frozen=True, slots=True)
class Chain:
    """``a + b + c``: split before each operator when it is an item of its own."""

    parts: tuple[str, ...]
    op: str = "+"


Node = Atom | Brackets | Pair | Chain


def call(name: str, *args: Node | str) -> Brackets:
    return Brackets(f"{name}(", ")", _nodes(args))


def tuple_of(*items: Node | str) -> Brackets:
    nodes = _nodes(items)
    return Brackets("(", ")", nodes, one_tuple=len(nodes) == 1)


def dict_of(pairs: Sequence[tuple[str, Node | str]]) -> Brackets:
    return Brackets("{", "}", tuple(Pair(f"{k}: ", _node(v)) for k, v in pairs))


def _node(item: Node | str) -> Node:
    return Atom(item) if isinstance(item, str) else item


def _nodes(items: Sequence[Node | str]) -> tuple[Node, ...]:
    return tuple(_node(i) for i in items)


def flat(node: Node) -> str:
    """``node`` on one line."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Pair):
        return node.key + flat(node.value)
    if isinstance(node, Chain):
        return f" {node.op} ".join(node.parts)
    inner = ", ".join(flat(i) for i in node.items)
    return f"{node.head}{inner}{',' if node.one_tuple else ''}{node.close}"


def fits(line: str) -> bool:
    """Whether black counts ``line`` (indent included) as short enough."""
    if line.isascii():
        return len(line) <= LINE_LENGTH
    return str_width(line) <= LINE_LENGTH


def layout(node: Node, indent: str = "", prefix: str = "", suffix: str = "") -> str:
    """``node`` as black leaves it, starting ``indent + prefix``, ending ``suffix``."""
    return "\n".join(_lines(node, indent, prefix, suffix))


def _lines(node: Node, indent: str, prefix: str, suffix: str) -> list[str]:
    line = indent + prefix + flat(node) + suffix
    if fits(line) or isinstance(node, Atom):
        return [line]  # a long atom stays long: black_stable() sends it to black
    if isinstance(node, Pair):
        return _lines(node.value, indent, prefix + node.key, suffix)
    if isinstance(node, Chain):
        if prefix:  # black would add parentheses: left to black_stable()
            return [line]
        first, *rest = node.parts
        out = [indent + first] + [f"{indent}{node.op} {p}" for p in rest]
        out[-1] += suffix
        return out
    if not node.items:
        return [line]
    inner = indent + INDENT
    out = [indent + prefix + node.head]
    for item in node.items:
        out.extend(_lines(item, inner, "", ","))
    out.append(indent + node.close + suffix)
    return out


def assign(target: str, value: str, indent: str) -> str:
    """``target = value`` (``target`` may carry an annotation): on one line
    when it fits, else with the value in parentheses on a line of its own,
    as black does when both lines then fit."""
    line = f"{indent}{target} = {value}"
    head = f"{indent}{target} = ("
    if fits(line) or not (fits(head) and fits(indent + INDENT + value)):
        return line
    return f"{head}\n{indent}{INDENT}{value}\n{indent})"


def docstring(body: str, indent: str) -> str:
    """The whole ``\"\"\"...\"\"\"`` literal of a real docstring (module, class or
    function) at ``indent``, as black writes it.

    ``body`` is escaped text (:func:`generator.escape.py_docstring`): no raw
    quotes, backslashes or line breaks other than ``\\n``, and no trailing
    spaces or blank last line (black's last-line rule never applies).
    """
    lines = body.split("\n")
    first = lines[0].strip()
    if len(lines) == 1:
        text = first
    else:
        rest = lines[1:]
        margin = min((len(r) - len(r.lstrip(" ")) for r in rest if r.strip()), default=0)
        text = "\n".join([first] + [indent + r[margin:] if r else "" for r in rest])
    if text.endswith('"'):  # an escaped quote: black would pad it with a space
        text = text[:-2] + "\\x22"
    closing = '"""'
    if "\n" in text and len(text.rsplit("\n", 1)[1]) + 3 > LINE_LENGTH:
        closing = "\n" + indent + '"""'
    return '"""' + text + closing


def black_stable(source: str) -> bool:
    """Whether black would leave ``source`` (made by this module's rules) alone:
    no line of code is over the limit. Docstrings and other triple-quoted
    strings are not split by black, so their lines do not count."""
    inside = False
    for line in source.split("\n"):
        if inside:
            inside = not line.endswith('"""')
            continue
        stripped = line.lstrip(" ")
        if stripped.startswith('"""'):
            inside = '"""' not in stripped[3:]
            continue
        if not fits(line):
            return False
    return True


def py_number(value: float) -> str:
    """A number literal as black writes it (``1e+20`` -> ``1e20``)."""
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{exponent.removeprefix('+')}"
    return text
