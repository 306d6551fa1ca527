"""Whether a page is whole.

A page cut off in the middle (a broken download, a bad merge) still parses:
the sections it lost are simply absent, and a table with half its columns,
or none, would replace good bindings. Its own indexes say what should be
there: every column and relationship section opens with a list of links to
the items below it. An entry no item answers, or a page whose last line
stops inside a table row or a link (no real page ends so), is an error
naming the file, the line and what is missing, so the build writes nothing.
"""

from __future__ import annotations

import re

from generator.parse.context import PageContext
from generator.parse.markdown import Document, ListBlock
from generator.parse.sections import Section

#: The sections whose index lists items described below it, and what they list.
_INDEXED = {
    "writable": "column",
    "read_only": "column",
    "customized": "column",
    "one_to_many": "relationship",
    "many_to_one": "relationship",
    "many_to_many": "relationship",
}
#: At the end of a line: a link whose text or target was never closed.
_OPEN_LINK = re.compile(r"\[[^\]]*$|\]\([^)]*$")
_SHOWN = 5


def check_indexes(ctx: PageContext, kinds: list[tuple[str | None, Section]]) -> None:
    """An error per section whose index names items the page never describes."""
    for kind, section in kinds:
        what = _INDEXED.get(kind or "")
        if what is None:
            continue
        described = set()
        for child in section.children:
            described.add(child.title.strip().lower())
            if child.heading.anchor:
                described.add(child.heading.anchor.lower())
        missing: list[tuple[int, str]] = []
        for block in section.blocks:
            if not isinstance(block, ListBlock):
                continue
            for item in block.items:
                for cell in item.lines:
                    for link in cell.links:
                        anchor = link.href.removeprefix("#").lower()
                        if not link.href.startswith("#") or anchor in described:
                            continue
                        if link.text.strip().lower() not in described:
                            missing.append((cell.line, link.text.strip() or link.href))
        if missing:
            names = ", ".join(name for _, name in missing[:_SHOWN])
            more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
            ctx.diags.error(
                "DV111",
                f"section {section.title!r} lists {len(missing)} {what}(s) it never describes "
                f"({names}{more}): the page is incomplete (cut off?)",
                ctx.file,
                missing[0][0],
            )


def check_read(ctx: PageContext, doc: Document) -> None:
    """An error where the markdown parser gave up (lists or quotes nested past
    its limit): what follows was never read, and a table built without it
    would be short."""
    if doc.unread is not None:
        ctx.diags.error(
            "DV113",
            "lists or quotes nest deeper here than the markdown parser follows; the rest "
            "of the page was not read",
            ctx.file,
            doc.unread,
        )


def check_ending(ctx: PageContext, doc: Document) -> None:
    """An error when the page's last line stops inside a table row or a link."""
    number, text = doc.last_line
    last = text.strip()
    if last.startswith("|") and not last.endswith("|"):
        where = "a table row"
    elif _OPEN_LINK.search(last):
        where = "a link"
    else:
        return
    ctx.diags.error(
        "DV112",
        f"the page ends inside {where}: it is incomplete (cut off?)",
        ctx.file,
        number,
    )
