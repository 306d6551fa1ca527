"""The TypeScript target: what each generated module says, decided in Python.

:func:`table_view` turns a model table into plain data for
``templates/typescript/table.ts.jinja``. Property keys are the wire names
(quoted when they are not plain identifiers); every other identifier comes
from :mod:`generator.naming`; every string and doc comment is escaped for its
spot by :mod:`generator.escape`. The template only prints.

Each table is one module, exported from ``index.ts`` as a namespace, so two
tables can both have a ``Statecode`` without clashing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator import webapi
from generator.escape import ts_doc, ts_key, ts_string
from generator.model import Attribute, Message, Table
from generator.naming import TYPESCRIPT_RESERVED, Case, Scope
from generator.overrides import Naming
from generator.requests import request
from generator.targets.views import (
    RequestView,
    StateOf,
    expand_texts,
    request_doc,
    request_view,
)

#: What the runtime module exports; the index re-exports it.
#: What the typed client wrappers of every table module import from the runtime.
CLIENT_IMPORTS = (
    "RelatedRow",
    "DwaRead",
    "ReadOptions",
    "QueryOptions",
    "UpdateOptions",
    "DynamicsWebApiClient",
    "XrmWebApiClient",
    "dwaCreate",
    "dwaRetrieve",
    "dwaRetrieveAll",
    "dwaUpdate",
    "dwaDelete",
    "queryOptions",
    "xrmRetrieveAll",
)
RUNTIME_NAMES = frozenset(
    {"Guid", "Bind", "DateOnly", "WebApiRequest", "Literal", "guid", "bindPath", "operationUrl"}
    | {"Thenable", "ALL_ANNOTATIONS", *CLIENT_IMPORTS}
    | {"NAMESPACE", "ArgumentKind", "Argument", "OperationCall", "Answer"}
    | {"actionCall", "functionCall", "AlternateKey", "KeyPart", "alternateKey"}
)
#: Names every table module exports besides its enums and request builders.
MODULE_NAMES = frozenset(
    {
        "logicalName",
        "schemaName",
        "entitySetName",
        "primaryIdAttribute",
        "primaryNameAttribute",
        "Id",
        "id",
        "ref",
        "Row",
        "Create",
        "Update",
        "Columns",
        "Column",
        "Select",
        "SelectName",
        "Expand",
        "ExpandName",
        "Expanded",
        "Timestamp",
        "DynamicsWebApiRow",
        "dynamicsWebApi",
        "xrmWebApi",
        "bindings",
        "StatePair",
    }
)
#: Globals the generated code refers to, which a generated name must not shadow.
GLOBALS = frozenset(
    {
        *("Record", "Readonly", "Partial", "Pick", "Object", "Array", "String", "Number"),
        *("Boolean", "Date", "Error", "TypeError", "JSON", "Symbol", "globalThis", "NaN"),
        *("Infinity", "eval", "arguments", "encodeURIComponent", "Promise", "Map", "Set"),
    }
)
#: What no generated TypeScript name may be.
RESERVED = TYPESCRIPT_RESERVED | GLOBALS

_TYPE_BY_KIND = {
    "str": "string",
    "int": "number",
    "float": "number",
    "decimal": "number",
    "bool": "boolean",
    "uuid": "Guid",
    "date": "DateOnly",
    "datetime": "string",
    "bytes": "string",
    "choices": "string",
    "object": "unknown",
}
_FORMATTED = "@OData.Community.Display.V1.FormattedValue"
_LOOKUP_NAME = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_NAVIGATION = "@Microsoft.Dynamics.CRM.associatednavigationproperty"


@dataclass(slots=True)
class Prop:
    key: str  # printed key (bare or quoted)
    type: str
    doc: str  # a whole /** */ block, or ""
    optional: bool = True
    date_only: bool = False  # typed by the runtime's DateOnly


@dataclass(slots=True)
class MemberView:
    name: str
    value: int
    doc: str  # its doc block (a description, a deprecation), or ""


@dataclass(slots=True)
class LabelView:
    value: int
    label: str  # a string literal


@dataclass(slots=True)
class NameValue:
    """A property of an object literal: its key and its value, both as written."""

    key: str
    value: str


@dataclass(slots=True)
class StatePair:
    """A state and a status that belong together: keys and values as written."""

    state_key: str
    state: int
    status_key: str
    status: int


@dataclass(slots=True)
class EnumView:
    name: str
    labels: str  # name of the labels record
    doc: str
    members: list[MemberView]
    label_literals: list[LabelView]
    states: str | None = None  # name of the status -> state record
    state_type: str = "number"
    state_values: list[StateOf] = field(default_factory=list)
    states_partial: bool = False  # a status with no known state (DV216) is not in the record


@dataclass(slots=True)
class BindingView:
    name: str
    id_type: str
    key: str
    entity_set: str
    doc: str


@dataclass(slots=True)
class MessageView:
    name: str
    doc: str
    request: RequestView  # what it prints


@dataclass(slots=True)
class KeyView:
    """A function that addresses a row by one alternate key."""

    name: str
    doc: str
    params: str  # printed: the key object's properties, typed
    parts: str  # printed: the KeyPart array


@dataclass(slots=True)
class TableView:
    module: str
    namespace: str
    doc: str
    deprecated: str  # the table's @deprecated tag, or ""
    logical_name: str
    schema_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    enums: list[EnumView]
    read: list[Prop]
    create: list[Prop]
    update: list[Prop]
    columns: list[NameValue]  # key, logical name literal
    select: list[NameValue]  # key, property literal for $select
    expand: list[NameValue]  # key, navigation property literal for $expand
    collections: list[str]  # the collection-valued ones, as literals
    timestamps: list[str]  # Row's keys that DynamicsWebApi reads as a Date, as literals
    bindings: list[BindingView]
    state_pairs: list[StatePair]
    messages: list[MessageView]
    keys: list[KeyView]
    imports: list[str]  # runtime names the module uses


#: The JSDoc tag of what the docs mark deprecated (IDEs strike it through).
DEPRECATED = "@deprecated The documentation marks this {} deprecated."


def _doc(*parts: str | None, indent: str = "", deprecated: str | None = None) -> str:
    """A doc block of ``parts``; ``deprecated`` names what is, for the tag."""
    tags = (DEPRECATED.format(deprecated),) if deprecated else ()
    return ts_doc("\n\n".join(p for p in parts if p), indent, tags)


def _guid_type(targets: tuple[str, ...]) -> str:
    if not targets:
        return "Guid"
    return f"Guid<{' | '.join(ts_string(t) for t in targets)}>"


def _value_type(attr: Attribute, table: Table, enums: Mapping[str, EnumView]) -> str:
    kind = webapi.kind(attr)
    if kind == "choice":
        return enums[attr.logical_name].name
    if kind == "lookup":
        return _guid_type(attr.targets)
    if kind == "uuid" and attr.logical_name == table.primary_id_attribute:
        return "Id"
    return _TYPE_BY_KIND[kind]


def _enum(attr: Attribute, table: Table, scope: Scope, naming: Naming) -> EnumView:
    name = scope.claim(
        webapi.choice_name(attr),
        Case.PASCAL,
        fallback=attr.logical_name,
        owner=f"the enum of column {attr.logical_name}",
    )
    labels = scope.claim(f"{name} labels", Case.PASCAL, owner=f"the labels of {name}")
    members = Scope(reserved=(), where=f"the TypeScript enum {name}")
    case = Case.UPPER if naming.enum_members == "upper" else Case.PASCAL
    out = []
    for opt in attr.options:
        member = members.claim(
            opt.invariant_name or opt.label or "",
            case,
            fallback=f"value {opt.value}",
            owner=f"choice value {opt.value} of {attr.logical_name}",
            override=naming.choice(table, attr, opt),
        )
        doc = _doc(opt.description, indent="  ", deprecated="choice" if opt.deprecated else None)
        out.append(MemberView(member, opt.value, doc))
    view = EnumView(
        name=name,
        labels=labels,
        doc=_doc(
            f"Choices of {attr.display_name or attr.logical_name} ({attr.logical_name}).",
            deprecated="column" if attr.deprecated else None,
        ),
        members=out,
        label_literals=[
            LabelView(o.value, ts_string(o.label or str(o.value))) for o in attr.options
        ],
        state_values=[StateOf(o.value, o.state) for o in attr.options if o.state is not None],
        states_partial=any(o.state is None for o in attr.options),
    )
    if view.state_values:
        view.states = scope.claim(f"{name} states", Case.PASCAL, owner=f"the states of {name}")
    return view


def _read_props(
    attr: Attribute, table: Table, enums: Mapping[str, EnumView], doc: str
) -> list[Prop]:
    prop = webapi.value_property(attr)
    kind = webapi.kind(attr)
    value = _value_type(attr, table, enums)
    out = [Prop(ts_key(prop), f"{value} | null", doc, date_only=kind == "date")]
    if kind not in ("str", "uuid", "bytes", "object"):
        out.append(Prop(ts_string(prop + _FORMATTED), "string", ""))
    if kind == "lookup":
        names = " | ".join(ts_string(t) for t in attr.targets) or "string"
        out.append(Prop(ts_string(prop + _LOOKUP_NAME), names, ""))
        out.append(Prop(ts_string(prop + _NAVIGATION), "string", ""))
    return out


def _write_props(
    attr: Attribute,
    table: Table,
    enums: Mapping[str, EnumView],
    binds: list[webapi.Binding],
    doc: str,
    *,
    update: bool,
) -> list[Prop]:
    required = not update and webapi.required_on_create(attr, table)
    null = " | null" if update or not required else ""
    kind = webapi.kind(attr)
    if kind != "lookup":
        value = _value_type(attr, table, enums)
        return [
            Prop(
                ts_key(attr.logical_name),
                value + null,
                doc,
                optional=not required,
                date_only=kind == "date",
            )
        ]
    grouped = webapi.by_navigation(binds)
    one = len(grouped) == 1
    return [
        Prop(
            ts_string(group[0].key),
            " | ".join(f"Bind<{ts_string(b.entity_set)}>" for b in group) + null,
            doc,
            optional=not (required and one),
        )
        for group in grouped.values()
    ]


def _bindings(lookups: list[tuple[Attribute, list[webapi.Binding]]]) -> list[BindingView]:
    scope = Scope(reserved=RESERVED)
    out = []
    for attr, binds in lookups:
        shared = len(webapi.by_navigation(binds)) < len(binds)
        for b in binds:
            text = f"{b.navigation} {b.target}" if shared else b.navigation
            out.append(
                BindingView(
                    name=scope.claim(text, Case.CAMEL, fallback=attr.logical_name),
                    id_type=_guid_type((b.target,)),
                    key=ts_string(b.key),
                    entity_set=ts_string(b.entity_set),
                    doc=_doc(
                        f"Set {attr.logical_name} to a {b.target} row: "
                        f"`{b.key}: /{b.entity_set}(<id>)`.",
                        indent="  ",
                    ),
                )
            )
    return out


def _state_pairs(table: Table, enums: Mapping[str, EnumView]) -> list[StatePair]:
    state = next((a for a in table.attributes if a.type == "State"), None)
    status = next((a for a in table.attributes if a.type == "Status"), None)
    if state is None or status is None or status.logical_name not in enums:
        return []
    return [
        StatePair(ts_key(state.logical_name), s.state, ts_key(status.logical_name), s.value)
        for s in enums[status.logical_name].state_values
    ]


def _message(msg: Message, scope: Scope, entity_set: str) -> MessageView | None:
    """The request builder of ``msg``, printing its :class:`Request`."""
    req = request(msg, entity_set)
    if req is None:
        return None
    name = scope.claim(
        msg.name + " request",
        Case.CAMEL,
        fallback="message request",
        owner=f"the request builder of message {msg.name}",
    )
    doc = _doc(*request_doc(req, "`"))
    return MessageView(name, doc, request_view(req, ts_string))


def table_view(
    table: Table,
    sets: webapi.EntitySets,
    module: str,
    namespace: str,
    naming: Naming | None = None,
) -> TableView:
    naming = naming or Naming()
    scope = Scope(
        taken=MODULE_NAMES | RUNTIME_NAMES,
        reserved=RESERVED,
        where=f"the TypeScript module {module}",
        fixed="a name every generated module exports",
    )
    enums = {
        a.logical_name: _enum(a, table, scope, naming)
        for a in table.attributes
        if webapi.has_choices(a)
    }
    state_enum = next(
        (
            enums[a.logical_name]
            for a in table.attributes
            if a.type == "State" and a.logical_name in enums
        ),
        None,
    )
    for e in enums.values():
        if e.states and state_enum is not None and e is not state_enum:
            e.state_type = state_enum.name
    columns = [a for a in table.attributes if webapi.is_column(a)]
    navs = webapi.navigations(table)
    read: list[Prop] = [Prop(ts_string("@odata.etag"), "string", "")]
    create: list[Prop] = []
    update: list[Prop] = []
    lookups: list[tuple[Attribute, list[webapi.Binding]]] = []
    for attr in columns:
        doc = _doc(
            attr.display_name,
            attr.description,
            webapi.limits_text(attr),
            indent="  ",
            deprecated="column" if attr.deprecated else None,
        )
        binds = webapi.bindings(attr, navs, sets)
        if webapi.kind(attr) == "lookup" and (webapi.creatable(attr) or webapi.updatable(attr)):
            lookups.append((attr, binds))
        if webapi.readable(attr):
            read += _read_props(attr, table, enums, doc)
        if webapi.creatable(attr):
            create += _write_props(attr, table, enums, binds, doc, update=False)
        if webapi.updatable(attr):
            update += _write_props(attr, table, enums, binds, doc, update=True)
    names = Scope(reserved=(), where=f"the Columns of TypeScript module {module}")
    keyed = [
        (
            names.claim(
                a.schema_name or a.logical_name,
                Case.CAMEL,
                fallback=a.logical_name,
                owner=f"column {a.logical_name}",
                override=naming.column(table, a),
            ),
            a,
        )
        for a in columns
    ]
    entity_set = webapi.entity_set(table)
    messages = [m for msg in table.messages if (m := _message(msg, scope, entity_set))]
    expand = _expand(table, module, {a.logical_name: k for k, a in keyed})
    view = TableView(
        module=module,
        namespace=namespace,
        doc=_doc(
            f"{table.display_name or table.logical_name} ({table.logical_name}).", table.description
        ),
        deprecated=DEPRECATED.format("table") if table.deprecated else "",
        logical_name=ts_string(table.logical_name),
        schema_name=_literal_or_null(table.schema_name),
        entity_set=ts_string(entity_set),
        primary_id=ts_string(table.primary_id_attribute) if table.primary_id_attribute else "null",
        primary_name=ts_string(table.primary_name_attribute)
        if table.primary_name_attribute
        else "null",
        enums=list(enums.values()),
        read=_unique(read),
        create=sorted(_unique(create), key=lambda p: p.optional),
        update=_unique(update),
        columns=[NameValue(k, ts_string(a.logical_name)) for k, a in keyed],
        select=[
            NameValue(k, ts_string(webapi.value_property(a)))
            for k, a in keyed
            if webapi.readable(a)
        ],
        expand=[NameValue(key, ts_string(n.name)) for key, n in expand],
        collections=[ts_string(n.name) for _, n in expand if n.collection],
        timestamps=[
            ts_string(a.logical_name)
            for a in columns
            if webapi.readable(a) and webapi.kind(a) == "datetime"
        ],
        bindings=_bindings(lookups),
        state_pairs=_state_pairs(table, enums),
        messages=messages,
        keys=_keys(table, scope),
        imports=[],
    )
    view.imports = _imports(view)
    return view


def _expand(
    table: Table, module: str, key_of: dict[str, str]
) -> list[tuple[str, webapi.Navigation]]:
    """``Expand``'s keys, in camel case, named as :func:`expand_texts` says."""
    scope = Scope(reserved=(), where=f"the Expand of TypeScript module {module}")
    return [
        (scope.claim(text, Case.CAMEL, fallback="navigation", owner=f"navigation {n.name}"), n)
        for text, n in expand_texts(table, key_of)
    ]


def _unique(props: list[Prop]) -> list[Prop]:
    """The first property of each key: an interface cannot declare one twice
    (a column literally named like another lookup's ``_x_value``)."""
    out: dict[str, Prop] = {}
    for p in props:
        out.setdefault(p.key, p)
    return list(out.values())


def _literal_or_null(text: str | None) -> str:
    return ts_string(text) if text else "null"


#: Kinds whose key value is written bare (not quoted), and each kind's key type.
_BARE_KEYS = frozenset(
    {"uuid", "lookup", "int", "choice", "float", "decimal", "bool", "date", "datetime"}
)
_KEY_TYPES = {"lookup": "Guid", "choice": "number", "datetime": "string | Date"}


def _keys(table: Table, scope: Scope) -> list[KeyView]:
    """A ``by<Columns>`` function per alternate key of ``table``."""
    views = []
    for key, parts in webapi.alternate_keys(table):
        name = scope.claim(
            "by " + " ".join(key.columns), Case.CAMEL, owner=f"alternate key {key.columns}"
        )
        params, items = [], []
        for attr, wire in parts:
            kind = webapi.kind(attr)
            ts_type = _KEY_TYPES.get(kind) or _TYPE_BY_KIND.get(kind, "string")
            prop = ts_string(attr.logical_name)
            params.append(f"readonly {prop}: {ts_type}")
            bare = "true" if kind in _BARE_KEYS else "false"
            items.append(f"[{ts_string(wire)}, key[{prop}], {bare}]")
        columns = ", ".join(key.columns)
        views.append(
            KeyView(
                name=name,
                doc=_doc(
                    f"The row whose alternate key ({columns}) has these values: its URL, its "
                    "`@odata.bind` value, and the `segment` DynamicsWebApi takes as `key`."
                ),
                params="{ " + "; ".join(params) + " }",
                parts="[" + ", ".join(items) + "]",
            )
        )
    return views


def _imports(view: TableView) -> list[str]:
    used = {"Guid", "guid", "Bind", "bindPath", *CLIENT_IMPORTS}
    if any(p.date_only for p in (*view.read, *view.create, *view.update)):
        used.add("DateOnly")
    if view.messages:
        used.add("WebApiRequest")
    if view.keys:
        used |= {"AlternateKey", "alternateKey"}
    if any(m.request.function for m in view.messages):
        used.add("operationUrl")
    return sorted(used, key=lambda n: (n[0].islower(), n))
