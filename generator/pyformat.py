"""Python source laid out the way black leaves it, without running black.

Run on every generated module, black would cost about 0.7x a whole cold
build at Dataverse scale (``docs/benchmarks.md``, "Formatting", measured by
``make bench``). So the templates print plain Python, one statement or one
item a line however long, and :func:`tidy` lays out, in one pass over the
rendered module, each line that is too long:

* it reads the line with Python's own tokenizer into a tree of brackets,
  items, ``key=value`` / ``key: value`` pairs and ``+`` chains, and prints
  it on one line when it fits, else one item a line with a trailing comma,
  recursively. That trailing comma is black's "magic" one: black keeps such
  a split as it is, and it never splits a line that fits;
* ``target = value`` whose value has no brackets to split at gets the value
  in parentheses on a line of its own, as black does when both lines fit.

Docstring literals are made by :func:`docstring` (black's docstring rules,
applied to text already escaped by :func:`generator.escape.py_docstring`),
string literals by :func:`generator.escape.py_string` (black's quotes), and
numbers by :func:`py_number`.

What this module cannot split (a name or a string too long for any line) is
caught by :func:`black_stable`: a module with a code line still over the
limit is handed to black itself, so the output is always what black would
leave (but for one line black also leaves long: ``NAME = "text"`` whose text
alone is too long for a line). ``tests/test_pyformat.py`` runs black over
every module the corpus generates, over hostile text and over random
statements, and fails if black would change one byte.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from itertools import pairwise

from black.strings import str_width

LINE_LENGTH = 100  # black's line length for generated code (generator.render)
INDENT = "    "
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())


@dataclass(frozen=True, slots=True)
class Atom:
    """Text black cannot split: a name, a literal, an operator expression."""

    text: str


@dataclass(frozen=True, slots=True)
class Brackets:
    """``head(items)close``, ``(items)``, ``{items}``...: split between items.

    ``comma`` marks items written with a trailing comma: a parenthesised
    single item keeps it on one line (``("a",)``); anywhere else it is
    black's magic comma, and the brackets are split even when they fit.
    """

    head: str
    close: str
    items: tuple[Node, ...]
    comma: bool = False

    @property
    def one_tuple(self) -> bool:
        return self.comma and self.head == "(" and len(self.items) == 1


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
    magic = isinstance(node, Brackets) and node.comma and not node.one_tuple
    if (fits(line) and not magic) or isinstance(node, Atom):
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


def bracketed(head: str, items: list[str], close: str = ")") -> str:
    """``head``, the ``items`` and ``close`` as :func:`tidy` lays out a statement
    of that shape (at column 0, each item a whole expression): on one line
    when it fits, else one item a line with a trailing comma. Item lines
    still too long are left for :func:`tidy`, which splits each alone as it
    would have inside the statement. For templates: a table's hundreds of
    columns in one line cost :func:`tidy` as much as the rest of its module."""
    if len(items) == 1:  # a tuple of one keeps its comma: tidy's own case
        return f"{head}{items[0]},{close}"
    line = f"{head}{', '.join(items)}{close}"
    if fits(line):
        return line
    return "\n".join([head, *(f"{INDENT}{item}," for item in items), close])


def _assign(target: str, value: str, indent: str) -> str:
    """``target = value`` (``target`` may carry an annotation): on one line
    when it fits, else with the value in parentheses on a line of its own,
    as black does when both lines then fit."""
    line = f"{indent}{target} = {value}"
    head = f"{indent}{target} = ("
    if fits(line) or not (fits(head) and fits(indent + INDENT + value)):
        return line
    return f"{head}\n{indent}{INDENT}{value}\n{indent})"


# -- the post-pass ------------------------------------------------------------------


def tidy(source: str) -> str:
    """``source`` with each code line that is too long laid out as black
    leaves it (module docstring above). Lines that fit, triple-quoted text,
    and lines the tokenizer cannot read alone are left as they are."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        if inside:
            inside = not line.endswith('"""')
        elif line.lstrip(" ").startswith('"""'):
            inside = '"""' not in line.lstrip(" ")[3:]
        elif not fits(line):
            out.append(_split(line))
            continue
        out.append(line)
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int  # columns in the line, indent excluded
    end: int
    depth: int  # brackets open around it (its own excluded)
    op: bool


def _tokens(text: str) -> list[_Token] | None:
    """``text``'s tokens, or ``None`` when it is not a whole line of code
    (unbalanced brackets, a comment, a string that goes on)."""
    found = _quick_tokens(text)
    return _python_tokens(text) if found is _UNREAD else found


#: one token of the code dvgen's templates print: a string (no triple quotes),
#: a number, a name, an operator; spaces between (group ``op`` for operators)
_TOKEN = re.compile(
    r' *(?:(?:[rRbBuU]{1,2})?(?:"(?:[^"\\\n]|\\.)*"(?!")|\'(?:[^\'\\\n]|\\.)*\'(?!\'))'
    rf"|{tokenize.Number}"  # Python's own pattern for numbers
    r"|[A-Za-z_][A-Za-z0-9_]*"
    r"|(?P<op>->|\*\*=?|//=?|<<=?|>>=?|\.\.\.|[=!<>:+\-*/%&|^@]=|[()\[\]{},:;.+\-*/%&|^~<>=@]))"
)
_UNREAD: list[_Token] = []  # the quick reader's "ask Python's tokenizer"
_BETWEEN = frozenset(" ()[]{},:;.=+-*/%&|^~<>@!")  # what may follow a name, number or string


def _quick_tokens(text: str) -> list[_Token] | None:
    """:func:`_tokens` by one regular expression, for the code dvgen prints;
    :data:`_UNREAD` for anything else (a comment, a triple-quoted or
    unterminated string, a name beyond ASCII, a tab), which Python's own
    tokenizer reads (``tests/test_pyformat.py`` holds the two equal)."""
    out: list[_Token] = []
    depth = 0
    at = 0
    end = len(text.rstrip(" "))
    match = _TOKEN.match
    while at < end:
        m = match(text, at)
        if m is None:
            return _UNREAD
        start, at = m.end() - len(m.group().lstrip(" ")), m.end()
        token = text[start:at]
        op = m.group("op") is not None
        if op and token in ")]}":
            depth -= 1
        out.append(_Token(token, start, at, depth, op))
        if op and token in _OPEN:
            depth += 1
        if not op and at < end and text[at] not in _BETWEEN:
            return _UNREAD  # two tokens touching, which Python may read otherwise
    return out if depth == 0 and out else None


def _python_tokens(text: str) -> list[_Token] | None:
    out: list[_Token] = []
    depth = 0
    skip = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type in skip:
                continue
            if tok.type in (tokenize.COMMENT, tokenize.ERRORTOKEN) or tok.start[0] != 1:
                return None
            op = tok.type == tokenize.OP
            if op and tok.string in ")]}":
                depth -= 1
            out.append(_Token(tok.string, tok.start[1], tok.end[1], depth, op))
            if op and tok.string in _OPEN:
                depth += 1
    except (tokenize.TokenError, SyntaxError):
        return None
    return out if depth == 0 and out else None


#: ``NAME = "text"`` or ``NAME: Type = "text"``, the commonest long line (a
#: column's name constant): laid out without tokenizing, as :func:`_split`
#: would lay it out after tokenizing (``tests/test_pyformat.py`` holds the two equal)
_STRING_ASSIGN = re.compile(
    r"( *)([A-Za-z_][A-Za-z0-9_]*(?:: [A-Za-z_][A-Za-z0-9_.]*)?) = "
    r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
)


def _split(line: str) -> str:
    """One line of code laid out: a statement, or (ending in a comma) an
    item of brackets already split over several lines."""
    quick = _STRING_ASSIGN.fullmatch(line)
    if quick is not None:
        return _assign(quick.group(2), quick.group(3), quick.group(1))
    return _split_tokens(line)


def _split_tokens(line: str) -> str:
    text = line.lstrip(" ")
    indent = line[: len(line) - len(text)]
    tokens = _tokens(text)
    if tokens is None:
        return line
    if tokens[-1].op and tokens[-1].text == ",":
        return layout(_item(text, tokens[:-1]), indent, "", ",")
    eq = next((t for t in tokens if t.depth == 0 and t.op and t.text == "="), None)
    if eq is not None:
        target = text[: eq.start].rstrip()
        value = [t for t in tokens if t.start > eq.start]
        node = _node(text, value)
        if isinstance(node, Brackets):
            return layout(node, indent, target + " = ")
        return _assign(target, flat(node), indent)
    if tokens[0].text == "return" and len(tokens) > 1:
        return layout(_node(text, tokens[1:]), indent, "return ")
    return layout(_node(text, tokens), indent)


def _item(text: str, tokens: list[_Token]) -> Node:
    """An item of brackets: ``key=value``, ``key: value`` or an expression."""
    top = [t for t in tokens if t.depth == tokens[0].depth and t.op]
    sep = next((t for t in top if t.text == "="), None) or next(
        (t for t in top if t.text == ":"), None
    )
    if sep is not None:
        value = [t for t in tokens if t.start > sep.start]
        if value:
            return Pair(text[tokens[0].start : value[0].start], _node(text, value))
    return _node(text, tokens)


def _node(text: str, tokens: list[_Token]) -> Node:
    """An expression: a ``+`` chain, something ending in brackets, or an atom."""
    level = tokens[0].depth
    whole = text[tokens[0].start : tokens[-1].end]
    top = [i for i, t in enumerate(tokens) if t.depth == level and t.op]
    plus = [i for i in top if tokens[i].text == "+"]
    if plus:
        if plus[0] == 0 or plus[-1] == len(tokens) - 1 or any(b - a < 2 for a, b in pairwise(plus)):
            return Atom(whole)  # a sign, not a sum
        bounds = [-1, *plus, len(tokens)]
        return Chain(
            tuple(text[tokens[a + 1].start : tokens[b - 1].end] for a, b in pairwise(bounds))
        )
    closers = [i for i in top if tokens[i].text in ")]}"]
    if not closers:
        return Atom(whole)
    closer = closers[-1]
    opener = max(i for i in top if i < closer and tokens[i].text in _OPEN)
    head = text[tokens[0].start : tokens[opener].end]
    inner = tokens[opener + 1 : closer]
    items: list[Node] = []
    start = 0
    comma = False
    for i, t in enumerate(inner):
        if t.depth == level + 1 and t.op and t.text == ",":
            if start < i:
                items.append(_item(text, inner[start:i]))
            start, comma = i + 1, True
        else:
            comma = False
    if start < len(inner):
        items.append(_item(text, inner[start:]))
    return Brackets(head, text[tokens[closer].start : tokens[-1].end], tuple(items), comma)


# -- literals -----------------------------------------------------------------------


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


#: ``NAME = "text"``: a statement black leaves as it is when even the text
#: alone, on a line of its own in parentheses, would be too long (black's
#: right-hand split gives up when the part it would wrap cannot fit or split).
_BARE_STRING = re.compile(r'( *)[A-Za-z_][A-Za-z0-9_]* = ("(?:[^"\\]|\\.)*")')

#: An item of an exploded call or collection that is one string literal, or a
#: keyword argument whose value is one (``odata="Microsoft.Dynamics.CRM.X",``):
#: black has nowhere to split it, and leaves it however long it is.
_STRING_ITEM = re.compile(r' *(?:[A-Za-z_][A-Za-z0-9_]*=)?"(?:[^"\\]|\\.)*",')


def black_stable(source: str) -> bool:
    """Whether black would leave ``source`` (made by this module's rules) alone:
    no line of code is over the limit, but for a bare ``NAME = "text"`` whose
    text cannot fit in parentheses either (:data:`_BARE_STRING`), and a string
    item inside brackets (:data:`_STRING_ITEM`). Docstrings
    and other triple-quoted strings are not split by black, so their lines
    do not count."""
    inside = False
    depth = 0  # brackets this module's layout left open, line by line
    for line in source.split("\n"):
        if inside:
            inside = not line.endswith('"""')
            continue
        stripped = line.lstrip(" ")
        if stripped.startswith('"""'):
            inside = '"""' not in stripped[3:]
            continue
        if stripped[:1] in _CLOSE:
            depth -= 1
        if not fits(line) and not _unsplittable(line, depth):
            return False
        if line.endswith(tuple(_OPEN)):
            depth += 1
    return True


def _unsplittable(line: str, depth: int) -> bool:
    if depth:
        return _STRING_ITEM.fullmatch(line) is not None
    bare = _BARE_STRING.fullmatch(line)
    return bare is not None and not fits(bare.group(1) + INDENT + bare.group(2))


def py_number(value: float) -> str:
    """A number literal as black writes it (``1e+20`` -> ``1e20``)."""
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{exponent.removeprefix('+')}"
    return text
