"""Untrusted text in generated Python can only ever be data."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import escape
from generator.escape import (
    docstring_value,
    py_comment,
    py_docstring,
    py_string,
    ts_doc,
    ts_doc_value,
    ts_key,
    ts_string,
    xml_attr,
)

HOSTILE = [
    "plain",
    "literal backslash-n: a\\nb and \\t",
    '"""; import os; os.system("echo pwned"); """',
    "'''; import os; '''",
    'ends with a quote"',
    "ends with a backslash\\",
    "\\N{BULLET} and \\x41 and \\u0041",
    "line one\nimport os\nos.system('x')",
    "carriage\rreturn and \u2028 separator \u2029 paragraph \x0b vtab \x0c ff \x85 nel",
    "f-string {__import__('os').system('x')} braces",
    "nul \x00 byte and \x1b[31m escape",
    "emoji 🙂 and 日本語 and Livré",
    "*/ globalThis.pwned = 1; /* and `${globalThis.pwned = 2}` backticks",
    "</script><script>alert(1)</script> and ]]> and <!DOCTYPE x> &amp; &e; \"q\" 'a'",
    "@deprecated forged tag and @param x",
    "inline {@link https://evil.example} and x@y.z, [click](https://evil.example), <https://a.b>",
    "Trojan \u202eSource\u2066 and \u2067 \u2068 \u2069 \u200f \u061c \u202a",
    "__proto__",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_string_literal_round_trips_exactly(text: str) -> None:
    literal = py_string(text)
    assert ast.literal_eval(literal) == text
    assert "\n" not in literal


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_cannot_be_closed(text: str) -> None:
    source = f'def f() -> None:\n    """{py_docstring(text)}"""\n'
    tree = ast.parse(source)
    (func,) = tree.body
    assert isinstance(func, ast.FunctionDef)
    assert len(func.body) == 1  # only the docstring: nothing escaped into code
    assert ast.get_docstring(func, clean=False) == docstring_value(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_comment_is_one_line(text: str) -> None:
    source = f"# {py_comment(text)}\nx = 1\n"
    tree = ast.parse(source)
    assert [type(n).__name__ for n in tree.body] == ["Assign"]


def _node_eval(sources: list[str]) -> object:
    """Evaluate JavaScript expressions in node; returns their values as JSON."""
    script = "process.stdout.write(JSON.stringify([" + ",".join(sources) + "]))"
    done = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=False, encoding="utf-8"
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_typescript_string_literals_round_trip_in_node() -> None:
    literals = [ts_string(text) for text in HOSTILE]
    for literal in literals:
        assert "\n" not in literal and "\u2028" not in literal and "<" not in literal
    assert _node_eval(literals) == HOSTILE


def test_typescript_keys_are_data_in_an_object_literal() -> None:
    keys = [ts_key(text) for text in HOSTILE]
    objects = [f"Object.keys({{{key}: 1}})" for key in keys]
    assert _node_eval(objects) == [[text] for text in HOSTILE]
    assert ts_key("msdyn_name") == "msdyn_name"


@pytest.mark.parametrize("text", HOSTILE)
def test_jsdoc_cannot_be_closed_or_forge_a_tag(text: str) -> None:
    indent = "  "
    block = ts_doc(text, indent)
    if not ts_doc_value(text):
        assert block == ""
        return
    assert block.startswith("/**") and block.endswith("*/")
    assert "*/" not in block[3:-2]
    if "\n" in block:
        body = block.split("\n")[1:-1]
        assert all(line.startswith(indent + " *") for line in body)
        lines = [line[len(indent) + 3 :] for line in body]
    else:
        lines = [block[4:-3]]
    # no tag, inline tag, markdown link or autolink, and no bidirectional control
    active = r"(^|[\s{])@|\]\(|(?<!\\)<[A-Za-z][A-Za-z0-9+.-]*:"
    assert not any(re.search(active, line) for line in lines), lines
    assert not re.search("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", block)
    read = "\n".join(re.sub(r"\\([@(<])", r"\1", line.replace("*\\/", "*/")) for line in lines)
    assert read == ts_doc_value(text)


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@pytest.mark.parametrize("text", HOSTILE)
def test_xml_attribute_reads_back(text: str) -> None:
    element = ET.fromstring(f'<a v="{xml_attr(text)}"/>')
    assert element.get("v") == _NOT_IN_XML.sub("", text)


SPECIAL = st.sampled_from(list("\\\"'<\n\r\t\u2028\u2029\x00\x85\u202e 🙂é"))
MIXED = st.lists(st.one_of(SPECIAL, st.characters()), max_size=30).map("".join)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.one_of(MIXED, st.text()))
def test_the_quick_paths_escape_as_the_character_loops_do(text: str) -> None:
    # the common text (nothing to escape) skips the loops: it must give the same literal
    assert escape._escape(text, '"') == escape._escape_each(text, '"')
    assert escape._escape(text, "'") == escape._escape_each(text, "'")
    assert ts_string(text) == escape._ts_string_each(text)
