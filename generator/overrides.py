"""``[tool.dvgen.naming]``: names a project chooses over the ones dvgen derives.

    [tool.dvgen.naming]
    class-names = "display"        # tables' classes from "schema" (default),
                                   # "display" or "logical" names
    enum-members = "pascal"        # "upper" or "pascal"; default: each
                                   # language's own (Python UPPER, TypeScript Pascal)

    [tool.dvgen.naming.tables]     # logical name -> Python class, TypeScript namespace
    msdyn_smsengagementctx = "SmsEngagementContext"

    [tool.dvgen.naming.columns]    # table.column -> Python attribute, TypeScript key
    "msdyn_ocliveworkitem.msdyn_customer" = "customer"

    [tool.dvgen.naming.choices]    # table.column.value (or label) -> enum member
    "msdyn_ocliveworkitem.statuscode.4" = "WRAP_UP"

An override is the identifier, exactly, in every language; the wire names
(logical names, entity sets, ``@odata.bind`` keys) never change. An override
that would share its name with anything else in its namespace (another
column, a built-in name, another override) is an error naming both sides
(:class:`NameClash`), never a silent ``_2``; one that names nothing in the
build is a warning (:func:`unused`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from generator.diagnostics import Diagnostics
    from generator.model import Attribute, Option, Table

ClassNames = Literal["schema", "display", "logical"]
EnumMembers = Literal["upper", "pascal"]
CLASS_NAMES: tuple[ClassNames, ...] = ("schema", "display", "logical")
ENUM_MEMBERS: tuple[EnumMembers, ...] = ("upper", "pascal")
SECTIONS = ("tables", "columns", "choices")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class NamingError(Exception):
    """A ``[tool.dvgen.naming]`` setting that cannot be used."""


@dataclass(frozen=True, slots=True)
class Override:
    """One entry of ``[tool.dvgen.naming.<section>]``: ``key = "name"``."""

    section: str
    key: str
    name: str

    def __str__(self) -> str:
        return f'[tool.dvgen.naming.{self.section}] "{self.key}" = "{self.name}"'


class NameClash(Exception):
    """An override gives a name something else in its namespace has too."""

    def __init__(self, section: str, key: str, name: str, message: str) -> None:
        super().__init__(section, key, name, message)
        self.override = Override(section, key, name)
        self.message = message

    def __str__(self) -> str:
        return f"{self.override}: {self.message}"


@dataclass(frozen=True, slots=True)
class Naming:
    """The naming settings of one build (picklable: it goes to the workers)."""

    class_names: ClassNames = "schema"
    enum_members: EnumMembers | None = None
    tables: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)  # "table.column"
    choices: Mapping[str, str] = field(default_factory=dict)  # "table.column.value"

    def class_text(self, table: Table) -> str:
        """What a table's class is named after, by the ``class-names`` switch."""
        if self.class_names == "display" and table.display_name:
            return table.display_name
        if self.class_names == "logical":
            return table.logical_name
        return table.schema_name or table.logical_name

    def table(self, table: Table) -> Override | None:
        name = self.tables.get(table.logical_name)
        return None if name is None else Override("tables", table.logical_name, name)

    def column(self, table: Table, attr: Attribute) -> Override | None:
        key = f"{table.logical_name}.{attr.logical_name}"
        name = self.columns.get(key)
        return None if name is None else Override("columns", key, name)

    def choice(self, table: Table, attr: Attribute, option: Option) -> Override | None:
        """The override of ``option``, keyed by its value or, failing that,
        its label (or invariant name) exactly."""
        head = f"{table.logical_name}.{attr.logical_name}."
        for tail in _tails(option):
            if (name := self.choices.get(head + tail)) is not None:
                return Override("choices", head + tail, name)
        return None

    def describe(self) -> str:
        """Everything here, as one stable string (part of the render cache key)."""
        parts: list[str] = [self.class_names, self.enum_members or ""]
        for section in SECTIONS:
            items: Mapping[str, str] = getattr(self, section)
            parts += [f"{section}\0{k}\0{v}" for k, v in sorted(items.items())]
        return "\n".join(parts)


def _tails(option: Option) -> list[str]:
    """What a choice override's key may end with for ``option``, in the
    order they are tried: its value, its label, its invariant name."""
    tails = (str(option.value), option.label, option.invariant_name)
    return [t for t in tails if t is not None]


def report_unused(
    naming: Naming, tables: Mapping[str, Table], source: str | None, diags: Diagnostics
) -> None:
    """A warning (``DV032``) for each override that names nothing in the build."""
    text = _text(source)
    for override, why in unused(naming, tables):
        diags.warning("DV032", f"{override} names nothing: {why}", source, line_of(text, override))


def report_clash(clash: NameClash, source: str | None, diags: Diagnostics) -> None:
    """The error (``DV033``) of an override whose name clashes, on its line."""
    line = line_of(_text(source), clash.override)
    diags.error("DV033", f"{clash}; choose another name", source, line)


def _text(source: str | None) -> str:
    try:
        return Path(source).read_text(encoding="utf-8") if source else ""
    except (OSError, UnicodeDecodeError):
        return ""


def unused(naming: Naming, tables: Mapping[str, Table]) -> list[tuple[Override, str]]:
    """The overrides that name nothing among ``tables``, and why."""
    out: list[tuple[Override, str]] = []
    for name, value in sorted(naming.tables.items()):
        if name not in tables:
            out.append((Override("tables", name, value), f"the build has no table {name}"))
    for key, value in sorted(naming.columns.items()):
        table_name, column = key.split(".", 1)
        why = _missing(tables, table_name, column)
        if why:
            out.append((Override("columns", key, value), why))
    for key, value in sorted(naming.choices.items()):
        table_name, column, tail = key.split(".", 2)
        why = _missing(tables, table_name, column)
        if not why:
            attr = tables[table_name].attribute(column)
            options = attr.options if attr else ()
            if not any(tail in _tails(o) for o in options):
                why = f"{table_name}.{column} has no choice value or label {tail!r}"
        if why:
            out.append((Override("choices", key, value), why))
    return out


def _missing(tables: Mapping[str, Table], table: str, column: str) -> str:
    if table not in tables:
        return f"the build has no table {table}"
    if tables[table].attribute(column) is None:
        return f"{table} has no column {column}"
    return ""


def naming_from(section: Any, where: str) -> Naming:
    """``[tool.dvgen.naming]`` read and checked; :class:`NamingError` says what is wrong."""
    if not isinstance(section, dict):
        raise NamingError(f"{where} must be a table")
    known = {"class-names", "enum-members", *SECTIONS}
    unknown = sorted(set(section) - known)
    if unknown:
        raise NamingError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    class_names = section.get("class-names", "schema")
    if class_names not in CLASS_NAMES:
        raise NamingError(
            f"{where} class-names: {class_names!r} is not one of {', '.join(CLASS_NAMES)}"
        )
    enum_members = section.get("enum-members")
    if enum_members is not None and enum_members not in ENUM_MEMBERS:
        raise NamingError(
            f"{where} enum-members: {enum_members!r} is not one of {', '.join(ENUM_MEMBERS)}"
        )
    maps = {
        s: _overrides(section.get(s, {}), f"{where}.{s}", parts)
        for s, parts in zip(SECTIONS, (1, 2, 3), strict=True)
    }
    return Naming(class_names, enum_members, maps["tables"], maps["columns"], maps["choices"])


def _overrides(table: Any, where: str, parts: int) -> dict[str, str]:
    """``key = "Name"`` entries: ``parts`` dot-separated key parts (the last
    of three may hold dots: a label), each name an identifier."""
    if not isinstance(table, dict):
        raise NamingError(f"{where} must be a table")
    shape = ("logical name", "table.column", "table.column.value")[parts - 1]
    out: dict[str, str] = {}
    for key, name in table.items():
        pieces = key.split(".", parts - 1)
        names = pieces[:2] if parts == 3 else pieces
        if len(pieces) != parts or not all(_NAME.match(p) for p in names) or not pieces[-1]:
            raise NamingError(f"{where}: {key!r} is not a {shape}")
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise NamingError(
                f"{where} {key!r}: {name!r} is not an identifier "
                "(ASCII letters, digits and _, not starting with a digit)"
            )
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise NamingError(f"{where} {key!r}: {name!r} is a Python keyword")
        out[key] = name
    return out


def line_of(text: str, override: Override) -> int | None:
    """The line of ``override``'s entry in a ``pyproject.toml``'s ``text``
    (under its section's header), for a diagnostic; ``None`` when not found."""
    header = re.compile(rf"^\s*\[\s*tool\.dvgen\.naming\.{override.section}\s*\]")
    entry = re.compile(
        rf"^\s*(?:\"{re.escape(override.key)}\"|'{re.escape(override.key)}'"
        rf"|{re.escape(override.key)})\s*="
    )
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
        elif inside and entry.match(line):
            return n
    return None
