"""The model on disk: byte-identical round trips, validation that names the
file, line and key, and a JSON Schema generated from the model classes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import modelio
from generator.model import Table
from generator.modelio import ModelError, dump_table, json_schema, load_table
from tests.helpers import ROOT, SCHEMA_DOCS, build_tables, corpus_pages, parse_one


@pytest.mark.parametrize("path", corpus_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_load_then_dump_is_byte_identical(path: Path) -> None:
    parsed, _, _ = parse_one(path)
    assert parsed is not None
    text = dump_table(parsed.table)
    again = load_table(text, "t.yaml")
    assert again == parsed.table
    assert dump_table(again) == text
    assert text.endswith("\n") and "\r" not in text


def test_dump_has_no_empty_values() -> None:
    tables, _ = build_tables(SCHEMA_DOCS)
    for t in tables.values():
        data = yaml.safe_load(dump_table(t))

        def walk(v: object) -> None:
            assert v not in ("", [], {}, None)
            if isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)

        walk(data)


def test_published_schema_is_generated_from_the_model_and_validates_models() -> None:
    published = (ROOT / "generated" / "model" / "schema.json").read_text(encoding="utf-8")
    assert published == json_schema()
    schema = json.loads(published)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "generated" / "model").glob("*.yaml")):
        validator.validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    bad = yaml.safe_load((ROOT / "generated" / "model" / "msdyn_smsengagementctx.yaml").read_text())
    bad["attributes"][0]["max_length"] = "long"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)


GOOD = """\
logical_name: t
attributes:
- logical_name: a
  max_length: 100
"""


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (GOOD.replace("max_length: 100", "max_length: lots"), 4, "attributes.0.max_length"),
        (
            GOOD.replace("logical_name: a", "logical_name: a\n  colour: red"),
            4,
            "attributes.0.colour",
        ),
        (GOOD.replace("logical_name: t\n", ""), 1, "logical_name"),
        (GOOD + "partial: sometimes\n", 5, "partial"),
    ],
)
def test_hand_edited_model_errors_name_file_line_and_key(text: str, line: int, key: str) -> None:
    with pytest.raises(ModelError) as err:
        load_table(text, "model/t.yaml")
    assert err.value.file == "model/t.yaml"
    assert err.value.line == line
    assert str(err.value).startswith(f"model/t.yaml:{line}: {key}: ")


def test_not_yaml_and_not_a_mapping() -> None:
    with pytest.raises(ModelError, match=r"t.yaml:2: not valid YAML"):
        load_table("a: b\n c: [\n", "t.yaml")
    with pytest.raises(ModelError, match="expected a mapping"):
        load_table("- a\n", "t.yaml")


def test_model_is_immutable() -> None:
    t = Table(logical_name="t")
    with pytest.raises(Exception, match="frozen"):
        t.logical_name = "u"  # type: ignore[misc]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(["yes", "null", "~", "1e3", "0x1F", "- a", "a: b", "#c", "'", '"', "", " s "]),
    # what the model's own layout must hand to PyYAML, or write as PyYAML does
    st.sampled_from(["Yes", "NULL", "Off", "a #b", "a:b", "a:", "it's", "a,b", "a\nb", "a\u2028b"]),
    st.sampled_from(["-0.0", "...", "---", "a  b", "(a)", "a=b", "é", "\t", "x" * 130, "a\r"]),
    st.sampled_from([-0.0, 0.0, 1.0, 1e17, float("inf"), 7]),
)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(), _SCALARS.filter(_is_str)), inner, max_size=4),
    ),
    max_leaves=30,
)


def _prune_reference(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _prune_reference(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v not in ([], {})}
    if isinstance(value, list):
        return [_prune_reference(v) for v in value]
    return value


@settings(max_examples=1500, deadline=None, derandomize=True, database=None)
@given(_DATA)
def test_the_quick_dumper_writes_what_the_safe_dumper_writes(data: Any) -> None:
    # the model's dumper makes the nodes of plain data itself: same bytes as PyYAML's own
    options: dict[str, Any] = {
        "sort_keys": False,
        "allow_unicode": True,
        "default_flow_style": False,
        "width": 1 << 30,
        "indent": 2,
    }
    pruned = modelio._prune(data)
    assert pruned == _prune_reference(data)
    mine = yaml.dump(pruned, Dumper=modelio._Dumper, **options)
    theirs = yaml.dump(pruned, Dumper=modelio._BaseDumper, **options)
    assert mine == theirs
    assert yaml.safe_load(mine) == pruned
    # and laid out by the model's own writer, where it can
    if isinstance(pruned, dict):
        assert modelio.dump_data(pruned) == theirs
