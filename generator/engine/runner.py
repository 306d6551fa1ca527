"""The stages of a build, run on :class:`~generator.engine.workers.Workers`
through a :class:`~generator.engine.store.Store`: every page parsed, every
table merged from several pages, every per-table render, each looked up in
the store first and kept there once made.

Each entry is named by the SHA-256 of everything it depends on, so what is
reused is always exactly right:

* ``pages/``: one parsed page (its single-page table and its diagnostics, as
  JSON that pydantic reads back in one pass), keyed by the page's bytes, its
  path below its docs root, and dvgen's own code and templates (so moving
  the project keeps the cache valid);
* ``merged/``: a table several pages describe, merged, with the merge's
  diagnostics, keyed by those pages in merge order;
* ``render/``: one table's render for one target (a JSON header line, then
  its texts end to end, as they are, so reading it back decodes no
  escapes), keyed by the table's model, the target's settings, dvgen's code
  and the project's templates and naming (its style's fingerprint), and valid only while
  what it read of other tables reads the same (:class:`TableRender.holds`);
* any other entry a caller keeps through :meth:`Runner.load` and
  :meth:`Runner.store_entry` (``$metadata``'s parts, which the OData target keeps).

A diagnostic is kept naming its page by the page's path below its docs root,
and shown as that page is shown this time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generator.cache_entries import StoredDiagnostic, as_shown, entry_key, stored
from generator.csdl.load import load
from generator.csdl.tables import DocumentTables
from generator.diagnostics import Diagnostic, Diagnostics
from generator.engine import heap
from generator.engine.fingerprint import code_fingerprint
from generator.engine.store import NoStore, Store
from generator.engine.workers import PageJob, RenderJob, Workers, parse_task, render_task
from generator.model import Source, Table
from generator.parse import ParsedPage
from generator.renders import TableRender
from generator.service import Service
from generator.timing import CLOCK

R = TypeVar("R")


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


class Runner:
    """Runs the stages; ``renders`` are the targets' per-table renders by
    target name, ``style_key`` the fingerprint of the project's templates and naming (part of every
    render's key)."""

    def __init__(
        self,
        store: Store | None = None,
        workers: Workers | None = None,
        renders: Mapping[str, TableRender[Any]] | None = None,
        style_key: str = "",
    ) -> None:
        self.store: Store = store or NoStore()
        self.workers = workers or Workers()
        self.renders = dict(renders or {})
        self.stats = CacheStats()
        self._style_key = style_key
        self._keys: tuple[str, str] | None = None  # (code, code + style), made when first needed
        self._ready: dict[RenderJob, object] = {}
        self._digests: dict[int, str] = {}
        self._inverse: tuple[Mapping[str, str], dict[str, str]] | None = None

    # -- keys ----------------------------------------------------------------------

    def _code_and_style(self) -> tuple[str, str]:
        if self._keys is None:
            code = code_fingerprint()
            self._keys = (code, entry_key(code, self._style_key) if self._style_key else code)
        return self._keys

    def entry_name(self, kind: str, *parts: str) -> str:
        """The name of an entry of ``kind`` that depends on ``parts``, dvgen's
        code and the project's style."""
        return f"{kind}/" + entry_key(self._code_and_style()[1], *parts)

    def digest(self, table: Table) -> str:
        """The SHA-256 of ``table``'s model (once per table object)."""
        digest = self._digests.get(id(table))
        if digest is None:
            digest = table.sha256()
            self._digests[id(table)] = digest
        return digest

    def source_paths(self, shown_paths: Mapping[str, str]) -> dict[str, str]:
        """Each page's shown path -> its path below its docs root (built once
        per build, not once per entry)."""
        if self._inverse is None or self._inverse[0] is not shown_paths:
            self._inverse = (shown_paths, {shown: source for source, shown in shown_paths.items()})
        return self._inverse[1]

    def load(self, rel: str) -> str | None:
        return self.store.load(rel)

    def store_entry(self, rel: str, text: str) -> None:
        self.store.store(rel, text)

    def kept(self, kind: str, parts: Sequence[str], make: Callable[[], str]) -> str:
        """A text made from ``parts`` alone (with dvgen's code and the project's
        style): the stored one, or ``make()``'s, stored."""
        if not self.store.keeps:
            return make()
        rel = self.entry_name("documents", kind, *parts)
        text = self.store.load(rel)
        if text is None:
            text = make()
            self.store.store(rel, text)
        return text

    def counter(self, target: str) -> Callable[[str], None]:
        """Counts what ``target`` made, by table name, in :attr:`stats`."""
        return lambda name: self.stats.rendered.setdefault(target, []).append(name)

    # -- pages ---------------------------------------------------------------------

    def parse(
        self, data: bytes, source_path: str, shown_path: str, diags: Diagnostics
    ) -> ParsedPage | None:
        return self.parse_all([(data, source_path, shown_path)], diags)[0]

    def parse_all(
        self,
        jobs: Sequence[PageJob],
        diags: Diagnostics,
        progress: Callable[[str], None] | None = None,
    ) -> list[ParsedPage | None]:
        """Each page parsed (``None`` for a page with errors), in order; its
        diagnostics added to ``diags`` in the same order. ``progress`` is
        told each page's shown path as it is done (from the store or parsed)."""
        found: list[tuple[ParsedPage | None, list[Diagnostic]] | None] = []
        for job in jobs:
            found.append(self._page_hit(job))
            heap.freeze_kept()
            if found[-1] is not None and progress is not None:
                progress(job[2])
        todo = [i for i, hit in enumerate(found) if hit is None]
        made = self.workers.map(parse_task, [jobs[i] for i in todo])
        for i, (page, items) in zip(todo, made, strict=True):
            self.stats.pages_parsed += 1
            self._page_made(jobs[i], page, items)
            found[i] = (page, items)
            heap.freeze_kept()
            if progress is not None:
                progress(jobs[i][2])
        out: list[ParsedPage | None] = []
        for hit in found:
            assert hit is not None
            out.append(hit[0])
            diags.items.extend(hit[1])
        return out

    def _page_key(self, job: PageJob) -> str:
        data, source_path, _ = job
        code = self._code_and_style()[0]
        return "pages/" + entry_key(code, source_path, hashlib.sha256(data).hexdigest())

    def _page_hit(self, job: PageJob) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
        if not self.store.keeps:
            return None
        hit = _page_from(self.store.load(self._page_key(job)), job[2])
        if hit is not None:
            self.stats.pages_reused += 1
        return hit

    def _page_made(self, job: PageJob, page: ParsedPage | None, items: list[Diagnostic]) -> None:
        if not self.store.keeps:
            return
        shown_path = job[2]
        with CLOCK.stage("cache"):
            entry = _PageEntry(
                table=page.table if page else None,
                extension=page.extension if page else False,
                # stored without the page's own name: the same page may be
                # shown as another path next time (another folder, another cwd)
                diagnostics=[
                    StoredDiagnostic(
                        **{**d.to_dict(), "file": None if d.file == shown_path else d.file}
                    )
                    for d in items
                ],
            ).model_dump_json()
        self.store.store(self._page_key(job), entry)

    # -- org $metadata documents ---------------------------------------------------

    def document(
        self, data: bytes, source_path: str, shown_path: str, diags: Diagnostics
    ) -> DocumentTables | None:
        """The tables of an org's ``$metadata`` document (:func:`generator.csdl.load.load`),
        kept in ``documents/`` keyed by its bytes and its path below its docs root."""
        code = self._code_and_style()[0]
        rel = "documents/" + entry_key(code, source_path, hashlib.sha256(data).hexdigest())
        if self.store.keeps:
            text = self.store.load(rel)
            if text is not None:
                try:
                    entry = _DocumentEntry.model_validate_json(text)
                except ValidationError:
                    pass
                else:
                    self.stats.pages_reused += 1
                    lines = {tuple(key): line for key, line in entry.lines}
                    tables = {t.logical_name: t for t in entry.tables}
                    return DocumentTables(entry.source, tables, lines, entry.service)
        doc = load(data, source_path, shown_path, diags)
        self.stats.pages_parsed += 1
        if doc is not None and self.store.keeps:
            entry = _DocumentEntry(
                source=doc.source,
                tables=list(doc.tables.values()),
                lines=[(list(key), line) for key, line in doc.lines.items()],
                service=doc.service,
            )
            self.store.store(rel, entry.model_dump_json())
        return doc

    # -- tables merged from several pages ------------------------------------------

    def merged(
        self,
        pages: list[ParsedPage],
        diags: Diagnostics,
        shown_paths: Mapping[str, str],
        merge: Callable[[Diagnostics], Table],
    ) -> Table:
        """A table merged from several pages (:func:`generator.merge.merge_pages`),
        keyed by the pages (path, bytes, base or extension), in merge order."""
        if not self.store.keeps:
            return merge(diags)
        sources = [(p.extension, s.path, s.sha256) for p in pages for s in p.table.sources]
        rel = "merged/" + entry_key(self._code_and_style()[0], json.dumps(sources))
        made: list[Table] = []

        def make(d: Diagnostics) -> str:
            made.append(merge(d))
            return made[0].model_dump_json()

        text = self._made_before(rel, diags, shown_paths, make)
        table = made[0] if made else Table.model_validate_json(text)
        heap.freeze_kept()
        return table

    def _made_before(
        self,
        rel: str,
        diags: Diagnostics,
        shown_paths: Mapping[str, str],
        make: Callable[[Diagnostics], str],
    ) -> str:
        """``make``'s text and diagnostics, from the entry ``rel`` or made now."""
        text = self.store.load(rel)
        if text is not None:
            try:
                entry = _TextEntry.model_validate_json(text)
                diags.items.extend(as_shown(d, shown_paths) for d in entry.diagnostics)
                return entry.text
            except ValidationError:
                pass
        mine = Diagnostics()
        made = make(mine)
        diags.items.extend(mine.items)
        source_paths = self.source_paths(shown_paths)
        kept = [stored(d, source_paths) for d in mine.items]
        self.store.store(rel, _TextEntry(text=made, diagnostics=kept).model_dump_json())
        return made

    # -- per-table renders ---------------------------------------------------------

    def render_all(self, jobs: Sequence[RenderJob], tables: dict[str, Table]) -> None:
        """Render every job now (on the workers), for :meth:`render` to hand out."""
        todo = [job for job in jobs if job not in self._ready and not self._render_hit(job, tables)]
        made = self.workers.map(render_task, todo, shared=(tables, self.renders))
        for job, (result, reads) in zip(todo, made, strict=True):
            target, name, _ = job
            self.counter(target)(name)
            self._ready[job] = result
            if self.store.keeps:
                texts = self.renders[target].texts(result)
                header = json.dumps(
                    {"deps": reads, "sizes": [len(t) for t in texts]}, ensure_ascii=False
                )
                self.store.store(self._render_key(job, tables), header + "\n" + "".join(texts))
            heap.freeze_kept()

    def render(
        self,
        spec: TableRender[R],
        table: Table,
        tables: dict[str, Table],
        settings: tuple[str, ...] = (),
    ) -> R:
        """``spec``'s render of ``table``. ``settings`` are the target's
        settings for it: part of the key."""
        job = (spec.target, table.logical_name, settings)
        if job not in self._ready:
            self.renders.setdefault(spec.target, spec)
            self.render_all([job], tables)
        result = self._ready.pop(job)  # each render is asked for once: do not hold it
        assert isinstance(result, spec.result)
        return result

    def _render_key(self, job: RenderJob, tables: dict[str, Table]) -> str:
        target, name, settings = job
        return self.entry_name("render", target, *settings, self.digest(tables[name]))

    def _render_hit(self, job: RenderJob, tables: dict[str, Table]) -> bool:
        if not self.store.keeps:
            return False
        spec = self.renders[job[0]]
        texts = _render_from(self.store.load(self._render_key(job, tables)), spec, tables)
        if texts is None:
            return False
        self.stats.renders_reused += 1
        self._ready[job] = spec.from_texts(texts)
        return True

    def save(self, *, prune: bool = True) -> None:
        """See :meth:`generator.engine.store.Store.save`."""
        self.store.save(prune=prune)


class _TextEntry(BaseModel):
    """A ``merged/`` entry: what was made, and what it said."""

    text: str
    diagnostics: list[StoredDiagnostic]


class _DocumentEntry(BaseModel):
    """A ``documents/`` entry: one org's ``$metadata``, read into tables."""

    source: Source
    tables: list[Table]
    lines: list[tuple[list[str], int]]
    service: Service


class _PageEntry(BaseModel):
    """A ``pages/`` entry: read back by pydantic's JSON parser in one pass."""

    table: Table | None
    extension: bool
    diagnostics: list[StoredDiagnostic]


def _page_from(
    text: str | None, shown_path: str
) -> tuple[ParsedPage | None, list[Diagnostic]] | None:
    """A stored page, or ``None`` when the entry is missing or damaged."""
    if text is None:
        return None
    try:
        entry = _PageEntry.model_validate_json(text)
    except ValidationError:
        return None
    items = [
        Diagnostic(d.level, d.code, d.message, d.file or shown_path, d.line)
        for d in entry.diagnostics
    ]
    if entry.table is None:
        return None if not any(d.level == "error" for d in items) else (None, items)
    return ParsedPage(entry.table, entry.extension), items


def _render_from(
    text: str | None, spec: TableRender[Any], tables: Mapping[str, Table]
) -> list[str] | None:
    """A stored render's texts, or ``None`` when it is missing, damaged, of
    another shape, or read something of another table that changed."""
    if text is None:
        return None
    header, _, body = text.partition("\n")
    try:
        entry = json.loads(header)
        deps, sizes = entry["deps"], entry["sizes"]
        if not isinstance(deps, dict) or sum(sizes) != len(body):
            return None
        if len(sizes) != len(spec.result.__dataclass_fields__) or not spec.holds(deps, tables):
            return None
        out, at = [], 0
        for size in sizes:
            out.append(body[at : at + size])
            at += size
        return out
    except (ValueError, KeyError, TypeError):
        return None
