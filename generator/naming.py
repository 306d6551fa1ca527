"""The one authority that turns a label or a name into an identifier.

Every target (Python, TypeScript, OData) asks this module, and nothing else,
for the identifiers it prints; the wire names stay in the model untouched.
The steps are fixed and run in this order:

1. **clean**: transliterate to ASCII with anyascii (``Livré`` -> ``Livre``,
   ``Größe`` -> ``Grosse``, ``Ελληνικά`` -> ``Ellinika``) and turn every
   other non-alphanumeric run into a word break (``Co-browse``, ``N/A``,
   ``Google's``: apostrophes join, they do not split);
2. **split** into words at breaks, lower/upper and letter/digit boundaries
   (``msdyn_ConversationSummaryField`` -> msdyn, conversation, summary, field),
   keeping whole a chunk that would split into single letters (``CCaaS``);
3. **case** the words for the kind of identifier asked for;
4. **prefix a leading digit** (``1 Day`` -> ``N1_DAY``), or fall back to a
   name built from the caller's ``fallback`` when nothing is left (emoji,
   non-Latin text);
5. **suffix reserved words** with ``_`` (``class`` -> ``class_``);
6. **deduplicate within the scope** with ``_2``, ``_3``... in the order
   names are asked for, after the scope was seeded with what the template
   itself defines or imports.

A project's naming override (``[tool.dvgen.naming]``,
:mod:`generator.overrides`) skips all six: it is the name, exactly. A scope
never dedupes around one; a name that meets an override, either way round,
is a :class:`~generator.overrides.NameClash` naming both.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from enum import Enum
from functools import lru_cache

from anyascii import anyascii

from generator.overrides import NameClash, Override


class Case(Enum):
    SNAKE = "snake"  # python attributes and functions: owner_id_name
    UPPER = "upper"  # enum members and constants: GOOGLES_BUSINESS_MESSAGES
    PASCAL = "pascal"  # classes and types: SmsEngagementCtx
    CAMEL = "camel"  # typescript members: ownerIdName


_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_BREAKS = re.compile(r"[^A-Za-z0-9]+")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def humps(name: str) -> str:
    """A CamelCase name from ``$metadata`` as words (``WhoAmIResponse`` ->
    ``Who Am I Response``), so that every case splits it where its author did."""
    return " ".join(_WORDS.findall(name)) or name


#: Python names a generated module must never shadow or collide with: the
#: keywords, and the builtins that generated annotations refer to.
PYTHON_RESERVED: frozenset[str] = frozenset(
    {
        *keyword.kwlist,
        *keyword.softkwlist,
        "self",
        "cls",
        *("type", "int", "str", "float", "bool", "bytes", "object"),
        *("list", "dict", "set", "frozenset", "tuple"),
    }
)

#: TypeScript reserved words (strict mode) and names with a meaning in types.
TYPESCRIPT_RESERVED: frozenset[str] = frozenset(
    {
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "as",
        "implements",
        "interface",
        "let",
        "package",
        "private",
        "protected",
        "public",
        "static",
        "yield",
        "any",
        "boolean",
        "constructor",
        "declare",
        "get",
        "module",
        "require",
        "number",
        "set",
        "string",
        "symbol",
        "type",
        "from",
        "of",
        "unknown",
        "never",
        "object",
        "undefined",
    }
)


def ascii_text(text: str) -> str:
    """``text`` transliterated to ASCII by anyascii (pinned: names must not
    drift): accents dropped, other scripts spelled out, symbols named."""
    return anyascii(text)


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, after cleaning (steps 1 and 2)."""
    return list(_words(text))


@lru_cache(maxsize=1 << 16)  # each column's name is named again by every target
def _words(text: str) -> tuple[str, ...]:
    cleaned = _APOSTROPHES.sub("", ascii_text(text))
    out: list[str] = []
    for chunk in _BREAKS.split(cleaned):
        parts = _WORDS.findall(chunk)
        # A split that leaves single letters (CCaaS -> C, Caa, S) cut a brand
        # or acronym apart: keep such a chunk whole (ccaas).
        if any(len(p) == 1 and p.isalpha() for p in parts) and len(parts) > 1:
            parts = [chunk]
        out.extend(w.lower() for w in parts)
    return tuple(out)


def file_stems(name: str) -> set[str]:
    """The stems of the files a table called ``name`` gets: the model's (the
    name itself) and the modules' (its words joined by underscores, as
    :func:`identifier` makes a snake-case name)."""
    return {name, "_".join(words(name))}


def _case(parts: list[str], case: Case) -> str:
    if case is Case.SNAKE:
        return "_".join(parts)
    if case is Case.UPPER:
        return "_".join(parts).upper()
    if case is Case.PASCAL:
        return "".join(p[:1].upper() + p[1:] for p in parts)
    head, *rest = parts
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def identifier(
    text: str, case: Case, *, fallback: str = "value", reserved: Iterable[str] = PYTHON_RESERVED
) -> str:
    """``text`` as an identifier of ``case`` (steps 1 to 5, no scope)."""
    parts = words(text) or words(fallback) or ["value"]
    name = _case(parts, case)
    if name[0].isdigit():
        name = ("N" if case in (Case.UPPER, Case.PASCAL) else "n") + name
    if name in reserved:
        name += "_"
    return name


class Scope:
    """The names already taken in one namespace (a module, a class, an enum).

    ``where`` says which namespace, for a clash message; each name remembers
    what holds it (``owner``), so a clash names both sides."""

    def __init__(
        self,
        taken: Iterable[str] = (),
        reserved: Iterable[str] = PYTHON_RESERVED,
        *,
        where: str = "",
        fixed: str = "a name the generated code defines",
    ) -> None:
        self._taken: dict[str, str] = dict.fromkeys(taken, fixed)
        self._pinned: dict[str, Override] = {}
        self.reserved = frozenset(reserved)
        self.where = where

    def __contains__(self, name: str) -> bool:
        return name in self._taken

    def claim(
        self,
        text: str,
        case: Case,
        *,
        fallback: str = "value",
        owner: str = "",
        override: Override | None = None,
    ) -> str:
        """A name for ``text`` not yet taken here; the scope remembers it.
        With an ``override``, its name exactly, or :class:`NameClash`."""
        if override is not None:
            return self._pin(override, owner)
        base = identifier(text, case, fallback=fallback, reserved=self.reserved)
        if base in self._pinned:
            self._clash(self._pinned[base], owner or f"the name dvgen derives from {text!r}")
        name, n = base, 2
        while name in self._taken:
            name = f"{base}_{n}"
            n += 1
        self._taken[name] = owner or repr(text)
        return name

    def _pin(self, override: Override, owner: str) -> str:
        name = override.name
        if name in self.reserved:
            self._clash(override, "a reserved word")
        if name in self._taken:
            other = self._pinned.get(name)
            self._clash(override, f"{self._taken[name]}{f' ({other})' if other else ''}")
        self._taken[name] = owner or str(override)
        self._pinned[name] = override
        return name

    def _clash(self, override: Override, other: str) -> None:
        where = f" in {self.where}" if self.where else ""
        raise NameClash(
            override.section,
            override.key,
            override.name,
            f"{override.name} is also {other}{where}",
        )
