"""The Python target's ``operations.py``: the org's enum and complex types as
classes, and a typed request builder for every operation a client can call
(:mod:`generator.calls`), each returning a ``_runtime.Call[T]`` whose
``result(response)`` reads the Web API's JSON as ``T``.

Names come from :class:`~generator.naming.Scope` (identifiers) and every
name from the document is printed through ``py_string`` (literals), so a
hostile document cannot break out of either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator import webapi
from generator.calls import NAMESPACE, CallSpec, calls, primary_id
from generator.escape import py_docstring, py_string
from generator.model import Table
from generator.naming import Case, Scope, humps
from generator.pyformat import LINE_LENGTH, docstring
from generator.render import DEFAULT, Style
from generator.service import ComplexType, Member, Operation, Service, TypeUse

MODULE = "operations"
_PRIMITIVES = {
    "Edm.String": ("str", "str"),
    "Edm.Boolean": ("bool", "bool"),
    "Edm.Int16": ("int", "int"),
    "Edm.Int32": ("int", "int"),
    "Edm.Int64": ("int", "int"),
    "Edm.Byte": ("int", "int"),
    "Edm.SByte": ("int", "int"),
    "Edm.Double": ("float", "float"),
    "Edm.Single": ("float", "float"),
    "Edm.Decimal": ("decimal.Decimal", "decimal"),
    "Edm.Guid": ("uuid.UUID", "uuid"),
    "Edm.DateTimeOffset": ("datetime.datetime", "datetime"),
    "Edm.Date": ("datetime.date", "date"),
    "Edm.Binary": ("bytes", "bytes"),
}
#: Names the module defines or imports at module level.
_MODULE_NAMES = (
    *("annotations", "dataclasses", "datetime", "decimal", "enum", "uuid", "typing"),
    *("Any", "Final", "Mapping", "Sequence", "TYPE_CHECKING", "_runtime"),
)
_COMPLEX_NAMES = ("VALUES", "from_odata", "to_odata")


@dataclass(slots=True)
class EnumView:
    name: str
    wire: str  # a string literal
    flags: bool
    members: list[tuple[str, int]]  # (string literal, value)


@dataclass(slots=True)
class FieldView:
    name: str
    annotation: str
    spec: str  # the _runtime.Value(...) expression


@dataclass(slots=True)
class ComplexView:
    name: str
    base: str
    doc: str
    fields: list[FieldView]
    specs: list[str] = field(default_factory=list)  # with the base's


@dataclass(slots=True)
class ParamView:
    name: str
    annotation: str
    spec: str
    required: bool

    @property
    def pair(self) -> str:
        """``(spec, name)``: what the runtime writes the argument by."""
        return f"({self.spec}, {self.name})"

    @property
    def declared(self) -> str:
        return f"{self.name}: {self.annotation}" + ("" if self.required else " = None")


@dataclass(slots=True)
class CallView:
    name: str
    doc: str
    kind: str  # "action" or "function"
    returns: str  # the T of _runtime.Call[T]
    returns_spec: str  # a _runtime.Value(...) or None
    url: str  # an expression: the URL before a function's parameters
    function: str | None  # a function's name, as a literal
    path: str  # the operation's name (qualified when bound), as a literal
    params: list[ParamView]
    keyed: bool
    names_set: bool

    @property
    def wrapped(self) -> bool:
        """Whether ``def name() -> ...:`` is too long for a line, and its
        return annotation goes in parentheses of its own, as black puts it."""
        return len(f"def {self.name}() -> _runtime.Call[{self.returns}]:") > LINE_LENGTH

    @property
    def declared(self) -> list[str]:
        """The parameters, each printed: the entity set and key of a bound
        call, then the operation's, keyword-only."""
        first = [
            *(["entity_set: str"] if self.names_set else []),
            *(["key: uuid.UUID"] if self.keyed else []),
        ]
        rest = [p.declared for p in self.params]
        return [*first, *(["*", *rest] if rest else [])]


@dataclass(slots=True)
class ModuleView:
    enums: list[EnumView]
    complex_types: list[ComplexView]
    calls: list[CallView]
    imports: list[tuple[str, str]]  # (module, alias) for TYPE_CHECKING


class _Types:
    """Python annotations and runtime specs for the document's types."""

    def __init__(
        self,
        service: Service,
        tables: Mapping[str, Table],
        rows: Mapping[str, tuple[str, str]],
        scope: Scope,
    ) -> None:
        self.tables, self.rows = tables, rows
        self.classes: dict[str, str] = {}
        for name in [e.name for e in service.enum_types] + [c.name for c in service.complex_types]:
            self.classes[name] = scope.claim(humps(name), Case.PASCAL, owner=f"type {name}")
        self.imports: dict[str, str] = {}

    def row(self, name: str) -> str:
        module, cls = self.rows[name]
        alias = self.imports.setdefault(module, f"_{module}")
        return f"{alias}.{cls}"

    def one(self, use: TypeUse, returned: bool) -> tuple[str, str, str]:
        """(annotation, kind, of) for one value of ``use``."""
        if use.kind == "primitive":
            annotation, kind = _PRIMITIVES.get(use.name, ("object", "object"))
            return annotation, kind, "None"
        if use.kind in ("enum", "complex"):
            cls = self.classes[use.name]
            return cls, use.kind, cls
        if use.kind == "table" and use.name in self.rows:
            key = py_string(primary_id(self.tables, use.name))
            entity_set = py_string(webapi.entity_set_of(use.name, self.tables))
            of = f"({py_string(use.name)}, {key}, {entity_set})"
            annotation = self.row(use.name) if returned else "_runtime.Row | uuid.UUID"
            return annotation, "table", of
        annotation = "Mapping[str, Any]" if returned else "_runtime.Row | Mapping[str, Any]"
        return annotation, "entity", "None"

    def annotate(self, use: TypeUse, *, returned: bool, optional: bool) -> tuple[str, str]:
        """(annotation, _runtime.Value args after field and wire)."""
        annotation, kind, of = self.one(use, returned)
        if use.collection:
            annotation = f"list[{annotation}]" if returned else f"Sequence[{annotation}]"
        if optional:
            annotation += " | None"
        odata = py_string(f"{NAMESPACE}.{use.name}") if use.kind in ("enum", "complex") else "None"
        # the arguments after the kind that are not their defaults, by keyword
        extra = [
            *([f"of={of}"] if of != "None" else []),
            *(["many=True"] if use.collection else []),
            *([f"odata={odata}"] if odata != "None" else []),
        ]
        args = ", ".join([py_string(kind), *extra])
        return annotation, args


def operations_module(
    service: Service,
    tables: Mapping[str, Table],
    rows: Mapping[str, tuple[str, str]],
    style: Style = DEFAULT,
) -> str:
    """``operations.py`` (unformatted); ``rows``: each table's (module, class)."""
    scope = Scope(taken=_MODULE_NAMES, where="the Python module operations")
    types = _Types(service, tables, rows, scope)
    enums = [
        EnumView(
            types.classes[e.name],
            py_string(e.name),
            e.flags,
            [(py_string(m.name), m.value) for m in e.members],
        )
        for e in service.enum_types
    ]
    complex_views = _complex(service, types)
    call_views = [_call(c, types, scope) for c in calls(service, tables)]
    return style.templates.render(
        "python/operations.py.jinja",
        view=ModuleView(enums, complex_views, call_views, sorted(types.imports.items())),
    )


def call_names(
    service: Service, tables: Mapping[str, Table], rows: Mapping[str, tuple[str, str]]
) -> dict[str, Operation]:
    """Each builder ``operations.py`` defines, by name, with its operation
    (named as :func:`operations_module` names them)."""
    scope = Scope(taken=_MODULE_NAMES, where="the Python module operations")
    types = _Types(service, tables, rows, scope)
    _complex(service, types)
    specs = calls(service, tables)
    return {_call(c, types, scope).name: c.operation for c in specs}


def _complex(service: Service, types: _Types) -> list[ComplexView]:
    """Every complex type, each after its base."""
    by_name = {c.name: c for c in service.complex_types}
    done: dict[str, ComplexView] = {}
    taken: dict[str, set[str]] = {}

    def visit(c: ComplexType, seen: frozenset[str]) -> None:
        if c.name in done:
            return
        base = by_name.get(c.base or "")
        if base is not None and base.name not in seen:
            visit(base, seen | {c.name})
        parent = done.get(base.name) if base is not None else None
        scope = Scope(
            taken=(*_COMPLEX_NAMES, *(taken.get(base.name, ()) if base else ())),
            where=f"the Python class {types.classes[c.name]}",
        )
        fields = [_field(p, types, scope) for p in c.properties]
        taken[c.name] = {f.name for f in fields} | (taken.get(base.name, set()) if base else set())
        done[c.name] = ComplexView(
            name=types.classes[c.name],
            base=parent.name if parent is not None else "_runtime.Complex",
            doc=docstring(py_docstring(f"The complex type {NAMESPACE}.{c.name}."), "    "),
            fields=fields,
            specs=[*(parent.specs if parent else []), *(f.spec for f in fields)],
        )

    for c in service.complex_types:
        visit(c, frozenset())
    return list(done.values())  # in the order made: each base before what derives from it


def _field(member: Member, types: _Types, scope: Scope) -> FieldView:
    name = scope.claim(humps(member.name), Case.SNAKE, owner=f"property {member.name}")
    annotation, args = types.annotate(member.type, returned=True, optional=True)
    spec = f"_runtime.Value({py_string(name)}, {py_string(member.name)}, {args})"
    return FieldView(name, annotation, spec)


def _call(c: CallSpec, types: _Types, scope: Scope) -> CallView:
    op = c.operation
    text = humps(op.name)
    if op.binding:
        text = f"{c.entity_set or op.binding} {text}"
    name = scope.claim(text, Case.SNAKE, owner=f"{op.kind} {op.name}")
    params_scope = Scope(taken=("key", "entity_set"), where=f"the function {name}")
    params = []
    for member, required in (*((m, True) for m in c.required), *((m, False) for m in c.optional)):
        pname = params_scope.claim(humps(member.name), Case.SNAKE, owner=f"parameter {member.name}")
        annotation, args = types.annotate(member.type, returned=False, optional=not required)
        spec = f"_runtime.Value({py_string(pname)}, {py_string(member.name)}, {args})"
        params.append(ParamView(pname, annotation, spec, required))
    returns, returns_spec = "None", "None"
    if op.returns is not None:
        returns, args = types.annotate(op.returns, returned=True, optional=op.returns.nullable)
        returns_spec = f"_runtime.Value({py_string('value')}, {py_string('value')}, {args})"
    where = _where(c)
    doc = f"The {op.kind} {op.name}" + (f", bound to {op.binding}" if op.binding else "") + "."
    return CallView(
        name=name,
        doc=docstring(py_docstring(doc), "    "),
        kind=op.kind,
        returns=returns,
        returns_spec=returns_spec,
        url=where,
        function=py_string(c.path) if op.kind == "function" else None,
        path=py_string(c.path),
        params=params,
        keyed=c.keyed,
        names_set=c.names_set,
    )


def _where(c: CallSpec) -> str:
    """The URL up to the operation's name, as a Python expression."""
    if not c.bound:
        return ""
    entity_set = "entity_set" if c.names_set else py_string(c.entity_set or "")
    return f"_runtime.bound({entity_set}, key)" if c.keyed else f"_runtime.bound({entity_set})"
