"""``dvgen diff --usage PATH...``: which changes a consumer's code touches.

The consumer's Python is read with :mod:`ast` and its TypeScript with
tree-sitter's TypeScript grammar (a real parser; never patterns over code).
What the generated packages call each part of the schema comes from the same
views the targets print (:func:`generator.targets.python.table_view`, its
TypeScript twin, and the operations' builders), made from the *old* side's
tables: the code was written against those.

A use is recorded against a subject as ``dvgen diff`` names it (``table``,
``table.column``, ``table.column.value``, ``table.relationship``,
``table.message``, ``table.(key)``, ``binding.operation``):

* the package's modules, classes and namespaces, imported or reached by
  attribute (``account.Account``, ``Account.Columns.NAME``,
  ``AccountStatecode.ACTIVE``; in TypeScript ``Account.Statecode.Active``);
* a column's field, or its logical name, as an attribute, a keyword argument,
  an object literal's key or a string, in a file that uses its table;
* a message's request builder, an alternate key's ``by_...`` helper, and an
  operation's builder in ``operations``.

A change is used when its subject is, or (for a table or a column) when
anything inside it is; a choice value's change is used when its column is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from generator.config import Config
from generator.diff.compare import Change
from generator.diff.operations import operation_subject
from generator.diff.report import Use
from generator.model import Table
from generator.requests import request
from generator.service import Service
from generator.targets import python as py_target
from generator.targets import typescript as ts_target
from generator.targets.python_calls import call_names
from generator.targets.typescript_files import module_names
from generator.webapi import EntitySets, alternate_keys

PY_SUFFIXES = (".py", ".pyi")
TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
_SKIP = {"node_modules", ".venv", "venv", ".git", "__pycache__", "dist", "build"}


class UsageError(Exception):
    """A path of ``--usage`` that cannot be read; the message says which."""


@dataclass(slots=True)
class _Names:
    """What one package calls the schema's parts: dotted paths below the
    package (or the TypeScript package's namespaces) -> subject."""

    paths: dict[str, str] = field(default_factory=dict)
    #: per table: a field, property or logical name -> the column's subject
    words: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(slots=True)
class Usage:
    """Each subject the code uses, with where."""

    uses: dict[str, list[Use]] = field(default_factory=dict)
    files: int = 0

    def add(self, subject: str, use: Use) -> None:
        self.uses.setdefault(subject, []).append(use)

    def of(self, change: Change) -> list[Use]:
        """Where the code uses what ``change`` changes (empty: unused)."""
        subject = change.subject
        parts = subject.split(".")
        found = list(self.uses.get(subject, ()))
        if subject == change.table or len(parts) == 2:  # a table, a column: anything inside
            prefix = subject + "."
            found += [u for s, us in self.uses.items() if s.startswith(prefix) for u in us]
        if len(parts) == 3:  # a choice value or a lookup target: its column
            found += self.uses.get(".".join(parts[:2]), [])
        return sorted(set(found))


def find_usage(
    paths: Iterable[str], tables: dict[str, Table], service: Service | None, config: Config
) -> Usage:
    """The uses in ``paths`` (files, or folders searched for Python and
    TypeScript) of the packages ``config`` names, generated from ``tables``."""
    files: list[Path] = []
    for spec in paths:
        path = Path(spec)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in PY_SUFFIXES + TS_SUFFIXES
                and not _SKIP.intersection(p.relative_to(path).parts)
            )
        else:
            raise UsageError(f"{spec}: no such file or folder")
    usage = Usage(files=len(files))
    py_names = _python_names(tables, service, config)
    ts_names = _typescript_names(tables, config)
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{f}: cannot read: {exc}") from None
        shown = f.as_posix()
        if f.suffix in PY_SUFFIXES:
            _python_uses(text, shown, config.python_package, py_names, usage)
        elif f.suffix in TS_SUFFIXES:
            _typescript_uses(text, shown, config.typescript_package, ts_names, usage)
    return usage


# -- what the packages call things ----------------------------------------------------


def _relationship_subjects(table: Table) -> dict[str, str]:
    """Each navigation property of ``table`` -> its relationship's subject."""
    out = {}
    rels = table.relationships
    for r in rels.many_to_one:
        if r.referencing_entity_navigation_property_name:
            out[r.referencing_entity_navigation_property_name] = (
                f"{table.logical_name}.{r.schema_name}"
            )
    for r in rels.one_to_many:
        if r.referenced_entity_navigation_property_name:
            out[r.referenced_entity_navigation_property_name] = (
                f"{table.logical_name}.{r.schema_name}"
            )
    for m in rels.many_to_many:
        for nav in (m.entity1_navigation_property_name, m.entity2_navigation_property_name):
            if nav:
                out[nav] = f"{table.logical_name}.{m.schema_name}"
    return out


def _python_names(tables: Mapping[str, Table], service: Service | None, config: Config) -> _Names:
    names = _Names()
    sets = EntitySets(tables)
    rows = {}
    for name, table in tables.items():
        view = py_target.table_view(table, sets, config.style.naming)
        rows[name] = (view.module, view.class_name)
        mod, cls = view.module, f"{view.module}.{view.class_name}"
        names.paths[mod] = names.paths[cls] = name
        words = names.words.setdefault(name, {})
        enum_column: dict[str, str] = {}
        for f in view.fields:
            subject = f"{name}.{f.wire}"
            words[f.name] = words[f.wire] = subject
            if f.column.choice:
                enum_column.setdefault(f.column.choice, f.wire)
        for group in ("Columns", "Select"):
            for c in view.constants if group == "Columns" else view.select:
                names.paths[f"{cls}.{group}.{c.name}"] = f"{name}.{ast.literal_eval(c.wire)}"
        navs = _relationship_subjects(table)
        for c in view.expand:
            nav = ast.literal_eval(c.wire)
            if nav in navs:
                names.paths[f"{cls}.Expand.{c.name}"] = navs[nav]
        _members(
            names,
            mod,
            table,
            [(e.name, [(m.name, m.value) for m in e.members]) for e in view.enums],
            enum_column,
        )
        _builders(names, mod, table, [m.name for m in view.messages], [k.name for k in view.keys])
    if service is not None:
        for builder, op in call_names(service, tables, rows).items():
            names.paths[f"operations.{builder}"] = operation_subject(op)
    return names


def _members(
    names: _Names,
    prefix: str,
    table: Table,
    enums: list[tuple[str, list[tuple[str, int]]]],
    enum_column: Mapping[str, str],
) -> None:
    """A module's (or namespace's) choice enums and their members."""
    for enum, members in enums:
        column = enum_column.get(enum)
        if column is not None:
            names.paths[f"{prefix}.{enum}"] = f"{table.logical_name}.{column}"
            for member, value in members:
                subject = f"{table.logical_name}.{column}.{value}"
                names.paths[f"{prefix}.{enum}.{member}"] = subject


def _builders(
    names: _Names, prefix: str, table: Table, messages: list[str], keys: list[str]
) -> None:
    """A module's message request builders and alternate-key helpers, named
    in the order the targets make them."""
    sent = [m for m in table.messages if request(m, table.entity_set_name or "") is not None]
    for msg, builder in zip(sent, messages, strict=False):
        names.paths[f"{prefix}.{builder}"] = f"{table.logical_name}.{msg.name}"
    for (key, _), helper in zip(alternate_keys(table), keys, strict=False):
        names.paths[f"{prefix}.{helper}"] = f"{table.logical_name}.({','.join(key.columns)})"


def _typescript_names(tables: dict[str, Table], config: Config) -> _Names:
    names = _Names()
    sets = EntitySets(tables)
    for name, (module, namespace) in module_names(tables, config.style).items():
        table = tables[name]
        view = ts_target.table_view(table, sets, module, namespace, config.style.naming)
        names.paths[namespace] = name
        words = names.words.setdefault(name, {})
        enum_column: dict[str, str] = {}
        for prop in view.read:
            key = _unquote(prop.key)
            words[key] = f"{name}.{key}"
            enum_column.setdefault(prop.type.removesuffix(" | null"), key)
        members = [(e.name, [(m.name, m.value) for m in e.members]) for e in view.enums]
        _members(names, namespace, table, members, enum_column)
        for attr in table.attributes:
            words.setdefault(attr.logical_name, f"{name}.{attr.logical_name}")
        for group, items in (("Columns", view.columns), ("Select", view.select)):
            for item in items:
                column = _unquote(item.value)
                if column.startswith("_") and column.endswith("_value"):
                    column = column[1 : -len("_value")]  # a lookup's $select name
                names.paths[f"{namespace}.{group}.{_unquote(item.key)}"] = f"{name}.{column}"
        navs = _relationship_subjects(table)
        for item in view.expand:
            nav = _unquote(item.value)
            if nav in navs:
                names.paths[f"{namespace}.Expand.{_unquote(item.key)}"] = navs[nav]
        _builders(
            names, namespace, table, [m.name for m in view.messages], [k.name for k in view.keys]
        )
    return names


def _unquote(key: str) -> str:
    return ast.literal_eval(key) if key[:1] in "\"'" else key


# -- Python -------------------------------------------------------------------------------


def _python_uses(text: str, shown: str, package: str, names: _Names, usage: Usage) -> None:
    try:
        tree = ast.parse(text, shown)
    except SyntaxError as exc:
        raise UsageError(
            f"{shown}:{exc.lineno or 1}: not Python dvgen can read: {exc.msg}"
        ) from None
    bound: dict[str, str] = {}  # a name in this file -> its dotted path below the package
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            below = _below(node.module, package)
            if below is None:
                continue
            for alias in node.names:
                path = f"{below}.{alias.name}" if below else alias.name
                bound[alias.asname or alias.name] = path
                _record(names, path, shown, node.lineno, usage)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                below = _below(alias.name, package)
                if below is not None and alias.asname:
                    bound[alias.asname] = below
                elif below is not None:
                    bound[alias.name.split(".")[0]] = "\0" + alias.name.split(".")[0]
    if not bound:
        return
    tables_here = {names.paths[p].split(".")[0] for p in bound.values() if p in names.paths}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            chain = _dotted(node, bound, package)
            if chain:
                _record(names, chain, shown, node.lineno, usage)
        if isinstance(node, ast.Attribute):
            _word(names, tables_here, node.attr, Use(shown, node.lineno), usage)
        elif isinstance(node, ast.keyword) and node.arg:
            _word(names, tables_here, node.arg, Use(shown, node.value.lineno), usage)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            _word(names, tables_here, node.value, Use(shown, node.lineno), usage)
            if node.value in names.words:  # get_table("account")
                usage.add(node.value, Use(shown, node.lineno))


def _below(module: str, package: str) -> str | None:
    """``module``'s path below ``package`` ("" for the package), or ``None``."""
    if module == package:
        return ""
    return module[len(package) + 1 :] if module.startswith(package + ".") else None


def _dotted(node: ast.expr, bound: Mapping[str, str], package: str) -> str | None:
    """The longest dotted path below the package ``node`` names, if any."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    base = bound[node.id]
    if base.startswith("\0"):  # import dataverse_bindings.x: the chain starts at the package
        tail = list(reversed(parts))
        if tail[: len(package.split(".")) - 1] != package.split(".")[1:]:
            return None
        return ".".join(tail[len(package.split(".")) - 1 :]) or None
    return ".".join([base, *reversed(parts)]) if base else ".".join(reversed(parts)) or None


def _record(names: _Names, path: str, shown: str, line: int, usage: Usage) -> None:
    """The longest prefix of ``path`` the package names, as a use."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        subject = names.paths.get(".".join(parts[:n]))
        if subject is not None:
            usage.add(subject, Use(shown, line))
            return


def _word(names: _Names, tables: set[str], word: str, use: Use, usage: Usage) -> None:
    """``word`` (a field, a property, a logical name) of a table the file uses."""
    for table in tables:
        subject = names.words.get(table, {}).get(word)
        if subject is not None:
            usage.add(subject, use)


# -- TypeScript -----------------------------------------------------------------------------


def _typescript_uses(text: str, shown: str, package: str, names: _Names, usage: Usage) -> None:
    grammar = (
        tree_sitter_typescript.language_tsx()
        if shown.endswith(".tsx")
        else tree_sitter_typescript.language_typescript()
    )
    tree = Parser(Language(grammar)).parse(text.encode("utf-8"))
    if tree.root_node.has_error:
        line = _first_error(tree.root_node)
        raise UsageError(f"{shown}:{line}: not TypeScript dvgen can read")
    bound: dict[str, str] = {}  # a name in this file -> a namespace (or "" for the package)

    def walk(node: Node) -> Iterator[Node]:
        yield node
        for child in node.children:
            yield from walk(child)

    nodes = list(walk(tree.root_node))
    for node in nodes:
        if node.type != "import_statement":
            continue
        source = node.child_by_field_name("source")
        module = _ts_string(source) if source is not None else None
        if module is None or not (module == package or module.startswith(package + "/")):
            continue
        for spec in (n for n in walk(node) if n.type in ("import_specifier", "namespace_import")):
            if spec.type == "namespace_import":
                ident = next((c for c in spec.children if c.type == "identifier"), None)
                if ident is not None:
                    bound[_text(ident)] = ""
                continue
            name = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            if name is not None:
                bound[_text(alias or name)] = _text(name)
                _record(names, _text(name), shown, spec.start_point[0] + 1, usage)
    if not bound:
        return
    tables_here = {names.paths[p] for p in bound.values() if p in names.paths}
    for node in nodes:
        line = node.start_point[0] + 1
        if node.type == "member_expression" and node.parent is not None:
            if (
                node.parent.type == "member_expression"
                and node.parent.child_by_field_name("object") == node
            ):
                continue  # the longest chain is read once, from its end
            path = _ts_chain(node, bound)
            if path:
                _record(names, path, shown, line, usage)
        if node.type == "property_identifier":
            _word(names, tables_here, _text(node), Use(shown, line), usage)
        elif node.type == "string":
            value = _ts_string(node)
            if value is not None:
                word = value.removesuffix("@odata.bind")
                _word(names, tables_here, word, Use(shown, line), usage)
        elif node.type == "identifier" and _text(node) in bound:
            target = bound[_text(node)]
            if target and (node.parent is None or node.parent.type != "member_expression"):
                _record(names, target, shown, line, usage)


def _text(node: object) -> str:
    raw = getattr(node, "text", b"") or b""
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def _ts_string(node: object) -> str | None:
    """A string literal's value (one made of plain fragments)."""
    children = getattr(node, "children", [])
    parts = [c for c in children if c.type not in ('"', "'")]
    if any(p.type != "string_fragment" for p in parts):
        return None
    return "".join(_text(p) for p in parts)


def _ts_chain(node: object, bound: Mapping[str, str]) -> str | None:
    parts: list[str] = []
    while getattr(node, "type", "") == "member_expression":
        prop = node.child_by_field_name("property")  # type: ignore[attr-defined]
        parts.append(_text(prop))
        node = node.child_by_field_name("object")  # type: ignore[attr-defined]
    if getattr(node, "type", "") != "identifier" or _text(node) not in bound:
        return None
    base = bound[_text(node)]
    chain = list(reversed(parts))
    return ".".join([base, *chain]) if base else ".".join(chain) or None


def _first_error(node: object) -> int:
    for child in getattr(node, "children", []):
        if child.type == "ERROR" or child.is_missing:
            return int(child.start_point[0]) + 1
        if child.has_error:
            return _first_error(child)
    return int(getattr(node, "start_point", (0, 0))[0]) + 1
