"""The ``dvgen`` command's entry point, which imports nothing heavy itself:
a Ctrl-C while dvgen starts (importing black, pydantic, rich, ...) ends it as
cleanly as one while it runs, exit 130, never with a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

EXIT_INTERRUPTED = 130  # as generator.exits says; not imported, to stay light


def run() -> NoReturn:
    try:
        from generator.cli import run as dvgen  # noqa: PLC0415 - the point: imported here
    except KeyboardInterrupt:
        sys.stderr.write("dvgen: interrupted while starting; nothing was read or written\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    dvgen()
