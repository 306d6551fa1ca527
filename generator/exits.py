"""The exit codes of every ``dvgen`` command, in one place (the README lists them)."""

from __future__ import annotations

EXIT_OK = 0
#: build/parse: a page has an error (or a warning with --strict); build --check:
#: generated/ is out of date; diff: a change at or above --fail-on
EXIT_INPUT = 1
EXIT_USAGE = 2  # bad command line, [tool.dvgen] configuration or ignore file
EXIT_OUTPUT = 3  # the output folder could not be written (or another build is writing it)
EXIT_DIFF = 4  # diff: a side could not be read, so no diff was computed
EXIT_BUG = 70  # a bug in dvgen
EXIT_INSTALL = 72  # dvgen's installation is incomplete: a file it ships is missing or unreadable
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}   success (warnings, if any, were printed)
  {EXIT_INPUT}   a page has an error (or a warning, with --strict) and nothing was written;
      build --check: the output is out of date; diff: a change at or above --fail-on
  {EXIT_USAGE}   bad command line, [tool.dvgen] configuration or diff ignore entry
  {EXIT_OUTPUT}   the output folder could not be written, or another build is writing it;
      it was left as it was
  {EXIT_DIFF}   diff: a side could not be read (bad path, revision or page); no diff computed
  {EXIT_BUG}  a bug in dvgen: please report it with the output of --debug
  {EXIT_INSTALL}  dvgen's installation is incomplete (a file it ships is missing); reinstall
      dvgen; nothing was written
  {EXIT_INTERRUPTED} interrupted (Ctrl-C); the output folder was left as it was
"""
