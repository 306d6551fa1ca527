"""A ``$metadata`` document (CSDL 4.0, XML) into a :class:`Document`, checked.

Recognised by content (:func:`is_csdl`), not by file name. Every error is a
:class:`CsdlError` with the line of the element at fault: not CSDL, an
unknown ``Edm`` type, a reference to a type the document does not declare, a
name declared twice, a key or constraint naming a property that is not there.
"""

from __future__ import annotations

import re

from generator.csdl.document import (
    AlternateKey,
    Document,
    EntitySet,
    EnumType,
    NavigationProperty,
    Operation,
    Parameter,
    Property,
    StructuredType,
    TypeRef,
)
from generator.csdl.safe_xml import Node, XmlError, parse

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
ALTERNATE_KEYS = "OData.Community.Keys.V1.AlternateKeys"
DESCRIPTION = "Org.OData.Core.V1.Description"
COMPUTED = "Org.OData.Core.V1.Computed"
_SHAPES = (
    *("", "Point", "LineString", "Polygon"),
    *("MultiPoint", "MultiLineString", "MultiPolygon", "Collection"),
)
#: The primitive types of CSDL 4.0 (OData 4.0 part 3, 4.4) that a property,
#: parameter or return value may have.
PRIMITIVES = frozenset(
    f"Edm.{t}"
    for t in (
        *("Binary", "Boolean", "Byte", "Date", "DateTimeOffset", "Decimal", "Double"),
        *("Duration", "Guid", "Int16", "Int32", "Int64", "SByte", "Single", "Stream"),
        *("String", "TimeOfDay", "Untyped"),
        *(f"{space}{shape}" for space in ("Geography", "Geometry") for shape in _SHAPES),
    )
)
_COLLECTION = re.compile(r"Collection\((.+)\)")


class CsdlError(ValueError):
    """A document dvgen cannot read as ``$metadata``; ``line`` is where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def is_csdl(data: bytes) -> bool:
    """Whether ``data`` looks like a CSDL XML document (its root is ``edmx:Edmx``):
    the first kilobytes, whatever the file is called."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b"<edmx:Edmx" in head or EDMX.encode() in head)


def read(data: bytes) -> Document:
    """The document ``data`` holds; :class:`CsdlError` when it is not one dvgen can use."""
    try:
        root = parse(data)
    except XmlError as exc:
        raise CsdlError(exc.message, exc.line) from None
    if root.tag != f"{{{EDMX}}}Edmx":
        raise CsdlError(
            f"the root element is {root.name}, not edmx:Edmx: not a $metadata document", root.line
        )
    schemas = [
        s for d in root.kids("DataServices") for s in d.children if s.tag == f"{{{EDM}}}Schema"
    ]
    if len(schemas) != 1:
        line = schemas[1].line if schemas else root.line
        raise CsdlError(f"{len(schemas)} Schema elements: dvgen reads documents with one", line)
    return _Schema(schemas[0]).document()


class _Schema:
    def __init__(self, node: Node) -> None:
        self.node = node
        namespace = node.attrs.get("Namespace")
        if not namespace:
            raise CsdlError("the Schema has no Namespace", node.line)
        self.doc = Document(namespace, node.attrs.get("Alias"))
        self.declared: dict[str, tuple[str, int]] = {}  # full name -> (kind, line)

    def document(self) -> Document:
        for child in self.node.children:
            if child.name in ("EntityType", "ComplexType", "EnumType", "Action", "Function"):
                self._declare(child)
        for child in self.node.children:
            if child.name == "EntityType":
                t = self._structured(child)
                self.doc.entity_types[t.name] = t
            elif child.name == "ComplexType":
                t = self._structured(child)
                self.doc.complex_types[t.name] = t
            elif child.name == "EnumType":
                e = self._enum(child)
                self.doc.enum_types[e.name] = e
            elif child.name in ("Action", "Function"):
                op = self._operation(child)
                self.doc.operations.setdefault(op.name, []).append(op)
            elif child.name == "EntityContainer":
                self._container(child)
        self._check_references()
        return self.doc

    # -- names -------------------------------------------------------------------

    def _full(self, node: Node) -> str:
        name = node.attrs.get("Name")
        if not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CsdlError(f"{node.name} with a missing or malformed Name {name!r}", node.line)
        return f"{self.doc.namespace}.{name}"

    def _declare(self, node: Node) -> None:
        full = self._full(node)
        kind = node.name
        seen = self.declared.get(full)
        # an operation may be declared again, bound to another type (an overload)
        if seen is not None and not (seen[0] == kind and kind in ("Action", "Function")):
            raise CsdlError(f"{kind} {full} is declared twice (first on line {seen[1]})", node.line)
        self.declared.setdefault(full, (kind, node.line))

    def _qualified(self, name: str) -> str:
        """``name`` with the schema's alias replaced by its namespace."""
        if self.doc.alias and name.startswith(self.doc.alias + "."):
            return self.doc.namespace + name[len(self.doc.alias) :]
        return name

    def _type(self, text: str | None, line: int) -> TypeRef:
        if not text:
            raise CsdlError("a Type is missing", line)
        found = _COLLECTION.fullmatch(text)
        inner = found.group(1) if found else text
        name = self._qualified(inner)
        if name.startswith("Edm.") and name not in PRIMITIVES:
            raise CsdlError(f"unknown Edm type {name}", line)
        return TypeRef(name, collection=found is not None)

    # -- types -------------------------------------------------------------------

    def _structured(self, node: Node) -> StructuredType:
        key = tuple(
            ref.attrs.get("Name", "") for k in node.kids("Key") for ref in k.kids("PropertyRef")
        )
        properties = tuple(self._property(p) for p in node.kids("Property"))
        navigations = tuple(self._navigation(n) for n in node.kids("NavigationProperty"))
        names: dict[str, int] = {}
        members: list[tuple[str, int]] = [(p.name, p.line) for p in properties]
        for name, line in members + [(n.name, n.line) for n in navigations]:
            if name in names:
                owner = node.attrs.get("Name")
                raise CsdlError(
                    f"{owner} declares {name} twice (first on line {names[name]})", line
                )
            names[name] = line
        base = node.attrs.get("BaseType")
        return StructuredType(
            name=self._full(node),
            line=node.line,
            base=self._qualified(base) if base else None,
            abstract=node.attrs.get("Abstract") == "true",
            open=node.attrs.get("OpenType") == "true",
            key=key,
            properties=properties,
            navigations=navigations,
            alternate_keys=tuple(self._alternate_keys(node)),
        )

    def _property(self, node: Node) -> Property:
        return Property(
            name=_name(node),
            type=self._type(node.attrs.get("Type"), node.line),
            nullable=node.attrs.get("Nullable", "true") != "false",
            line=node.line,
            max_length=_int(node, "MaxLength"),
            precision=_int(node, "Precision"),
            scale=node.attrs.get("Scale"),
            description=_note(node, DESCRIPTION, "String"),
            computed=_note(node, COMPUTED, "Bool") == "true",
        )

    def _navigation(self, node: Node) -> NavigationProperty:
        return NavigationProperty(
            name=_name(node),
            type=self._type(node.attrs.get("Type"), node.line),
            line=node.line,
            partner=node.attrs.get("Partner"),
            constraints=tuple(
                (c.attrs.get("Property", ""), c.attrs.get("ReferencedProperty", ""))
                for c in node.kids("ReferentialConstraint")
            ),
        )

    def _alternate_keys(self, node: Node) -> list[AlternateKey]:
        keys: list[AlternateKey] = []
        for note in node.kids("Annotation"):
            if note.attrs.get("Term") != ALTERNATE_KEYS:
                continue
            for record in (r for c in note.kids("Collection") for r in c.kids("Record")):
                parts = [
                    (
                        next(
                            (
                                v.attrs.get("String", "")
                                for v in ref.kids("PropertyValue")
                                if v.attrs.get("Property") == "Alias"
                            ),
                            "",
                        ),
                        next(
                            (
                                v.attrs.get("PropertyPath", "")
                                for v in ref.kids("PropertyValue")
                                if v.attrs.get("Property") == "Name"
                            ),
                            "",
                        ),
                    )
                    for value in record.kids("PropertyValue")
                    if value.attrs.get("Property") == "Key"
                    for c in value.kids("Collection")
                    for ref in c.kids("Record")
                ]
                if not parts or any(not alias or not prop for alias, prop in parts):
                    raise CsdlError("an alternate key without its parts", record.line)
                keys.append(AlternateKey(tuple(parts), record.line))
        return keys

    def _enum(self, node: Node) -> EnumType:
        members: list[tuple[str, int]] = []
        for i, m in enumerate(node.kids("Member")):
            value = _int(m, "Value")
            members.append((m.attrs.get("Name", ""), i if value is None else value))
        return EnumType(
            self._full(node), node.line, node.attrs.get("IsFlags") == "true", tuple(members)
        )

    def _operation(self, node: Node) -> Operation:
        returns = node.kids("ReturnType")
        parameters = tuple(
            Parameter(
                p.attrs.get("Name", ""),
                self._type(p.attrs.get("Type"), p.line),
                p.attrs.get("Nullable", "true") != "false",
                p.line,
            )
            for p in node.kids("Parameter")
        )
        bound = node.attrs.get("IsBound") == "true"
        if bound and not parameters:
            raise CsdlError(
                f"bound {node.name} {node.attrs.get('Name')} has no binding parameter", node.line
            )
        return Operation(
            kind=node.name.lower(),
            name=self._full(node),
            line=node.line,
            bound=bound,
            parameters=parameters,
            returns=self._type(returns[0].attrs.get("Type"), returns[0].line) if returns else None,
            returns_nullable=not returns or returns[0].attrs.get("Nullable", "true") != "false",
            composable=node.attrs.get("IsComposable") == "true",
        )

    def _container(self, node: Node) -> None:
        for child in node.children:
            if child.name == "EntitySet":
                name = child.attrs.get("Name", "")
                if name in self.doc.entity_sets:
                    raise CsdlError(f"EntitySet {name} is declared twice", child.line)
                target = self._qualified(child.attrs.get("EntityType", ""))
                self.doc.entity_sets[name] = EntitySet(name, target, child.line)
            elif child.name in ("ActionImport", "FunctionImport"):
                target = child.attrs.get("Action") or child.attrs.get("Function") or ""
                self.doc.imports[child.attrs.get("Name", "")] = self._qualified(target)

    # -- references -------------------------------------------------------------

    def _check_references(self) -> None:
        doc = self.doc
        structured = {**doc.entity_types, **doc.complex_types}
        known = set(structured) | set(doc.enum_types)

        def check(ref: TypeRef, line: int, what: str) -> None:
            if not ref.primitive and ref.name not in known:
                raise CsdlError(
                    f"{what} names type {ref.name}, which the document does not declare", line
                )

        for t in structured.values():
            if t.base is not None and t.base not in structured:
                raise CsdlError(
                    f"{t.name} derives from {t.base}, which the document does not declare", t.line
                )
            for p in t.properties:
                check(p.type, p.line, f"property {p.name}")
            for n in t.navigations:
                check(n.type, n.line, f"navigation property {n.name}")
                if n.type.name not in doc.entity_types:
                    raise CsdlError(
                        f"navigation property {n.name} leads to {n.type.name}, not an entity type",
                        n.line,
                    )
            own = {p.name for p in _all_properties(t, structured)}
            for name in t.key:
                if name not in own:
                    raise CsdlError(f"{t.name}'s key names {name}, which it does not have", t.line)
            for alt in t.alternate_keys:
                for _, prop in alt.parts:
                    if prop not in own:
                        raise CsdlError(
                            f"an alternate key of {t.name} names {prop}, which it does not have",
                            alt.line,
                        )
        for overloads in doc.operations.values():
            for op in overloads:
                for param in op.parameters:
                    check(param.type, param.line, f"parameter {param.name} of {op.name}")
                if op.returns is not None:
                    check(op.returns, op.line, f"the return type of {op.name}")
        for s in doc.entity_sets.values():
            if s.entity_type not in doc.entity_types:
                raise CsdlError(
                    f"EntitySet {s.name} holds {s.entity_type}, which is not an entity type", s.line
                )
        for name, target in doc.imports.items():
            if target not in doc.operations:
                raise CsdlError(
                    f"operation import {name} names {target}, which the document does not declare"
                )


def _all_properties(t: StructuredType, structured: dict[str, StructuredType]) -> list[Property]:
    """``t``'s properties and those it inherits."""
    out: list[Property] = []
    seen: set[str] = set()
    current: StructuredType | None = t
    while current is not None and current.name not in seen:
        seen.add(current.name)
        out.extend(current.properties)
        current = structured.get(current.base) if current.base else None
    return out


def _note(node: Node, term: str, attr: str) -> str | None:
    """The value (``attr``) of ``node``'s annotation ``term``, if it has one."""
    for note in node.kids("Annotation"):
        if note.attrs.get("Term") == term:
            return note.attrs.get(attr)
    return None


def _name(node: Node) -> str:
    name = node.attrs.get("Name", "")
    if not name:
        raise CsdlError(f"a {node.name} has no Name", node.line)
    return name


def _int(node: Node, attr: str) -> int | None:
    text = node.attrs.get(attr)
    if text is None or text.lower() == "max":
        return None
    try:
        return int(text)
    except ValueError:
        raise CsdlError(f"{node.name} {attr}={text!r} is not a whole number", node.line) from None
