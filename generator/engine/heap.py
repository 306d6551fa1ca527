"""Keeping Python's garbage collector off the data a build keeps.

A build keeps every page's table until it has merged them, and every table
until it has written. CPython's collector re-scans everything long-lived each
time enough new objects survive, and tokenizing a page makes many: at 2,000
tables that re-scanning cost more than the tokenizing itself, and grew with
the square of the corpus. So, inside :func:`building`, :func:`freeze_kept` moves
what the build holds so far out of the collector's sight (``gc.freeze``):
it is still freed when no longer referenced, only not scanned again. The
same frozen heap is what worker processes inherit, so they do not copy it
page by page either.

What it saves is measured by ``make bench`` (``docs/benchmarks.md``, "The
heap"): a cold build of 1,036 tables took about 140 s without it and 80 s
with it on the benchmark's machine. Keep it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
#: off only to measure what freezing saves (``make bench``): never in a build
ENABLED = True


@contextmanager
def building() -> Iterator[None]:
    """For the length of a build: :func:`freeze_kept` freezes, and all is thawed after."""
    global _depth  # noqa: PLW0603 - one build at a time per process
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()


def freeze_kept() -> None:
    """Call after each unit of work whose results the build keeps."""
    if _depth and ENABLED:
        gc.freeze()
