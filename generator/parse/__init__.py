"""Stage 1: markdown pages -> single-page tables (see :mod:`generator.merge`)."""

from __future__ import annotations

from pathlib import Path

from generator.diagnostics import Diagnostics
from generator.parse.markdown import parse_markdown
from generator.parse.page import ParsedPage, new_context, parse_page
from generator.parse.source import decode_page, read_page

__all__ = ["ParsedPage", "parse_bytes", "parse_file"]


def parse_file(path: Path, source_path: str, display: str, diags: Diagnostics) -> ParsedPage | None:
    """Parse one page from disk; ``None`` after an error diagnostic."""
    text = read_page(path, display, diags)
    if text is None:
        return None
    ctx = new_context(display, source_path, diags)
    return parse_page(parse_markdown(text.text), text.sha256, ctx)


def parse_bytes(
    data: bytes, source_path: str, display: str, diags: Diagnostics
) -> ParsedPage | None:
    """Parse one page already in memory (a git blob, a cached read)."""
    text = decode_page(data, display, diags)
    if text is None:
        return None
    ctx = new_context(display, source_path, diags)
    return parse_page(parse_markdown(text.text), text.sha256, ctx)
