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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from generator.deprecation import marked
from generator.model import Table
from generator.modelio import plain_data
from generator.service import Service

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
#: how dvgen lays out a manifest (the layout its readers here rely on)
LAYOUT = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_MEMBER = b'\n  "'  # where a top-level member starts, in dvgen's layout
_TABLE_KEY = b'\n      "'  # where a table starts in the schema's tables
_NESTED = b"\n      "  # a table's lines below its key, in the schema's tables
_ENTRY = re.compile(rb'\n      ("(?:[^"\\\n]|\\.)*"): ')  # a table's key, in the schema's tables
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
    #: the tables recorded exactly as the reader knew them, so not read (not in ``tables``)
    same: frozenset[str] = frozenset()


def schema_sha256(
    tables: Mapping[str, Table],
    service: Service | None,
    digest: Callable[[Table], str] = Table.sha256,
) -> str:
    """A digest of the schema a manifest records, cheap to make (no dump to
    plain data; ``digest`` may be the cache's, which has each table's): an
    unchanged build compares it and reads no schema at all."""
    h = hashlib.sha256()
    for name in sorted(tables):
        h.update(f"{name}\0{digest(tables[name])}\0".encode())
    if service is not None:
        h.update(b"service\0" + service.model_dump_json().encode())
    return h.hexdigest()


def table_json(table: Table) -> bytes:
    """A table's entry in a manifest's schema, laid out as it sits there (what
    :func:`schema_data` holds, and :meth:`_SchemaReader.entries` finds)."""
    laid_out = orjson.dumps(plain_data(table), option=LAYOUT)
    return laid_out.replace(b"\n", _NESTED)


def schema_data(
    tables: Mapping[str, Table], service: Service | None, made: Mapping[str, bytes] | None = None
) -> dict[str, Any]:
    """The schema a manifest records: every table's model (``made``: each
    table's :func:`table_json`, when the caller has it), and the service's."""
    entries = {
        n: orjson.Fragment(made[n] if made is not None else table_json(tables[n]))
        for n in sorted(tables)
    }
    data: dict[str, Any] = {"tables": entries}
    if service is not None:
        data["service"] = service.model_dump(mode="json", exclude_none=True)
    return data


#: a manifest's top-level members: key, and where its bytes start and end
Members = list[tuple[str, int, int]]

#: the members a manifest's ``body_sha256`` covers: its large ones
BODY = ("schema", "tables")


def members_of(data: bytes) -> Members | None:
    """Each top-level member of a manifest as (key, start, end) of its bytes
    (without the comma after it), found without parsing: the layout dvgen
    writes (``indent=2``) starts each top-level member on a line of its own
    indented by two spaces, and JSON strings hold no newline, so ``\\n  "``
    starts a member and nothing else. ``None`` when ``data`` is not laid out so."""
    if not data.startswith(b'{\n  "') or not data.endswith(b"\n}\n"):
        return None
    starts = []
    at = data.find(_MEMBER)
    while at >= 0:
        starts.append(at)
        at = data.find(_MEMBER, at + 1)
    last = len(data) - 3  # the last member runs to the "}", each other one to the next
    out = []
    for start, next_start in zip(starts, [*starts[1:], last], strict=True):
        end = next_start
        if next_start != last:  # a comma between members, exactly one
            if data[end - 1] != ord(",") or data[end - 2] == ord(","):
                return None
            end -= 1
        key_end = data.find(b'"', start + 4, start + 64)
        if key_end < 0:
            return None
        out.append((data[start + 4 : key_end].decode("ascii", "replace"), start, end))
    return out


def manifest_head(data: bytes, members: Members | None = None) -> Any:
    """A manifest's top-level members but its large ones (:data:`BODY`), parsed
    without parsing those. ``None`` when ``data`` is not laid out as dvgen
    writes it (:func:`members_of`)."""
    members = members_of(data) if members is None else members
    if members is None:
        return None
    kept = [data[start:end] for key, start, end in members if key not in BODY]
    try:
        head = orjson.loads(b"{" + b",".join(kept) + b"\n}")
    except orjson.JSONDecodeError:
        return None
    return head if isinstance(head, dict) else None


def body_sha256(data: bytes, members: Members | None = None) -> str | None:
    """The SHA-256 of a manifest's :data:`BODY` members as written (what its
    ``package.body_sha256`` records when dvgen wrote them); ``None`` when
    ``data`` is not laid out as dvgen writes it."""
    members = members_of(data) if members is None else members
    return None if members is None else _body_sha256(data, members)


def body_sha256_of(manifest: Mapping[str, Any]) -> str:
    """What :func:`body_sha256` gives for ``manifest`` laid out by dvgen: each
    :data:`BODY` member laid out alone is laid out as it is in the whole (at
    the same depth), so the whole is never copied to be hashed."""
    body = hashlib.sha256()
    for key in sorted(k for k in manifest if k in BODY):
        alone = orjson.dumps({key: manifest[key]}, option=LAYOUT)  # b'{\n  "key": ...\n}'
        body.update(memoryview(alone)[1:-2])
    return body.hexdigest()


def _body_sha256(data: bytes, members: Members) -> str:
    view = memoryview(data)
    body = hashlib.sha256()
    for key, start, end in members:
        if key in BODY:
            body.update(view[start:end])  # no copy
    return body.hexdigest()


def read_manifest(
    path: Path,
    shown: str | None = None,
    *,
    anchors: bool = True,
    known: Mapping[str, bytes] | None = None,
) -> Recorded:
    """``path``'s manifest; :class:`ManifestError` when it is not one dvgen
    wrote, or its schema does not validate (``anchors`` and ``known``: see
    :func:`parse_manifest`)."""
    shown = shown or path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(shown, None, f"cannot read: {exc}") from None
    return parse_manifest(data, shown, anchors=anchors, known=known)


def parse_manifest(
    data: bytes, shown: str, *, anchors: bool = True, known: Mapping[str, bytes] | None = None
) -> Recorded:
    """A manifest's bytes (``shown`` names it in errors and changes' places);
    with ``anchors``, each table's and column's line, for ``dvgen diff``.

    Laid out as dvgen writes it, the schema is read a table at a time, so a
    large one is never a whole tree of JSON in memory (a manifest of 2,000
    tables is 67 MB of text); otherwise it is read whole. ``known`` maps a
    table to its :func:`table_json`: a table recorded as exactly that is not
    read at all, and is listed in the result's ``same``."""
    found = members_of(data)  # the layout found once, for the head and the schema
    head = manifest_head(data, found) if found is not None else None
    if found is None or head is None or not isinstance(head.get("package"), dict):
        return _parse_whole(data, shown, anchors=anchors)
    package, sources = _package_and_sources(head, shown)
    members = {key: (start, end) for key, start, end in found}
    if "schema" not in members:
        return Recorded(shown, package, sources)
    reader = _SchemaReader(data, shown, *members["schema"], columns=anchors)
    if not reader.laid_out:
        return _parse_whole(data, shown, anchors=anchors)
    tables, same = {}, set()
    for name, value, line in reader.entries():
        if known is not None and known.get(name) == value:
            same.add(name)
        else:
            tables[name] = reader.table(name, value, line)
    return Recorded(
        shown,
        package,
        sources,
        tables,
        reader.service(),
        reader.anchors if anchors else {},
        frozenset(same),
    )


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


class _SchemaReader:
    """The ``schema`` member of a manifest laid out by dvgen, between
    ``start`` and ``end``: its ``tables`` one by one (each table's key is the
    only line in them indented by six spaces), and its ``service``; with
    ``columns``, each column's line as well as each table's."""

    def __init__(self, data: bytes, shown: str, start: int, end: int, *, columns: bool) -> None:
        self.data, self.shown, self.columns = data, shown, columns
        self.anchors: dict[tuple[str, ...], tuple[str, int]] = {}
        close = data.rfind(b"\n  }", start, end)  # the schema's own brace
        at = data.find(b'\n    "tables": {\n', start, close)
        tables_close = data.find(b"\n    }", at + 1, close) if at >= 0 else -1
        # laid out: its tables found whole, or no tables (nor anything) to find
        self.laid_out = close >= 0 and (
            tables_close >= 0 or (at < 0 and b'\n    "tables"' not in data[start:close])
        )
        self.region = (at, tables_close) if tables_close >= 0 else (close, close)
        self.service_at = data.find(b'\n    "service": ', start, self.region[0])
        # and nothing else in it: a member this reader would not see is read whole
        found = (self.service_at >= 0) + (tables_close >= 0)
        self.laid_out = self.laid_out and data.count(b'\n    "', start, close) == found
        self._line, self._counted = 1, 0  # lines counted up to a position, as the reading goes

    def _line_of(self, at: int) -> int:
        """The line of position ``at`` (moving forward only: counted once)."""
        self._line += self.data.count(b"\n", self._counted, at)
        self._counted = at
        return self._line

    def entries(self) -> Iterator[tuple[str, bytes, int]]:
        """Each table's name, its entry's bytes as :func:`table_json` lays
        them out, and the line of its key."""
        start, end = self.region
        keys = []
        at = self.data.find(_TABLE_KEY, start + 1, end)
        while at >= 0:
            keys.append(at)
            at = self.data.find(_TABLE_KEY, at + 1, end)
        for key, stop in zip(keys, [*keys[1:], end], strict=True):
            text = self.data[key:stop]
            if stop != end:  # one comma between tables
                text = text.removesuffix(b",")
            line = self._line_of(key + 1)
            m = _ENTRY.match(text)
            if m is None:
                raise ManifestError(self.shown, line, "not a table's name and model")
            try:
                name = orjson.loads(m.group(1))
            except orjson.JSONDecodeError as exc:
                raise ManifestError(self.shown, line, f"not JSON: {exc.msg}") from None
            self._anchor(name, text, line)
            yield name, text[m.end(1) + 2 :], line

    def table(self, name: str, value: bytes, line: int) -> Table:
        try:
            item = orjson.loads(value)
        except orjson.JSONDecodeError as exc:  # its line 1 is the key's
            where = line + exc.lineno - 1
            try:
                value.decode("utf-8")
            except UnicodeDecodeError as bad:  # orjson does not say where
                where = line + value.count(b"\n", 0, bad.start)
                raise ManifestError(self.shown, where, f"not UTF-8 text: {bad.reason}") from None
            raise ManifestError(self.shown, where, f"not JSON: {exc.msg}") from None
        try:
            return marked(Table.model_validate(item))
        except ValidationError as exc:
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(self.shown, line, f"table {name}: {words}") from None

    def service(self) -> Service | None:
        if self.service_at < 0:
            return None
        stop = self.region[0]
        text = self.data[self.service_at : stop].removesuffix(b",")
        line = self.data.count(b"\n", 0, self.service_at + 1) + 1
        try:
            (item,) = orjson.loads(b"{" + text + b"}").values()
        except orjson.JSONDecodeError as exc:  # its line 1 is the "{" before ``text``
            raise ManifestError(self.shown, line + exc.lineno - 2, f"not JSON: {exc.msg}") from None
        try:
            return Service.model_validate(item)
        except ValidationError as exc:
            words = " ".join(str(exc).split())[:200]
            raise ManifestError(self.shown, line, words) from None

    def _anchor(self, name: str, text: bytes, line: int) -> None:
        self.anchors[("table", name)] = (self.shown, line)
        if not self.columns:
            return
        for i, raw in enumerate(text.split(b"\n")[1:]):
            if m := _COLUMN_LINE.match(raw.decode("utf-8", "replace")):
                try:  # not read yet: a broken one is reported when the table is
                    column = json.loads(f'"{m.group(1)}"')
                except ValueError:
                    continue
                self.anchors.setdefault(("column", name, column), (self.shown, line + i))


def _parse_whole(data: bytes, shown: str, *, anchors: bool) -> Recorded:
    """A manifest laid out otherwise (by hand, by another tool), read whole."""
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
