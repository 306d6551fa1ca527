"""Incremental builds: what the last build parsed and rendered, reused.

``.dvgen-cache/`` (next to ``pyproject.toml``; the ``cache`` setting moves
it) holds entries, each named by the SHA-256 of everything it depends on (or,
for ``documents/``, holding items that each record what they depend on), so
what is reused is always exactly right:

* ``pages/``: one parsed page (its single-page table and its diagnostics,
  as JSON that pydantic reads back in one pass), keyed by the page's bytes,
  its path below its docs root, and dvgen's own code and templates (so
  moving the project keeps the cache valid);
* ``merged/``: a table several pages describe, merged, with the merge's
  diagnostics, keyed by those pages in merge order;
* ``documents/``: the parts of the ``$metadata`` document (it reads every
  table), in a fixed set of shards per version of dvgen's code and the
  project's templates and naming (:class:`generator.render.Style`): each
  table's piece and each entity type's block, with what each depends on
  (:mod:`generator.cache_parts`);
* ``render/``: one table's rendered module for one target (a JSON header
  line, then the text as it is, so reading it back decodes no escapes),
  keyed by the table's model, the target's settings, dvgen's code and the
  project's templates and naming, and
  valid only while every other table it looked up still has the entity set
  it had then (:class:`generator.webapi.EntitySets` records those
  reads).

A build writes each new entry as soon as it is made (a large build never
holds them all; the ``documents/`` shards when it saves), and deletes the
entries it did not use when it saves, so the cache holds one build's worth.
It is data, never code (no pickle): a damaged or foreign entry is ignored
and recomputed. Deleting the folder is always safe; ``--no-cache`` ignores
it; ``build --check`` reads it but never writes it. ``dvgen diff`` parses its
pages through it too, and adds them without pruning, so a diff in CI never
costs the next build its cache. A build also deletes the folders of other
cache layouts (``v1/``...).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from generator.cache_entries import StoredDiagnostic, entry_key, shown, stored, write_atomic
from generator.cache_folder import CACHEDIR_TAG, ENTRY_NAME, foreign, our_layout, refusal
from generator.cache_parts import SHARDS, StoredParts
from generator.diagnostics import Diagnostic, Diagnostics
from generator.fingerprint import code_fingerprint
from generator.heap import settle
from generator.model import Table
from generator.parallel import PageJob, Renderer, RenderJob, Workers, parse_task, render_task
from generator.parse import ParsedPage
from generator.targets.odata import Parts
from generator.timing import CLOCK
from generator.webapi import entity_set_of

__all__ = [
    "CACHEDIR_TAG",
    "ENTRY_NAME",
    "BuildCache",
    "CacheStats",
    "Memo",
    "code_fingerprint",
    "foreign",
    "refusal",
]

CACHE_DIR = ".dvgen-cache"
LAYOUT = "v2"  # entries of another layout are deleted by the next build
KINDS = ("pages", "merged", "render", "documents")


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
    :class:`BuildCache`, and what ``--no-cache`` uses.

    ``parse_all`` and ``render_all`` do a whole stage at once, on ``workers``;
    ``render`` then returns what ``render_all`` made (or renders one table).
    """

    def __init__(
        self, workers: Workers | None = None, renderers: Mapping[str, Renderer] | None = None
    ) -> None:
        self.stats = CacheStats()
        self.workers = workers or Workers()
        self.renderers = dict(renderers or {})  # target -> its per-table render
        self._ready: dict[RenderJob, list[str]] = {}

    # -- parsing -----------------------------------------------------------------

    def parse(
        self, data: bytes, source_path: str, display: str, diags: Diagnostics
    ) -> ParsedPage | None:
        return self.parse_all([(data, source_path, display)], diags)[0]

    def parse_all(
        self,
        jobs: Sequence[PageJob],
        diags: Diagnostics,
        progress: Callable[[str], None] | None = None,
    ) -> list[ParsedPage | None]:
        """Each page parsed (``None`` for a page with errors), in order; its
        diagnostics added to ``diags`` in the same order. ``progress`` is
        told each page's shown path as it is done (from the cache or parsed)."""
        found: list[tuple[ParsedPage | None, list[Diagnostic]] | None] = []
        for job in jobs:
            found.append(self._page_hit(job))
            settle()
            if found[-1] is not None and progress is not None:
                progress(job[2])
        todo = [i for i, hit in enumerate(found) if hit is None]
        made = self.workers.map(parse_task, [jobs[i] for i in todo])
        for i, (page, items) in zip(todo, made, strict=True):
            self.stats.pages_parsed += 1
            self._page_made(jobs[i], page, items)
            found[i] = (page, items)
            settle()
            if progress is not None:
                progress(jobs[i][2])
        out: list[ParsedPage | None] = []
        for hit in found:
            assert hit is not None
            out.append(hit[0])
            diags.items.extend(hit[1])
        return out

    def _page_hit(self, job: PageJob) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
        """The page as parsed before (never, without a cache)."""
        del job
        return None

    def _page_made(self, job: PageJob, page: ParsedPage | None, items: list[Diagnostic]) -> None:
        """Keep a parsed page (nothing to keep, without a cache)."""
        del job, page, items

    # -- rendering ---------------------------------------------------------------

    def render_all(self, jobs: Sequence[RenderJob], tables: dict[str, Table]) -> None:
        """Render every job now (on the workers), for :meth:`render` to hand out."""
        todo = [job for job in jobs if job not in self._ready and not self._render_hit(job, tables)]
        made = self.workers.map(render_task, todo, shared=(tables, self.renderers))
        for job, (result, reads) in zip(todo, made, strict=True):
            self._render_made(job, tables, result, reads)
            settle()

    def render(
        self,
        target: str,
        table: Table,
        tables: dict[str, Table],
        settings: tuple[str, ...] = (),
    ) -> list[str]:
        """``target``'s render of ``table`` (a list of strings: paths, names,
        sources). ``settings`` are the target's settings for it: part of the key."""
        job = (target, table.logical_name, settings)
        if job not in self._ready:
            self.render_all([job], tables)
        return self._ready.pop(job)  # each render is asked for once: do not hold it

    def _render_hit(self, job: RenderJob, tables: dict[str, Table]) -> bool:
        """Whether the render is known already (never, without a cache)."""
        del job, tables
        return False

    def _render_made(
        self,
        job: RenderJob,
        tables: dict[str, Table],
        result: list[str],
        reads: dict[str, str],
    ) -> None:
        del tables, reads
        self._rendered(job[0])(job[1])
        self._ready[job] = result

    def remember(
        self,
        pages: list[ParsedPage],
        diags: Diagnostics,
        display: Mapping[str, str],
        merge: Callable[[Diagnostics], Table],
    ) -> Table:
        """A table merged from several pages (:func:`generator.merge.merge_pages`)."""
        del pages, display
        return merge(diags)

    def metadata_parts(self, display: Mapping[str, str]) -> Parts:
        """Where ``$metadata``'s parts come from: made every time, without a cache."""
        del display
        return Parts(self._rendered("odata"))

    def _rendered(self, target: str) -> Callable[[str], None]:
        """Counts what ``target`` made, by table name, in :attr:`stats`."""
        return lambda name: self.stats.rendered.setdefault(target, []).append(name)

    def save(self, *, prune: bool = True) -> None:
        """Nothing to keep."""


class BuildCache(Memo):
    """The on-disk cache in ``folder``; ``write=False`` reads without writing."""

    def __init__(
        self,
        folder: Path,
        *,
        write: bool = True,
        workers: Workers | None = None,
        renderers: Mapping[str, Renderer] | None = None,
        look: str = "",
    ) -> None:
        super().__init__(workers, renderers)
        self.folder = folder
        self.root = folder / LAYOUT
        self.write = write
        self._code = code_fingerprint()
        # what renders also depend on: the project's templates and naming
        self._look = entry_key(self._code, look) if look else self._code
        self._prepared = False
        self._used: set[str] = set()
        self._digests: dict[int, str] = {}
        self._inverse: tuple[Mapping[str, str], dict[str, str]] | None = None
        self._parts: tuple[list[str], StoredParts] | None = None  # shard entries, parts

    # -- entries ---------------------------------------------------------------

    def _load(self, rel: str) -> str | None:
        self._used.add(rel)
        with CLOCK.stage("cache"):
            try:
                return (self.root / rel).read_text(encoding="utf-8")
            except (OSError, ValueError):
                return None

    def _store(self, rel: str, text: str) -> None:
        """Write an entry now, so a large build never holds them all."""
        self._used.add(rel)
        if not self.write:
            return
        with CLOCK.stage("cache"):
            try:
                if not self._prepared:
                    self._prepare()
                write_atomic(self.root / rel, text)
            except OSError:
                self.write = False  # a cache that cannot be written costs speed, never a build

    # -- pages -------------------------------------------------------------------

    def _page_key(self, job: PageJob) -> str:
        data, source_path, _ = job
        return "pages/" + entry_key(self._code, source_path, hashlib.sha256(data).hexdigest())

    def _page_hit(self, job: PageJob) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
        hit = _page_from(self._load(self._page_key(job)), job[2])
        if hit is not None:
            self.stats.pages_reused += 1
        return hit

    def _page_made(self, job: PageJob, page: ParsedPage | None, items: list[Diagnostic]) -> None:
        display = job[2]
        with CLOCK.stage("cache"):
            entry = _PageEntry(
                table=page.table if page else None,
                extension=page.extension if page else False,
                # stored without the page's own name: the same page may be
                # shown as another path next time (another folder, another cwd)
                diagnostics=[
                    StoredDiagnostic(
                        **{**d.to_dict(), "file": None if d.file == display else d.file}
                    )
                    for d in items
                ],
            ).model_dump_json()
        self._store(self._page_key(job), entry)

    # -- merged tables -----------------------------------------------------------

    def remember(
        self,
        pages: list[ParsedPage],
        diags: Diagnostics,
        display: Mapping[str, str],
        merge: Callable[[Diagnostics], Table],
    ) -> Table:
        """Keyed by the pages (path, bytes, base or extension), in merge order."""
        sources = [(p.extension, s.path, s.sha256) for p in pages for s in p.table.sources]
        rel = "merged/" + entry_key(self._code, json.dumps(sources))
        made: list[Table] = []

        def make(d: Diagnostics) -> str:
            made.append(merge(d))
            return made[0].model_dump_json()

        text = self._made_before(rel, diags, display, make)
        table = made[0] if made else Table.model_validate_json(text)
        settle()
        return table

    def metadata_parts(self, display: Mapping[str, str]) -> Parts:
        """The parts the last build kept (:mod:`generator.cache_parts`), in
        :data:`~generator.cache_parts.SHARDS` entries per version of dvgen's
        code; :meth:`save` writes back the ones that changed."""
        rels = ["documents/" + entry_key(self._look, "odata-parts", str(i)) for i in range(SHARDS)]
        parts = StoredParts(
            [self._load(rel) for rel in rels],
            self._digest,
            display,
            self._sources(display),
            self._rendered("odata"),
        )
        self._parts = (rels, parts)
        return parts

    def _made_before(
        self,
        rel: str,
        diags: Diagnostics,
        display: Mapping[str, str],
        make: Callable[[Diagnostics], str],
    ) -> str:
        """``make``'s text and diagnostics, from the entry ``rel`` or made now.
        A diagnostic names its page by its path below the docs root, and is
        shown as that page is shown this time."""
        text = self._load(rel)
        if text is not None:
            try:
                entry = _TextEntry.model_validate_json(text)
                diags.items.extend(shown(d, display) for d in entry.diagnostics)
                return entry.text
            except ValidationError:
                pass
        mine = Diagnostics()
        made = make(mine)
        diags.items.extend(mine.items)
        source_of = self._sources(display)
        kept = [stored(d, source_of) for d in mine.items]
        self._store(rel, _TextEntry(text=made, diagnostics=kept).model_dump_json())
        return made

    def _sources(self, display: Mapping[str, str]) -> dict[str, str]:
        """Each page's shown path -> its path below its docs root (built once
        per build, not once per entry)."""
        if self._inverse is None or self._inverse[0] is not display:
            self._inverse = (display, {shown: path for path, shown in display.items()})
        return self._inverse[1]

    # -- renders -----------------------------------------------------------------

    def _digest(self, table: Table) -> str:
        digest = self._digests.get(id(table))
        if digest is None:
            digest = hashlib.sha256(table.model_dump_json().encode()).hexdigest()
            self._digests[id(table)] = digest
        return digest

    def _render_key(self, job: RenderJob, tables: dict[str, Table]) -> str:
        target, name, settings = job
        return "render/" + entry_key(self._look, target, *settings, self._digest(tables[name]))

    def _render_hit(self, job: RenderJob, tables: dict[str, Table]) -> bool:
        entry = _render_from(self._load(self._render_key(job, tables)), tables)
        if entry is None:
            return False
        self.stats.renders_reused += 1
        self._ready[job] = entry
        return True

    def _render_made(
        self,
        job: RenderJob,
        tables: dict[str, Table],
        result: list[str],
        reads: dict[str, str],
    ) -> None:
        super()._render_made(job, tables, result, reads)
        header = json.dumps({"deps": reads, "sizes": [len(r) for r in result]}, ensure_ascii=False)
        self._store(self._render_key(job, tables), header + "\n" + "".join(result))

    # -- saving --------------------------------------------------------------------

    def save(self, *, prune: bool = True) -> None:
        """With ``prune``, delete the entries this build did not use (a failed
        build keeps them: the next one needs them). New entries are already
        written, as they were made."""
        if self._parts is not None:
            rels, parts = self._parts
            self._parts = None  # large, and it points back at this cache: let it go now
            for i, text in parts.dump(prune=prune).items():
                self._store(rels[i], text)
        if not self.write or not prune:
            return
        try:
            for other in self.folder.glob("v*"):
                layout = other.name[1:].isdigit() and other != self.root
                if layout and not other.is_symlink() and our_layout(other):
                    shutil.rmtree(other, ignore_errors=True)  # another dvgen's layout
            for kind in KINDS:
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
            tag.write_text(CACHEDIR_TAG, encoding="utf-8")
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by dvgen: never commit the cache\n*\n", encoding="utf-8")
        self._prepared = True


class _TextEntry(BaseModel):
    """A ``merged/`` entry: what was made, and what it said."""

    text: str
    diagnostics: list[StoredDiagnostic]


class _PageEntry(BaseModel):
    """A ``pages/`` entry: read back by pydantic's JSON parser in one pass."""

    table: Table | None
    extension: bool
    diagnostics: list[StoredDiagnostic]


def _page_from(text: str | None, display: str) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
    """A cached page, or ``None`` when the entry is missing or damaged."""
    if text is None:
        return None
    try:
        entry = _PageEntry.model_validate_json(text)
    except ValidationError:
        return None
    items = [
        Diagnostic(d.level, d.code, d.message, d.file or display, d.line) for d in entry.diagnostics
    ]
    if entry.table is None:
        return None if not any(d.level == "error" for d in items) else (None, items)
    return ParsedPage(entry.table, entry.extension), items


def _render_from(text: str | None, tables: dict[str, Table]) -> list[str] | None:
    """A cached render (a JSON header line, then the strings end to end), or
    ``None`` when it is missing, damaged, or read an entity set that changed."""
    if text is None:
        return None
    header, _, body = text.partition("\n")
    try:
        entry = json.loads(header)
        deps, sizes = entry["deps"], entry["sizes"]
        if not isinstance(deps, dict) or sum(sizes) != len(body):
            return None
        if any(entity_set_of(name, tables) != value for name, value in deps.items()):
            return None
        out, at = [], 0
        for size in sizes:
            out.append(body[at : at + size])
            at += size
        return out
    except (ValueError, KeyError, TypeError):
        return None
