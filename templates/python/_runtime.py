"""Runtime support for dvgen's generated Dataverse bindings (standard library only).

Generated table modules are declarative: each row class lists its columns
as :class:`Column` specs, and the functions here turn rows into Web API
request bodies and Web API responses into rows.

Every row class satisfies the official Python SDK's ``DataverseModel``
protocol (``__entity_logical_name__``, ``__entity_set_name__``, ``to_dict``,
``from_dict``) without importing it; bodies are JSON-ready (plain ``str``,
``int``, ``float``, ``bool``, ``None``), so any client can send them.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import enum
import importlib
import json
import sys
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Final, Generic, Literal, Protocol, Self, TypeVar

_Marked = TypeVar("_Marked")

if sys.version_info >= (3, 13):
    from warnings import deprecated as deprecated  # noqa: PLC0414 - re-exported
else:

    def deprecated(message: str, /) -> Callable[[_Marked], _Marked]:
        """``warnings.deprecated`` (Python 3.13) where the runtime lacks it: it
        marks nothing at run time; the docstring of what it decorates says
        "Deprecated" for IDEs and readers."""
        del message

        def mark(thing: _Marked) -> _Marked:
            return thing

        return mark


FORMATTED = "@OData.Community.Display.V1.FormattedValue"
LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname"
ETAG = "@odata.etag"
#: The ``Prefer`` header that asks the Web API for every annotation
#: :func:`from_odata` reads (formatted values, a lookup's table, names).
PREFER_ANNOTATIONS = 'odata.include-annotations="*"'

Kind = Literal[
    "str",
    "int",
    "float",
    "decimal",
    "bool",
    "datetime",
    "date",
    "uuid",
    "lookup",
    "choice",
    "choices",
    "bytes",
    "object",
]
Operation = Literal["create", "update"]


@dataclasses.dataclass(frozen=True, slots=True)
class Lookup:
    """A reference to a row of another table: its table, its id, and its name
    when read.

    ``table`` is ``None`` when a response did not say which table a lookup
    that may point at several (``ownerid``) points at: the Web API says so
    only when asked for annotations (:data:`PREFER_ANNOTATIONS`). Such a
    lookup can be read, compared and left alone, but not sent.
    """

    table: str | None
    id: uuid.UUID
    name: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    """How one column of a row class maps to the Web API."""

    field: str  # the Python attribute
    wire: str  # the column's logical name
    kind: Kind
    create: bool = True
    update: bool = True
    choice: type[enum.IntEnum] | None = None
    max_length: int | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    # lookups: target table -> (entity set, single-valued navigation property)
    targets: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """A Web API request: ``method`` and ``url`` relative to ``/api/data/v9.x/``."""

    method: Literal["GET", "POST", "PATCH", "PUT", "DELETE"]
    url: str
    body: Mapping[str, object] | None = None
    #: headers the request needs besides the usual ones (If-Match for an
    #: update by alternate key, which must not create)
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def json(self) -> str | None:
        return dumps(self.body) if self.body is not None else None


class Response(Protocol):
    """What :func:`from_odata` reads: a ``dict`` parsed from the Web API's
    JSON, or anything else with keys and items (the official SDK's ``Record``)."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str, /) -> Any: ...


R = TypeVar("R", bound="Row")


class Row:
    """Base of every generated row class."""

    LOGICAL_NAME: ClassVar[str]
    SCHEMA_NAME: ClassVar[str | None]
    ENTITY_SET_NAME: ClassVar[str]
    PRIMARY_ID: ClassVar[str | None]
    PRIMARY_NAME: ClassVar[str | None]
    COLUMNS: ClassVar[tuple[Column, ...]]
    # the official SDK's DataverseModel protocol: set by every row class
    __entity_logical_name__: str
    __entity_set_name__: str

    def to_dict(self) -> dict[str, object]:
        """The JSON-ready body that creates this row (``to_odata(row, "create")``)."""
        return to_odata(self, "create")

    @classmethod
    def from_dict(cls, data: Response) -> Self:
        """A row from a Web API response (``from_odata(cls, data)``)."""
        return from_odata(cls, data)


class ColumnError(ValueError):
    """A row or response that does not fit the table's columns."""


def check(col: Column, value: object) -> None:
    """Raise :class:`ColumnError` when ``value`` breaks the column's documented limits."""
    if col.max_length is not None and isinstance(value, str) and len(value) > col.max_length:
        raise ColumnError(f"{col.wire}: {len(value)} characters, more than its {col.max_length}")
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        if col.min_value is not None and value < col.min_value:
            raise ColumnError(f"{col.wire}: {value} is less than its minimum {col.min_value}")
        if col.max_value is not None and value > col.max_value:
            raise ColumnError(f"{col.wire}: {value} is more than its maximum {col.max_value}")


def _value(col: Column, value: object) -> object:
    """``value`` of column ``col`` as JSON-ready Web API JSON."""
    check(col, value)
    if col.kind == "choice":
        assert isinstance(value, enum.IntEnum)
        return int(value)
    if col.kind == "choices":
        assert isinstance(value, frozenset)
        return ",".join(str(int(v)) for v in sorted(value))
    if col.kind == "datetime":
        assert isinstance(value, datetime.datetime)
        if value.tzinfo is None:
            raise ColumnError(f"{col.wire}: a datetime sent to Dataverse needs a time zone")
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if col.kind == "date":
        assert isinstance(value, datetime.date)
        return value.isoformat()
    if col.kind == "uuid":
        return str(value)
    if col.kind == "bytes":
        assert isinstance(value, bytes)
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return _number(col.wire, value)
    return value


def _number(wire: str, value: decimal.Decimal) -> int | float:
    """A decimal as a JSON number: whole ones exactly, others as the double
    that prints as the same decimal; one that no double carries is refused
    rather than rounded (Dataverse Money and Decimal hold at most 10 places)."""
    if not value.is_finite():
        raise ColumnError(f"{wire}: {value} is not a number Dataverse can hold")
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if decimal.Decimal(repr(number)) != value:
        raise ColumnError(f"{wire}: {value} has more digits than a JSON number carries exactly")
    return number


def to_odata(
    row: Row, operation: Operation = "create", clear: Iterable[str] = ()
) -> dict[str, object]:
    """The JSON body that creates or updates ``row``: JSON-ready values only.

    Only columns valid for ``operation`` and set on the row are sent; a
    lookup becomes ``nav@odata.bind: "/<entity set>(<id>)"``. Columns named
    in ``clear`` (by attribute or logical name) are sent as null. To send
    only what changed, use :func:`changes`.
    """
    body: dict[str, object] = {}
    cleared = set(clear)
    for col in type(row).COLUMNS:
        allowed = col.create if operation == "create" else col.update
        value = getattr(row, col.field)
        wanted = col.field in cleared or col.wire in cleared
        if not allowed:
            if value is not None and operation == "update" and wanted:
                raise ColumnError(f"{col.wire} cannot be changed by an update")
            continue
        if value is None and not wanted:
            continue
        _put(col, value, body)
    return body


def changes(before: R, after: R) -> dict[str, object]:
    """The JSON body of an update that turns ``before`` into ``after``: only
    the columns whose values differ, ``None`` sent as null (which clears the
    column). Owner, state and other columns left alone are not sent, so
    Dataverse does not process them (as Assign or SetState) again.

    Raises :class:`ColumnError` when a column that changed cannot be updated.
    """
    if type(before) is not type(after):
        raise TypeError(
            f"changes() compares two rows of one table, not {type(before).__name__} and {type(after).__name__}"
        )
    body: dict[str, object] = {}
    for col in type(after).COLUMNS:
        old, new = getattr(before, col.field), getattr(after, col.field)
        if old == new:
            continue
        if not col.update:
            raise ColumnError(f"{col.wire} cannot be changed by an update")
        _put(col, new, body)
    return body


def _put(col: Column, value: object, body: dict[str, object]) -> None:
    if col.kind == "lookup":
        _bind(col, value, body)
    else:
        body[col.wire] = None if value is None else _value(col, value)


def _bind(col: Column, value: object, body: dict[str, object]) -> None:
    if value is None:
        # clearing a lookup: null on every navigation property it has
        for _, nav in sorted(col.targets.values()):
            body[f"{nav}@odata.bind"] = None
        return
    assert isinstance(value, Lookup)
    table = value.table
    if table is None:
        if len(col.targets) != 1:
            raise ColumnError(
                f"{col.wire}: the response did not say which table this lookup points at; "
                f"read it with {PREFER_ANNOTATIONS} or give the Lookup a table"
            )
        table = next(iter(col.targets))
    if table not in col.targets:
        raise ColumnError(
            f"{col.wire} cannot point at {table!r}; it points at {', '.join(sorted(col.targets))}"
        )
    entity_set, nav = col.targets[table]
    body[f"{nav}@odata.bind"] = f"/{entity_set}({value.id})"


def if_match(row: Row) -> dict[str, str]:
    """The ``If-Match`` header that makes an update or delete of ``row`` fail
    (412) when the row changed on the server since it was read."""
    etag = getattr(row, "etag", None)
    if not etag:
        raise ColumnError(
            f"{row.LOGICAL_NAME}: the row has no ETag; read it from the Web API first"
        )
    return {"If-Match": etag}


def from_odata(cls: type[R], data: Response) -> R:
    """A typed row from a Web API response (one entity's JSON object, or the
    official SDK's ``Record``).

    Lookups are read from ``_<column>_value`` and its ``lookuplogicalname``
    and ``FormattedValue`` annotations; a lookup that may point at several
    tables is read with ``table=None`` when the response does not say which
    (see :class:`Lookup`). Every formatted value is kept in the row's
    ``formatted_values``, and ``@odata.etag`` in its ``etag``.
    """
    keys = data.keys()  # a Response need not be iterable itself (the SDK's Record is)
    raw = {key: data[key] for key in keys}
    values: dict[str, object] = {}
    formatted: dict[str, str] = {}
    for key, value in raw.items():
        if key.endswith(FORMATTED) and isinstance(value, str):
            name = key[: -len(FORMATTED)]
            if name.startswith("_") and name.endswith("_value"):
                name = name[1:-6]
            formatted[name] = value
    for col in cls.COLUMNS:
        if col.kind == "lookup":
            found = raw.get(f"_{col.wire}_value")
            if found is not None:
                table = raw.get(f"_{col.wire}_value{LOOKUP_TABLE}")
                if table is None and len(col.targets) == 1:
                    table = next(iter(col.targets))
                values[col.field] = Lookup(
                    None if table is None else str(table),
                    _uuid(col.wire, found),
                    formatted.get(col.wire),
                )
        elif raw.get(col.wire) is not None:
            values[col.field] = _read(col, raw[col.wire])
    values["formatted_values"] = formatted
    etag = raw.get(ETAG, getattr(data, "etag", None))  # the SDK's Record keeps it apart
    if isinstance(etag, str):
        values["etag"] = etag
    try:
        return cls(**values)
    except TypeError as exc:
        raise ColumnError(f"{cls.LOGICAL_NAME}: {exc}") from None


def _uuid(wire: str, raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ColumnError(f"{wire}: {raw!r} is not an id") from None


def _read(col: Column, raw: object) -> object:
    try:
        if col.kind == "choice" and col.choice is not None:
            return col.choice(int(str(raw)))
        if col.kind == "choices" and col.choice is not None:
            choice = col.choice
            return frozenset(choice(int(v)) for v in str(raw).split(",") if v.strip())
        if col.kind == "decimal":
            return decimal.Decimal(str(raw))
        if col.kind == "datetime":
            return datetime.datetime.fromisoformat(str(raw))
        if col.kind == "date":
            # "2026-04-30" only: a point in time cut to its first ten
            # characters would be the wrong day east of UTC
            return datetime.date.fromisoformat(str(raw))
        if col.kind == "uuid":
            return uuid.UUID(str(raw))
        if col.kind == "int":
            return int(str(raw))
        if col.kind == "float":
            return float(str(raw))
        if col.kind == "bytes":
            return base64.b64decode(str(raw))
    except ValueError as exc:
        raise ColumnError(f"{col.wire}: {exc}") from None
    return raw


class _Encoder(json.JSONEncoder):
    """Decimals (in a caller's own body or parameters) as JSON numbers, as
    :func:`to_odata` writes them."""

    def default(self, o: object) -> object:
        if isinstance(o, decimal.Decimal):
            return _number("a decimal", o)
        return super().default(o)


def dumps(body: Mapping[str, object] | None) -> str:
    """``body`` as Web API JSON (Decimals as numbers)."""
    return json.dumps(body, cls=_Encoder, ensure_ascii=False, sort_keys=True)


def entity_url(entity_set: str, key: uuid.UUID | str) -> str:
    return f"{entity_set}({key})"


def _literal(value: object) -> str:
    """``value`` as an OData literal for a parameter alias."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | decimal.Decimal):
        return json.dumps(value, cls=_Encoder)
    return json.dumps(value, cls=_Encoder, ensure_ascii=False, sort_keys=True)


def operation_url(name: str, parameters: Mapping[str, object] | None) -> str:
    """``Name(A=@p1,B=@p2)?@p1=...`` for a function call with parameter aliases.

    Strings are OData string literals (``'O''Neil'``), UUIDs and dates bare,
    other objects JSON; every value is percent-encoded for the query string.
    """
    if not parameters:
        return f"{name}()"
    aliases = [f"{k}=@p{i}" for i, k in enumerate(parameters, 1)]
    values = [
        f"@p{i}={urllib.parse.quote(_literal(v), safe=_SAFE)}"
        for i, v in enumerate(parameters.values(), 1)
    ]
    return f"{name}({','.join(aliases)})?{'&'.join(values)}"


# what encodeURIComponent leaves alone, so the Python and TypeScript bindings agree
_SAFE = "-_.!~*'()"


# -- actions and functions ---------------------------------------------------------

#: The namespace of every Dataverse type, action and function.
NAMESPACE: Final = "Microsoft.Dynamics.CRM"
T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Value:
    """How an operation's parameter, return value or a complex type's property
    maps to the Web API. ``kind`` is a column kind, or ``enum`` (``of``: the
    enum class), ``complex`` (``of``: the class), ``table`` (``of``: the
    table's logical name, primary id column and entity set) or ``entity`` (a row of a type
    that is not a table, as JSON). ``odata`` is the type's qualified name."""

    field: str
    wire: str
    kind: str
    of: Any = None
    many: bool = False
    odata: str | None = None


class Complex:
    """Base of every generated complex type: a value an operation takes or
    returns, read from and written to Web API JSON by its :attr:`VALUES`."""

    VALUES: ClassVar[tuple[Value, ...]] = ()

    @classmethod
    def from_odata(cls, data: Response) -> Self:
        keys = set(data.keys())
        found = {v.field: read_value(v, data[v.wire]) for v in cls.VALUES if v.wire in keys}
        return cls(**found)

    def to_odata(self) -> dict[str, object]:
        return {
            v.wire: write_value(v, getattr(self, v.field))
            for v in self.VALUES
            if getattr(self, v.field) is not None
        }


def _table_class(logical_name: str) -> type[Row]:
    package = importlib.import_module(__name__.rpartition(".")[0])
    cls: type[Row] = package.get_table(logical_name)
    return cls


def _enum_read(cls: type[enum.IntEnum | enum.IntFlag], raw: object) -> object:
    """An enum member from the Web API: its name (``"A, B"`` for flags) or number."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return cls(raw)
    names = [n.strip() for n in str(raw).split(",") if n.strip()]
    try:
        if issubclass(cls, enum.IntFlag):
            out = cls(0)
            for n in names:
                out |= cls[n]
            return out
        return cls[str(raw).strip()]
    except KeyError:
        raise ColumnError(f"{raw!r} is not a member of {cls.__name__}") from None


def _enum_write(value: object) -> str:
    if isinstance(value, enum.IntFlag):
        return ", ".join(m.name or "" for m in type(value) if m in value and m.value)
    assert isinstance(value, enum.Enum)
    return value.name


def _read_one(spec: Value, raw: object) -> object:
    if raw is None:
        return None
    if spec.kind == "enum":
        return _enum_read(spec.of, raw)
    if spec.kind == "complex":
        assert isinstance(raw, Mapping)
        result: object = spec.of.from_odata(raw)
        return result
    if spec.kind == "table":
        assert isinstance(raw, Mapping)
        return from_odata(_table_class(spec.of[0]), raw)
    if spec.kind == "entity":
        return raw
    return _read(Column(spec.field, spec.wire, spec.kind), raw)  # type: ignore[arg-type]


def read_value(spec: Value, raw: object) -> object:
    """A value of the Web API's JSON as the Python the spec says."""
    if spec.many:
        if raw is None:
            return None
        if not isinstance(raw, list):
            raise ColumnError(f"{spec.wire}: expected a list, not {raw!r}")
        return [_read_one(spec, r) for r in raw]
    return _read_one(spec, raw)


def _write_one(spec: Value, value: object) -> object:
    if spec.kind == "enum":
        return _enum_write(value)
    if spec.kind == "complex":
        assert isinstance(value, Complex)
        return value.to_odata()
    if spec.kind == "table":
        logical, key, _ = spec.of
        if isinstance(value, Row):
            return {"@odata.type": f"{NAMESPACE}.{logical}", **to_odata(value)}
        return {"@odata.type": f"{NAMESPACE}.{logical}", key: str(value)}
    if spec.kind == "entity":
        if isinstance(value, Row):
            return {
                "@odata.type": f"{NAMESPACE}.{value.__entity_logical_name__}",
                **to_odata(value),
            }
        assert isinstance(value, Mapping)
        return dict(value)
    return _value(Column(spec.field, spec.wire, spec.kind), value)  # type: ignore[arg-type]


def write_value(spec: Value, value: object) -> object:
    """A Python value as the Web API's JSON for the spec."""
    if value is None:
        return None
    if spec.many:
        assert isinstance(value, Iterable)
        return [_write_one(spec, v) for v in value]
    return _write_one(spec, value)


def parameters(pairs: Iterable[tuple[Value, object]]) -> dict[str, object]:
    """An action's body: each parameter given (``None``: left out), as JSON."""
    return {spec.wire: write_value(spec, v) for spec, v in pairs if v is not None}


#: Kinds whose OData literal is the value itself, not JSON.
_SCALARS = frozenset({"str", "uuid", "date", "datetime", "int", "float", "decimal", "bool"})


def _function_literal(spec: Value, value: object) -> str:
    if spec.kind == "table" and not spec.many and isinstance(value, uuid.UUID):
        # a row passed to a function is named by its URL (Microsoft's examples:
        # Target=@p1?@p1={'@odata.id':'accounts(<id>)'})
        return json.dumps({"@odata.id": f"{spec.of[2]}({value})"})
    if spec.kind == "enum" and not spec.many:
        return f"{spec.odata}'{_enum_write(value)}'"
    if spec.kind in _SCALARS and not spec.many:
        wire = write_value(spec, value)
        return str(wire) if spec.kind in ("uuid", "datetime", "date") else _literal(wire)
    return json.dumps(write_value(spec, value), cls=_Encoder, ensure_ascii=False, sort_keys=True)


def bound(entity_set: str, key: uuid.UUID | None = None) -> str:
    """Where a bound operation's name goes: ``accounts(<key>)/``, or
    ``accounts/`` for one bound to the entity set."""
    return f"{entity_set}({key})/" if key is not None else f"{entity_set}/"


def function_url(name: str, pairs: Iterable[tuple[Value, object]], prefix: str = "") -> str:
    """``prefix`` + ``Name(A=@p1,B=@p2)?@p1=...``: a function call whose
    parameters are aliases, each an OData literal of its type, percent-encoded."""
    given = [(spec, v) for spec, v in pairs if v is not None]
    if not given:
        return f"{prefix}{name}()"
    aliases = [f"{spec.wire}=@p{i}" for i, (spec, _) in enumerate(given, 1)]
    values = [
        f"@p{i}={urllib.parse.quote(_function_literal(spec, v), safe=_SAFE)}"
        for i, (spec, v) in enumerate(given, 1)
    ]
    return f"{prefix}{name}({','.join(aliases)})?{'&'.join(values)}"


@dataclasses.dataclass(frozen=True, slots=True)
class Call(Request, Generic[T]):
    """The request for an action or a function, and how to read its answer:
    ``result(response)`` turns the Web API's JSON into the declared type."""

    returns: Value | None = None

    def result(self, response: Response | None) -> T:
        spec = self.returns
        if spec is None or response is None:
            return None  # type: ignore[return-value]
        whole = not spec.many and spec.kind in ("complex", "table", "entity")
        raw = response if whole else response["value"]
        return read_value(spec, raw)  # type: ignore[return-value]


# -- alternate keys ----------------------------------------------------------------


def _key_literal(value: object) -> str:
    """A key value as an OData literal: strings quoted (``'O''Neil'``), ids,
    numbers, dates and booleans bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(int(value.value))
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ColumnError("a datetime in a key needs a time zone")
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date | uuid.UUID):
        return str(value)
    if isinstance(value, int | float | decimal.Decimal):
        return json.dumps(value, cls=_Encoder)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ColumnError(f"{value!r} cannot be a key value")


@dataclasses.dataclass(frozen=True, slots=True)
class Key:
    """A row addressed by an alternate key (``accounts(accountnumber='A-1')``)
    rather than its id: the table's entity set and each part's property and
    value. Dataverse looks the row up by the key's values."""

    entity_set: str
    parts: tuple[tuple[str, object], ...]

    @property
    def segment(self) -> str:
        """``accountnumber='A-1'``: what goes between the parentheses (and what
        clients such as DynamicsWebApi take as ``key``)."""
        return ",".join(
            f"{name}={urllib.parse.quote(_key_literal(v), safe=_KEY_SAFE)}"
            for name, v in self.parts
        )

    @property
    def url(self) -> str:
        return f"{self.entity_set}({self.segment})"

    @property
    def bind(self) -> str:
        """The value of an ``<navigation>@odata.bind`` key that points at the row."""
        return f"/{self.url}"

    def retrieve(self, select: Iterable[str] = ()) -> Request:
        chosen = ",".join(select)
        return Request("GET", self.url + (f"?$select={chosen}" if chosen else ""))

    def update(self, body: Mapping[str, object]) -> Request:
        """Change the row the key names; fails (404) rather than create one."""
        return Request("PATCH", self.url, dict(body), {"If-Match": "*"})

    def upsert(self, body: Mapping[str, object]) -> Request:
        """Change the row the key names, or create it with the key's values."""
        return Request("PATCH", self.url, dict(body))

    def create(self, body: Mapping[str, object]) -> Request:
        """Create the row with the key's values; fails (412) if one exists."""
        return Request("PATCH", self.url, dict(body), {"If-None-Match": "*"})

    def delete(self) -> Request:
        return Request("DELETE", self.url)


# what a key segment keeps as it is: the quotes of string literals, and what
# encodeURIComponent keeps, so the Python and TypeScript bindings agree
_KEY_SAFE = "-_.!~*'()"
