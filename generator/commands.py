"""What the ``dvgen`` commands do, once :mod:`generator.cli` has read the
command line: build, parse, ``build --check`` and diff, each with its report
and exit code. Imported only when a command runs (``--version`` and ``--help``
never pay for black, jinja2, pydantic or the targets)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import jinja2
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as ProgressBar

from generator.build import BuildResult, Progress, generate
from generator.cli import reported
from generator.config import Config, ConfigError, load_config
from generator.diagnostics import terminal_safe
from generator.diff.command import run_diff
from generator.diff.settings import diff_settings
from generator.engine import heap
from generator.engine.workers import WorkerDied
from generator.exits import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_INSTALL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
)
from generator.inputs import shown_path
from generator.output.check import check_output
from generator.output.lock import Busy
from generator.output.stamp import digest_before, record
from generator.output.write import InterruptedAfterWrite, UnsafePath
from generator.render import TemplateFailure
from generator.resources import BrokenInstall

PROGRESS_MIN_PAGES = 10


def run_command(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; its exit code. Every failure a user
    can cause becomes a message and an exit code, never a traceback."""
    try:
        # The build's heap stays out of the collector's sight until the report
        # is out too: thawed any earlier, one full collection would re-scan
        # hundreds of MB only to free the report's small change.
        with heap.building():
            return _run(args)
    except InterruptedAfterWrite:  # held until the new folder was in place
        _say("dvgen: interrupted; the output folder had already been written in full")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _say("dvgen: interrupted; the output folder was left as it was")
        return EXIT_INTERRUPTED
    except TemplateFailure as exc:  # the project's own template: theirs to mend
        _say(f"dvgen: {exc}; nothing was written")
        return EXIT_USAGE
    except WorkerDied as exc:  # the system ended a worker: nothing was committed
        _say(f"dvgen: {exc}; nothing was written")
        return EXIT_OUTPUT
    except OSError as exc:  # a write outside the output folder: the report's stream, full
        where = exc.filename or "standard output"
        with contextlib.suppress(OSError):
            _say(f"dvgen: a write failed ({where}): {exc.strerror or exc}")
        return EXIT_OUTPUT
    except BrokenInstall as exc:  # not the user's input, nor their output folder
        _say(
            f"dvgen: broken installation: {exc}; reinstall dvgen the way it was "
            "installed (README: Installing dvgen as a tool); nothing was written"
        )
        return EXIT_INSTALL
    except Exception as exc:  # the last line of defence: never a bare traceback
        if args.debug:
            traceback.print_exc()
        _say(f"dvgen: internal error: {_one_line(exc)}")
        _say("This is a bug in dvgen. Rerun with --debug and report the output.")
        return EXIT_BUG


def _say(line: str) -> None:
    """One line of dvgen's own to stderr, with what it quotes (paths, names)
    made safe for a terminal."""
    print(terminal_safe(line), file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    """``exc`` as one line: its type, where (for a template), and its words."""
    where = ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f" in {exc.name or exc.filename or 'a template'}:{exc.lineno}"
        words = exc.message or ""
    else:
        words = str(exc)
    return f"{type(exc).__name__}{where}: {' '.join(words.split())}"


def _run(args: argparse.Namespace) -> int:
    if args.command == "diff":
        return run_diff(args)
    try:
        config = load_config(args.config)
        diff_settings(config)  # read by dvgen diff; a bad entry is exit 2 here too
    except ConfigError as exc:
        _say(f"dvgen: {exc}")
        return EXIT_USAGE
    config = config.with_overrides(args.paths or None, args.output)
    if args.no_cache:
        config = replace(config, cache=None)
    if args.command == "parse":
        config = replace(config, targets=("model",))
    if getattr(args, "check", False):
        return _check(args, config)
    digest = digest_before(config, strict=args.strict) if args.command == "build" else None
    try:
        with _progress(args) as progress:
            result = generate(
                config, strict=args.strict, command=args.command, progress=progress, jobs=args.jobs
            )
    except Busy as exc:
        _say(f"dvgen: {exc}; nothing was written")
        return EXIT_OUTPUT
    except (OSError, UnsafePath) as exc:
        if args.debug:
            traceback.print_exc()
        _say(f"dvgen: cannot write {config.output_dir}: {exc}; it was left as it was")
        return EXIT_OUTPUT
    _report(args, result)
    if result.failed(args.strict):
        return EXIT_INPUT
    if args.command == "build" and result.report is not None:
        shown = result.diagnostics.sorted()
        record(config, digest, result.files, shown, result.report.unchanged)
    return EXIT_OK


def _check(args: argparse.Namespace, config: Config) -> int:
    """``build --check``: render in memory and compare with the output folder."""
    digest = digest_before(config, strict=args.strict)
    with _progress(args) as progress:
        result = generate(
            config, strict=args.strict, write=False, progress=progress, jobs=args.jobs
        )
    if result.failed(args.strict):
        _report(args, result)
        return EXIT_INPUT
    try:
        check = check_output(config.output_dir, result.files)
    except UnsafePath as exc:
        _say(f"dvgen: {exc}")
        return EXIT_OUTPUT
    if args.format == "json":
        payload = {
            "ok": check.ok,
            "stale": check.stale,
            "missing": check.missing,
            "extra": check.extra,
            "diagnostics": [d.to_dict() for d in result.diagnostics.sorted()],
        }
        print(_json_report(payload))
        return EXIT_OK if check.ok else EXIT_INPUT
    for d in result.diagnostics.sorted():
        if reported(d, args):
            print(d.format(), file=sys.stderr)
    for line in check.lines():
        print(line)
    out = shown_path(config.output_dir) + "/"
    if check.ok:  # every file hashed again: a stamp gone wrong is made right here
        record(config, digest, result.files, result.diagnostics.sorted())
        if not args.quiet:
            _say(f"dvgen: {out} is up to date ({len(result.files)} file(s))")
        return EXIT_OK
    counts = f"{len(check.stale)} stale, {len(check.missing)} missing, {len(check.extra)} extra"
    _say(f"dvgen: {out} is out of date ({counts}); run dvgen build")
    return EXIT_INPUT


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[Progress | None]:
    if args.quiet or args.format == "json" or not sys.stderr.isatty():
        yield None
        return
    bar = ProgressBar(
        TextColumn("parsing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        transient=True,
    )
    task = None

    def update(done: int, total: int, name: str) -> None:
        nonlocal task
        if total < PROGRESS_MIN_PAGES:
            return
        if task is None:
            bar.start()
            task = bar.add_task("", total=total)
        bar.update(task, completed=done, description=name)

    try:
        yield update
    finally:
        bar.stop()


def _release_json(result: BuildResult) -> dict[str, object] | None:
    """The packages' version and why, for ``--format json`` (``None``: no package)."""
    r = result.release
    if r is None:
        return None
    return {"version": r.version, "previous": r.previous, "bump": r.bump, "why": list(r.why)}


def _report(args: argparse.Namespace, result: BuildResult) -> None:
    diags = result.diagnostics.sorted()
    failed = result.failed(args.strict)
    if args.format == "json":
        payload = {
            "ok": not failed,
            "pages": result.pages,
            "tables": sorted(result.tables),
            "written": bool(result.report),
            "notes": result.report.notes if result.report else [],
            "cache": result.cache.to_dict(),
            "version": _release_json(result),
            "timings": {k: round(v, 6) for k, v in sorted(result.timings.items())},
            "diagnostics": [d.to_dict() for d in diags],
        }
        print(_json_report(payload))
        return
    shown = [d for d in diags if reported(d, args)]
    for d in shown:
        print(d.format(), file=sys.stderr)
    for note in result.report.notes if result.report else []:
        _say(f"dvgen: note: {note}")
    if args.quiet:
        return
    counts = {lvl: result.diagnostics.count(lvl) for lvl in ("error", "warning", "info")}
    summary = ", ".join(f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items() if n)
    tables = len(result.tables)
    if failed:
        why = "warnings are errors with --strict" if not counts["error"] else "errors above"
        _say(f"dvgen: nothing written ({why}); {summary}")
    elif result.report is not None:
        if args.verbose:
            _say(f"dvgen: {_cache_line(result)}")
            _say(f"dvgen: {_timings_line(result)}")
        rep = result.report
        if result.release is not None:
            _say(f"dvgen: version {result.release.summary()}")
        print(
            f"dvgen: {result.pages} page(s), {tables} table(s): "
            f"{len(rep.written)} file(s) written, "
            f"{len(rep.unchanged)} unchanged, {len(rep.removed)} removed"
            + (f"; {summary}" if summary else ""),
            file=sys.stderr,
        )


def _json_report(payload: dict[str, object]) -> str:
    """``payload`` indented, with each diagnostic on one line: readable, and
    quick to write for tens of thousands of them (indenting is slow in json)."""
    items = payload.pop("diagnostics")
    assert isinstance(items, list)
    head = json.dumps(payload, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(d, ensure_ascii=False) for d in items)
    body = f'  "diagnostics": [\n{lines}\n  ]' if items else '  "diagnostics": []'
    return head[:-2] + ",\n" + body + "\n}"


def _cache_line(result: BuildResult, shown: int = 8) -> str:
    c = result.cache
    # tables only: $metadata also renders the types its lookups point at
    rendered = sorted({t for names in c.rendered.values() for t in names} & set(result.tables))
    names = ", ".join(rendered[:shown]) or "none"
    if len(rendered) > shown:
        names += f", and {len(rendered) - shown} more"
    return (
        f"parsed {c.pages_parsed} page(s), {c.pages_reused} from the cache; "
        f"rendered {len(rendered)} table(s) ({names}), "
        f"{c.renders_reused} module(s) from the cache"
    )


def _timings_line(result: BuildResult) -> str:
    stages = sorted(result.timings.items(), key=lambda kv: -kv[1])
    return "time: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in stages)
