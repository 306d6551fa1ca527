"""Render the model through the Jinja templates in ``templates/``.

One template per kind of output file; the views handed to them are computed
in Python (:mod:`generator.targets`), which also assemble each target's files.
Python output is formatted in-process with the pinned black, so the same
model always gives the same bytes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import black
import jinja2
from black.mode import Mode, TargetVersion

from generator.pyformat import assign
from generator.timing import CLOCK

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_BLACK = Mode(target_versions={TargetVersion.PY311}, line_length=100)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # every value is escaped for its spot before it gets here
    )
    env.globals["assign"] = assign  # Python statements laid out as black would
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def format_python(source: str) -> str:
    with CLOCK.stage("format"):
        return black.format_str(source, mode=_BLACK)
