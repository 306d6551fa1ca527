"""Reading one page from disk into text the parser can trust.

Binary junk and undecodable bytes are rejected with a diagnostic; a BOM and
CRLF endings are normalised; mojibake (``Omnichannel â€“ SMS``) is repaired
line by line with ftfy, and each repaired line is reported, so line numbers
in every later diagnostic still point into the file as it is on disk.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ftfy

from generator.csdl.reader import is_csdl
from generator.csdl.safe_xml import MAX_BYTES
from generator.diagnostics import Diagnostics

MAX_PAGE_BYTES = 4 * 1024 * 1024  # 24 times the largest real page (170 KB)
_HEAD = 4096  # what :func:`is_csdl` looks at


@dataclass(frozen=True, slots=True)
class PageText:
    text: str
    sha256: str


@cache
def _fixer_config() -> ftfy.TextFixerConfig:
    # Only undo encoding mix-ups; quotes, widths and ligatures stay as written.
    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def read_bytes(path: Path, shown_path: str, diags: Diagnostics) -> bytes | None:
    """The file's bytes, or ``None`` after an error diagnostic. A page may be
    at most :data:`MAX_PAGE_BYTES`, an org's ``$metadata`` (known by its first
    bytes) at most :data:`generator.csdl.safe_xml.MAX_BYTES`; at most one byte
    more than that is read, so a huge (or endless) file costs no more memory
    than the limit."""
    try:
        with path.open("rb") as fh:
            data = fh.read(_HEAD)
            csdl = is_csdl(data)
            limit = MAX_BYTES if csdl else MAX_PAGE_BYTES
            noun, what = ("document", "a $metadata document") if csdl else ("page", "a table page")
            data += fh.read(limit + 1 - len(data))
            if len(data) > limit:
                size = os.fstat(fh.fileno()).st_size
                shown = f"{size} bytes" if size > limit else "larger"
                diags.error(
                    "DV002",
                    f"the {noun} is {shown}, more than the {limit} {what} can be",
                    shown_path,
                )
                return None
            return data
    except OSError as exc:
        diags.error("DV001", f"cannot read the page: {exc.strerror or exc}", shown_path)
        return None


def read_page(path: Path, shown_path: str, diags: Diagnostics) -> PageText | None:
    """The page's repaired text, or ``None`` after an error diagnostic."""
    data = read_bytes(path, shown_path, diags)
    return None if data is None else decode_page(data, shown_path, diags)


def decode_page(data: bytes, shown_path: str, diags: Diagnostics) -> PageText | None:
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_PAGE_BYTES:
        diags.error(
            "DV002",
            f"the page is {len(data)} bytes, more than the {MAX_PAGE_BYTES} a table page can be",
            shown_path,
        )
        return None
    if not data.strip():
        diags.error("DV003", "the page is empty: expected a Dataverse table reference", shown_path)
        return None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        diags.error(
            "DV004", "the page holds NUL bytes: it is binary, not markdown", shown_path, line
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.error(
            "DV005",
            f"the page is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            shown_path,
            line,
        )
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return PageText(_repair(text, shown_path, diags), digest)


def _repair(text: str, shown_path: str, diags: Diagnostics) -> str:
    if text.isascii():
        return text
    lines = text.split("\n")
    config = _fixer_config()
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        fixed = ftfy.fix_text(line, config)
        if fixed != line and "\n" not in fixed:
            diags.info("DV010", f"repaired mojibake: {_excerpt(line, fixed)}", shown_path, i + 1)
            lines[i] = fixed
    return "\n".join(lines)


def _excerpt(before: str, after: str) -> str:
    """The first differing stretch of a repaired line, for the diagnostic."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    lo = max(0, start - 12)
    return f"{before[lo : start + 16]!r} -> {after[lo : start + 12]!r}"
