"""What ``$metadata`` declares beside the entity types: the enum types,
complex types, actions and functions of the orgs' documents (with their
parameters and return types, functions included), and the actions and
functions the pages name that no document declares.

A document's declaration is kept whole when every type it names is declared
here too; one that names a type the build does not declare (an entity type
of the metadata API, such as ``EntityMetadata``, which is not a table) is
left out with one note (``DV306``) rather than made to point at nothing.
A page names an operation without its parameters: its action is declared
without them, and its function (which must declare a return type) as
returning ``Edm.Untyped``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from generator import webapi
from generator.diagnostics import Diagnostics
from generator.model import Table
from generator.service import Member, Operation, Service, TypeUse

_SIMPLE = re.compile(r"^[^\W\d]\w{0,127}$")
#: The schema's alias, by which its declarations name each other.
ALIAS = "mscrm"


@dataclass(slots=True)
class OperationView:
    element: str  # "Action" or "Function"
    name: str
    bound: bool
    composable: bool
    parameters: list[tuple[str, str, bool]]  # (name, type, nullable)
    returns: tuple[str, bool] | None  # (type, nullable)


@dataclass(slots=True)
class Declarations:
    enums: list[tuple[str, bool, list[tuple[str, int]]]] = field(default_factory=list)
    complex_types: list[tuple[str, str | None, list[tuple[str, str]]]] = field(default_factory=list)
    operations: list[OperationView] = field(default_factory=list)
    imports: list[tuple[str, str]] = field(default_factory=list)  # (element, name)


def declarations(
    service: Service | None,
    tables: Mapping[str, Table],
    taken: Iterable[str],
    page_actions: Iterable[str],
    diags: Diagnostics,
) -> Declarations:
    """Every declaration beside the entity types. ``taken``: the entity types
    and entity sets declared; ``page_actions``: the actions the pages name."""
    out = Declarations()
    declared = set(taken)
    left_out: list[str] = []
    named: set[str] = set()
    if service is not None:
        enums = {e.name for e in service.enum_types if _SIMPLE.match(e.name)}
        complex_ok = _complex_closure(service, declared, enums)
        for e in service.enum_types:
            if e.name in enums and all(_SIMPLE.match(m.name) for m in e.members):
                out.enums.append((e.name, e.flags, [(m.name, m.value) for m in e.members]))
        for c in service.complex_types:
            if c.name in complex_ok:
                props = [(p.name, _type(p.type)) for p in c.properties]
                out.complex_types.append((c.name, _qualified(c.base), props))
            else:
                left_out.append(f"complex type {c.name}")
        known = declared | enums | complex_ok
        for op in service.operations:
            if not _fits(op, known):
                left_out.append(f"{op.kind} {op.name}")
                continue
            out.operations.append(_operation(op))
            named.add(op.name)
            if op.binding is None and op.callable:
                out.imports.append((f"{op.kind.capitalize()}Import", op.name))
    page = {("action", a) for a in page_actions} | _page_functions(tables)
    for kind, name in sorted(page):
        if name in named or name in declared:
            continue
        named.add(name)
        returns = ("Edm.Untyped", True) if kind == "function" else None
        out.operations.append(OperationView(kind.capitalize(), name, False, False, [], returns))
        out.imports.append((f"{kind.capitalize()}Import", name))
    if left_out:
        diags.info(
            "DV306",
            f"{len(left_out)} declaration(s) of the orgs' $metadata left out of dvgen's, as they "
            "name types the build does not declare (the metadata API's, or tables left out): "
            + ", ".join(sorted(left_out)),
        )
    return out


def _page_functions(tables: Mapping[str, Table]) -> set[tuple[str, str]]:
    """The functions the pages name, as ("function", name)."""
    found = set()
    for table in tables.values():
        for msg in table.messages:
            op = webapi.invocable(msg)
            if op is not None and op.kind == "function" and op.name and _SIMPLE.match(op.name):
                found.add(("function", op.name))
    return found


def _complex_closure(service: Service, declared: set[str], enums: set[str]) -> set[str]:
    """The complex types all of whose types are declared (given the others that are)."""
    ok = {c.name for c in service.complex_types if _SIMPLE.match(c.name)}
    changed = True
    while changed:
        changed = False
        for c in service.complex_types:
            if c.name not in ok:
                continue
            known = declared | enums | ok
            fits = (c.base is None or c.base in ok) and all(
                _SIMPLE.match(p.name) and _known(p.type, known) for p in c.properties
            )
            if not fits:
                ok.discard(c.name)
                changed = True
    return ok


def _known(use: TypeUse, known: set[str]) -> bool:
    return use.name.startswith("Edm.") if use.kind == "primitive" else use.name in known


def _fits(op: Operation, known: set[str]) -> bool:
    uses: list[TypeUse] = [p.type for p in op.parameters]
    if op.returns is not None:
        uses.append(op.returns)
    names_ok = _SIMPLE.match(op.name) and all(_SIMPLE.match(p.name) for p in op.parameters)
    binding_ok = op.binding is None or op.binding in known
    return bool(names_ok) and binding_ok and all(_known(u, known) for u in uses)


def _qualified(name: str | None) -> str | None:
    return f"{ALIAS}.{name}" if name else None


def _type(use: TypeUse) -> str:
    inner = use.name if use.kind == "primitive" else f"{ALIAS}.{use.name}"
    return f"Collection({inner})" if use.collection else inner


def _parameter(member: Member) -> tuple[str, str, bool]:
    return (member.name, _type(member.type), member.type.nullable)


def _operation(op: Operation) -> OperationView:
    parameters = [_parameter(p) for p in op.parameters]
    if op.binding is not None:
        binding = f"{ALIAS}.{op.binding}"
        if op.binding_collection:
            binding = f"Collection({binding})"
        parameters.insert(0, ("entityset" if op.binding_collection else "entity", binding, False))
    returns = (_type(op.returns), op.returns.nullable) if op.returns is not None else None
    return OperationView(
        op.kind.capitalize(), op.name, op.binding is not None, op.composable, parameters, returns
    )
