"""The ``dvgen diff`` command line, read without importing the diff itself
(``dvgen --help`` and ``--version`` stay light)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from generator.diff.settings import FAIL_ON
from generator.exits import EXIT_CODES

#: The formats besides text (:data:`generator.diff.formats.RENDERERS` prints them).
FORMATS = ("markdown", "json", "github", "azure", "junit", "sarif")

IGNORE_FILE = ".dvgen-ignore"

DESCRIPTION = """\
Classify every change between two versions of the docs as breaking, warning or
info (the rule table is in the README), print it, and fail when a change is at
or above --fail-on.

OLD and NEW are each a page (*.md), a model (*.yaml), a folder of either, a
build's output folder, a generated package (its folder or manifest.json), or
git:REV[:PATH] (the configured inputs, else <output>/model/, at that revision
of this repository). Entries in
.dvgen-ignore (next to pyproject.toml) or [tool.dvgen.diff] ignore silence
named changes until their expiry date.
"""


def add_diff_parser(sub: Any) -> None:
    d = sub.add_parser(
        "diff",
        help="classify the changes between two versions of the docs",
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("old", metavar="OLD", help="the version to compare against")
    d.add_argument("new", metavar="NEW", help="the version to check")
    d.add_argument(
        "--format",
        choices=("text", *FORMATS),
        default="text",
        help="text (default), markdown (a PR comment), json, github (annotations), azure "
        "(Azure DevOps logging commands), junit (test results) or sarif (code scanning)",
    )
    d.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 on changes this severe or worse (default: [tool.dvgen.diff] "
        "fail-on, else breaking)",
    )
    d.add_argument(
        "--max-length",
        type=_length,
        metavar="CHARS",
        help="markdown: at most this many characters, listing fewer changes (default 60000, "
        "for GitHub's comments; Azure DevOps takes 4000 in a pull request's description)",
    )
    d.add_argument(
        "--usage",
        nargs="+",
        metavar="PATH",
        help="your code (Python and TypeScript files or folders): mark each change as used "
        "or unused by it",
    )
    d.add_argument(
        "--only-used",
        action="store_true",
        help="with --usage: only changes your code uses can fail the diff (--fail-on)",
    )
    d.add_argument("--ignore-file", type=Path, metavar="FILE", help=f"instead of ./{IGNORE_FILE}")
    d.add_argument("--config", type=Path, help="pyproject.toml to read [tool.dvgen] from")
    d.add_argument(
        "--no-cache", action="store_true", help="parse every page, ignoring .dvgen-cache/"
    )
    d.add_argument("-v", "--verbose", action="store_true", help="also print page warnings")
    d.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    d.add_argument("--debug", action="store_true", help="show tracebacks (for bug reports)")


def _length(text: str) -> int:
    """``--max-length``: a whole number of characters, enough for the summary."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of characters, not {text!r}") from None
    if value < MIN_LENGTH:
        raise argparse.ArgumentTypeError(f"at least {MIN_LENGTH} characters")
    return value


#: ``--max-length``'s least: the summary, the count of changes left out, and room for a table
MIN_LENGTH = 1000
