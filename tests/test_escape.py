"""Untrusted text in generated Python can only ever be data."""

from __future__ import annotations

import ast

import pytest

from generator.escape import docstring_value, py_comment, py_docstring, py_string

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
