"""The model on disk: deterministic YAML, validated loading, the JSON Schema.

``dump_table`` writes keys in model order, drops absent values (``None``,
empty lists and maps; ``false`` stays), never wraps lines, and ends with one
newline, so ``dump(load(dump(t))) == dump(t)`` byte for byte. ``load_table``
validates through the same model classes and reports a bad value with the
file, the line, the key path and the reason.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from generator.model import Table
from generator.renders import Reads, TableRender, reads_nothing

try:  # libyaml when present: same output, several times faster
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - exercised only without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))


class _Dumper(_BaseDumper):
    """The safe dumper, with the nodes of strings, dicts and lists made
    directly: the same nodes its representers make for the model's plain data
    (never shared, so never aliased), without their per-value lookups, which
    were half of a model file's time (``tests/test_modelio.py`` holds the two
    equal)."""

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data)
        if kind is dict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP, pairs, flow_style=False)
        if kind is list:
            items = [self.represent_data(v) for v in data]
            return yaml.SequenceNode(_SEQ, items, flow_style=False)
        node: yaml.Node = super().represent_data(data)
        return node


class ModelError(Exception):
    """A model file that cannot be loaded; ``str()`` names file, line and key."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


def _prune(value: Any) -> Any:
    """JSON data without ``None`` values and empty lists and maps in maps."""
    kind = type(value)
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(v) in (dict, list, tuple):
                pruned = _prune(v)
                if pruned:
                    out[k] = pruned
            elif v is not None:
                out[k] = v
        return out
    if kind is list or kind is tuple:
        return [_prune(v) for v in value]
    return value


def plain_data(item: BaseModel) -> dict[str, Any]:
    """``item`` as JSON data without ``None`` and empty values in maps
    (pydantic leaves out the fields that are ``None``: the same data, a
    third of the time)."""
    data: dict[str, Any] = _prune(item.model_dump(mode="json", exclude_none=True))
    return data


def dump_table(table: Table) -> str:
    return dump_model(table)


_OPTIONS: dict[str, Any] = {
    "sort_keys": False,
    "allow_unicode": True,
    "default_flow_style": False,
    "width": 1 << 30,
    "indent": 2,
}


def dump_model(item: BaseModel) -> str:
    """A table or a :class:`~generator.service.Service` as deterministic YAML."""
    return dump_data(plain_data(item))


def dump_data(data: dict[str, Any]) -> str:
    """Plain data as PyYAML's safe dumper writes it with :data:`_OPTIONS`,
    byte for byte (``tests/test_modelio.py`` holds the two equal): laid out
    here, where every scalar is one PyYAML writes the same on any line, and
    by PyYAML when one is not (a string over several lines, a long key)."""
    if data:
        lines: list[str] = []
        try:
            _mapping(data, "", lines)
        except _Unusual:
            pass
        else:
            return "\n".join(lines) + "\n"
    text: str = yaml.dump(data, Dumper=_Dumper, **_OPTIONS)
    return text


class _Unusual(Exception):
    """A scalar this module does not lay out itself: PyYAML writes the data."""


# a string PyYAML writes plain: ASCII, starting with a letter, no indicator
# that could end it (": ", " #"), no trailing space; and not a word the
# resolver reads as a bool or null (YAML 1.1), which it quotes
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_ .,;()/'+=-]*(?<! )\Z")
_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})
_BREAK = re.compile("[\n\x85\u2028\u2029]")
_SIMPLE_KEY = 128  # a longer key is written as a complex key ("? ...")


def _scalar(value: Any) -> str:
    if type(value) is str:
        if _PLAIN.match(value) and value.lower() not in _WORDS:
            return value
        return _quoted(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    return _one_line(value)  # a float: never cached (0.0 == -0.0)


@functools.lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    if _BREAK.search(value):  # a line break, to PyYAML: a scalar over several lines
        raise _Unusual
    return _one_line(value)


def _one_line(value: Any) -> str:
    """PyYAML's one-line writing of ``value`` (a document of it alone: a
    scalar on one line is written the same anywhere in block style)."""
    text: str = yaml.dump(value, Dumper=_Dumper, **_OPTIONS)
    first, _, rest = text.partition("\n")
    if rest not in ("", "...\n"):  # over several lines: PyYAML lays out the whole
        raise _Unusual
    return first


def _mapping(data: dict[str, Any], indent: str, lines: list[str], first: str = "") -> None:
    """``data``'s pairs at ``indent``; the first after ``first`` (a "- ")."""
    lead = first or indent
    for key, value in data.items():
        if type(key) is not str or len(key) >= _SIMPLE_KEY or not _PLAIN.match(key):
            raise _Unusual  # PyYAML's rules for keys are its own: a quoted key, say
        name = key if key.lower() not in _WORDS else _quoted(key)
        kind = type(value)
        if kind is dict and value:
            lines.append(f"{lead}{name}:")
            _mapping(value, indent + "  ", lines)
        elif kind is list and value:
            lines.append(f"{lead}{name}:")
            _sequence(value, indent, lines)  # a list in a map is not indented
        else:
            lines.append(f"{lead}{name}: {_value(value)}")
        lead = indent


def _sequence(data: list[Any], indent: str, lines: list[str], first: str = "") -> None:
    lead = first or indent
    for item in data:
        kind = type(item)
        if kind is dict and item:
            _mapping(item, indent + "  ", lines, f"{lead}- ")
        elif kind is list and item:
            _sequence(item, indent + "  ", lines, f"{lead}- ")
        else:
            lines.append(f"{lead}- {_value(item)}")
        lead = indent


def _value(value: Any) -> str:
    if value == {} and type(value) is dict:
        return "{}"
    if value == [] and type(value) is list:
        return "[]"
    if value is None:
        return "null"
    return _scalar(value)


@dataclass(frozen=True, slots=True)
class ModelFile:
    """One table's YAML model."""

    text: str


def model_file(
    table: Table, tables: Mapping[str, Table], settings: tuple[str, ...] = ()
) -> tuple[ModelFile, Reads]:
    """The model target's per-table render: it reads no other table."""
    del tables, settings
    return ModelFile(dump_table(table)), {}


#: the model target's per-table render, for the engine
MODEL_RENDER = TableRender("model", ModelFile, model_file, reads_nothing)


def load_table(text: str, file: str) -> Table:
    """A table from YAML text, validated; raises :class:`ModelError`."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ModelError(file, line, f"not valid YAML: {problem}") from None
    except (ValueError, RecursionError) as exc:  # an impossible date, a 5,000-digit number, ...
        words = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ModelError(file, None, f"a value YAML cannot read: {words}") from None
    if not isinstance(data, dict):
        raise ModelError(file, 1, "expected a mapping of table keys at the top level")
    try:
        return Table.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc", ())
        key = ".".join(str(p) for p in loc) or "(table)"
        line = _line_of(node, loc)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ModelError(file, line, f"{key}: {err['msg']}{more}") from None


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or its nearest parent)."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
            if nxt is None:
                key = next(
                    (
                        k
                        for k, _ in node.value
                        if isinstance(k, yaml.ScalarNode) and k.value == part
                    ),
                    None,
                )
                return key.start_mark.line + 1 if key is not None else best
            node = nxt
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            return best
        best = node.start_mark.line + 1
    return best


def json_schema(of: type[BaseModel] = Table, title: str = "dvgen table model") -> str:
    """The model's JSON Schema (a table's, or ``of``'s), generated from the model classes."""
    schema = of.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
