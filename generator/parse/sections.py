"""A page's blocks as a tree of sections, and the kind of each H2 section.

Every variant uses the same skeleton: an H1 title and preamble, H2 sections
(messages, properties, columns, relationships), H3 items inside them (one
column or relationship each) and H4 parts of an item (its choices, or the
two sides of a many-to-many relationship). Only the section names differ
between vintages; :func:`section_kind` folds them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.parse.markdown import Block, Heading

_TERMINAL = {"see also", "related information"}


@dataclass(slots=True)
class Section:
    heading: Heading
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.heading.text


def split(blocks: list[Block], level: int) -> tuple[list[Block], list[Section]]:
    """Blocks before the first heading of ``level``, and one section per heading.

    A "See also" heading at any depth closes the section it appears in: it is
    promoted to ``level`` so its links never count as a column or relationship.
    """
    head: list[Block] = []
    sections: list[Section] = []
    for b in blocks:
        if isinstance(b, Heading) and (
            b.level == level or (b.level > level and b.text.strip().lower() in _TERMINAL)
        ):
            sections.append(Section(b))
        elif sections:
            sections[-1].blocks.append(b)
        else:
            head.append(b)
    for s in sections:
        if level < 4:
            s.blocks, s.children = split(s.blocks, level + 1)
    return head, sections


_KINDS: dict[str, str] = {
    "messages": "messages",
    "events": "events",
    "properties": "properties",
    "entity properties": "properties",
    "table properties": "properties",
    "writable attributes": "writable",
    "read-only attributes": "read_only",
    "readonly attributes": "read_only",
    "customized attributes": "customized",
    "one-to-many relationships": "one_to_many",
    "many-to-one relationships": "many_to_one",
    "many-to-many relationships": "many_to_many",
    "see also": "ignore",
    "related information": "ignore",
}


def section_kind(title: str) -> str | None:
    """``"Writable columns/attributes"`` -> ``"writable"``; unknown -> ``None``."""
    t = re.sub(r"\s+", " ", title.strip().lower())
    t = t.replace("columns/attributes", "attributes").replace("columns", "attributes")
    return _KINDS.get(t)
