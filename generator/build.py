"""The pipeline as one function: :func:`generate`. The CLI is a thin shell on it.

    inputs --parse--> pages --merge--> tables --render--> files --commit--> output

Nothing is written unless the whole run succeeds: a page with an error (or,
with ``strict``, a warning) stops the run before :func:`generator.output.write.commit`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import provenance
from generator.config import Config
from generator.csdl.operations import merge_services
from generator.csdl.reader import is_csdl
from generator.csdl.tables import DocumentTables
from generator.diagnostics import Diagnostics
from generator.engine import heap
from generator.engine.folder import foreign, refusal
from generator.engine.runner import CacheStats, Runner
from generator.engine.store import DiskStore, NoStore
from generator.engine.workers import PageJob, RenderJob, Workers
from generator.inputs import InputPage, collect, skip_other_pages
from generator.manifests import (
    MANIFEST_NAME,
    SchemaFiles,
    schema_sha256,
    service_json,
    table_json,
)
from generator.merge import merge_pages
from generator.model import Table
from generator.modelio import MODEL_RENDER, dump_model, json_schema
from generator.output.lock import output_lock
from generator.output.write import UnsafePath, WriteReport, commit
from generator.overrides import NameClash, report_clash, report_unused
from generator.parse import ParsedPage
from generator.parse.source import read_bytes
from generator.render import DEFAULT, Style
from generator.renders import TableRender
from generator.service import SERVICE_FILE, SERVICE_TITLE, Service
from generator.targets.odata import Parts, metadata_files
from generator.targets.odata_parts import SHARDS, StoredParts
from generator.targets.package_meta import Stamp, code_sha256
from generator.targets.python import module_name
from generator.targets.python_files import python_meta, python_package
from generator.targets.python_files import table_render as python_render
from generator.targets.typescript_files import module_names, typescript_meta, typescript_package
from generator.targets.typescript_files import table_render as typescript_render
from generator.timing import CLOCK
from generator.versioning import Release, VersionError, decide, read_previous

Progress = Callable[[int, int, str], None]


def renders(style: Style = DEFAULT) -> dict[str, TableRender[Any]]:
    """Each target's per-table render (the work the engine caches and spreads
    over the workers); the rest of each target is assembled afterwards."""
    return {
        "model": MODEL_RENDER,
        "python": python_render(style),
        "typescript": typescript_render(style),
    }


@dataclass(slots=True)
class BuildResult:
    diagnostics: Diagnostics
    tables: dict[str, Table] = field(default_factory=dict)
    #: what the orgs' $metadata documents offer beside tables (none without one)
    service: Service | None = None
    #: the version the packages got, and why (a build with a package target)
    release: Release | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    report: WriteReport | None = None
    pages: int = 0
    cache: CacheStats = field(default_factory=CacheStats)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds

    def failed(self, strict: bool) -> bool:
        d = self.diagnostics
        return d.count("error") > 0 or (strict and d.count("warning") > 0)


def parse_pages(
    pages: list[InputPage],
    diags: Diagnostics,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> list[ParsedPage]:
    """Every page of ``pages`` parsed (documents among them are left out)."""
    return read_inputs(pages, diags, progress, runner)[0]


def read_inputs(
    pages: list[InputPage],
    diags: Diagnostics,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> tuple[list[ParsedPage], list[DocumentTables]]:
    """Every input read: the pages parsed, and the org ``$metadata``
    documents among them (known by their content) read into tables."""
    runner = runner or Runner()
    jobs: list[PageJob] = []
    documents: list[DocumentTables] = []
    for page in pages:
        data = read_bytes(page.path, page.shown_path, diags)
        if data is not None and is_csdl(data):
            with CLOCK.stage("documents"):
                doc = runner.document(data, page.source_path, page.shown_path, diags)
            if doc is not None:
                documents.append(doc)
        elif data is not None:
            jobs.append((data, page.source_path, page.shown_path))
    done = 0

    def advance(shown_path: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(jobs), shown_path)

    found = Diagnostics()
    parsed = runner.parse_all(jobs, found, advance)
    if progress is not None:
        progress(len(jobs), len(jobs), "")
    skip_other_pages(found, {p.shown_path for p in pages if not p.named}, diags)
    return [p for p in parsed if p is not None], documents


def select(tables: dict[str, Table], config: Config) -> dict[str, Table]:
    """The tables the settings choose: a logical name matching an ``include``
    glob and no ``exclude`` glob; when ``prefixes`` are given, starting with
    one; when ``solutions`` are given, added by one (a glob on the page's
    "Added by", any case)."""
    prefixes = tuple(p.lower() for p in config.prefixes)
    solutions = [s.lower() for s in config.solutions]

    def chosen(name: str, table: Table) -> bool:
        added = (table.added_by or "").lower()
        return (
            any(fnmatch.fnmatchcase(name, g) for g in config.include)
            and not any(fnmatch.fnmatchcase(name, g) for g in config.exclude)
            and (not prefixes or name.startswith(prefixes))
            and (not solutions or any(fnmatch.fnmatchcase(added, g) for g in solutions))
        )

    return {name: t for name, t in tables.items() if chosen(name, t)}


def model_files(
    tables: dict[str, Table],
    prefix: str,
    runner: Runner | None = None,
    service: Service | None = None,
) -> dict[str, bytes]:
    """``<prefix><logical_name>.yaml`` per table, plus ``<prefix>schema.json``;
    with a ``service``, ``<prefix>_service.yaml`` and its schema,
    ``<prefix>service.schema.json`` (no table's name starts with ``_``)."""
    runner = runner or Runner()
    files = {
        f"{prefix}{name}.yaml": runner.render(MODEL_RENDER, t, tables).text.encode()
        for name, t in tables.items()
    }
    files[f"{prefix}schema.json"] = json_schema().encode()
    if service is not None:
        files[f"{prefix}{SERVICE_FILE}"] = dump_model(service).encode()
        files[f"{prefix}service.schema.json"] = json_schema(Service, SERVICE_TITLE).encode()
    return files


def render_jobs(config: Config, tables: dict[str, Table], command: str) -> list[RenderJob]:
    """Every per-table render the build needs, for :meth:`Runner.render_all`."""
    jobs: list[RenderJob] = []
    if "model" in config.targets or command == "parse":
        jobs += [("model", name, ()) for name in tables]
    if command == "build" and "python" in config.targets:
        jobs += [("python", name, ()) for name in tables]
    if command == "build" and "typescript" in config.targets:
        names = module_names(tables, config.style).items()
        jobs += [("typescript", name, settings) for name, settings in names]
    return jobs


def _target_files(
    config: Config,
    tables: dict[str, Table],
    diags: Diagnostics,
    shown_paths: dict[str, str],
    documents: _Documents,
    *,
    service: Service | None = None,
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    style = config.style
    runner = documents.runner
    made = runner.renders
    if "python" in config.targets:
        with CLOCK.stage("render:python"):
            files.update(
                python_package(
                    tables,
                    package=config.python_package,
                    distribution=config.python_distribution,
                    modules=lambda t: runner.render(made["python"], t, tables),
                    style=style,
                    service=service,
                    kept=runner.kept,
                    stamp=None,
                )
            )
    if "typescript" in config.targets:
        with CLOCK.stage("render:typescript"):
            files.update(
                typescript_package(
                    tables,
                    package=config.typescript_package,
                    modules=lambda t, names: runner.render(made["typescript"], t, tables, names),
                    style=style,
                    service=service,
                    kept=runner.kept,
                    stamp=None,
                )
            )
    if "odata" in config.targets:
        with CLOCK.stage("render:odata"):
            files.update(
                metadata_files(
                    tables,
                    diags,
                    shown_paths,
                    documents.parts(shown_paths),
                    style.templates,
                    service=service,
                )
            )
    return files


def _package_meta(
    config: Config, result: BuildResult, diags: Diagnostics, runner: Runner
) -> dict[str, bytes]:
    """The packages' files that name their version (:mod:`generator.versioning`),
    and their schema files: the previous build's manifests in the output
    folder are the baseline. A table whose model is what the baseline
    recorded keeps its file as it is there (neither read into a model nor
    laid out again), so an unchanged build compares nothing, and a build
    that changed one table reads and writes that table's file alone."""
    prefixes = [f"{t}/" for t in ("python", "typescript") if t in config.targets]
    if not prefixes:
        return {}
    out = config.output_dir
    code = code_sha256(result.files, prefixes)
    models = {name: runner.digest(table) for name, table in result.tables.items()}
    try:
        previous = read_previous(out, [f"{p}{MANIFEST_NAME}" for p in prefixes], models)
    except VersionError as exc:
        diags.error(
            "DV060",
            f"the previous build's manifest cannot be compared with: {exc.message}; set "
            "[tool.dvgen] version, or remove the output folder to start again",
            exc.file,
            exc.line,
        )
        return {}
    release = decide(
        previous,
        result.tables,
        result.service,
        code,
        configured=config.version,
        start=config.version_start,
    )
    result.release = release
    changelogs = {}
    for prefix in prefixes:
        try:
            changelogs[prefix] = (out / prefix / "CHANGELOG.md").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            changelogs[prefix] = ""
    files = {
        name: previous.kept.get(name) or table_json(table) for name, table in result.tables.items()
    }
    service = service_json(result.service) if result.service is not None else None
    stamp = Stamp(
        release.recorded(previous),
        code,
        provenance.sources(result.tables, config, previous.sources),
        provenance.settings(config),
        changelogs,
        SchemaFiles.made(files, models, service, previous.kept_sha256),
        schema_sha256(result.tables, result.service, runner.digest),
    )
    return _meta_files(config, result, stamp)


def _meta_files(config: Config, result: BuildResult, stamp: Stamp) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if "python" in config.targets:
        files.update(
            python_meta(
                result.tables,
                stamp,
                package=config.python_package,
                distribution=config.python_distribution,
                style=config.style,
            )
        )
    if "typescript" in config.targets:
        files.update(
            typescript_meta(
                result.tables, stamp, package=config.typescript_package, style=config.style
            )
        )
    return files


class _Documents:
    """Where ``$metadata``'s parts come from: made every time without a store;
    else what the last build kept (:mod:`generator.targets.odata_parts`), in
    :data:`SHARDS` entries per version of dvgen's code and the project's
    style, written back by :meth:`save`."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._kept: tuple[list[str], StoredParts] | None = None

    def parts(self, shown_paths: Mapping[str, str]) -> Parts:
        runner = self.runner
        if not runner.store.keeps:
            return Parts(runner.counter("odata"))
        rels = [runner.entry_name("documents", "odata-parts", str(i)) for i in range(SHARDS)]
        parts = StoredParts(
            [runner.load(rel) for rel in rels],
            runner.digest,
            shown_paths,
            runner.source_paths(shown_paths),
            runner.counter("odata"),
        )
        self._kept = (rels, parts)
        return parts

    def save(self, *, prune: bool) -> None:
        """Write back the parts that changed, then let the store delete (with
        ``prune``) what this build did not use."""
        if self._kept is not None:
            rels, parts = self._kept
            self._kept = None  # large: let it go now
            for i, text in parts.dump(prune=prune).items():
                self.runner.store_entry(rels[i], text)
        self.runner.save(prune=prune)


def generate(
    config: Config,
    *,
    strict: bool = False,
    command: str = "build",
    write: bool = True,
    progress: Progress | None = None,
    jobs: int = 1,
) -> BuildResult:
    """Parse ``config.inputs``, merge, render every target, and commit.

    ``command="build"`` writes the model under ``<output>/model/``;
    ``command="parse"`` writes it straight into ``<output>/`` (``dvgen parse``).
    ``jobs`` is how many processes parse and render (:mod:`generator.engine.workers`).
    Raises :class:`generator.output.lock.Busy` when another build is writing the
    same output folder.
    """
    if write:
        refuse_shared_output(config)
    # one build at a time per output folder (a check only reads it)
    lock = output_lock(config.output_dir) if write else contextlib.nullcontext()
    with lock, heap.building():
        return _generate(config, strict, command, write=write, progress=progress, jobs=jobs)


def refuse_shared_output(config: Config) -> None:
    """Raise :class:`UnsafePath` when the output folder is, or holds, what is
    not dvgen's to swap: the project, the working folder, an input, the
    cache, the templates. A build replaces its output folder whole (and keeps
    a lock file beside it), so the output must be a folder of its own."""
    out = config.output_dir.resolve()
    spots = [
        ("the project (pyproject.toml's folder)", config.base),
        ("the working folder", Path.cwd()),
        *((f"the input {spec!r}", _fixed_part(config.base, spec)) for spec in config.inputs),
    ]
    if config.cache_dir is not None:
        spots.append(("the cache", config.cache_dir))
    if config.templates is not None:
        spots.append(("the templates", config.base / config.templates))
    for what, path in spots:
        if path.resolve().is_relative_to(out):
            shown = "it is" if path.resolve() == out else f"it holds {path.resolve()}:"
            raise UnsafePath(
                f"the output folder is {out}, and {shown} {what}; a build replaces its output "
                "folder whole, so name a folder of its own (the default is generated/)"
            )


def _refuse_clashing_files(
    tables: dict[str, Table],
    targets: tuple[str, ...],
    diags: Diagnostics,
    shown_paths: dict[str, str],
) -> None:
    """An error (``DV035``) for each two tables whose own files would have the
    same name, exactly or but for case (which collide on Windows and macOS):
    one would overwrite the other, and the registry point at the wrong class.
    (The TypeScript target makes its module names unique itself.)"""
    for target in ("model", "python"):
        if target not in targets:
            continue
        seen: dict[str, str] = {SERVICE_FILE: "the service model"} if target == "model" else {}
        for name in sorted(tables):
            file = f"{name}.yaml" if target == "model" else f"{module_name(name)}.py"
            other = seen.setdefault(file.casefold(), name)
            if other == name:
                continue
            t = tables[name]
            diags.error(
                "DV035",
                f"tables {other} and {name} would both be written to the {target} file {file} "
                "(file names that differ only in case collide on Windows and macOS), one over "
                "the other: leave one out (exclude)",
                shown_paths.get(t.sources[0].path) if t.sources else None,
            )


def _fixed_part(base: Path, spec: str) -> Path:
    """The folder an input names, up to its first glob character."""
    path = Path(spec) if Path(spec).is_absolute() else base / spec
    parts = []
    for part in path.parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    return Path(*parts)


def _generate(
    config: Config,
    strict: bool,
    command: str,
    *,
    write: bool,
    progress: Progress | None,
    jobs: int,
) -> BuildResult:
    CLOCK.reset()
    diags = Diagnostics()
    workers = Workers(jobs)
    style = config.style
    cache_dir = config.cache_dir
    if cache_dir is not None and foreign(cache_dir):
        diags.warning("DV034", refusal(cache_dir), None)
        cache_dir = None
    runner = Runner(
        DiskStore(cache_dir, write=write) if cache_dir else NoStore(),
        workers,
        renders(style),
        style_key=style.fingerprint() if cache_dir else "",
    )
    documents = _Documents(runner)
    with CLOCK.stage("collect"):
        pages = collect(config.inputs, config.base, diags)
    result = BuildResult(diags, pages=len(pages), cache=runner.stats, timings=CLOCK.totals)
    with CLOCK.stage("parse"):
        parsed, documents_read = read_inputs(pages, diags, progress, runner)
    shown_paths = {p.source_path: p.shown_path for p in pages}
    with CLOCK.stage("merge"):
        tables = merge_pages(parsed, diags, shown_paths, runner.merged, documents_read)
        if documents_read:
            result.service = merge_services([d.service for d in documents_read], diags, shown_paths)
    del parsed  # the single-page tables: merged now, and large at scale
    heap.freeze_kept()
    result.tables = select(tables, config)
    left_out = sorted(set(tables) - set(result.tables))
    if left_out:
        diags.info(
            "DV030",
            "left out by the table selection (include, exclude, prefixes, solutions): "
            f"{', '.join(left_out)}; lookups that point at them stay typed by the target's name",
        )
    if not pages and not diags.count("error"):
        diags.error("DV031", "no pages to read: give a file or folder of table reference pages")
    prefix = "model/" if command == "build" else ""
    if command == "build":
        report_unused(config.naming, result.tables, config.source, diags)
    _refuse_clashing_files(result.tables, config.targets, diags, shown_paths)
    try:
        runner.render_all(render_jobs(config, result.tables, command), result.tables)
        if "model" in config.targets or command == "parse":
            with CLOCK.stage("render:model"):
                result.files.update(model_files(result.tables, prefix, runner, result.service))
        if command == "build":
            result.files.update(
                _target_files(
                    config, result.tables, diags, shown_paths, documents, service=result.service
                )
            )
            with CLOCK.stage("version"):
                result.files.update(_package_meta(config, result, diags, runner))
    except NameClash as clash:
        report_clash(clash, config.source, diags)
        result.files.clear()
    failed = result.failed(strict)
    _write_and_keep(config, result, documents, write=write and not failed, keep=not failed)
    return result


def _write_and_keep(
    config: Config, result: BuildResult, documents: _Documents, *, write: bool, keep: bool
) -> None:
    """Commit the output (``write``), then save the cache (dropping the
    entries this build did not use when ``keep``); the old output folder is
    deleted meanwhile."""
    if write:
        with CLOCK.stage("write"):
            result.report = commit(config.output_dir, result.files, background=True)
    try:
        with CLOCK.stage("cache"):
            documents.save(prune=keep)
    finally:
        if result.report is not None:  # the old folder's deletion, beside the cache's writes
            with CLOCK.stage("write"):
                result.report.finish()
