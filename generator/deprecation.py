"""Which columns, choice values and tables the docs mark deprecated.

Microsoft has no deprecation property on these pages; it marks deprecation in
text. A name (display name or choice label) is deprecated when it carries the
word ``Deprecated`` anywhere (``Wrap-up (Deprecated)``); a description is
when it opens with it (``Deprecated: use ...``, ``[Deprecated] ...``) or says
so (``This column is deprecated``, ``has been deprecated``).

:func:`marked` sets the model's ``deprecated`` flag from these texts (the
merge does, for every table, and ``dvgen diff`` for models it reads), and
everything else reads that flag: the Python, TypeScript and OData targets
mark what it flags, and ``dvgen diff`` downgrades the removal of something
already deprecated from breaking to warning (users were told).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from generator.model import Attribute, Option, Table

_T = TypeVar("_T")

_IN_NAME = re.compile(r"\bdeprecated\b", re.IGNORECASE)
_IN_DESCRIPTION = re.compile(
    r"^\W*deprecated\b|\b(?:is|are|was|were|been|now)\s+deprecated\b", re.IGNORECASE
)


def is_deprecated(name: str | None, description: str | None = None) -> bool:
    """True when ``name`` or ``description`` marks the item deprecated."""
    return bool(
        (name and _says(name) and _IN_NAME.search(name))
        or (description and _says(description) and _IN_DESCRIPTION.search(description))
    )


def _says(text: str) -> bool:
    """Whether ``text`` holds the word at all (a fast test before the regex:
    every build checks every column and value)."""
    return "deprecated" in text.lower()


def _flag(name: str | None, description: str | None) -> bool | None:
    """The model's flag: ``True``, or ``None`` (left out of the YAML)."""
    return True if is_deprecated(name, description) else None


def marked(table: Table) -> Table:
    """``table`` with ``deprecated`` set from the texts on it, its columns and
    their choice values (the same object when nothing changes)."""
    attributes = _each(table.attributes, _marked_attribute)
    flag = _flag(table.display_name, table.description)
    if attributes is None and flag == table.deprecated:
        return table
    return table.model_copy(
        update={"attributes": attributes or table.attributes, "deprecated": flag}
    )


def _marked_attribute(attr: Attribute) -> Attribute:
    options = _each(attr.options, _marked_option)
    flag = _flag(attr.display_name, attr.description)
    if options is None and flag == attr.deprecated:
        return attr
    return attr.model_copy(update={"options": options or attr.options, "deprecated": flag})


def _marked_option(option: Option) -> Option:
    flag = _flag(option.label, option.description)
    return option if flag == option.deprecated else option.model_copy(update={"deprecated": flag})


def _each(items: tuple[_T, ...], mark: Callable[[_T], _T]) -> tuple[_T, ...] | None:
    """``items`` marked, or ``None`` when none changed."""
    out: list[_T] | None = None
    for i, item in enumerate(items):
        new = mark(item)
        if new is not item:
            out = out or list(items)
            out[i] = new
    return None if out is None else tuple(out)
