"""Whether a folder may be dvgen's cache: dvgen writes and deletes only in a
folder of its own, which it tags with a ``CACHEDIR.TAG``. (Light: read
before a build decides anything, and by ``build --check``'s quick path.)"""

from __future__ import annotations

import re
from pathlib import Path

from generator.config import CACHE_ENV
from generator.inputs import shown_path

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is a cache made by dvgen (https://bford.info/cachedir/); safe to delete.\n"
)


#: The name of an entry file: a SHA-256 digest, or a temporary file being written.
ENTRY_NAME = re.compile(r"^(?:[0-9a-f]{64}(?:\.\w+)?|\.tmp-\w+)$")


def foreign(folder: Path) -> bool:
    """Whether ``folder`` holds things dvgen did not write, so that it cannot be
    the cache: it exists, is not empty, and is not tagged by dvgen's own
    ``CACHEDIR.TAG``. dvgen writes and deletes only in a folder of its own."""
    try:
        if not folder.exists():
            return False
        if not folder.is_dir():
            return True
        if (folder / "CACHEDIR.TAG").read_text(encoding="utf-8") == CACHEDIR_TAG:
            return False
    except (OSError, UnicodeDecodeError):
        pass  # no tag, or not dvgen's: decided by whether anything is there
    try:
        return any(folder.iterdir())
    except OSError:
        return True


def our_layout(folder: Path) -> bool:
    """Whether ``folder`` (``v<digits>`` in dvgen's cache) holds nothing but
    entries dvgen wrote: folders of entry files named by their digests."""
    try:
        for kind in folder.iterdir():
            if kind.is_symlink() or not kind.is_dir():
                return False
            for entry in kind.iterdir():
                if entry.is_symlink() or not entry.is_file() or not ENTRY_NAME.match(entry.name):
                    return False
    except OSError:
        return False
    return True


def refusal(folder: Path) -> str:
    """Why ``folder`` is not used as the cache (see :func:`foreign`)."""
    return (
        f"the cache folder {shown_path(folder)} holds files dvgen did not write, so dvgen "
        "neither writes nor deletes there and works without a cache; point the cache "
        f"setting or {CACHE_ENV} at a folder of its own"
    )
