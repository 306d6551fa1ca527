"""Incremental builds: what the last build parsed and rendered, reused.

``.dvgen-cache/`` (next to ``pyproject.toml``; the ``cache`` setting moves
it) holds JSON entries, each named by the SHA-256 of everything it depends
on, so an entry is either exactly right or never looked up:

* ``pages/``: one parsed page (its single-page table and its diagnostics),
  keyed by the page's bytes, its path below its docs root, and dvgen's own
  code and templates (so moving the project keeps the cache valid);
* ``render/``: one table's rendered module for one target, keyed by the
  table's model, the target's settings and dvgen's code, and valid only while
  every other table it looked up still has the entity set it had then
  (:class:`generator.targets.webapi.EntitySets` records those reads).

A build rewrites only what changed; entries it did not use are deleted when
it saves, so the cache holds one build's worth. It is JSON, never code: a
damaged or foreign entry is ignored and recomputed. Deleting the folder is
always safe; ``--no-cache`` ignores it; ``build --check`` reads it but never
writes it. ``dvgen diff`` parses its pages through it too, and adds them
without pruning, so a diff in CI never costs the next build its cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from generator import __version__
from generator.diagnostics import Diagnostic, Diagnostics
from generator.model import Table
from generator.parse import ParsedPage, parse_bytes
from generator.render import TEMPLATES
from generator.targets.webapi import EntitySets, entity_set_of
from generator.timing import CLOCK

CACHE_DIR = ".dvgen-cache"
LAYOUT = "v1"
KINDS = ("pages", "render")
_GENERATOR = Path(__file__).resolve().parent
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is a cache made by dvgen (https://bford.info/cachedir/); safe to delete.\n"
)


@cache
def code_fingerprint() -> str:
    """dvgen's version plus every source and template file: a change to any of
    them (a fix, an edited template) invalidates every entry."""
    h = hashlib.sha256(__version__.encode())
    for root in (_GENERATOR, TEMPLATES):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _key(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


@dataclass(slots=True)
class CacheStats:
    pages_parsed: int = 0
    pages_reused: int = 0
    rendered: dict[str, list[str]] = field(default_factory=dict)  # target -> tables
    renders_reused: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "pages_parsed": self.pages_parsed,
            "pages_reused": self.pages_reused,
            "rendered": {t: sorted(v) for t, v in sorted(self.rendered.items())},
            "renders_reused": self.renders_reused,
        }


class Memo:
    """No cache: every page is parsed and every table rendered. The base of
    :class:`BuildCache`, and what ``--no-cache`` uses."""

    def __init__(self) -> None:
        self.stats = CacheStats()

    def parse(
        self, data: bytes, source_path: str, display: str, diags: Diagnostics
    ) -> ParsedPage | None:
        self.stats.pages_parsed += 1
        return parse_bytes(data, source_path, display, diags)

    def render(
        self,
        target: str,
        table: Table,
        tables: dict[str, Table],
        settings: tuple[str, ...],
        fn: Callable[[EntitySets], list[str]],
    ) -> list[str]:
        """``fn``'s result for ``table`` (a list of strings: paths, names, sources).
        ``settings`` are the target's settings ``fn`` uses: part of a cache key."""
        del settings
        self.stats.rendered.setdefault(target, []).append(table.logical_name)
        return fn(EntitySets(tables))

    def save(self, *, prune: bool = True) -> None:
        """Nothing to keep."""


class BuildCache(Memo):
    """The on-disk cache in ``folder``; ``write=False`` reads without writing."""

    def __init__(self, folder: Path, *, write: bool = True) -> None:
        super().__init__()
        self.folder = folder
        self.root = folder / LAYOUT
        self.write = write
        self._code = code_fingerprint()
        self._new: dict[str, Any] = {}  # relative entry path -> JSON value
        self._used: set[str] = set()
        self._digests: dict[int, str] = {}

    # -- entries ---------------------------------------------------------------

    def _load(self, rel: str) -> Any:
        self._used.add(rel)
        if rel in self._new:
            return self._new[rel]
        with CLOCK.stage("cache"):
            try:
                return json.loads((self.root / rel).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None

    def _store(self, rel: str, value: Any) -> None:
        self._used.add(rel)
        self._new[rel] = value

    # -- what the build asks -----------------------------------------------------

    def parse(
        self, data: bytes, source_path: str, display: str, diags: Diagnostics
    ) -> ParsedPage | None:
        rel = "pages/" + _key(self._code, source_path, hashlib.sha256(data).hexdigest())
        hit = _page_from(self._load(rel), display)
        if hit is not None:
            page, items = hit
            diags.items.extend(items)
            self.stats.pages_reused += 1
            return page
        mine = Diagnostics()
        page = super().parse(data, source_path, display, mine)
        diags.items.extend(mine.items)
        self._store(
            rel,
            {
                "table": page.table.model_dump(mode="json") if page else None,
                "extension": page.extension if page else False,
                # stored without the page's own name: the same page may be
                # shown as another path next time (another folder, another cwd)
                "diagnostics": [
                    {**d.to_dict(), "file": None if d.file == display else d.file}
                    for d in mine.items
                ],
            },
        )
        return page

    def _digest(self, table: Table) -> str:
        digest = self._digests.get(id(table))
        if digest is None:
            digest = hashlib.sha256(table.model_dump_json().encode()).hexdigest()
            self._digests[id(table)] = digest
        return digest

    def render(
        self,
        target: str,
        table: Table,
        tables: dict[str, Table],
        settings: tuple[str, ...],
        fn: Callable[[EntitySets], list[str]],
    ) -> list[str]:
        rel = "render/" + _key(self._code, target, *settings, self._digest(table))
        entry = self._load(rel)
        if _valid_render(entry, tables):
            self.stats.renders_reused += 1
            result: list[str] = entry["result"]
            return result
        sets = EntitySets(tables)
        self.stats.rendered.setdefault(target, []).append(table.logical_name)
        result = fn(sets)
        self._store(rel, {"deps": sets.reads, "result": result})
        return result

    # -- saving --------------------------------------------------------------------

    def save(self, *, prune: bool = True) -> None:
        """Write the new entries and, with ``prune``, delete the ones this build
        did not use (a failed build keeps them: the next one needs them)."""
        if not self.write:
            return
        try:
            self._prepare()
            for rel, value in sorted(self._new.items()):
                _write_atomic(self.root / rel, json.dumps(value, ensure_ascii=False))
            for kind in KINDS if prune else ():
                folder = self.root / kind
                for path in folder.iterdir() if folder.is_dir() else ():
                    if f"{kind}/{path.name}" not in self._used:
                        path.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written costs speed, never a build

    def _prepare(self) -> None:
        for kind in KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by dvgen: never commit the cache\n*\n", encoding="utf-8")


def _page_from(entry: Any, display: str) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
    """A cached page, or ``None`` when the entry is missing or damaged."""
    if not isinstance(entry, dict):
        return None
    try:
        items = [Diagnostic(**{**d, "file": d["file"] or display}) for d in entry["diagnostics"]]
        data = entry["table"]
        if data is None:
            return None if not any(d.level == "error" for d in items) else (None, items)
        return ParsedPage(Table.model_validate(data), bool(entry["extension"])), items
    except (KeyError, TypeError, ValueError):
        return None


def _valid_render(entry: Any, tables: dict[str, Table]) -> bool:
    if not isinstance(entry, dict):
        return False
    deps, result = entry.get("deps"), entry.get("result")
    if not isinstance(deps, dict) or not isinstance(result, list):
        return False
    if not all(isinstance(r, str) for r in result):
        return False
    return all(entity_set_of(name, tables) == value for name, value in deps.items())


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
