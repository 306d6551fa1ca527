"""The pipeline as one function: :func:`generate`. The CLI is a thin shell on it.

    inputs --parse--> pages --merge--> tables --render--> files --commit--> output

Nothing is written unless the whole run succeeds: a page with an error (or,
with ``strict``, a warning) stops the run before :func:`generator.write.commit`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from generator.cache import BuildCache, CacheStats, Memo
from generator.config import Config
from generator.diagnostics import Diagnostics
from generator.inputs import InputPage, collect
from generator.merge import merge_pages
from generator.model import Table
from generator.modelio import dump_table, json_schema
from generator.parse import ParsedPage
from generator.parse.source import read_bytes
from generator.targets.odata import metadata_files
from generator.targets.python_files import python_package
from generator.targets.typescript_files import typescript_package
from generator.targets.webapi import EntitySets
from generator.write import WriteReport, commit

Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class BuildResult:
    diagnostics: Diagnostics
    tables: dict[str, Table] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    report: WriteReport | None = None
    pages: int = 0
    cache: CacheStats = field(default_factory=CacheStats)

    def failed(self, strict: bool) -> bool:
        d = self.diagnostics
        return d.count("error") > 0 or (strict and d.count("warning") > 0)


def parse_pages(
    pages: list[InputPage],
    diags: Diagnostics,
    progress: Progress | None = None,
    memo: Memo | None = None,
) -> list[ParsedPage]:
    memo = memo or Memo()
    out: list[ParsedPage] = []
    for i, page in enumerate(pages):
        if progress is not None:
            progress(i, len(pages), page.display)
        data = read_bytes(page.path, page.display, diags)
        parsed = None if data is None else memo.parse(data, page.source_path, page.display, diags)
        if parsed is not None:
            out.append(parsed)
    if progress is not None:
        progress(len(pages), len(pages), "")
    return out


def select(
    tables: dict[str, Table], include: tuple[str, ...], exclude: tuple[str, ...]
) -> dict[str, Table]:
    return {
        name: t
        for name, t in tables.items()
        if any(fnmatch.fnmatchcase(name, g) for g in include)
        and not any(fnmatch.fnmatchcase(name, g) for g in exclude)
    }


def _yaml(table: Table, _sets: EntitySets) -> list[str]:
    return [dump_table(table)]


def model_files(
    tables: dict[str, Table], prefix: str, memo: Memo | None = None
) -> dict[str, bytes]:
    """``<prefix><logical_name>.yaml`` per table, plus ``<prefix>schema.json``."""
    memo = memo or Memo()
    files = {
        f"{prefix}{name}.yaml": memo.render("model", t, tables, (), partial(_yaml, t))[0].encode()
        for name, t in tables.items()
    }
    files[f"{prefix}schema.json"] = json_schema().encode()
    return files


def _target_files(
    config: Config,
    tables: dict[str, Table],
    diags: Diagnostics,
    display: dict[str, str],
    memo: Memo,
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if "python" in config.targets:
        files.update(
            python_package(
                tables,
                package=config.python_package,
                distribution=config.python_distribution,
                memo=memo,
            )
        )
    if "typescript" in config.targets:
        files.update(typescript_package(tables, package=config.typescript_package, memo=memo))
    if "odata" in config.targets:
        files.update(metadata_files(tables, diags, display))
    return files


def generate(
    config: Config,
    *,
    strict: bool = False,
    layout: str = "build",
    write: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Parse ``config.inputs``, merge, render every target, and commit.

    ``layout="build"`` writes the model under ``<output>/model/``;
    ``layout="parse"`` writes it straight into ``<output>/`` (``dvgen parse``).
    """
    diags = Diagnostics()
    memo = BuildCache(config.cache_dir, write=write) if config.cache_dir else Memo()
    pages = collect(config.inputs, config.base, diags)
    result = BuildResult(diags, pages=len(pages), cache=memo.stats)
    parsed = parse_pages(pages, diags, progress, memo)
    display = {p.source_path: p.display for p in pages}
    tables = merge_pages(parsed, diags, display)
    result.tables = select(tables, config.include, config.exclude)
    left_out = sorted(set(tables) - set(result.tables))
    if left_out:
        diags.info("DV030", f"left out by include/exclude: {', '.join(left_out)}")
    if not pages and not diags.count("error"):
        diags.error("DV031", "no pages to read: give a file or folder of table reference pages")
    prefix = "model/" if layout == "build" else ""
    if "model" in config.targets or layout == "parse":
        result.files.update(model_files(result.tables, prefix, memo))
    if layout == "build":
        result.files.update(_target_files(config, result.tables, diags, display, memo))
    if write and not result.failed(strict):
        result.report = commit(config.output_dir, result.files)
    memo.save(prune=not result.failed(strict))
    return result
