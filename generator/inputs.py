"""Which files a run reads: files, folders (every page, ``*.md``, and every
org ``$metadata`` document, ``*.xml``/``*.edmx``/``*.csdl``, below) and globs.
Whether a file is a page or a document is decided by its content
(:func:`generator.csdl.reader.is_csdl`), not its name.

Each page gets a *docs root*, the folder it was found under (a file given by
itself: its own folder), and is recorded in the model by its path relative
to that root, so the model never holds an absolute path.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.diagnostics import Diagnostic, Diagnostics

PAGE_SUFFIXES = (".md",)
DOCUMENT_SUFFIXES = (".xml", ".edmx", ".csdl")


@dataclass(frozen=True, slots=True)
class InputPage:
    path: Path  # on disk
    source_path: str  # relative to its docs root, '/'-separated
    shown_path: str  # as shown in diagnostics: relative to where dvgen runs, if below it
    named: bool = True  # named itself, not found in a folder or by a glob


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` as dvgen shows it: relative to where dvgen runs when below it."""
    cwd = cwd or Path.cwd()
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _Shown:
    """:func:`shown_path` for many files: where dvgen runs, and each folder,
    resolved once (a file's own links still followed), not once per file
    (two resolves of a dozen ``lstat`` calls each, per page, were a tenth of
    an unchanged rebuild of 2,800 pages)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd.resolve()
        self.folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> str:
        folder = self.folders.get(path.parent)
        if folder is None:
            folder = self.folders[path.parent] = path.parent.resolve()
        real = path.resolve() if path.is_symlink() else folder / path.name
        try:
            return real.relative_to(self.cwd).as_posix()
        except ValueError:
            return path.as_posix()


def collect(specs: Iterable[str], base: Path, diags: Diagnostics) -> list[InputPage]:
    """Expand ``specs`` (relative to ``base``) into pages, sorted by source path."""
    shown = _Shown(Path.cwd())
    found: dict[str, InputPage] = {}
    named: set[Path] = set()
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
                if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES + DOCUMENT_SUFFIXES
            ]
            if not pairs:
                diags.warning("DV021", f"no *.md pages or $metadata documents under {spec!r}", None)
        elif candidate.is_file():
            pairs = [(candidate, candidate.parent)]
            named.add(candidate)
        else:
            diags.error("DV022", f"input {spec!r} does not exist", None)
            continue
        for path, root in pairs:
            source_path = path.relative_to(root).as_posix()
            page = InputPage(path, source_path, shown(path), named=path in named)
            if not _utf8(source_path):  # the model records it, and YAML and JSON are UTF-8
                diags.error(
                    "DV025",
                    "the file name is not UTF-8 (it holds bytes no text can carry); rename it",
                    page.shown_path,
                )
                continue
            other = found.get(source_path)
            if other is not None and other.path.resolve() != path.resolve():
                diags.error(
                    "DV023",
                    f"{page.shown_path} and {other.shown_path} have the same path {source_path!r} "
                    "below their docs roots; pass their common folder instead",
                    page.shown_path,
                )
                continue
            found[source_path] = page
    return [found[k] for k in sorted(found)]


#: A page that is plainly not a table reference (an overview, an index).
_NOT_A_TABLE_PAGE = frozenset({"DV101", "DV102"})


def skip_other_pages(found: Iterable[Diagnostic], unnamed: set[str], diags: Diagnostics) -> None:
    """Move ``found`` to ``diags``; a page that a folder or a glob brought in
    and that is plainly not a table reference (Microsoft's doc folders hold
    ``index.md`` and overview pages beside the table pages) is skipped with a
    note (``DV024``); named on its own, it stays an error."""
    for d in found:
        if d.code in _NOT_A_TABLE_PAGE and d.file in unnamed:
            reason = d.message.split(":", 1)[0]
            diags.info("DV024", f"skipped, not a table reference page ({reason})", d.file, d.line)
        else:
            diags.items.append(d)


def _utf8(name: str) -> bool:
    """Whether ``name`` (as the file system decoded it) is valid UTF-8 text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
