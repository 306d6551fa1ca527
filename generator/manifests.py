"""A generated package's ``manifest.json`` and schema files, read back.

Each package a build writes records its version, what built it and its
sources in ``manifest.json``, and its schema (the tables and the service
model, as the YAML model holds them) in ``schema/``: a file per table,
``schema/tables/<name>.json``, and ``schema/service.json``, each listed in
the manifest with its SHA-256. So the package alone, vendored into another
repository, is what the next build's version follows
(:mod:`generator.versioning`) and what ``dvgen diff`` can compare
(:mod:`generator.diff.sources`); and a build that changes one table rewrites
one small file and the manifest, not the whole schema.
``targets/package_meta.py`` writes them.

A manifest of format 1 (dvgen before schema files) holds the schema inline;
it is read whole, as the baseline of the first build after an upgrade.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Protocol

import orjson
from pydantic import ValidationError

from generator import __version__
from generator.deprecation import marked
from generator.model import Table
from generator.modelio import plain_data
from generator.service import Service

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 2
SERVICE_JSON = "schema/service.json"
#: how dvgen lays out a manifest and its schema files
LAYOUT = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")  # a table's name: a file name anywhere
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DIGESTS = ("model_sha256", "sha256")  # what the manifest records of each table
_TABLE_LINE = re.compile(r'^      "(.*)": \{$')
_COLUMN_LINE = re.compile(r'^ {12,}"logical_name": "(.*)",?$')  # a column's, not the table's
_FILE_COLUMN = re.compile(r'^ {6,}"logical_name": "(.*)",?$')  # the same in a table's file


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
    #: where the schema holds a table or a column: (file, line)
    anchors: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)
    #: of the tables recorded as the reader has them (not in ``tables``), each
    #: one whose file is as recorded: the file, and its SHA-256
    kept: dict[str, bytes] = field(default_factory=dict)
    kept_sha256: dict[str, str] = field(default_factory=dict)
    #: the tables recorded as the reader has them (their model's digest)
    same: frozenset[str] = frozenset()


def table_file(name: str) -> str:
    """Where a package holds table ``name``'s schema, below its folder."""
    return f"schema/tables/{name}.json"


def table_json(table: Table) -> bytes:
    """A table's schema file: its model as the YAML model holds it, in JSON."""
    return orjson.dumps(plain_data(table), option=LAYOUT)


def service_json(service: Service) -> bytes:
    """The service model's schema file."""
    return orjson.dumps(service.model_dump(mode="json", exclude_none=True), option=LAYOUT)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def schema_sha256(
    tables: Mapping[str, Table],
    service: Service | None,
    digest: Callable[[Table], str] = Table.sha256,
) -> str:
    """A digest of the schema a manifest records, cheap to make (no dump to
    plain data; ``digest`` may be the cache's, which has each table's)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(f"{name}\0{digest(tables[name])}\0".encode())
    if service is not None:
        h.update(b"service\0" + service.model_dump_json().encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class SchemaFiles:
    """The schema a build writes into each package: each table's file, the
    digest of each table's model (:meth:`Table.sha256`, so the next build
    knows a table it has the same without laying it out), and the service's
    file."""

    tables: Mapping[str, bytes]
    models: Mapping[str, str]
    service: bytes | None = None
    #: each table file's SHA-256 (:meth:`made`: hashed once, for every package)
    digests: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def made(
        cls,
        tables: Mapping[str, bytes],
        models: Mapping[str, str],
        service: bytes | None = None,
        known: Mapping[str, str] | None = None,
    ) -> SchemaFiles:
        """The schema of ``tables``' files, each hashed unless ``known`` has its digest."""
        known = known or {}
        digests = {n: known.get(n) or sha256(data) for n, data in tables.items()}
        return cls(tables, models, service, digests)

    def files(self, prefix: str) -> dict[str, bytes]:
        """The files, below ``prefix`` (a package's folder)."""
        out = {f"{prefix}{table_file(n)}": self.tables[n] for n in sorted(self.tables)}
        if self.service is not None:
            out[f"{prefix}{SERVICE_JSON}"] = self.service
        return out

    def index(self) -> dict[str, Any]:
        """The manifest's ``schema`` member: each file's SHA-256."""
        tables = {
            n: {"model_sha256": self.models[n], "sha256": self.digests[n]}
            for n in sorted(self.tables)
        }
        index: dict[str, Any] = {"tables": tables}
        if self.service is not None:
            index["service"] = {"sha256": sha256(self.service)}
        return index


class Folder(Protocol):
    """A package's folder, its files read by relative path: on disk, or (for
    ``dvgen diff git:REV:...``) at a revision. ``read`` raises
    :class:`ManifestError` naming the file."""

    def shown(self, rel: str) -> str: ...

    def read(self, rel: str) -> bytes: ...


class DiskFolder:
    """A package's folder on disk; ``shown`` is how it is named to the user."""

    def __init__(self, root: Path, shown: str) -> None:
        self.root, self._shown = root, shown

    def shown(self, rel: str) -> str:
        return f"{self._shown}/{rel}" if self._shown not in ("", ".") else rel

    def read(self, rel: str) -> bytes:
        try:
            return (self.root / rel).read_bytes()
        except OSError as exc:
            raise ManifestError(
                self.shown(rel), None, f"cannot read: {exc.strerror or exc}"
            ) from None


def read_manifest(
    path: Path,
    shown: str | None = None,
    *,
    anchors: bool = True,
    reuse: Mapping[str, str] | None = None,
) -> Recorded:
    """``path``'s manifest and the schema files beside it (see :func:`parse_manifest`)."""
    shown = shown or path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(shown, None, f"cannot read: {exc.strerror or exc}") from None
    folder = DiskFolder(path.parent, shown.rpartition("/")[0])
    return parse_manifest(data, shown, folder, anchors=anchors, reuse=reuse)


def parse_manifest(
    data: bytes,
    shown: str,
    folder: Folder,
    *,
    anchors: bool = True,
    reuse: Mapping[str, str] | None = None,
) -> Recorded:
    """A manifest's bytes (``shown`` names it in errors), its schema read from
    ``folder``; with ``anchors``, each table's and column's line, for ``dvgen
    diff``. ``reuse`` maps a table to its model's digest: a table the
    manifest records with that digest, written by this dvgen, is the same
    and is not read (in the result's ``same``); its file, when it is as
    recorded, is in ``kept`` (one missing or edited since is written again)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(shown, None, f"not UTF-8 text: {exc.reason}") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(shown, exc.lineno, f"not JSON: {exc.msg}") from None
    package, sources = _package_and_sources(whole, shown)
    schema = whole.get("schema")
    if schema is None:
        return Recorded(shown, package, sources)
    lines = text.split("\n")
    if whole.get("format") == 1:  # the schema inline
        return _inline(whole, lines, shown, package, sources, anchors=anchors)
    if whole.get("format") != MANIFEST_FORMAT:
        line = next((i + 1 for i, x in enumerate(lines) if x.startswith('  "format": ')), None)
        why = f"format {whole.get('format')!r}: this dvgen reads formats 1 and {MANIFEST_FORMAT}"
        raise ManifestError(shown, line, f"{why} (a newer dvgen's manifest?)")
    index = _Index(shown, lines, schema)
    generator = whole.get("generator")
    same_dvgen = isinstance(generator, dict) and generator.get("version") == __version__
    reader = _Files(folder, anchors=anchors)
    tables: dict[str, Table] = {}
    kept: dict[str, bytes] = {}
    kept_sha256: dict[str, str] = {}
    same: set[str] = set()
    for name, model, digest in index.tables():
        rel = table_file(name)
        if reuse is None or not same_dvgen or reuse.get(name) != model:
            tables[name] = reader.table(name, rel, folder.read(rel))
            continue
        same.add(name)  # the model the previous build had: its file is only bytes to keep
        try:
            raw = folder.read(rel)
        except ManifestError:
            continue
        if sha256(raw) == digest:
            kept[name], kept_sha256[name] = raw, digest
    service = reader.service() if schema.get("service") is not None else None
    return Recorded(
        shown, package, sources, tables, service, reader.anchors, kept, kept_sha256, frozenset(same)
    )


def _member_line(raw: bytes, exc: ValidationError) -> int:
    """The line of the top-level member of a schema file that the first error
    is in (each starts a line indented by two spaces), else 1."""
    loc = exc.errors()[0]["loc"] if exc.errors() else ()
    if loc and isinstance(loc[0], str):
        at = raw.find(b"\n  " + json.dumps(loc[0]).encode() + b": ")
        if at >= 0:
            return raw.count(b"\n", 0, at) + 2
    return 1


def _package_and_sources(
    data: Any, shown: str
) -> tuple[Mapping[str, Any], dict[str, Mapping[str, Any]]]:
    package = data.get("package") if isinstance(data, dict) else None
    if not isinstance(package, dict) or not isinstance(package.get("version"), str):
        raise Unversioned(shown, 1, "a manifest with no package version (an older dvgen's)")
    sources: dict[str, Mapping[str, Any]] = {
        s["path"]: s
        for s in data.get("sources") or ()
        if isinstance(s, dict) and isinstance(s.get("path"), str)
    }
    return package, sources


class _Index:
    """A manifest's ``schema`` member: each table's name, model digest and
    file digest, checked for shape (a name is a file name below ``schema/``)."""

    def __init__(self, shown: str, lines: list[str], schema: Any) -> None:
        self.shown, self.lines, self.schema = shown, lines, schema
        if not isinstance(schema, dict) or not isinstance(schema.get("tables"), dict):
            raise ManifestError(
                shown, _line(lines, '  "schema": {'), "schema: not a list of tables"
            )

    def tables(self) -> list[tuple[str, str, str]]:
        out = []
        for name, entry in self.schema["tables"].items():
            if not _NAME.fullmatch(name):
                self._fail(name, f"schema: {name!r} is not a table's name")
            model, digest = (entry.get(k) if isinstance(entry, dict) else None for k in _DIGESTS)
            if not isinstance(model, str) or not isinstance(digest, str):
                self._fail(name, f"schema: table {name}: expected a model_sha256 and a sha256")
            if not _SHA256.fullmatch(model) or not _SHA256.fullmatch(digest):
                self._fail(name, f"schema: table {name}: a digest that is not a SHA-256")
            out.append((name, model, digest))
        return out

    def _fail(self, name: str, message: str) -> NoReturn:
        key = f"      {json.dumps(name, ensure_ascii=False)}: {{"
        raise ManifestError(self.shown, _line(self.lines, key), message)


class _Files:
    """The schema's files read and validated, each error naming its file and line."""

    def __init__(self, folder: Folder, *, anchors: bool) -> None:
        self.folder, self.columns = folder, anchors
        self.anchors: dict[tuple[str, ...], tuple[str, int]] = {}

    def _json(self, rel: str, raw: bytes) -> Any:
        shown = self.folder.shown(rel)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:  # orjson does not say where
                line = raw.count(b"\n", 0, bad.start) + 1
                raise ManifestError(shown, line, f"not UTF-8 text: {bad.reason}") from None
            raise ManifestError(shown, exc.lineno, f"not JSON: {exc.msg}") from None

    def table(self, name: str, rel: str, raw: bytes) -> Table:
        item = self._json(rel, raw)
        shown = self.folder.shown(rel)
        try:
            table = marked(Table.model_validate(item))
        except ValidationError as exc:
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(shown, _member_line(raw, exc), f"table {name}: {words}") from None
        if table.logical_name != name:
            raise ManifestError(
                shown, 1, f"holds table {table.logical_name}, where the manifest lists {name}"
            )
        if not self.columns:
            return table
        self.anchors[("table", name)] = (shown, 1)
        for i, line in enumerate(raw.decode("utf-8").split("\n"), 1):
            if m := _FILE_COLUMN.match(line):
                try:
                    column = json.loads(f'"{m.group(1)}"')
                except ValueError:
                    continue
                self.anchors.setdefault(("column", name, column), (shown, i))
        return table

    def service(self) -> Service:
        item = self._json(SERVICE_JSON, self.folder.read(SERVICE_JSON))
        try:
            return Service.model_validate(item)
        except ValidationError as exc:
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(self.folder.shown(SERVICE_JSON), 1, words) from None


def _inline(
    whole: dict[str, Any],
    lines: list[str],
    shown: str,
    package: Mapping[str, Any],
    sources: dict[str, Mapping[str, Any]],
    *,
    anchors: bool,
) -> Recorded:
    """A manifest of format 1: its schema inline, read whole."""
    schema = whole["schema"]
    if not isinstance(schema, dict):
        return Recorded(shown, package, sources)
    listed = schema.get("tables") or {}
    if not isinstance(listed, dict):
        raise ManifestError(shown, _line(lines, '    "tables": ['), "schema: not a list of tables")
    tables: dict[str, Table] = {}
    for name, item in listed.items():
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
    found = _anchors(shown, lines) if anchors else {}
    return Recorded(shown, package, sources, tables, service, found)


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
