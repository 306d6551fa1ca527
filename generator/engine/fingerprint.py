"""dvgen's own code and templates as one digest: part of every cache key, so
a fix or an edited template invalidates what it could change."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from generator import __version__
from generator.resources import templates_root

_GENERATOR = Path(__file__).resolve().parent.parent  # all of generator/


def fingerprinted() -> list[tuple[Path, Path]]:
    """Every file the fingerprint reads, with the folder it is named below:
    all of dvgen's code and its templates."""
    return [
        (root, path)
        for root in (_GENERATOR, templates_root())  # in a wheel, the second is inside the first
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc")
    ]


@cache
def code_fingerprint() -> str:
    """dvgen's version plus every source and template file: a change to any of
    them (a fix, an edited template) invalidates every entry."""
    h = hashlib.sha256(__version__.encode())
    for root, path in fingerprinted():
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
