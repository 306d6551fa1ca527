"""Stage 1: markdown pages -> single-page tables (see :mod:`generator.merge`)."""

from __future__ import annotations

from generator.diagnostics import Diagnostics
from generator.parse.markdown import parse_markdown
from generator.parse.page import ParsedPage, new_context, parse_page
from generator.parse.source import decode_page

__all__ = ["ParsedPage", "parse_bytes"]


def parse_bytes(
    data: bytes, source_path: str, shown_path: str, diags: Diagnostics
) -> ParsedPage | None:
    """Parse one page from its bytes (as read from disk, or a git blob)."""
    text = decode_page(data, shown_path, diags)
    if text is None:
        return None
    ctx = new_context(shown_path, source_path, diags)
    return parse_page(parse_markdown(text.text), text.sha256, ctx)
