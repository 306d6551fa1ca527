"""``--jobs``: parsing pages and rendering tables in worker processes.

Both are one independent task per page or per (target, table), so
:class:`Workers` maps a task over a list, in this process (``jobs=1``) or in
a process pool. Results come back in input order, so a build's output and
diagnostics do not depend on the number of jobs. Whatever every task needs
(the merged tables, for cross-table lookups) is handed to each worker once,
when it starts, not with every task.

Tasks are module-level functions (they must pickle) taking one item; each
worker times its stages on its own stopwatch and the build adds them up.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from generator.diagnostics import Diagnostic, Diagnostics
from generator.model import Table
from generator.parse import ParsedPage, parse_bytes
from generator.renders import Reads, TableRender
from generator.timing import CLOCK


class WorkerDied(Exception):
    """A worker process ended without finishing its task (the OOM killer, a
    signal): the build stops, writing nothing, and says so."""


T = TypeVar("T")
R = TypeVar("R")

#: (target, table logical name, the target's settings for it)
RenderJob = tuple[str, str, tuple[str, ...]]
#: (page bytes, path below its docs root, path as shown to the user)
PageJob = tuple[bytes, str, str]

_SHARED: Any = None  # what every task of the current map needs


class Workers:
    """Runs tasks in ``jobs`` processes; ``jobs=1`` runs them here."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)

    def map(self, task: Callable[[T], R], items: Sequence[T], shared: object = None) -> Iterator[R]:
        global _SHARED  # noqa: PLW0603 - read by the tasks, in this process or a forked one
        if self.jobs == 1 or len(items) < 2:
            _SHARED = shared
            try:
                yield from map(task, items)
            finally:
                _SHARED = None
            return
        # Small chunks keep both workers busy to the end (pages differ 100x in size).
        chunk = max(1, len(items) // (self.jobs * 16))
        with ProcessPoolExecutor(
            max_workers=min(self.jobs, len(items)),
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(shared,),
        ) as pool:
            results = pool.map(_timed, [(task, i) for i in items], chunksize=chunk)
            try:
                for result, timings in results:
                    CLOCK.add(timings)
                    yield result
            except BrokenProcessPool:
                raise WorkerDied(
                    "a worker process died (killed by the system: out of memory?); "
                    "run again, or with fewer --jobs"
                ) from None


def _context() -> multiprocessing.context.BaseContext:
    # fork shares the loaded code and the tables with no pickling; spawn where
    # fork is missing (Windows) or unsafe (macOS)
    fork = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if fork else "spawn")


def _start_worker(shared: object) -> None:
    global _SHARED  # noqa: PLW0603 - this worker process's own copy
    _SHARED = shared


def _timed(call: tuple[Callable[[T], R], T]) -> tuple[R, dict[str, float]]:
    task, item = call
    CLOCK.reset()
    result = task(item)
    return result, dict(CLOCK.totals)


# -- the tasks -------------------------------------------------------------------------


def parse_task(job: PageJob) -> tuple[ParsedPage | None, list[Diagnostic]]:
    data, source_path, shown_path = job
    diags = Diagnostics()
    with CLOCK.stage("parse"):
        page = parse_bytes(data, source_path, shown_path, diags)
    return page, diags.items


def render_task(job: RenderJob) -> tuple[object, Reads]:
    """One table's render for one target, and what it read of other tables."""
    target, name, settings = job
    tables: dict[str, Table]
    renders: Mapping[str, TableRender[Any]]
    tables, renders = _SHARED
    with CLOCK.stage(f"render:{target}"):
        return renders[target].render(tables[name], tables, settings)
