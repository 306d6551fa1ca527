"""The Python target: what each generated module says, decided in Python.

:func:`table_view` turns a model table into plain data for
``templates/python/table.py.jinja``: every identifier comes from
:mod:`generator.naming`, every piece of doc text is already escaped for the
spot it lands in (:mod:`generator.escape`), every type string is final. The
template only prints.

Row classes are frozen dataclasses: a row read from the Web API is a value,
safe to share and hash; ``dataclasses.replace`` makes a changed copy, and
``to_odata(row, "update")`` sends only the columns that are set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator import webapi
from generator.escape import py_docstring, py_string
from generator.model import Attribute, Message, Option, Table
from generator.naming import PYTHON_RESERVED, Case, Scope
from generator.overrides import Naming
from generator.pyformat import INDENT, docstring, py_number
from generator.requests import request
from generator.targets.views import (
    RequestView,
    StateOf,
    expand_texts,
    request_doc,
    request_view,
)

#: Names every generated module defines or imports at module level.
MODULE_NAMES = frozenset(
    {
        "annotations",
        "dataclasses",
        "datetime",
        "decimal",
        "uuid",
        "enum",
        "typing",
        "_runtime",
        "Final",
        "Mapping",  # from collections.abc
    }
)
#: The package's own modules, which no table's module may be.
PACKAGE_MODULES = frozenset({"operations", "sdk"})
#: Names every row class defines besides its columns.
CLASS_NAMES = frozenset(
    {
        "LOGICAL_NAME",
        "SCHEMA_NAME",
        "ENTITY_SET_NAME",
        "PRIMARY_ID",
        "PRIMARY_NAME",
        "COLUMNS",
        "Columns",
        "formatted_values",
        "from_odata",
        "to_odata",
    }
)

#: The standard module each kind's annotation names.
_MODULE = {"decimal": "decimal", "uuid": "uuid", "date": "datetime", "datetime": "datetime"}
_ANNOTATION = {
    "str": "str",
    "int": "int",
    "float": "float",
    "decimal": "decimal.Decimal",
    "bool": "bool",
    "uuid": "uuid.UUID",
    "lookup": "_runtime.Lookup",
    "bytes": "bytes",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "object": "object",
}


#: What a deprecated item's docstring opens with (IDEs show it; before
#: Python 3.13 there is no ``warnings.deprecated`` to mark a class with).
DEPRECATED = "Deprecated: the documentation marks this {} deprecated."


@dataclass(slots=True)
class MemberView:
    name: str
    value: int
    label: str  # the label, as a string literal
    doc: str  # its docstring (a deprecated choice's), at class-body indent, or ""


@dataclass(slots=True)
class EnumView:
    name: str
    doc: str  # the docstring literal, at class-body indent
    members: list[MemberView]
    states: list[StateOf] = field(default_factory=list)


@dataclass(slots=True)
class TargetView:
    """A table a lookup may point at, as Python literals."""

    table: str
    entity_set: str
    navigation: str


@dataclass(slots=True)
class ColumnView:
    """The ``_runtime.Column(...)`` arguments of a column, as Python literals."""

    name: str  # the attribute's name
    wire: str  # its logical name
    kind: str
    create: bool  # whether a create may send it
    update: bool  # whether an update may send it
    choice: str | None  # its enum class
    targets: list[TargetView] | None  # what a lookup points at (None: not a lookup)
    max_length: int | None
    min_value: str | None  # number literals
    max_value: str | None


@dataclass(slots=True)
class FieldView:
    name: str
    wire: str
    annotation: str
    module: str | None  # the standard module its annotation names (datetime, uuid...)
    required: bool
    doc: str  # escaped text of the attribute docstring
    column: ColumnView
    deprecated: bool = False


@dataclass(slots=True)
class ConstantView:
    """A ``Columns`` constant: its name and its logical name, as a literal."""

    name: str
    wire: str


@dataclass(slots=True)
class MessageView:
    name: str
    doc: str  # the docstring literal, at function-body indent
    request: RequestView  # what it prints


@dataclass(slots=True)
class KeyView:
    """A function that addresses a row by one alternate key."""

    name: str
    doc: str  # the docstring literal, at function-body indent
    params: str  # printed: keyword-only, typed
    parts: str  # printed: the ((property, value), ...) tuple


@dataclass(slots=True)
class TableView:
    module: str
    class_name: str
    module_doc: str  # docstring literals
    class_doc: str
    deprecation: str  # the message of the row class's @_runtime.deprecated, as a literal, or ""
    logical_name: str
    schema_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    fields: list[FieldView]
    enums: list[EnumView]
    constants: list[ConstantView]  # Columns: logical names
    select: list[ConstantView]  # Select: what $select and $filter name (readable columns)
    expand: list[ConstantView]  # Expand: navigation properties
    messages: list[MessageView]
    keys: list[KeyView]
    imports: list[str]


def module_name(logical_name: str) -> str:
    """The module of table ``logical_name`` in the package (``new_ab1`` and
    ``new_ab_1`` both give ``new_ab_1``: :func:`generator.build` refuses such a pair)."""
    return Scope(taken=MODULE_NAMES | PACKAGE_MODULES).claim(logical_name, Case.SNAKE)


def _doc(*parts: str | None) -> str:
    return py_docstring("\n\n".join(p for p in parts if p))


def _docstring(indent: str, *parts: str | None) -> str:
    return docstring(_doc(*parts), indent)


def _enum(attr: Attribute, table: Table, scope: Scope, naming: Naming) -> EnumView:
    name = scope.claim(
        webapi.choice_name(attr),
        Case.PASCAL,
        fallback=attr.logical_name,
        owner=f"the enum of column {attr.logical_name}",
    )
    members = Scope(
        taken={"label", "state", "name", "value", "mro"},
        where=f"the Python enum {name}",
        fixed="a name every generated enum defines",
    )
    case = Case.PASCAL if naming.enum_members == "pascal" else Case.UPPER
    out: list[MemberView] = []
    states: list[StateOf] = []
    for opt in attr.options:
        member = members.claim(
            _label(opt),
            case,
            fallback=f"value {opt.value}",
            owner=f"choice value {opt.value} of {attr.logical_name}",
            override=naming.choice(table, attr, opt),
        )
        note = _docstring(INDENT, DEPRECATED.format("choice")) if opt.deprecated else ""
        out.append(MemberView(member, opt.value, py_string(opt.label or str(opt.value)), note))
        if opt.state is not None:
            states.append(StateOf(opt.value, opt.state))
    title = attr.display_name or attr.logical_name
    doc = _docstring(
        INDENT,
        f"Choices of {title} ({attr.logical_name}).",
        DEPRECATED.format("column") if attr.deprecated else None,
    )
    return EnumView(name, doc, out, states)


def _label(opt: Option) -> str:
    return opt.invariant_name or opt.label or ""


def _field(
    attr: Attribute,
    table: Table,
    scope: Scope,
    enums: dict[str, EnumView],
    *,
    navs: webapi.Navigations,
    sets: webapi.EntitySets,
    naming: Naming,
) -> FieldView | None:
    if not webapi.is_column(attr):
        return None
    name = scope.claim(
        attr.schema_name or attr.logical_name,
        Case.SNAKE,
        fallback=attr.logical_name,
        owner=f"column {attr.logical_name}",
        override=naming.column(table, attr),
    )
    choice = enums.get(attr.logical_name)
    kind = webapi.kind(attr)
    if kind == "choice" and choice is not None:
        annotation = choice.name
    elif kind == "choices" and choice is not None:
        annotation = f"frozenset[{choice.name}]"
    else:
        annotation = _ANNOTATION[kind]
    required = webapi.required_on_create(attr, table)
    limit = {
        key: py_number(value)
        for key in ("min_value", "max_value")
        if kind in ("int", "float", "decimal") and (value := getattr(attr, key)) is not None
    }
    column = ColumnView(
        name=py_string(name),
        wire=py_string(attr.logical_name),
        kind=py_string(kind),
        create=webapi.creatable(attr),
        update=webapi.updatable(attr),
        choice=choice.name if choice is not None and kind in ("choice", "choices") else None,
        targets=_targets(attr, navs, sets) if kind == "lookup" else None,
        max_length=attr.max_length if kind == "str" else None,
        min_value=limit.get("min_value"),
        max_value=limit.get("max_value"),
    )
    limits = webapi.limits_text(attr)
    return FieldView(
        name=name,
        wire=attr.logical_name,
        annotation=annotation if required else f"{annotation} | None",
        module=None if choice is not None and kind in ("choice", "choices") else _MODULE.get(kind),
        required=required,
        doc=_doc(
            DEPRECATED.format("column") if attr.deprecated else None,
            attr.display_name,
            attr.description,
            limits,
        ),
        column=column,
        deprecated=bool(attr.deprecated),
    )


def _targets(
    attr: Attribute, navs: webapi.Navigations, sets: webapi.EntitySets
) -> list[TargetView]:
    return [
        TargetView(py_string(b.target), py_string(b.entity_set), py_string(b.navigation))
        for b in webapi.bindings(attr, navs, sets)
    ]


def _message(msg: Message, scope: Scope, entity_set: str) -> MessageView | None:
    """The request builder of ``msg``, printing its :class:`Request`."""
    req = request(msg, entity_set)
    if req is None:
        return None
    name = scope.claim(
        msg.name + " request",
        Case.SNAKE,
        fallback="message request",
        owner=f"the request builder of message {msg.name}",
    )
    doc = _docstring(INDENT, *request_doc(req, "``"))
    return MessageView(name, doc, request_view(req, py_string))


def _expand(table: Table, field_of: dict[str, str]) -> list[ConstantView]:
    """``Expand``'s constants, named as :func:`expand_texts` says."""
    scope = Scope()
    out = [
        ConstantView(
            scope.claim(text, Case.UPPER, fallback="navigation", owner=f"navigation {n.name}"),
            py_string(n.name),
        )
        for text, n in expand_texts(table, field_of)
    ]
    return sorted(out, key=lambda c: c.name)


def _module_scope(table: Table, naming: Naming) -> tuple[Scope, str]:
    """A table's module's names, with its row class's claimed first."""
    module_scope = Scope(
        taken=MODULE_NAMES,
        where=f"the Python module of {table.logical_name}",
        fixed="a name every generated module imports",
    )
    class_name = module_scope.claim(
        naming.class_text(table),
        Case.PASCAL,
        owner=f"the class of table {table.logical_name}",
        override=naming.table(table),
    )
    return module_scope, class_name


def class_name_of(table: Table, naming: Naming | None = None) -> str:
    """The row class of ``table`` (as :func:`table_view` names it, without the rest)."""
    return _module_scope(table, naming or Naming())[1]


def table_view(table: Table, sets: webapi.EntitySets, naming: Naming | None = None) -> TableView:
    naming = naming or Naming()
    module_scope, class_name = _module_scope(table, naming)
    enums: dict[str, EnumView] = {}
    for attr in table.attributes:
        if webapi.has_choices(attr):
            enums[attr.logical_name] = _enum(attr, table, module_scope, naming)
    # Module names are reserved in the class body too: a field named
    # ``datetime`` would shadow the module its own annotation needs.
    class_scope = Scope(
        taken=CLASS_NAMES,
        reserved=PYTHON_RESERVED | MODULE_NAMES,
        where=f"the Python class {class_name}",
        fixed="a name every generated row class defines",
    )
    navs = webapi.navigations(table)
    fields = [
        f
        for a in table.attributes
        if (f := _field(a, table, class_scope, enums, navs=navs, sets=sets, naming=naming))
    ]
    const_scope = Scope()
    constants = [
        ConstantView(const_scope.claim(f.name, Case.UPPER), py_string(f.wire)) for f in fields
    ]
    readable = {a.logical_name: a for a in table.attributes if webapi.readable(a)}
    select = [
        ConstantView(c.name, py_string(webapi.value_property(readable[f.wire])))
        for c, f in zip(constants, fields, strict=True)
        if f.wire in readable
    ]
    expand = _expand(table, {f.wire: f.name for f in fields})
    entity_set = webapi.entity_set(table)
    messages = [m for msg in table.messages if (m := _message(msg, module_scope, entity_set))]
    keys, key_modules = _keys(table, module_scope)
    title = table.display_name or table.logical_name
    deprecated = DEPRECATED.format("table") if table.deprecated else None
    imports = sorted(
        {"dataclasses"}
        | {f.module for f in fields if f.module}
        | key_modules
        | ({"uuid"} if any("key" in m.request.params for m in messages) else set())
        | ({"enum"} if enums else set())
    )
    return TableView(
        module=module_name(table.logical_name),
        class_name=class_name,
        module_doc=_docstring(
            "", f"{title} ({table.logical_name}).", deprecated, table.description
        ),
        class_doc=_docstring(
            INDENT, f"{title} ({table.logical_name}).", deprecated, table.description
        ),
        deprecation=py_string(f"table {table.logical_name} is deprecated") if deprecated else "",
        logical_name=py_string(table.logical_name),
        schema_name=py_string(table.schema_name) if table.schema_name else "None",
        entity_set=py_string(entity_set),
        primary_id=py_string(table.primary_id_attribute) if table.primary_id_attribute else "None",
        primary_name=py_string(table.primary_name_attribute)
        if table.primary_name_attribute
        else "None",
        fields=sorted(fields, key=lambda f: (not f.required, f.name)),
        enums=list(enums.values()),
        constants=constants,
        select=select,
        expand=expand,
        messages=messages,
        keys=keys,
        imports=imports,
    )


#: A key part's Python type, by the kind of value its column holds.
_KEY_TYPES = {
    "str": ("str", None),
    "int": ("int", None),
    "choice": ("int", None),
    "float": ("float", None),
    "bool": ("bool", None),
    "decimal": ("decimal.Decimal", "decimal"),
    "uuid": ("uuid.UUID", "uuid"),
    "lookup": ("uuid.UUID", "uuid"),
    "date": ("datetime.date", "datetime"),
    "datetime": ("datetime.datetime", "datetime"),
}


def _keys(table: Table, module_scope: Scope) -> tuple[list[KeyView], set[str]]:
    """A ``by_<columns>`` function per alternate key of ``table``, and the
    standard modules their annotations name."""
    views, modules = [], set()
    for key, parts in webapi.alternate_keys(table):
        name = module_scope.claim(
            "by " + " ".join(key.columns), Case.SNAKE, owner=f"alternate key {key.columns}"
        )
        scope = Scope(where=f"the function {name}")
        params, pairs = [], []
        for attr, wire in parts:
            annotation, module = _KEY_TYPES.get(webapi.kind(attr), ("str", None))
            modules |= {module} if module else set()
            param = scope.claim(attr.logical_name, Case.SNAKE, owner=f"column {attr.logical_name}")
            params.append(f"{param}: {annotation}")
            pairs.append(f"({py_string(wire)}, {param})")
        columns = ", ".join(key.columns)
        views.append(
            KeyView(
                name=name,
                doc=_docstring(
                    INDENT,
                    f"The row whose alternate key ({columns}) has these values.",
                    "Its ``url``, its ``bind`` value, and requests that retrieve,\n"
                    "update, upsert, create or delete it.",
                ),
                params=", ".join(["*", *params]),
                parts="(" + ", ".join(pairs) + ("," if len(pairs) == 1 else "") + ")",
            )
        )
    return views, modules
