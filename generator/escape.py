"""Escaping made for each spot in generated code.

Text from the docs is untrusted: every description, label or name reaches a
template only through one of these functions, each made for one kind of spot,
so that nothing can close the string, docstring or comment it lands in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Line breaks as Python's str.splitlines() sees them, plus the Unicode ones
# that JavaScript treats as line terminators.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: The bidirectional controls of the Trojan Source attack: they reorder what an
#: editor shows. In a doc comment they are written as their escapes.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What markdown and JSDoc in an IDE's hover would act on: a tag (``@`` at the
#: start or after a space), an inline tag (``{@link ...}``), a markdown link
#: (``[text](url)``) and an autolink (``<https://...>``). Each gets a backslash.
_JSDOC_ACTIVE = re.compile(r"(?<![^\s{])@|(?<=\])\(|<(?=[A-Za-z][A-Za-z0-9+.-]*:)")


def one_line(text: str) -> str:
    """Every kind of line break folded to a space, other controls dropped."""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()


def py_string(text: str) -> str:
    """A Python string literal holding exactly ``text``.

    Double-quoted, unless ``text`` holds more double quotes than single ones:
    then single-quoted, as black would write it (fewer backslashes).
    """
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _escape(text, quote) + quote


def _escape(text: str, quote: str) -> str:
    if text.isprintable() and "\\" not in text and quote not in text:
        return text  # nothing to escape: the common case, without the loop
    return _escape_each(text, quote)


def _escape_each(text: str, quote: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + quote)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable():
            out.append(_escape_code(ord(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _escape_code(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def py_docstring(text: str) -> str:
    """The body of a ``\"\"\"docstring\"\"\"``: it cannot close the docstring.

    Backslashes and every double quote are escaped, so neither ``\"\"\"`` nor
    a trailing ``\"`` nor ``\\N{`` can end or break it; non-printable
    characters become escapes; every kind of line break becomes a plain one,
    and trailing spaces are dropped.
    """
    lines = [_escape(raw.rstrip(), '"') for raw in _LINE_BREAKS.split(text)]
    return "\n".join(lines).strip("\n")


def docstring_value(text: str) -> str:
    """What Python reads back from ``py_docstring(text)`` (for tests and checks)."""
    return "\n".join(raw.rstrip() for raw in _LINE_BREAKS.split(text)).strip("\n")


def py_comment(text: str) -> str:
    """Text for after ``# ``: one line, so nothing after it can be code."""
    return one_line(text)


def ts_string(text: str) -> str:
    """A TypeScript/JavaScript string literal holding exactly ``text`` (double-quoted).

    Backticks and ``${`` are inert in a double-quoted string; ``<`` is
    escaped too, so the literal stays safe inside an inline ``<script>``.
    """
    if text.isprintable() and _TS_PLAIN.fullmatch(text):
        return '"' + text + '"'  # nothing to escape: the common case, without the loop
    return _ts_string_each(text)


def _ts_string_each(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _TS_ESCAPES:
            out.append(_TS_ESCAPES[ch])
        elif ch == "<" or ch in "\u2028\u2029" or not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\u{{{code:x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


#: text with no character :func:`ts_string` escapes but the non-printable ones
_TS_PLAIN = re.compile(r'[^\\"<\u2028\u2029]*')
_TS_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def ts_doc(text: str, indent: str = "", tags: Sequence[str] = ()) -> str:
    """A whole ``/** ... */`` JSDoc block for ``text`` at ``indent``, then
    ``tags`` (dvgen's own, such as ``@deprecated ...``: printed as they are).

    Nothing in ``text`` can end the comment: ``*/`` becomes ``*\\/``; every
    kind of line break (U+2028 and U+2029 included) starts a new `` * `` line;
    an ``@`` that starts a word or follows ``{`` is escaped so that no text can
    forge a tag such as ``@deprecated`` or an inline ``{@link https://...}``;
    the ``(`` of ``[text](url)`` and the ``<`` of ``<https://...>`` are escaped
    so that no link becomes clickable in an IDE's hover; the bidirectional
    controls are written as escapes
    (``\\u202e``); other control characters are dropped.
    """
    lines = [_ts_doc_line(raw) for raw in _LINE_BREAKS.split(text.strip())]
    while lines and not lines[-1]:
        lines.pop()
    lines += tags
    if not lines:
        return ""
    if len(lines) == 1 and len(lines[0]) + len(indent) <= 90:
        return f"/** {lines[0]} */"
    body = "\n".join(f"{indent} * {line}".rstrip() for line in lines)
    return f"/**\n{body}\n{indent} */"


def _ts_doc_line(raw: str) -> str:
    line = _shown_bidi(_CONTROL.sub("", raw).rstrip()).replace("*/", "*\\/")
    return _JSDOC_ACTIVE.sub(lambda m: "\\" + m.group(), line)


def _shown_bidi(text: str) -> str:
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def ts_doc_value(text: str) -> str:
    """The text a reader of ``ts_doc(text)`` sees, escapes undone (for tests)."""
    lines = [
        _shown_bidi(_CONTROL.sub("", raw).rstrip()) for raw in _LINE_BREAKS.split(text.strip())
    ]
    return "\n".join(lines).strip("\n")


# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_attr(text: str) -> str:
    """``text`` for inside a double-quoted XML attribute value.

    Markup characters become entity references; line breaks and tabs become
    character references (attribute normalisation would fold them to
    spaces); characters XML cannot carry are dropped.
    """
    return _NOT_XML.sub("", text).translate(_XML_ESCAPES)


_XML_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


_TS_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def ts_key(name: str) -> str:
    """A property key for ``name``: bare when it is a plain identifier, else quoted.

    ``__proto__`` is computed (``["__proto__"]``): as a plain or quoted key in
    an object literal it would set the prototype instead of a property.
    """
    if name == "__proto__":
        return f"[{ts_string(name)}]"
    return name if _TS_IDENTIFIER.match(name) else ts_string(name)
