"""``dvgen``: the command line. Thin and light: it reads the flags and hands
them to :func:`generator.commands.run_command`, which imports what the
command needs when it runs; ``dvgen --version`` and ``--help`` import
nothing but the standard library."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.diagnostics import Diagnostic, terminal_safe
from generator.diff.args import add_diff_parser
from generator.exits import EXIT_CODES, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT


def cpu_count() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print diagnostics"
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("-v", "--verbose", action="store_true", help="also print info diagnostics")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.add_argument("--config", type=Path, help="pyproject.toml to read [tool.dvgen] from")
    p.add_argument("--debug", action="store_true", help="show tracebacks (for bug reports)")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="parse and render everything, ignoring (and not writing) .dvgen-cache/",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="parse and render in N processes (0: one per CPU; default 1)",
    )


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("expected 0 (one per CPU) or more")
    return n or cpu_count()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvgen",
        description="Typed bindings from Dataverse table reference pages, offline.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dvgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "parse",
        help="parse pages into YAML models",
        description="Parse table reference pages (files, folders or globs) into one YAML "
        "model per table, plus schema.json, in DIR.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="page, folder of pages, or glob")
    p.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="folder for the YAML models"
    )
    _common(p)

    b = sub.add_parser(
        "build",
        help="parse and render every configured target",
        description="Parse the configured inputs (or PATHs) and write every target configured "
        "in [tool.dvgen] of pyproject.toml into the output folder (default generated/).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    b.add_argument(
        "paths", nargs="*", metavar="PATH", help="pages to read instead of the configured inputs"
    )
    b.add_argument(
        "-o", "--output", metavar="DIR", help="output folder instead of the configured one"
    )
    b.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing every stale, missing or extra file "
        "when the output folder is not what a build would write",
    )
    _common(b)
    add_diff_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "build" and args.check:
        quick = _quick_check(args)
        if quick is not None:
            return quick
    try:
        from generator.commands import run_command  # noqa: PLC0415 - the point: only now
    except KeyboardInterrupt:  # while importing black, pydantic, ...: as clean as later
        sys.stderr.write("dvgen: interrupted while starting; nothing was read or written\n")
        return EXIT_INTERRUPTED
    return run_command(args)


def reported(d: Diagnostic, args: argparse.Namespace) -> bool:
    """Whether ``d`` is printed, given -q and -v."""
    if d.level == "error":
        return True
    if args.quiet:
        return False
    return d.level == "warning" or args.verbose


def _quick_check(args: argparse.Namespace) -> int | None:
    """``build --check`` answered from the last build's stamp
    (:mod:`generator.output.stamp`), when it proves the output current; ``None``
    when the full check must run (it also reports any error here)."""
    if args.format != "text" or args.no_cache:
        return None
    from generator.config import load_config  # noqa: PLC0415
    from generator.inputs import shown_path  # noqa: PLC0415
    from generator.output.stamp import up_to_date  # noqa: PLC0415

    try:
        config = load_config(args.config).with_overrides(args.paths or None, args.output)
        found = up_to_date(config, strict=args.strict)
    except Exception:  # a bad setting, a broken install...: the full check reports it
        return None
    if found is None:
        return None
    diags, count = found
    if any(d.level == "error" or (args.strict and d.level == "warning") for d in diags):
        return None
    for d in diags:
        if reported(d, args):
            print(d.format(), file=sys.stderr)
    if not args.quiet:
        out = terminal_safe(shown_path(config.output_dir) + "/")
        print(f"dvgen: {out} is up to date ({count} file(s))", file=sys.stderr)
    return EXIT_OK


def run() -> NoReturn:
    """The ``dvgen`` command: :func:`main`, then out at once.

    A large build leaves hundreds of MB of objects that the interpreter would
    free one by one on its way out, for nothing: the output is written and
    flushed by then. So the command exits without tearing the heap down.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):  # None when started with it closed
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed, or on a full disk: the report is lost
            code = code or EXIT_OUTPUT
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
