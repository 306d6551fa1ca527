"""A generated package's ``manifest.json``, read back.

Each package a build writes records its version, what built it, its sources
and its schema (the tables and the service model, as the YAML model holds
them): so the package alone, vendored into another repository, is what the
next build's version follows (:mod:`generator.versioning`) and what ``dvgen
diff`` can compare (:mod:`generator.diff.sources`). ``targets/package_meta.py``
writes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator.deprecation import marked
from generator.model import Table
from generator.modelio import table_to_data
from generator.service import Service

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
_TABLE_LINE = re.compile(r'^      "(.*)": \{$')
_COLUMN_LINE = re.compile(r'^ {12,}"logical_name": "(.*)",?$')  # a column's, not the table's


class ManifestError(Exception):
    """A manifest that cannot be read: ``file`` and ``line`` say where."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(f"{file}{f':{line}' if line else ''}: {message}")
        self.file, self.line, self.message = file, line, message


class Unversioned(ManifestError):
    """A manifest with no package version: one an older dvgen wrote."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a manifest records."""

    path: str
    #: its ``package`` block: name, version, previous, bump, why, code_sha256
    package: Mapping[str, Any]
    #: each source by path: path, sha256, and git when it was in a checkout
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the schema (``None``: the manifest records none)
    tables: dict[str, Table] | None = None
    service: Service | None = None
    #: where the manifest's schema holds a table or a column: (file, line)
    anchors: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)


def schema_sha256(tables: Mapping[str, Table], service: Service | None) -> str:
    """A digest of the schema a manifest records, cheap to make (no dump to
    plain data): an unchanged build compares it and reads no schema at all."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(name.encode() + b"\0" + tables[name].model_dump_json().encode() + b"\0")
    if service is not None:
        h.update(b"service\0" + service.model_dump_json().encode())
    return h.hexdigest()


def schema_data(tables: Mapping[str, Table], service: Service | None) -> dict[str, Any]:
    """The schema a manifest records: every table's model, and the service's."""
    data: dict[str, Any] = {"tables": {n: table_to_data(tables[n]) for n in sorted(tables)}}
    if service is not None:
        data["service"] = service.model_dump(mode="json", exclude_none=True)
    return data


def read_manifest(path: Path, shown: str | None = None) -> Recorded:
    """``path``'s manifest; :class:`ManifestError` when it is not one dvgen
    wrote, or its schema does not validate."""
    shown = shown or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(shown, None, f"cannot read: {exc}") from None
    return parse_manifest(text, shown)


def parse_manifest(text: str, shown: str) -> Recorded:
    """A manifest's text (``shown`` names it in errors and changes' places)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(shown, exc.lineno, f"not JSON: {exc.msg}") from None
    package = data.get("package") if isinstance(data, dict) else None
    if not isinstance(package, dict) or not isinstance(package.get("version"), str):
        raise Unversioned(shown, 1, "a manifest with no package version (an older dvgen's)")
    sources = {
        s["path"]: s
        for s in data.get("sources") or ()
        if isinstance(s, dict) and isinstance(s.get("path"), str)
    }
    schema = data.get("schema")
    if not isinstance(schema, dict):
        return Recorded(shown, package, sources)
    lines = text.split("\n")
    tables: dict[str, Table] = {}
    for name, item in (schema.get("tables") or {}).items():
        try:
            tables[name] = marked(Table.model_validate(item))
        except ValidationError as exc:
            line = _line(lines, f'      "{name}": {{')
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(shown, line, f"table {name}: {words}") from None
    service = None
    if schema.get("service") is not None:
        try:
            service = Service.model_validate(schema["service"])
        except ValidationError as exc:
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(shown, _line(lines, '    "service": {'), words) from None
    return Recorded(shown, package, sources, tables, service, _anchors(shown, lines))


def _line(lines: list[str], text: str) -> int | None:
    return next((i + 1 for i, line in enumerate(lines) if line == text), None)


def _anchors(shown: str, lines: list[str]) -> dict[tuple[str, ...], tuple[str, int]]:
    """Each table's and column's line in the schema (``indent=2``, sorted keys)."""
    out: dict[tuple[str, ...], tuple[str, int]] = {}
    table: str | None = None
    inside = False
    for i, line in enumerate(lines, 1):
        if line == '    "tables": {':
            inside = True
        elif inside and line in ("    }", "    },"):
            inside = False
        elif inside and (m := _TABLE_LINE.match(line)):
            table = json.loads(f'"{m.group(1)}"')
            out[("table", table)] = (shown, i)
        elif inside and table and (m := _COLUMN_LINE.match(line)):
            out.setdefault(("column", table, json.loads(f'"{m.group(1)}"')), (shown, i))
    return out
