"""A ``$metadata`` document's actions, functions, complex types and enum
types as a :class:`~generator.service.Service`, and the services of several
documents as one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from generator.csdl.document import Document, TypeRef, short_name
from generator.csdl.document import Operation as DocOperation
from generator.diagnostics import Diagnostics
from generator.model import Source
from generator.service import (
    ComplexType,
    EnumMember,
    EnumType,
    Member,
    Operation,
    Service,
    TypeKind,
    TypeUse,
)


def service_of(doc: Document, source: Source, tables: Iterable[str]) -> Service:
    """What ``doc`` offers beside its tables (``tables``: those it has)."""
    kinds = _Kinds(doc, set(tables))
    imported = set(doc.imports.values())
    path = source.path
    operations = [
        _operation(op, kinds, op.bound or op.name in imported, path)
        for overloads in doc.operations.values()
        for op in overloads
    ]
    complex_types = [
        ComplexType(
            name=short_name(t.name),
            base=short_name(t.base) if t.base else None,
            properties=tuple(
                Member(name=p.name, type=kinds.use(p.type, p.nullable)) for p in t.properties
            ),
            sources=(path,),
        )
        for t in doc.complex_types.values()
    ]
    enum_types = [
        EnumType(
            name=short_name(e.name),
            flags=e.flags,
            members=tuple(EnumMember(name=n, value=v) for n, v in e.members),
            sources=(path,),
        )
        for e in doc.enum_types.values()
    ]
    return Service(
        namespace=doc.namespace,
        sources=(source,),
        operations=tuple(_unique(operations)),
        complex_types=tuple(complex_types),
        enum_types=tuple(enum_types),
    )


def merge_services(
    services: Iterable[Service], diags: Diagnostics, shown_paths: Mapping[str, str]
) -> Service:
    """One service from several documents (in path order): an operation or
    type two documents declare differently is the later one's, with a
    warning (``DV404``) that names both."""
    ops: dict[tuple[str, str, bool], Operation] = {}
    complex_types: dict[str, ComplexType] = {}
    enum_types: dict[str, EnumType] = {}
    sources: list[Source] = []
    for service in sorted(services, key=lambda s: [x.path for x in s.sources]):
        sources.extend(service.sources)
        for op in service.operations:
            _keep(ops, op.key, op, f"{op.kind} {op.name}", diags=diags, shown_paths=shown_paths)
        for c in service.complex_types:
            _keep(
                complex_types,
                c.name,
                c,
                f"complex type {c.name}",
                diags=diags,
                shown_paths=shown_paths,
            )
        for e in service.enum_types:
            _keep(
                enum_types, e.name, e, f"enum type {e.name}", diags=diags, shown_paths=shown_paths
            )
    return Service(
        sources=tuple(sources),
        operations=tuple(ops.values()),
        complex_types=tuple(complex_types.values()),
        enum_types=tuple(enum_types.values()),
    )


def _keep(
    into: MutableMapping[Any, Any],
    key: object,
    item: Operation | ComplexType | EnumType,
    what: str,
    *,
    diags: Diagnostics,
    shown_paths: Mapping[str, str],
) -> None:
    before = into.get(key)
    if isinstance(before, type(item)):
        old = before.model_copy(update={"sources": ()})
        if old != item.model_copy(update={"sources": ()}):
            first, second = (shown_paths.get(s, s) for s in (before.sources[0], item.sources[0]))
            diags.warning(
                "DV404",
                f"{what} is declared one way in {first} and another in {second}; "
                f"{second}'s is kept",
                second,
            )
        item = item.model_copy(update={"sources": (*before.sources, *item.sources)})
    into[key] = item


class _Kinds:
    def __init__(self, doc: Document, tables: set[str]) -> None:
        self.doc, self.tables = doc, tables

    def kind(self, ref: TypeRef) -> TypeKind:
        if ref.primitive:
            return "primitive"
        if ref.name in self.doc.complex_types:
            return "complex"
        if ref.name in self.doc.enum_types:
            return "enum"
        return "table" if short_name(ref.name) in self.tables else "entity"

    def use(self, ref: TypeRef, nullable: bool) -> TypeUse:
        name = ref.name if ref.primitive else short_name(ref.name)
        return TypeUse(name=name, kind=self.kind(ref), collection=ref.collection, nullable=nullable)


def _operation(op: DocOperation, kinds: _Kinds, callable_: bool, path: str) -> Operation:
    params = op.parameters[1:] if op.bound else op.parameters
    binding = op.parameters[0].type if op.bound else None
    return Operation(
        kind="action" if op.kind == "action" else "function",
        name=short_name(op.name),
        binding=short_name(binding.name) if binding else None,
        binding_kind=kinds.kind(binding) if binding else None,
        binding_collection=bool(binding and binding.collection),
        parameters=tuple(Member(name=p.name, type=kinds.use(p.type, p.nullable)) for p in params),
        returns=kinds.use(op.returns, op.returns_nullable) if op.returns else None,
        composable=op.composable,
        callable=callable_,
        sources=(path,),
    )


def _unique(ops: list[Operation]) -> list[Operation]:
    """One operation per name and binding (a document may repeat one)."""
    return list({op.key: op for op in ops}.values())
