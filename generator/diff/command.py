"""``dvgen diff OLD NEW``: the command line of the diff."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from generator.config import ConfigError, load_config
from generator.diagnostics import terminal_safe
from generator.diff.args import IGNORE_FILE
from generator.diff.formats import RENDERERS, render_markdown, render_text
from generator.diff.ignore import IgnoreEntry, IgnoreError, parse_ignore_file
from generator.diff.report import diff
from generator.diff.settings import diff_settings
from generator.diff.sources import DiffInputError, Side, load_side
from generator.engine.folder import foreign, refusal
from generator.engine.runner import Runner
from generator.engine.store import DiskStore, NoStore
from generator.exits import EXIT_DIFF, EXIT_INPUT, EXIT_OK, EXIT_USAGE
from generator.inputs import shown_path


def _say(message: str) -> None:
    print(terminal_safe(f"dvgen diff: {message}"), file=sys.stderr)


def _ignore_entries(args: argparse.Namespace, base: Path) -> list[IgnoreEntry]:
    path = args.ignore_file or base / IGNORE_FILE
    if args.ignore_file is None and not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IgnoreError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_ignore_file(text, shown_path(path))


def _notes(side: Side, args: argparse.Namespace) -> None:
    if args.verbose and not args.quiet:
        for d in side.diagnostics.sorted():
            if d.level == "warning":
                print(d.format(), file=sys.stderr)


def run_diff(args: argparse.Namespace) -> int:
    if args.only_used and not args.usage:
        _say("dvgen diff: --only-used needs --usage PATH...")
        return EXIT_USAGE
    try:
        config = load_config(args.config)
        settings = diff_settings(config)
        entries = [*settings.ignore, *_ignore_entries(args, config.base)]
    except (ConfigError, IgnoreError) as exc:
        _say(str(exc))
        return EXIT_USAGE
    cache = None if args.no_cache else config.cache_dir
    if cache is not None and foreign(cache):
        _say(refusal(cache))
        cache = None
    runner = Runner(DiskStore(cache) if cache else NoStore())
    try:
        old = load_side(args.old, config, runner)
        new = load_side(args.new, config, runner)
    except DiffInputError as exc:
        _say(f"cannot compute the diff: {exc}")
        return EXIT_DIFF
    finally:
        runner.save(prune=False)  # the build's entries stay; the pages read here join them
    _notes(old, args)
    _notes(new, args)
    report = diff(old, new, fail_on=args.fail_on or settings.fail_on, ignore=entries)
    if args.usage:
        from generator.diff.usage import UsageError, find_usage  # noqa: PLC0415 - a parser

        try:
            found = find_usage(args.usage, old.tables, old.service, config)
        except UsageError as exc:
            _say(f"cannot compute the diff: {exc}")
            return EXIT_DIFF
        report.uses = {c: found.of(c) for c in report.changes}
        report.only_used = args.only_used
    if args.format == "text":
        render_text(report, Console(file=sys.stdout, highlight=False, soft_wrap=True))
    elif args.format == "markdown" and args.max_length:
        sys.stdout.write(render_markdown(report, args.max_length))
    else:
        sys.stdout.write(RENDERERS[args.format](report))
    if not args.quiet:
        for e in report.unused:
            _say(f"{e.where}: note: ignore entry {e.rule} {e.subject} matches no change")
    for e in report.expired:
        _say(
            f"{e.where}: error: ignore entry {e.rule} {e.subject} expired on {e.expires}; "
            "look at the change again, then remove the entry or move its date"
        )
    if report.expired:
        return EXIT_USAGE
    return EXIT_INPUT if report.failed else EXIT_OK
