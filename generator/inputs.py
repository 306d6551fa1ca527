"""Which pages a run reads: files, folders (every ``*.md`` below) and globs.

Each page gets a *docs root*, the folder it was found under (a file given by
itself: its own folder), and is recorded in the model by its path relative
to that root, so the model never holds an absolute path.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.diagnostics import Diagnostics

PAGE_SUFFIXES = (".md",)


@dataclass(frozen=True, slots=True)
class InputPage:
    path: Path  # on disk
    source_path: str  # relative to its docs root, '/'-separated
    display: str  # as shown in diagnostics: relative to where dvgen runs, if below it


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` as dvgen shows it: relative to where dvgen runs when below it."""
    cwd = cwd or Path.cwd()
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def collect(specs: Iterable[str], base: Path, diags: Diagnostics) -> list[InputPage]:
    """Expand ``specs`` (relative to ``base``) into pages, sorted by source path."""
    cwd = Path.cwd()
    found: dict[str, InputPage] = {}
    for spec in specs:
        candidate = Path(spec) if Path(spec).is_absolute() else base / spec
        if glob.has_magic(spec):
            matches = sorted(Path(m) for m in glob.glob(str(candidate), recursive=True))
            pairs = [(m, m.parent) for m in matches if m.is_file()]
            if not pairs:
                diags.error("DV020", f"no page matches {spec!r}", None)
        elif candidate.is_dir():
            pairs = [
                (p, candidate)
                for p in sorted(candidate.rglob("*"))
                if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
            ]
            if not pairs:
                diags.warning("DV021", f"no *.md pages under {spec!r}", None)
        elif candidate.is_file():
            pairs = [(candidate, candidate.parent)]
        else:
            diags.error("DV022", f"input {spec!r} does not exist", None)
            continue
        for path, root in pairs:
            rel = path.relative_to(root).as_posix()
            page = InputPage(path, rel, display_path(path, cwd))
            other = found.get(rel)
            if other is not None and other.path.resolve() != path.resolve():
                diags.error(
                    "DV023",
                    f"{page.display} and {other.display} have the same path {rel!r} below their "
                    "docs roots; pass their common folder instead",
                    page.display,
                )
                continue
            found[rel] = page
    return [found[k] for k in sorted(found)]
