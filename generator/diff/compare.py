"""Two sets of tables in, the classified changes between them out.

Everything is compared as the bindings see it: a column's effective
create/update/read status and required-on-create come from
:mod:`generator.webapi`, the same rules every target uses. A value a
page leaves out (``None``) on either side is unknown, not changed, except
where noted. Formatted-value companions (``owneridname``) are not compared:
they are not Web API properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from generator import webapi
from generator.diff.rules import RANK, RULES, Severity
from generator.model import (
    Attribute,
    ManyToMany,
    Message,
    Option,
    Relationship,
    Table,
    WebApiOperation,
)

Value = str | int | float | bool | None
_REQUIRED_RANK = {"None": 0, "Recommended": 1, "ApplicationRequired": 2, "SystemRequired": 3}
_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class Change:
    rule: str
    table: str
    subject: str
    message: str
    old: Value = None
    new: Value = None

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.table, RANK[self.severity], self.subject, self.rule)


class _Out:
    """Collects the changes of one table."""

    def __init__(self, table: str, old: Table | None = None, new: Table | None = None) -> None:
        self.table = table
        self.old, self.new = old, new  # both set while comparing a table's insides
        self.items: list[Change] = []

    def add(
        self, rule: str, subject: str, message: str, old: Value = None, new: Value = None
    ) -> None:
        if rule not in RULES:  # pragma: no cover - a typo here is a bug, caught by the tests
            raise KeyError(rule)
        self.items.append(Change(rule, self.table, subject, message, old, new))

    def changed(
        self, rule: str, subject: str, what: str, old: Value, new: Value, *, both: bool = True
    ) -> None:
        """``rule`` when ``old != new`` (and, with ``both``, neither is unknown)."""
        if old == new or (both and (old is None or new is None)):
            return
        self.add(rule, subject, f"{what} changed from {_show(old)} to {_show(new)}", old, new)


def _show(v: Value) -> str:
    return "(none)" if v is None else repr(v) if isinstance(v, str) else str(v)


def compare(old: Mapping[str, Table], new: Mapping[str, Table]) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted by table, severity, subject."""
    out: list[Change] = []
    gone = [old[n] for n in sorted(set(old) - set(new))]
    came = [new[n] for n in sorted(set(new) - set(old))]
    renamed, gone, came = _pair(gone, came, lambda t: (t.schema_name or "").lower() or None)
    for a, b in renamed:
        o = _Out(b.logical_name, a, b)
        o.add(
            "table-logical-name-changed",
            b.logical_name,
            f"table {a.logical_name} is now {b.logical_name}",
            a.logical_name,
            b.logical_name,
        )
        _table(o, a, b)
        out += o.items
    for t in gone:
        o = _Out(t.logical_name)
        rule = "table-removed-deprecated" if t.deprecated else "table-removed"
        o.add(rule, t.logical_name, f"table {t.logical_name} was removed", t.logical_name, None)
        out += o.items
    for t in came:
        o = _Out(t.logical_name)
        o.add(
            "table-added", t.logical_name, f"table {t.logical_name} was added", None, t.logical_name
        )
        out += o.items
    for name in sorted(set(old) & set(new)):
        o = _Out(name, old[name], new[name])
        _table(o, old[name], new[name])
        out += o.items
    return sorted(out, key=Change.sort_key)


def _pair(
    gone: list[_K], came: list[_K], key: Callable[[_K], str | None]
) -> tuple[list[tuple[_K, _K]], list[_K], list[_K]]:
    """Match removed and added items that share ``key`` (a rename), one to one."""
    by_key: dict[str, list[_K]] = {}
    for c in came:
        k = key(c)
        if k is not None:
            by_key.setdefault(k, []).append(c)
    pairs: list[tuple[_K, _K]] = []
    for g in gone:
        k = key(g)
        cands = by_key.get(k) if k is not None else None
        if cands and len(cands) == 1 and sum(key(x) == k for x in gone) == 1:
            pairs.append((g, cands.pop()))
    paired_gone = {id(a) for a, _ in pairs}
    paired_came = {id(b) for _, b in pairs}
    return (
        pairs,
        [g for g in gone if id(g) not in paired_gone],
        [c for c in came if id(c) not in paired_came],
    )


def _keys(o: _Out, a: Table, b: Table) -> None:
    """Alternate keys removed and added (a key is its columns, in order)."""
    old = {k.columns for k in a.alternate_keys}
    new = {k.columns for k in b.alternate_keys}
    for columns in sorted(old - new):
        s, shown = f"{o.table}.({','.join(columns)})", ", ".join(columns)
        o.add("alternate-key-removed", s, f"alternate key ({shown}) was removed", ",".join(columns))
    for columns in sorted(new - old):
        s, shown = f"{o.table}.({','.join(columns)})", ", ".join(columns)
        o.add(
            "alternate-key-added", s, f"alternate key ({shown}) was added", None, ",".join(columns)
        )


def _table(o: _Out, a: Table, b: Table) -> None:
    _keys(o, a, b)
    s = b.logical_name
    o.changed("entity-set-changed", s, "entity set", webapi.entity_set(a), webapi.entity_set(b))
    o.changed("primary-id-changed", s, "primary id", a.primary_id_attribute, b.primary_id_attribute)
    o.changed(
        "primary-name-changed",
        s,
        "primary name",
        a.primary_name_attribute,
        b.primary_name_attribute,
    )
    o.changed("table-schema-name-changed", s, "schema name", a.schema_name, b.schema_name)
    o.changed("ownership-changed", s, "ownership", a.ownership_type, b.ownership_type)
    o.changed("table-display-name-changed", s, "display name", a.display_name, b.display_name)
    o.changed("table-description-changed", s, "description", a.description, b.description)
    _columns(o, a, b)
    _relationships(o, a, b)
    _messages(o, a.messages, b.messages)


def _columns(o: _Out, ta: Table, tb: Table) -> None:
    old = {x.logical_name: x for x in ta.attributes if x.virtual is None}
    new = {x.logical_name: x for x in tb.attributes if x.virtual is None}
    gone = [old[n] for n in sorted(set(old) - set(new))]
    came = [new[n] for n in sorted(set(new) - set(old))]
    renamed, gone, came = _pair(gone, came, lambda x: (x.schema_name or "").lower() or None)
    t = tb.logical_name
    for a, b in renamed:
        subject = f"{t}.{b.logical_name}"
        o.add(
            "column-logical-name-changed",
            subject,
            f"column {a.logical_name} is now {b.logical_name}",
            a.logical_name,
            b.logical_name,
        )
        _column(o, subject, a, b)
    for a in gone:
        rule = "column-removed-deprecated" if a.deprecated else "column-removed"
        what = f"column {a.logical_name}" + (f" ({a.type})" if a.type else "")
        o.add(rule, f"{t}.{a.logical_name}", f"{what} was removed", a.type, None)
    for b in came:
        required = webapi.required_on_create(b, tb)
        rule = "required-column-added" if required else "column-added"
        what = f"{'required ' if required else ''}column {b.logical_name}"
        what += f" ({b.type})" if b.type else ""
        o.add(rule, f"{t}.{b.logical_name}", f"{what} was added", None, b.type)
    for name in sorted(set(old) & set(new)):
        _column(o, f"{t}.{name}", old[name], new[name])


def _column(o: _Out, s: str, a: Attribute, b: Attribute) -> None:
    o.changed("column-type-changed", s, "type", a.type, b.type)
    o.changed("column-schema-name-changed", s, "schema name", a.schema_name, b.schema_name)
    o.changed("column-display-name-changed", s, "display name", a.display_name, b.display_name)
    o.changed("column-description-changed", s, "description", a.description, b.description)
    o.changed("format-changed", s, "format", a.format, b.format)
    if a.type == b.type == "DateTime" and webapi.kind(a) != webapi.kind(b):
        o.add(
            "date-wire-type-changed",
            s,
            f"date behavior changed from {_show(a.date_time_behavior)} to "
            f"{_show(b.date_time_behavior)}: values are now "
            f"{'dates' if webapi.kind(b) == 'date' else 'points in time'} on the wire",
            a.date_time_behavior,
            b.date_time_behavior,
        )
    else:
        o.changed(
            "date-behavior-changed", s, "date behavior", a.date_time_behavior, b.date_time_behavior
        )
    o.changed("default-value-changed", s, "default value", a.default_value, b.default_value)
    o.changed(
        "global-choice-changed", s, "global choice", a.global_choice_name, b.global_choice_name
    )
    _access(o, s, a, b)
    _required(o, s, a, b)
    read_only = not webapi.creatable(b) and not webapi.updatable(b)
    _limits(o, s, a, b, read_only)
    for target in sorted(set(a.targets) - set(b.targets)):
        o.add(
            "lookup-target-removed", f"{s}.{target}", f"lookup target {target} was removed", target
        )
    for target in sorted(set(b.targets) - set(a.targets)):
        o.add(
            "lookup-target-added",
            f"{s}.{target}",
            f"lookup target {target} was added",
            None,
            target,
        )
    _options(o, s, a.options, b.options)


def _access(o: _Out, s: str, a: Attribute, b: Attribute) -> None:
    for check, rule, verb in (
        (webapi.creatable, "column-no-longer-creatable", "set on create"),
        (webapi.updatable, "column-no-longer-updatable", "set on update"),
        (webapi.readable, "column-no-longer-readable", "read"),
    ):
        if check(a) and not check(b):
            o.add(rule, s, f"can no longer be {verb}", True, False)
    gained = [
        verb
        for check, verb in ((webapi.creatable, "create"), (webapi.updatable, "update"))
        if check(b) and not check(a)
    ]
    if gained:
        o.add("column-now-writable", s, f"can now be set on {' and '.join(gained)}", False, True)


def _required(o: _Out, s: str, a: Attribute, b: Attribute) -> None:
    if a.required_level == b.required_level or o.old is None or o.new is None:
        return
    was, now = webapi.required_on_create(a, o.old), webapi.required_on_create(b, o.new)
    msg = f"required level changed from {_show(a.required_level)} to {_show(b.required_level)}"
    if now and not was:
        o.add("required-level-raised", s, msg, a.required_level, b.required_level)
    elif _REQUIRED_RANK.get(b.required_level or "None", 0) < _REQUIRED_RANK.get(
        a.required_level or "None", 0
    ):
        o.add("required-level-lowered", s, msg, a.required_level, b.required_level)
    else:
        o.add("required-level-changed", s, msg, a.required_level, b.required_level)


def _limits(o: _Out, s: str, a: Attribute, b: Attribute, read_only: bool) -> None:
    if a.max_length is not None and b.max_length is not None and a.max_length != b.max_length:
        msg = f"max length changed from {a.max_length} to {b.max_length}"
        if b.max_length < a.max_length:
            rule = "read-only-max-length-narrowed" if read_only else "max-length-narrowed"
        else:
            rule = "max-length-widened"
        o.add(rule, s, msg, a.max_length, b.max_length)
    lo_a, hi_a, lo_b, hi_b = a.min_value, a.max_value, b.min_value, b.max_value
    narrowed = (lo_a is not None and lo_b is not None and lo_b > lo_a) or (
        hi_a is not None and hi_b is not None and hi_b < hi_a
    )
    widened = (lo_a is not None and lo_b is not None and lo_b < lo_a) or (
        hi_a is not None and hi_b is not None and hi_b > hi_a
    )
    if narrowed or widened:
        old, new = f"{_show(lo_a)}..{_show(hi_a)}", f"{_show(lo_b)}..{_show(hi_b)}"
        if narrowed:
            rule = "read-only-range-narrowed" if read_only else "range-narrowed"
        else:
            rule = "range-widened"
        o.add(rule, s, f"range changed from {old} to {new}", old, new)
    if a.precision is not None and b.precision is not None and a.precision != b.precision:
        rule = "precision-reduced" if b.precision < a.precision else "precision-increased"
        msg = f"precision changed from {a.precision} to {b.precision}"
        o.add(rule, s, msg, a.precision, b.precision)


def _options(o: _Out, s: str, old_opts: Iterable[Option], new_opts: Iterable[Option]) -> None:
    old = {x.value: x for x in old_opts}
    new = {x.value: x for x in new_opts}
    gone = [old[v] for v in sorted(set(old) - set(new))]
    came = [new[v] for v in sorted(set(new) - set(old))]
    renumbered, gone, came = _pair(gone, came, lambda x: x.label)
    for a, b in renumbered:
        o.add(
            "choice-value-renumbered",
            f"{s}.{a.value}",
            f"value {_show(a.label)} was renumbered from {a.value} to {b.value}",
            a.value,
            b.value,
        )
    for a in gone:
        rule = "choice-value-removed-deprecated" if a.deprecated else "choice-value-removed"
        o.add(rule, f"{s}.{a.value}", f"value {a.value} {_show(a.label)} was removed", a.value)
    for b in came:
        o.add(
            "choice-value-added",
            f"{s}.{b.value}",
            f"value {b.value} {_show(b.label)} was added",
            None,
            b.value,
        )
    for v in sorted(set(old) & set(new)):
        a, b = old[v], new[v]
        sv = f"{s}.{v}"
        o.changed("choice-label-changed", sv, f"label of {v}", a.label, b.label, both=False)
        o.changed("status-state-changed", sv, f"state of {v}", a.state, b.state)
        o.changed(
            "choice-description-changed", sv, f"description of {v}", a.description, b.description
        )


def _relationships(o: _Out, ta: Table, tb: Table) -> None:
    t = tb.logical_name
    ra, rb = ta.relationships, tb.relationships
    for kind, old, new in (
        ("one-to-many", ra.one_to_many, rb.one_to_many),
        ("many-to-one", ra.many_to_one, rb.many_to_one),
        ("many-to-many", ra.many_to_many, rb.many_to_many),
    ):
        a_by = {r.schema_name: r for r in old}
        b_by = {r.schema_name: r for r in new}
        for name in sorted(set(a_by) - set(b_by)):
            o.add(
                "relationship-removed",
                f"{t}.{name}",
                f"{kind} relationship {name} was removed",
                name,
            )
        for name in sorted(set(b_by) - set(a_by)):
            o.add(
                "relationship-added",
                f"{t}.{name}",
                f"{kind} relationship {name} was added",
                None,
                name,
            )
        for name in sorted(set(a_by) & set(b_by)):
            _relationship(o, f"{t}.{name}", a_by[name], b_by[name])


def _relationship(
    o: _Out, s: str, a: Relationship | ManyToMany, b: Relationship | ManyToMany
) -> None:
    if isinstance(a, Relationship) and isinstance(b, Relationship):
        navs = (
            ("referenced_entity_navigation_property_name", "collection navigation"),
            ("referencing_entity_navigation_property_name", "single-valued navigation"),
        )
        columns = (
            ("referencing_attribute", "referencing column"),
            ("referenced_attribute", "referenced column"),
        )
        tables: tuple[tuple[str, str], ...] = (
            ("referencing_entity", "referencing table"),
            ("referenced_entity", "referenced table"),
        )
        old_cascade, new_cascade = a.cascade, b.cascade
    elif isinstance(a, ManyToMany) and isinstance(b, ManyToMany):
        navs = (
            ("entity1_navigation_property_name", "navigation of the first table"),
            ("entity2_navigation_property_name", "navigation of the second table"),
        )
        columns = (
            ("entity1_intersect_attribute", "intersect column of the first table"),
            ("entity2_intersect_attribute", "intersect column of the second table"),
        )
        tables = (
            ("entity1_logical_name", "first table"),
            ("entity2_logical_name", "second table"),
            ("intersect_entity", "intersect table"),
        )
        old_cascade, new_cascade = {}, {}
    else:  # pragma: no cover - keyed by kind, so both sides are the same class
        return
    for field, what in navs:
        o.changed("navigation-property-renamed", s, what, getattr(a, field), getattr(b, field))
    for field, what in columns:
        o.changed("relationship-column-changed", s, what, getattr(a, field), getattr(b, field))
    for field, what in tables:
        o.changed("relationship-table-changed", s, what, getattr(a, field), getattr(b, field))
    for action in sorted(set(old_cascade) & set(new_cascade)):
        o.changed(
            "cascade-changed", s, f"cascade {action}", old_cascade[action], new_cascade[action]
        )


def _messages(o: _Out, old_msgs: Iterable[Message], new_msgs: Iterable[Message]) -> None:
    t = o.table
    old = {m.name: m for m in old_msgs}
    new = {m.name: m for m in new_msgs}
    for name in sorted(set(old) - set(new)):
        o.add("message-removed", f"{t}.{name}", f"message {name} was removed", name)
    for name in sorted(set(new) - set(old)):
        o.add("message-added", f"{t}.{name}", f"message {name} was added", None, name)
    for name in sorted(set(old) & set(new)):
        was, now = bool(old[name].subscribe_only), bool(new[name].subscribe_only)
        if was != now:  # moved between the page's Messages and Events sections
            rule = "message-now-event-only" if now else "event-now-invocable"
            where = "only among the events" if now else "among the messages"
            o.add(rule, f"{t}.{name}", f"message {name} is now listed {where}", was, now)
            continue
        a, b = old[name].web_api, new[name].web_api
        if a is not None and b is not None and a != b:
            o.add(
                "message-operation-changed",
                f"{t}.{name}",
                f"message {name} moved from {_operation(a)} to {_operation(b)}",
                _operation(a),
                _operation(b),
            )


def _operation(op: WebApiOperation) -> str:
    if op.kind == "http":
        return f"{op.method or ''} {op.path or ''}".strip()
    return f"{op.kind} {op.name or ''}".strip()
