"""The TypeScript target's ``src/operations.ts``: the org's enum and complex
types, and a typed builder for every operation a client can call
(:mod:`generator.calls`), each returning an ``OperationCall<T>``.

Complex types are interfaces of the Web API's JSON (their properties keep
their wire names); an enum is an object of its members and the union of
their names, which is how the Web API writes one. Parameters are one object
keyed by the parameters' wire names, optional ones optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator import webapi
from generator.calls import NAMESPACE, CallSpec, calls, primary_id
from generator.escape import ts_doc, ts_string
from generator.model import Table
from generator.naming import TYPESCRIPT_RESERVED, Case, Scope, humps
from generator.render import DEFAULT, Style
from generator.service import Service, TypeUse

MODULE = "operations"
_PRIMITIVES = {
    "Edm.String": "string",
    "Edm.Boolean": "boolean",
    "Edm.Int16": "number",
    "Edm.Int32": "number",
    "Edm.Int64": "number",
    "Edm.Byte": "number",
    "Edm.SByte": "number",
    "Edm.Double": "number",
    "Edm.Single": "number",
    "Edm.Decimal": "number",
    "Edm.Guid": "Guid",
    "Edm.DateTimeOffset": "string",
    "Edm.Date": "DateOnly",
    "Edm.Binary": "string",
}
_BARE = ("Edm.Guid", "Edm.Date", "Edm.DateTimeOffset")
_RECORD = "Readonly<Record<string, unknown>>"


@dataclass(slots=True)
class EnumView:
    name: str
    doc: str
    members: list[tuple[str, int]]  # (a string literal key, value)


@dataclass(slots=True)
class PropertyView:
    key: str  # a string literal
    type: str


@dataclass(slots=True)
class InterfaceView:
    name: str
    doc: str
    base: str | None
    properties: list[PropertyView]


@dataclass(slots=True)
class CallView:
    name: str
    doc: str
    signature: str  # the parameters, printed
    returns: str  # the T of OperationCall<T>
    function: bool
    prefix: str  # an expression: the URL before the operation's name
    path: str  # the operation's name (qualified when bound), a string literal
    args: list[str]  # each Argument, printed
    answer: str  # "whole", "value" or "none", a string literal


@dataclass(slots=True)
class ModuleView:
    enums: list[EnumView]
    interfaces: list[InterfaceView]
    calls: list[CallView]
    imports: list[tuple[str, str]]  # (module, alias): `import type * as alias`


class _Types:
    def __init__(
        self, service: Service, tables: Mapping[str, Table], modules: Mapping[str, str]
    ) -> None:
        self.tables, self.modules = tables, modules
        scope = Scope(
            taken=("Guid", "DateOnly", "Argument", "OperationCall", "actionCall", "functionCall"),
            reserved=TYPESCRIPT_RESERVED,
            where="the TypeScript module operations",
        )
        self.scope = scope
        names = [e.name for e in service.enum_types] + [c.name for c in service.complex_types]
        self.names = {n: scope.claim(humps(n), Case.PASCAL, owner=f"type {n}") for n in names}
        self.enums = {e.name: e.flags for e in service.enum_types}
        self.imports: dict[str, str] = {}

    def module(self, table: str) -> str:
        module = self.modules[table]
        return self.imports.setdefault(module, f"t_{module}")

    def one(self, use: TypeUse, returned: bool) -> str:
        if use.kind == "primitive":
            name = _PRIMITIVES.get(use.name, "unknown")
            return (
                "string | Date" if name == "string" and use.name in _BARE and not returned else name
            )
        if use.kind == "enum":
            name = self.names[use.name]
            if self.enums.get(use.name):
                return "string" if returned else f"{name} | readonly {name}[]"
            return name
        if use.kind == "complex":
            return self.names[use.name]
        if use.kind == "table" and use.name in self.modules:
            alias = self.module(use.name)
            return f"{alias}.Row" if returned else f"{alias}.Id | {_RECORD}"
        return _RECORD

    def type(self, use: TypeUse, *, returned: bool) -> str:
        one = self.one(use, returned)
        if use.collection:
            one = f"({one})[]" if returned else f"readonly ({one})[]"
        if returned and use.nullable:
            one += " | null"
        return one

    def argument(self, wire: str, access: str, use: TypeUse) -> str:
        if use.kind == "enum":
            extra = f", {ts_string(f'{NAMESPACE}.{use.name}')}"
            return f'[{ts_string(wire)}, {access}, "enum"{extra}]'
        if use.kind == "table" and not use.collection:
            key = ts_string(primary_id(self.tables, use.name))
            entity_set = ts_string(webapi.entity_set_of(use.name, self.tables))
            extra = f", [{ts_string(use.name)}, {key}, {entity_set}]"
            return f'[{ts_string(wire)}, {access}, "table"{extra}]'
        kind = "bare" if use.kind == "primitive" and use.name in _BARE else "value"
        return f'[{ts_string(wire)}, {access}, "{kind}"]'


def operations_module(
    service: Service,
    tables: Mapping[str, Table],
    modules: Mapping[str, str],
    style: Style = DEFAULT,
) -> str:
    """``src/operations.ts``; ``modules``: each table's module name."""
    types = _Types(service, tables, modules)
    enums = [
        EnumView(
            types.names[e.name],
            ts_doc(f"The enum type {NAMESPACE}.{e.name}" + (" (flags)." if e.flags else ".")),
            [(ts_string(m.name), m.value) for m in e.members],
        )
        for e in service.enum_types
    ]
    interfaces = [
        InterfaceView(
            types.names[c.name],
            ts_doc(f"The complex type {NAMESPACE}.{c.name}."),
            types.names.get(c.base or ""),
            [
                PropertyView(ts_string(p.name), types.type(p.type, returned=True))
                for p in c.properties
            ],
        )
        for c in service.complex_types
    ]
    views = [_call(c, types) for c in calls(service, tables)]
    return style.templates.render(
        "typescript/operations.ts.jinja",
        view=ModuleView(enums, interfaces, views, sorted(types.imports.items())),
    )


def _call(c: CallSpec, types: _Types) -> CallView:
    op = c.operation
    text = humps(op.name)
    if op.binding:
        text = f"{c.entity_set or op.binding} {text}"
    name = types.scope.claim(text, Case.CAMEL, owner=f"{op.kind} {op.name}")
    first = []
    if c.names_set:
        first.append("entitySet: string")
    if c.keyed:
        key = (
            f"{types.module(op.binding)}.Id"
            if op.binding and op.binding_kind == "table" and op.binding in types.modules
            else "Guid"
        )
        first.append(f"key: {key}")
    fields = [
        f"readonly {ts_string(p.name)}{'' if required else '?'}: "
        + types.type(p.type, returned=False)
        for p, required in (*((p, True) for p in c.required), *((p, False) for p in c.optional))
    ]
    if fields:
        optional = "" if c.required else " = {}"
        first.append(f"parameters: {{ {'; '.join(fields)} }}{optional}")
    args = [
        types.argument(p.name, f"parameters[{ts_string(p.name)}]", p.type) for p in op.parameters
    ]
    returns, answer = "void", "none"
    if op.returns is not None:
        returns = types.type(op.returns, returned=True)
        whole = not op.returns.collection and op.returns.kind in ("complex", "table", "entity")
        answer = "whole" if whole else "value"
    prefix = ""
    if c.bound:
        entity_set = "entitySet" if c.names_set else ts_string(c.entity_set or "")
        prefix = f'{entity_set} + "(" + key + ")/"' if c.keyed else f'{entity_set} + "/"'
    doc = f"The {op.kind} {op.name}" + (f", bound to {op.binding}" if op.binding else "") + "."
    return CallView(
        name=name,
        doc=ts_doc(doc),
        signature=", ".join(first),
        returns=returns,
        function=op.kind == "function",
        prefix=prefix,
        path=ts_string(c.path),
        args=args,
        answer=ts_string(answer),
    )
