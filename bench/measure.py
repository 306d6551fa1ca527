"""One measurement, in a fresh process: ``python -m bench.measure KIND ...``.

Each figure of the benchmark comes from a process of its own, so no run
inherits another's warm caches, heap or garbage, and the peak memory
(``ru_maxrss``) is that of the one thing measured. Prints one JSON object:

* ``floor FOLDER...``: markdown-it-py tokenizing every page of the FOLDERs with the
  parser dvgen uses (same plugins, same options), and nothing else: the
  pages are read and decoded before the clock starts;
* ``build ARGS...``: ``dvgen build ARGS`` run in this process: its wall
  time, the build's own stage times (``--format json``) and its peak memory,
  with worker processes' peak reported apart;
* ``build-nofreeze ARGS...``: the same with the heap's freezing off
  (:mod:`generator.engine.heap`), to show what it saves;
* ``build-black ARGS...``: the same with every Python module formatted by
  black (the pinned version and mode dvgen uses) inside its cached per-table
  render, instead of laid out by :func:`generator.pyformat.tidy`: the other
  way the formatting could be done, measured so the choice stays measured.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from generator.cli import main as dvgen
from generator.engine import heap
from generator.parse.markdown import _parser
from generator.render import DEFAULT, Style, format_python
from generator.targets import python_files


def floor(folders: list[Path]) -> dict[str, Any]:
    pages = sorted(p for folder in folders for p in folder.rglob("*.md"))
    texts = [p.read_bytes().decode("utf-8") for p in pages]
    md = _parser()
    start = time.perf_counter()
    for text in texts:
        md.parse(text)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": len(texts), "bytes": sum(len(t.encode()) for t in texts)}


def build(args: list[str]) -> dict[str, Any]:
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = dvgen(["build", "--format", "json", *args])
    seconds = time.perf_counter() - start
    report = json.loads(out.getvalue())
    return {
        "seconds": seconds,
        "exit": code,
        "tables": len(report["tables"]),
        "pages": report["pages"],
        "timings": report["timings"],
        "cache": report["cache"],
        "written": report["written"],
    }


def _black_every_module(source: str, style: Style = DEFAULT, name: str = "") -> str:
    del style, name
    return format_python(source)


def main(argv: list[str]) -> int:
    kind, *rest = argv
    if kind == "build-nofreeze":  # what generator/engine/heap.py saves
        heap.ENABLED = False
        kind = "build"
    if kind == "build-black":  # the formatting dvgen does not do
        python_files.formatted = _black_every_module
        kind = "build"
    if kind == "floor":
        result = floor([Path(r) for r in rest])
    elif kind == "build":
        result = build(rest)
    else:
        print(f"unknown measurement {kind!r}", file=sys.stderr)
        return 2
    result["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["workers_peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
