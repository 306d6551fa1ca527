"""A Dataverse Web API on a loopback HTTPS port, for testing real clients.

The clients under test (Microsoft's Python SDK, DynamicsWebApi) run as they
are, over real HTTP and TLS: only the org is replaced. The server answers
the way the Web API answers (``OData-EntityId`` on create, ``@odata.etag``
and the annotations ``Prefer: odata.include-annotations`` asks for on reads,
``_<lookup>_value`` for lookups, 412 when ``If-Match`` does not hold, 404
with an OData error, ``@odata.nextLink`` paging), and records every request
so a test can check exactly what a client sent.

What it knows of each table (entity set, primary id, lookups and their
targets, choice labels) it is told by the test, from the generated bindings,
as an org would know its own metadata.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme

API = "/api/data/v9.2/"
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "@Microsoft.Dynamics.CRM.associatednavigationproperty"
CREATED_ON = "2026-12-02T10:00:00Z"  # when the org says every row was created


@dataclass
class TableInfo:
    """What the org knows of a table."""

    logical_name: str
    entity_set: str
    primary_id: str
    #: navigation property -> (lookup column, {entity set it may bind to: its table})
    navigations: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    #: choice column -> value -> label
    labels: dict[str, dict[int, str]] = field(default_factory=dict)
    #: alternate keys: the properties of each
    keys: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str  # below the service root, query string included, percent-decoded
    headers: dict[str, str]
    body: Any  # parsed JSON, or None


@dataclass
class Org:
    tables: dict[str, TableInfo]  # by entity set
    rows: dict[str, dict[uuid.UUID, dict[str, Any]]] = field(default_factory=dict)
    versions: dict[uuid.UUID, int] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    next_id: int = 1

    def table(self, logical_name: str) -> TableInfo:
        return next(t for t in self.tables.values() if t.logical_name == logical_name)

    def add(self, entity_set: str, values: dict[str, Any]) -> uuid.UUID:
        """Store a row as the org stores it; its id."""
        info = self.tables[entity_set]
        row_id = uuid.UUID(int=self.next_id)
        self.next_id += 1
        row: dict[str, Any] = {
            info.primary_id: str(row_id),
            "createdon": CREATED_ON,
            "modifiedon": CREATED_ON,
        }
        self.rows.setdefault(entity_set, {})[row_id] = row
        self.versions[row_id] = 1000
        self._apply(info, row, values)
        return row_id

    def _apply(self, info: TableInfo, row: dict[str, Any], values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key.endswith("@odata.bind"):
                column, sets = info.navigations[key[: -len("@odata.bind")]]
                if value is None:
                    row.pop(f"_{column}_value", None)
                    row.pop(f"_{column}_table", None)
                    continue
                match = re.fullmatch(r"/(\w+)\((.+)\)", value)
                if match is None or match.group(1) not in sets:
                    raise KeyError(f"bind {key}: {value}")
                by_id = re.fullmatch(r"[0-9a-f-]{36}", match.group(2))
                # an id is taken as it is (the tests' orgs hold only some tables)
                found = uuid.UUID(match.group(2)) if by_id else self.find(*match.groups())
                if found is None:
                    raise KeyError(f"bind {key}: no row {value}")
                row[f"_{column}_value"] = str(found)
                row[f"_{column}_table"] = sets[match.group(1)]
            else:
                row[key] = value

    def find(self, entity_set: str, segment: str) -> uuid.UUID | None:
        """The row a key segment names: an id, or the values of an alternate
        key of the table (an error, as the Web API's, when it declares none)."""
        if re.fullmatch(r"[0-9a-fA-F-]{36}", segment):
            row_id = uuid.UUID(segment)
            return row_id if row_id in self.rows.get(entity_set, {}) else None
        wanted = dict(_key_parts(segment))
        info = self.tables[entity_set]
        if tuple(sorted(wanted)) not in {tuple(sorted(k)) for k in info.keys}:
            raise KeyError(f"alternate key {sorted(wanted)} of {entity_set}")
        for row_id, row in self.rows.get(entity_set, {}).items():
            if all(_same(row.get(k), v) for k, v in wanted.items()):
                return row_id
        return None

    def read(
        self,
        info: TableInfo,
        row: dict[str, Any],
        select: list[str] | None,
        annotate: bool,
        expand: list[str] | None = None,
    ) -> dict[str, Any]:
        """A row as the Web API returns it (an expanded lookup as the id of
        the row it points at, or null)."""
        out: dict[str, Any] = {
            "@odata.etag": f'W/"{self.versions[uuid.UUID(row[info.primary_id])]}"'
        }
        for key, value in sorted(row.items()):
            if key.endswith("_table"):
                continue
            if select is not None and key not in select and key != info.primary_id:
                continue  # the Web API returns the key whatever $select says
            out[key] = value
            if not annotate:
                continue
            if key.startswith("_") and key.endswith("_value"):
                out[key + LOOKUP_TABLE] = row[key[:-6] + "_table"]
                out[key + FORMATTED] = f"name of {value}"
            elif key in info.labels and isinstance(value, int):
                out[key + FORMATTED] = info.labels[key][value]
        for nav in expand or ():
            column = info.navigations[nav][0]
            related = row.get(f"_{column}_value")
            out[nav] = None if related is None else {"id": related}
        return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        del format, args

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:  # a browser-style client's preflight
        self._send(204, None)

    def _serve(self, method: str) -> None:
        org = self.server.org
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        target, mark, query = self.path.partition("?")
        path = urllib.parse.unquote(target) + mark + urllib.parse.unquote_plus(query)
        if not path.startswith(API):
            self._send(404, _error("0x80060888", f"no such path {path}"))
            return
        path = path[len(API) :]
        headers = {
            k: v
            for k, v in self.headers.items()
            if k in ("Prefer", "If-Match", "If-None-Match", "Authorization", "Content-Type")
        }
        with self.server.lock:
            org.seen.append(Seen(method, path, headers, body))
            try:
                status, answer, extra = _answer(
                    org, method, path, headers=headers, body=body, root=self._root()
                )
            except KeyError as exc:
                status, answer, extra = 400, _error("0x80048d19", f"unknown {exc}"), {}
        self._send(status, answer, extra)

    def _root(self) -> str:
        host, port = self.server.server_address[:2]
        return f"https://{host}:{port}{API}"

    def _send(self, status: int, answer: Any, extra: dict[str, str] | None = None) -> None:
        data = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("OData-Version", "4.0")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Access-Control-Allow-Methods", "*")
        self.send_header("Access-Control-Expose-Headers", "*")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if answer is not None:
            self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


_ONE = re.compile(r"^(\w+)\(([0-9a-fA-F-]{36})\)$")
_BY_KEY = re.compile(r"^(\w+)\((.*=.*)\)$")


def _key_parts(segment: str) -> list[tuple[str, object]]:
    """``a='x,y',b=2`` as [("a", "x,y"), ("b", 2)]: OData literals read back."""
    parts = re.findall(r"(\w+)=('(?:[^']|'')*'|[^,]*)", segment)
    out: list[tuple[str, object]] = []
    for name, literal in parts:
        if literal.startswith("'"):
            out.append((name, literal[1:-1].replace("''", "'")))
        elif re.fullmatch(r"-?\d+", literal):
            out.append((name, int(literal)))
        else:
            out.append((name, literal))
    return out


def _same(stored: Any, wanted: object) -> bool:
    if isinstance(wanted, str) and isinstance(stored, str):
        return (
            stored.lower() == wanted.lower()
            if re.fullmatch(r"[0-9a-f-]{36}", wanted)
            else stored == wanted
        )
    return bool(stored == wanted)


def _by_key(
    org: Org, method: str, target: str, *, headers: dict[str, str], body: Any, root: str
) -> str | tuple[int, Any, dict[str, str]]:
    """A request to a row named by an alternate key: answered here (an upsert
    that creates, a create that finds one, a key that names no row), or the
    target it names by id. Any other target, as it is."""
    by_key = _BY_KEY.match(target) if _ONE.match(target) is None else None
    if by_key is None or by_key.group(1) not in org.tables:
        return target
    entity_set = by_key.group(1)
    found = org.find(entity_set, by_key.group(2))
    if found is None and method == "PATCH" and headers.get("If-Match") != "*":
        values = {**dict(_key_parts(by_key.group(2))), **(body or {})}
        row_id = org.add(entity_set, values)
        return 204, None, {"OData-EntityId": f"{root}{entity_set}({row_id})"}
    if found is not None and method == "PATCH" and headers.get("If-None-Match") == "*":
        return 412, _error("0x80040237", "A record with matching key values already exists."), {}
    if found is None:
        return 404, _error("0x80040217", f"no {entity_set} row with key {by_key.group(2)}"), {}
    return f"{entity_set}({found})"


def _answer(
    org: Org, method: str, path: str, *, headers: dict[str, str], body: Any, root: str
) -> tuple[int, Any, dict[str, str]]:
    target, _, query = path.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    annotate = "odata.include-annotations" in headers.get("Prefer", "")
    select = params["$select"].split(",") if "$select" in params else None
    expand = params["$expand"].split(",") if "$expand" in params else None
    if target == "EntityDefinitions":
        wanted = re.search(r"LogicalName eq '([^']*)'", params.get("$filter", ""))
        infos = [t for t in org.tables.values() if wanted and t.logical_name == wanted.group(1)]
        value = [
            {
                "LogicalName": t.logical_name,
                "EntitySetName": t.entity_set,
                "PrimaryIdAttribute": t.primary_id,
            }
            for t in infos
        ]
        return 200, {"value": value}, {}
    picklists = re.fullmatch(
        r"EntityDefinitions\(LogicalName='(\w+)'\)/Attributes/"
        r"Microsoft\.Dynamics\.CRM\.PicklistAttributeMetadata",
        target,
    )
    if picklists is not None:
        info = org.table(picklists.group(1))
        value = [
            {
                "LogicalName": column,
                "OptionSet": {
                    "Options": [
                        {
                            "Value": v,
                            "Label": {"LocalizedLabels": [{"Label": label, "LanguageCode": 1033}]},
                        }
                        for v, label in sorted(labels.items())
                    ]
                },
            }
            for column, labels in sorted(info.labels.items())
        ]
        return 200, {"value": value}, {}
    by_key = _by_key(org, method, target, headers=headers, body=body, root=root)
    if isinstance(by_key, tuple):
        return by_key
    target = by_key
    one = _ONE.match(target)
    if one is not None:
        info = org.tables[one.group(1)]
        row_id = uuid.UUID(one.group(2))
        row = org.rows.get(info.entity_set, {}).get(row_id)
        if row is None:
            return (
                404,
                _error("0x80040217", f"{info.logical_name} With Id = {row_id} Does Not Exist"),
                {},
            )
        match = headers.get("If-Match")
        if match is not None and match != "*" and match != f'W/"{org.versions[row_id]}"':
            return (
                412,
                _error(
                    "0x80060882",
                    "The version of the existing record doesn't match the RowVersion "
                    "property provided.",
                ),
                {},
            )
        if method == "GET":
            return (
                200,
                {
                    "@odata.context": f"{root}$metadata#{info.entity_set}/$entity",
                    **org.read(info, row, select, annotate, expand),
                },
                _applied(annotate),
            )
        if method == "PATCH":
            org._apply(info, row, body or {})
            org.versions[row_id] += 1
            return 204, None, {"OData-EntityId": f"{root}{info.entity_set}({row_id})"}
        if method == "DELETE":
            del org.rows[info.entity_set][row_id]
            return 204, None, {}
    if target in org.tables:
        info = org.tables[target]
        if method == "POST":
            row_id = org.add(target, body or {})
            return 204, None, {"OData-EntityId": f"{root}{target}({row_id})"}
        if method == "GET":
            rows = [
                org.read(info, r, select, annotate, expand)
                for _, r in sorted(org.rows.get(target, {}).items())
            ]
            skip = int(params.get("$skiptoken", "0"))
            size = _page_size(headers.get("Prefer", "")) or len(rows) or 1
            page = rows[skip : skip + size]
            answer: dict[str, Any] = {"@odata.context": f"{root}$metadata#{target}", "value": page}
            if skip + size < len(rows):
                rest = {k: v for k, v in params.items() if k != "$skiptoken"}
                rest["$skiptoken"] = str(skip + size)
                answer["@odata.nextLink"] = (
                    f"{root}{target}?{urllib.parse.urlencode(rest, quote_via=urllib.parse.quote)}"
                )
            return 200, answer, _applied(annotate)
    return 404, _error("0x80060888", f"Resource not found for the segment '{target}'."), {}


def _page_size(prefer: str) -> int | None:
    found = re.search(r"odata\.maxpagesize=(\d+)", prefer)
    return int(found.group(1)) if found else None


def _applied(annotate: bool) -> dict[str, str]:
    return {"Preference-Applied": 'odata.include-annotations="*"'} if annotate else {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, org: Org, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.org = org
        self.lock = threading.Lock()
        self.socket = context.wrap_socket(self.socket, server_side=True)


@dataclass
class Running:
    org: Org
    url: str  # https://127.0.0.1:<port>
    ca_file: str  # the certificate authority a client must trust


def serve(org: Org, ca_dir: str) -> Iterator[Running]:
    """Run ``org`` until the generator is closed (a pytest fixture's body)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = f"{ca_dir}/ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    server = _Server(org, context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield Running(org, f"https://{host}:{port}", ca_file)
    finally:
        server.shutdown()
        server.server_close()
