"""Two orgs' operations, complex and enum types (:class:`~generator.service.Service`)
in, the classified changes between them out.

An operation is named by its binding and its name (``systemuser.RetrieveUserQueues``,
or ``(service).WhoAmI`` when unbound), so that its changes are grouped under
the table it is called on. Operations are compared only when both sides hold
an org's ``$metadata``: pages give no parameters, so a side of pages says
nothing about them.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.diff.compare import Change
from generator.diff.rules import RULES
from generator.service import ComplexType, EnumType, Member, Operation, Service, TypeUse

#: Where an unbound operation, a complex type or an enum type is grouped.
SERVICE = "(service)"


def _change(rule: str, where: tuple[str, str], message: str, old: object, new: object) -> Change:
    """A change of ``rule`` at ``where`` (its group and its subject)."""
    if rule not in RULES:  # pragma: no cover - a typo here is a bug, caught by the tests
        raise KeyError(rule)
    return Change(rule, where[0], where[1], message, _value(old), _value(new))


def _value(v: object) -> str | int | None:
    return v if v is None or isinstance(v, str | int) else str(v)


def _type(use: TypeUse | None) -> str | None:
    if use is None:
        return None
    return f"Collection({use.name})" if use.collection else use.name


def compare_services(old: Service, new: Service) -> list[Change]:
    """Every change of operations, complex types and enum types from ``old`` to ``new``."""
    out: list[Change] = []
    out += _operations(old.operations, new.operations)
    out += _complex_types(old.complex_types, new.complex_types)
    out += _enum_types(old.enum_types, new.enum_types)
    return out


def operation_subject(op: Operation) -> str:
    """How a change names ``op``: ``binding.operation`` (``table[]`` for an
    entity set, ``(service)`` when unbound)."""
    return _where(op)[1]


def _where(op: Operation) -> tuple[str, str]:
    """(the group, the subject) of an operation."""
    table = op.binding or SERVICE
    binding = f"{table}[]" if op.binding_collection else table
    return table, f"{binding}.{op.name}"


def _operations(old_ops: Iterable[Operation], new_ops: Iterable[Operation]) -> list[Change]:
    old = {o.key: o for o in old_ops}
    new = {o.key: o for o in new_ops}
    out = []
    for key in sorted(set(old) - set(new)):
        table, subject = _where(old[key])
        what = f"{old[key].kind} {subject} was removed"
        out.append(_change("operation-removed", (table, subject), what, subject, None))
    for key in sorted(set(new) - set(old)):
        table, subject = _where(new[key])
        what = f"{new[key].kind} {subject} was added"
        out.append(_change("operation-added", (table, subject), what, None, subject))
    for key in sorted(set(old) & set(new)):
        out += _operation(old[key], new[key])
    return out


def _operation(a: Operation, b: Operation) -> list[Change]:
    table, subject = _where(b)
    out = []
    if _type(a.returns) != _type(b.returns):
        out.append(
            _change(
                "operation-return-type-changed",
                (table, subject),
                f"{b.kind} {subject} now returns {_type(b.returns)}, not {_type(a.returns)}",
                _type(a.returns),
                _type(b.returns),
            )
        )
    before = {p.name: p for p in a.parameters}
    after = {p.name: p for p in b.parameters}
    for name in sorted(set(before) - set(after)):
        s = f"{subject}.{name}"
        out.append(
            _change(
                "operation-parameter-removed", (table, s), f"parameter {s} was removed", name, None
            )
        )
    for name in sorted(set(after) - set(before)):
        s = f"{subject}.{name}"
        required = not after[name].type.nullable
        rule = "operation-parameter-added-required" if required else "operation-parameter-added"
        kind = "required" if required else "optional"
        out.append(_change(rule, (table, s), f"{kind} parameter {s} was added", None, name))
    for name in sorted(set(before) & set(after)):
        out += _parameter(table, f"{subject}.{name}", before[name], after[name])
    return out


def _parameter(table: str, s: str, a: Member, b: Member) -> list[Change]:
    out = []
    if _type(a.type) != _type(b.type):
        out.append(
            _change(
                "operation-parameter-retyped",
                (table, s),
                f"parameter {s} changed type from {_type(a.type)} to {_type(b.type)}",
                _type(a.type),
                _type(b.type),
            )
        )
    if a.type.nullable != b.type.nullable:
        rule = (
            "operation-parameter-now-optional"
            if b.type.nullable
            else "operation-parameter-now-required"
        )
        state = "optional" if b.type.nullable else "required"
        out.append(
            _change(
                rule, (table, s), f"parameter {s} is now {state}", a.type.nullable, b.type.nullable
            )
        )
    return out


def _complex_types(
    old_types: Iterable[ComplexType], new_types: Iterable[ComplexType]
) -> list[Change]:
    old = {c.name: c for c in old_types}
    new = {c.name: c for c in new_types}
    out = []
    for name in sorted(set(old) - set(new)):
        out.append(
            _change(
                "complex-type-removed",
                (SERVICE, name),
                f"complex type {name} was removed",
                name,
                None,
            )
        )
    for name in sorted(set(new) - set(old)):
        out.append(
            _change(
                "complex-type-added", (SERVICE, name), f"complex type {name} was added", None, name
            )
        )
    for name in sorted(set(old) & set(new)):
        before = {p.name: p for p in old[name].properties}
        after = {p.name: p for p in new[name].properties}
        for prop in sorted(set(before) - set(after)):
            s = f"{name}.{prop}"
            out.append(
                _change(
                    "complex-type-property-removed",
                    (SERVICE, s),
                    f"property {s} was removed",
                    prop,
                    None,
                )
            )
        for prop in sorted(set(after) - set(before)):
            s = f"{name}.{prop}"
            out.append(
                _change(
                    "complex-type-property-added",
                    (SERVICE, s),
                    f"property {s} was added",
                    None,
                    prop,
                )
            )
        for prop in sorted(set(before) & set(after)):
            was, now = _type(before[prop].type), _type(after[prop].type)
            if was != now:
                s = f"{name}.{prop}"
                what = f"property {s} changed type from {was} to {now}"
                out.append(_change("complex-type-property-retyped", (SERVICE, s), what, was, now))
    return out


def _enum_types(old_types: Iterable[EnumType], new_types: Iterable[EnumType]) -> list[Change]:
    old = {e.name: {m.name: m.value for m in e.members} for e in old_types}
    new = {e.name: {m.name: m.value for m in e.members} for e in new_types}
    out = []
    for name in sorted(set(old) & set(new)):
        for member in sorted(set(old[name]) - set(new[name])):
            s = f"{name}.{member}"
            out.append(
                _change(
                    "enum-member-removed", (SERVICE, s), f"member {s} was removed", member, None
                )
            )
        for member in sorted(set(new[name]) - set(old[name])):
            s = f"{name}.{member}"
            out.append(
                _change("enum-member-added", (SERVICE, s), f"member {s} was added", None, member)
            )
    return out
