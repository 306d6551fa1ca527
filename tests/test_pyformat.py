"""Generated Python is what black leaves alone, without running black.

The build lays out each rendered module itself (:func:`generator.pyformat.tidy`)
and skips black whenever that layout is black's; these tests hold it to that
on every page the project carries, on hostile text, and on random statements
and text (hypothesis).
"""

from __future__ import annotations

import ast
import keyword
from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import generator.render
from generator import pyformat
from generator.escape import py_docstring, py_string
from generator.model import Table
from generator.pyformat import (
    INDENT,
    Atom,
    Brackets,
    Chain,
    Node,
    Pair,
    black_stable,
    bracketed,
    docstring,
    fits,
    flat,
    layout,
    py_number,
    tidy,
)
from generator.render import format_python
from generator.targets.python_files import python_package
from tests.helpers import FIXTURES, SCHEMA_DOCS, TEMPLATES, build_tables, corpus_builds

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def black_leaves(source: str) -> bool:
    return format_python(source) == source


def _package(
    tables: dict[str, Table], monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, bytes], list[str]]:
    """The package's files, and the sources that had to go through black."""
    through_black: list[str] = []

    def spy(source: str) -> str:
        through_black.append(source)
        return format_python(source)

    monkeypatch.setattr(generator.render, "format_python", spy)
    files = python_package(tables, package="pkg", distribution="pkg", prefix="")
    return files, through_black


REAL_BUILDS = [("schema_docs", [SCHEMA_DOCS]), *corpus_builds()]


@pytest.mark.parametrize("inputs", [b[1] for b in REAL_BUILDS], ids=[b[0] for b in REAL_BUILDS])
def test_real_pages_give_black_stable_modules_without_black(
    inputs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tables, _ = build_tables(*inputs)
    files, through_black = _package(tables, monkeypatch)
    assert through_black == []  # the fast path did all of it
    modules = {path: data.decode() for path, data in files.items() if path.endswith(".py")}
    assert len(modules) == len(tables) + 3  # each table, __init__, _runtime and sdk
    unstable = [path for path, source in modules.items() if not black_leaves(source)]
    assert unstable == []


def test_hostile_pages_give_black_stable_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    tables, _ = build_tables(FIXTURES / "hostile")
    files, _ = _package(tables, monkeypatch)
    for path, data in files.items():
        if path.endswith(".py"):
            assert black_leaves(data.decode()), path


def test_what_the_layout_cannot_split_goes_through_black(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables, _ = build_tables(SCHEMA_DOCS / "ce-omnichannel")
    (table,) = tables.values()
    # a column whose required annotation is too long for any line: black
    # wraps the annotation in parentheses, which the layout does not do
    long = "x" * 120
    attrs = [
        a.model_copy(update={"schema_name": long}) if a.logical_name == "msdyn_name" else a
        for a in table.attributes
    ]
    tables = {table.logical_name: table.model_copy(update={"attributes": tuple(attrs)})}
    files, through_black = _package(tables, monkeypatch)
    assert len(through_black) == 1 and not black_stable(through_black[0])
    module = files["pkg/msdyn_smsengagementctx.py"].decode()
    assert module == format_python(through_black[0]) and black_leaves(module)


def test_runtime_template_is_kept_black_formatted() -> None:
    runtime = (TEMPLATES / "python" / "_runtime.py").read_text(encoding="utf-8")
    assert black_leaves(runtime)


# -- statements, against black itself ----------------------------------------------
# Random statements are printed on one line, as a template prints them, and
# laid out by tidy(); whatever it leaves within the limit, black must leave.


def call(name: str, *args: Node) -> Brackets:
    return Brackets(f"{name}(", ")", args)


def tuple_of(*items: Node) -> Brackets:
    return Brackets("(", ")", items, comma=len(items) == 1)


def dict_of(pairs: list[tuple[str, Node]]) -> Brackets:
    return Brackets("{", "}", tuple(Pair(f"{k}: ", v) for k, v in pairs))


names = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=60)
    .map(lambda s: "n" + s)
    .filter(lambda s: not keyword.iskeyword(s))
)
texts = st.text(max_size=80)
atoms = st.one_of(
    texts.map(py_string),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(py_number),
    names,
)


def _tree(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    keyword = st.tuples(names, children).map(lambda t: Pair(f"{t[0]}=", t[1]))
    return st.one_of(
        st.tuples(names, st.lists(children, max_size=4), st.lists(keyword, max_size=3)).map(
            lambda t: call(t[0], *t[1], *t[2])
        ),
        st.lists(children, min_size=1, max_size=4).map(lambda xs: tuple_of(*xs)),
        st.lists(st.tuples(texts.map(py_string), children), max_size=4).map(dict_of),
    )


nodes = st.recursive(atoms.map(Atom), _tree, max_leaves=12)
chains = st.lists(st.one_of(texts.map(py_string), names), min_size=2, max_size=8).map(
    lambda parts: Chain(tuple(parts))
)


def _module(body: str) -> str:
    return f"x = 1\n\n\n{body}\n"


@PROPERTY
@given(nodes, names)
def test_an_assigned_expression_is_laid_out_black_stable(node: Node, target: str) -> None:
    line = f"{target} = {flat(node)}"
    laid = tidy(line)
    if isinstance(node, Brackets):  # tidy() read the tree back from the line
        assert laid == layout(node, "", f"{target} = ")
    source = _module(laid)
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(_module(line)))
    if black_stable(source):
        assert black_leaves(source)


@PROPERTY
@given(st.lists(nodes, max_size=8), names)
def test_a_bracketed_statement_is_laid_out_as_tidy_lays_out_its_line(
    items: list[Node], target: str
) -> None:
    """Templates lay out a tuple of many items themselves (``bracketed``):
    tidy then gives what it gives for the statement on one line."""
    flats = [flat(i) for i in items]
    one_line = f"{target} = ({', '.join(flats)}{',' if len(items) == 1 else ''})"
    assert tidy(bracketed(f"{target} = (", flats)) == tidy(one_line)


@PROPERTY
@given(st.lists(st.one_of(nodes, chains), max_size=6), names)
def test_a_call_in_a_return_is_laid_out_black_stable(args: list[Node], name: str) -> None:
    node = call(name, *args)
    laid = tidy(f"{INDENT}return {flat(node)}")
    assert laid == layout(node, INDENT, "return ")
    source = _module(f"def f() -> object:\n{laid}")
    if black_stable(source):
        assert black_leaves(source)


@PROPERTY
@given(st.lists(names, max_size=6), names)
def test_a_signature_is_laid_out_black_stable(params: list[str], name: str) -> None:
    head = Brackets(f"def {name}(", ") -> object:", tuple(Atom(f"{p}: int") for p in params))
    source = _module(f"{tidy(flat(head))}\n    return 1")
    if black_stable(source):
        assert black_leaves(source)


@PROPERTY
@given(names, atoms, st.integers(min_value=0, max_value=2))
def test_an_assignment_is_laid_out_black_stable(target: str, value: str, depth: int) -> None:
    indent = INDENT * depth
    lines = [f"{INDENT * d}class C{d}:" for d in range(depth)]
    source = _module("\n".join([*lines, tidy(f"{indent}{target}: int = {value}")]))
    if black_stable(source):
        assert black_leaves(source)


def test_the_assignment_property_reaches_the_wrapped_form() -> None:
    # without this the property above could pass by never leaving one line
    wrapped = tidy(f"{INDENT}NAME: Final = {py_string('v' * 90)}")
    assert wrapped.count("\n") == 2 and black_leaves(_module(f"class C:\n{wrapped}"))


def test_tidy_leaves_what_it_cannot_read_or_need_not_touch() -> None:
    long = "y" * 120
    kept = [
        f"x = f({long}",  # brackets left open: the rest is on other lines
        f"x = f({long})  # a comment",
        f'"""{long}',  # a docstring's text
        f"x = {long}",  # an atom: nothing to split at (black_stable() sends it to black)
        "x = f(a, b)",  # fits
    ]
    for line in kept:
        assert tidy(line) == line
    # an item line of brackets already split is laid out as an item
    item = f"    targets={{{py_string('t' * 50)}: ({py_string('s' * 40)}, {py_string('n' * 40)})}},"
    assert tidy(item).split("\n")[:2] == ["    targets={", f"        {py_string('t' * 50)}: ("]
    # a magic trailing comma splits even what would fit, as black does
    assert tidy(f"x = g(f(a, b,), {long})").split("\n") == [
        "x = g(",
        "    f(",
        "        a,",
        "        b,",
        "    ),",
        f"    {long},",
        ")",
    ]


@PROPERTY
@given(st.text(), st.sampled_from(["", INDENT, INDENT * 2]))
def test_docstrings_are_black_stable_and_hold_only_text(text: str, indent: str) -> None:
    literal = docstring(py_docstring(text), indent)
    opener = "".join(f"{INDENT * d}class C{d}:\n" for d in range(len(indent) // 4))
    source = f"{opener}{indent}{literal}\n\n{indent}x = 1\n"
    tree = ast.parse(source)
    body = tree.body
    while body and isinstance(body[0], ast.ClassDef):
        body = body[0].body
    assert len(body) == 2  # the docstring and x: nothing escaped into code
    assert black_leaves(source)


@PROPERTY
@given(st.text())
def test_string_literals_are_black_stable_and_exact(text: str) -> None:
    literal = py_string(text)
    assert ast.literal_eval(literal) == text
    assert black_leaves(f"x = {literal}\n") or not black_stable(f"x = {literal}\n")


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers())
def test_numbers_are_written_as_black_writes_them(value: float) -> None:
    assert black_leaves(f"x = {py_number(value)}\n")
    assert ast.literal_eval(py_number(value)) == value


def test_black_stable_counts_code_lines_only() -> None:
    assert black_stable('x = "a" + "b"\n')
    assert not black_stable("x = " + "y" * 97 + "\n")  # 101 columns
    # long lines inside docstrings are text, which black never splits
    one_line = '"""' + "d" * 200 + '"""\n'
    several = '"""A\n' + "e" * 200 + '\n"""\n'
    assert black_stable(one_line + several + "x = 1\n")
    assert not black_stable(several + "x = " + "y" * 97 + "\n")


def test_width_counts_wide_characters_as_black_does() -> None:
    line = "x = " + py_string("日" * 40)  # 48 characters, 84 columns
    assert pyformat.fits(line)
    assert not pyformat.fits("x = " + py_string("日" * 48))  # 56 characters, 100+ columns
    assert black.strings.str_width("日") == 2


def test_a_long_call_splits_one_item_a_line_recursively() -> None:
    a, t, sets, nav = (
        py_string("a" * 30),
        py_string("t" * 30),
        py_string("s" * 40),
        py_string("n" * 40),
    )
    line = f"    _runtime.Column({a}, create=False, targets={{{t}: ({sets}, {nav})}}),"
    assert tidy(line).split("\n") == [
        "    _runtime.Column(",
        f"        {a},",
        "        create=False,",
        "        targets={",
        f"            {t}: (",
        f"                {sets},",
        f"                {nav},",
        "            ),",
        "        },",
        "    ),",
    ]
    assert black_leaves(f"X = (\n{tidy(line)}\n)\n")
    url = f"{py_string('u' * 60)} + str(key) + {py_string(')/' * 20)}"
    ret = tidy(f'    return _runtime.Request("DELETE", {url})')
    assert ret.count("\n        + ") == 2
    assert black_leaves(f"def f(key: int) -> object:\n{ret}\n")


@PROPERTY
@given(
    names, st.text(min_size=60, max_size=120).map(py_string), st.integers(min_value=0, max_value=2)
)
def test_a_bare_string_too_long_to_wrap_is_left_as_black_leaves_it(
    target: str, value: str, depth: int
) -> None:
    indent = INDENT * depth
    lines = [f"{INDENT * d}class C{d}:" for d in range(depth)]
    source = _module("\n".join([*lines, tidy(f"{indent}{target} = {value}")]))
    if black_stable(source):
        assert black_leaves(source)


def test_only_a_bare_name_keeps_a_long_string_on_its_line() -> None:
    value = py_string("v" * 100)
    assert black_stable(f"class C:\n    NAME = {value}\n")
    assert black_leaves(f"class C:\n    NAME = {value}\n")
    # black splits an annotated one at its annotation: it goes through black
    annotated = f"class C:\n    NAME: Final = {value}\n"
    assert not black_stable(annotated) and not black_leaves(annotated)
    # inside brackets the same text is an argument, which black would respace
    assert not black_stable(f"f(\n    NAME = {value}\n)\n")


@PROPERTY
@given(st.sampled_from(["", "odata=", "of="]), st.text(min_size=90, max_size=140), st.booleans())
def test_a_long_string_item_in_brackets_is_left_as_black_leaves_it(
    keyword_: str, text: str, nested: bool
) -> None:
    item = f"{keyword_}{py_string(text)},"
    inner = f"        {item}" if nested else f"    {item}"
    source = f"x = f(\n    g(\n{inner}\n    ),\n)\n" if nested else f"x = f(\n    1,\n{inner}\n)\n"
    if black_stable(source):
        assert black_leaves(source)


def test_a_long_keyword_string_needs_no_black() -> None:
    # csrs's operations.py: the one line (101 columns) that sent a whole org's module to black
    odata = py_string(
        "Microsoft.Dynamics.CRM.ssg_SearchRequestCalculateEstimatedCompletionDateResponse"
    )
    source = (
        "def f() -> object:\n"
        "    return _runtime.Call(\n"
        "        returns=_runtime.Value(\n"
        '            "value",\n'
        f"            odata={odata},\n"
        "        ),\n"
        "    )\n"
    )
    assert not fits(source.splitlines()[4])
    assert black_stable(source) and black_leaves(source)
    # not an item (no comma), or not a lone string: still sent to black
    assert not black_stable(source.replace(f"{odata},", odata[:-1] + 'x"'))
    assert not black_stable(source.replace(f"odata={odata}", f"odata={odata} + x"))


@PROPERTY
@given(
    names,
    st.sampled_from(["", ": Final", ": str", ": typing.Final"]),
    st.text(min_size=40, max_size=140),
    st.integers(min_value=0, max_value=3),
)
def test_the_quick_string_assignment_lays_out_as_the_tokenizing_one(
    name: str, annotation: str, text: str, depth: int
) -> None:
    line = f"{INDENT * depth}{name}{annotation} = {py_string(text)}"
    assert pyformat._STRING_ASSIGN.fullmatch(line)
    assert pyformat._split(line) == pyformat._split_tokens(line)


def test_the_quick_string_assignment_takes_nothing_else() -> None:
    for line in [
        'X = "a" + "b"',
        'X = "a" "b"',
        'x.y = "a"',
        'X: Final[int] = "a"',
        'X = f"a"',
    ]:
        assert pyformat._STRING_ASSIGN.fullmatch(line) is None, line


_PIECES = st.one_of(
    texts.map(py_string),
    st.sampled_from(['"""', "'", '"', "#", "\\", "\t", "é", "$", "?", "!", "`", "f", "rb", "0"]),
    st.sampled_from(["(", ")", "[", "]", "{", "}", ",", ":", "=", "+", "-", ".", "->", "**", "!="]),
    st.sampled_from(["...", ":=", "<<=", "//", "@", "~", "<>", ";", "1e5", "0x1F", "0b102", "1_0"]),
    st.sampled_from(["0777", "1.", ".5", "1j", "None", "lambda", "x", "_runtime", "Column"]),
    names,
    atoms,
)


@settings(max_examples=2000, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "  "])), min_size=1, max_size=14))
def test_the_quick_tokenizer_reads_as_python_does_or_defers(pieces: list[tuple[str, str]]) -> None:
    # any line at all: the quick reader gives Python's tokens, or hands the line to Python
    line = "".join(p + gap for p, gap in pieces)
    quick = pyformat._quick_tokens(line)
    if quick is not pyformat._UNREAD:
        assert quick == pyformat._python_tokens(line)


@pytest.mark.parametrize(
    "line",
    [
        'X.COLUMNS = (_runtime.Column("a", "a", "str"), _runtime.Column("b", "b", "int"))',
        'x = f(a, "b", c=1.5e3, d=[1, 2], e={"k": (1,)}, g=-1, h=x.y)',
        '    return _runtime.Request("GET", \'u\' + str(key) + "/x")',
    ],
)
def test_the_quick_tokenizer_reads_the_code_dvgen_prints(line: str) -> None:
    text = line.lstrip(" ")
    assert pyformat._quick_tokens(text) == pyformat._python_tokens(text) is not None
