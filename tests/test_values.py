"""Type coercion of cell text (parametrized)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from generator.diagnostics import Diagnostics
from generator.parse import values
from generator.parse.source import decode_page


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("True", True), ("false", False), (" Yes ", True), ("", None), ("  ", None)],
)
def test_boolean(raw: str, expected: bool | None) -> None:
    assert values.boolean(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2147483647", 2147483647),
        ("-9223372036854775808", -9223372036854775808),
        ("1E-12", 1e-12),
        ("922337203685477", 922337203685477),
        ("0.0000000001", 1e-10),
        ("100,000", 100000),
        ("", None),
    ],
)
def test_number(raw: str, expected: float | None) -> None:
    got = values.number(raw)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize("fn", [values.boolean, values.integer, values.number])
@pytest.mark.parametrize("raw", ["maybe", "1.5.2", "NaN", "12abc"])
def test_bad_values_raise_a_readable_error(fn: Callable[[str], object], raw: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(raw))):
        fn(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("False", False), ("-1", -1), ("192350000", 192350000), ("Auto", "Auto"), ("", None)],
)
def test_scalar(raw: str, expected: object) -> None:
    got = values.scalar(raw)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("systemuser,team", ("systemuser", "team")),
        ("account, contact", ("account", "contact")),
        ("", ()),
    ],
)
def test_name_list(raw: str, expected: tuple[str, ...]) -> None:
    assert values.name_list(raw) == expected


def test_key_values_drops_empty_and_null() -> None:
    assert values.key_values(["Assign: Cascade", "Label: ", "MenuId: null", "Order: 10000"]) == {
        "Assign": "Cascade",
        "Order": "10000",
    }
    with pytest.raises(ValueError, match="Key: value"):
        values.key_values(["no colon here"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03/23/2020", "2020-03-23"),
        ("07.24.2024", "2024-07-24"),
        ("2024-08-21", "2024-08-21"),
        (None, None),
    ],
)
def test_doc_date(raw: str | None, expected: str | None) -> None:
    assert values.doc_date(raw) == expected


def test_mojibake_is_repaired_and_reported_at_its_line() -> None:
    diags = Diagnostics()
    page = decode_page(
        "# t\n\n**Added by**: Omnichannel \u00e2\u20ac\u201c SMS\n".encode(), "p.md", diags
    )
    assert page is not None
    assert "Omnichannel \u2013 SMS" in page.text
    (d,) = list(diags)
    assert (d.level, d.code, d.line) == ("info", "DV010", 3)


def test_bom_and_crlf_are_normalised() -> None:
    page = decode_page(b"\xef\xbb\xbf# t\r\nline\r\n", "p.md", Diagnostics())
    assert page is not None and page.text == "# t\nline\n"
