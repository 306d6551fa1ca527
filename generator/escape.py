"""Escaping made for each spot in generated code.

Text from the docs is untrusted: every description, label or name reaches a
template only through one of these functions, each made for one kind of spot,
so that nothing can close the string, docstring or comment it lands in.
"""

from __future__ import annotations

import re

# Line breaks as Python's str.splitlines() sees them, plus the Unicode ones
# that JavaScript treats as line terminators.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Every kind of line break folded to a space, other controls dropped."""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()


def py_string(text: str) -> str:
    """A Python string literal holding exactly ``text`` (double-quoted)."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
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
    out.append('"')
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
    lines = [py_string(raw.rstrip())[1:-1] for raw in _LINE_BREAKS.split(text)]
    return "\n".join(lines).strip("\n")


def docstring_value(text: str) -> str:
    """What Python reads back from ``py_docstring(text)`` (for tests and checks)."""
    return "\n".join(raw.rstrip() for raw in _LINE_BREAKS.split(text)).strip("\n")


def py_comment(text: str) -> str:
    """Text for after ``# ``: one line, so nothing after it can be code."""
    return one_line(text)
