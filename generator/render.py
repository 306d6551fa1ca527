"""Render the model through the Jinja templates in ``templates/``.

One template per kind of output file; the views handed to them are computed
in Python (:mod:`generator.targets`), which also assemble each target's files.
Python output is formatted in-process with the pinned black, so the same
model always gives the same bytes.

A project's own templates (the ``templates`` setting) come first: a file
there replaces the built-in file of the same name, and the built-in one stays
reachable as ``dvgen/<name>``, so a template can ``{% extends
"dvgen/python/table.py.jinja" %}`` and replace one block, keeping the rest.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import black
import jinja2
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from generator.overrides import Naming
from generator.pyformat import bracketed
from generator.resources import (
    SHIPPED,
    BrokenInstall,
    builtin_path,
    missing,
    read_builtin,
    templates_root,
)
from generator.timing import CLOCK

#: The prefix under which the built-in templates stay reachable.
BUILTIN_PREFIX = "dvgen"
_BLACK = Mode(target_versions={TargetVersion.PY311}, line_length=100)


class TemplateFailure(Exception):
    """A project's own template failed: the message names the template and line."""


@cache
def environment(folder: str | None = None) -> jinja2.Environment:
    """The environment rendering with ``folder``'s templates first (or only
    the built-in ones)."""
    builtin = jinja2.FileSystemLoader(str(templates_root()))
    loaders: list[jinja2.BaseLoader] = [builtin]
    if folder is not None:
        loaders.insert(0, jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # every value is escaped for its spot before it gets here
    )
    env.globals["assign"] = _assign
    env.globals["bracketed"] = bracketed
    return env


def _assign(target: str, value: str, indent: str) -> str:
    """``target = value`` at ``indent``: kept for templates written for dvgen
    0.1, which laid out assignments themselves. Every line of rendered Python
    is laid out after rendering now (:func:`generator.pyformat.tidy`)."""
    return f"{indent}{target} = {value}"


@dataclass(frozen=True, slots=True)
class Templates:
    """Where templates come from: ``folder`` (absolute) first, when given,
    then the built-in ones."""

    folder: str | None = None

    def render(self, name: str, /, **context: object) -> str:
        try:
            return environment(self.folder).get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            lost = exc.name if isinstance(exc.name, str) and exc.name else name
            builtin = lost.removeprefix(f"{BUILTIN_PREFIX}/")
            # one dvgen asked for, or one it ships that a project's template asked for
            if self.folder is None or exc.name == name or builtin in SHIPPED:
                raise BrokenInstall(_not_installed(lost)) from None
            raise TemplateFailure(self._where(exc, name)) from exc
        except jinja2.TemplateError as exc:
            if self.folder is None:
                raise
            raise TemplateFailure(self._where(exc, name)) from exc
        except OSError as exc:  # a template file that is there but cannot be read
            path = Path(str(exc.filename or name))
            if path.is_relative_to(templates_root()):
                raise BrokenInstall(missing(path, exc)) from None
            raise TemplateFailure(f"{path}: cannot read it ({exc.strerror})") from None

    def read_bytes(self, name: str) -> bytes:
        """A file copied as it is (a runtime module, ``tsconfig.json``): the
        project's own when its folder has one (read every time: it may have
        been edited since), else dvgen's (read once)."""
        if self.folder is not None:
            mine = Path(self.folder, name)
            if mine.is_file():
                try:
                    return mine.read_bytes()
                except OSError as exc:
                    raise TemplateFailure(f"{mine}: cannot read it ({exc.strerror})") from None
        return read_builtin(name)

    def fingerprint(self) -> str:
        """Every file of the project's folder: part of each render's cache key."""
        if self.folder is None:
            return ""
        h = hashlib.sha256()
        root = Path(self.folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        return h.hexdigest()

    def python(self, name: str, source: str) -> str:
        """``source``, which template ``name`` rendered, as black leaves it;
        Python that does not parse is the template's failure when it may be
        the project's template (dvgen's own are tested)."""
        try:
            return format_python(source)
        except InvalidInput as exc:
            if self.folder is None:
                raise
            first = " ".join(str(exc).split())
            raise TemplateFailure(
                f"{name}: the templates in {self.folder} rendered Python that does not "
                f"parse: {first}"
            ) from None

    def _where(self, exc: jinja2.TemplateError, name: str) -> str:
        """``<template file>:<line>: <what>`` for a failure in a template."""
        words = " ".join((exc.message or type(exc).__name__).split())
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return f"{exc.filename or exc.name}:{exc.lineno}: {words}"
        if isinstance(exc, jinja2.TemplateNotFound):
            return (
                f"{name}: template {exc.name!r} not found in {self.folder} "
                f"or dvgen's own ({templates_root()})"
            )
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if f.filename.endswith(".jinja") or f.filename.startswith(self.folder or "\0")
        ]
        if frames:
            return f"{frames[-1].filename}:{frames[-1].lineno}: {words}"
        return f"{name}: {words}"


def _not_installed(name: str) -> str:
    """A template dvgen asked for is in neither a project's folder nor where
    dvgen installed its own."""
    return missing(builtin_path(name.removeprefix(f"{BUILTIN_PREFIX}/")))


def format_python(source: str) -> str:
    with CLOCK.stage("format"):
        return black.format_str(source, mode=_BLACK)


# -- a project's style -----------------------------------------------------------------
# What a project's settings change in the rendered files, and nothing else:
# its own templates (``templates``, :class:`Templates`) and its naming
# (``[tool.dvgen.naming]``, :class:`generator.overrides.Naming`). One Style goes
# with every render, to the worker processes too; its fingerprint is part of
# every render's cache key, so a changed template or override renders again
# what it reaches, and nothing is parsed again.


@dataclass(frozen=True, slots=True)
class Style:
    """The templates and naming every render uses."""

    templates: Templates = field(default_factory=Templates)
    naming: Naming = field(default_factory=Naming)

    def fingerprint(self) -> str:
        h = hashlib.sha256(self.templates.fingerprint().encode())
        h.update(b"\0" + self.naming.describe().encode())
        return h.hexdigest()


#: dvgen's own templates and naming.
DEFAULT = Style()
