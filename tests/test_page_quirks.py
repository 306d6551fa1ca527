"""Small pages that pin the parser's handling of odd and bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import parse_one

HEAD = (
    "# t Entity Reference\n\n## Entity Properties\n\n|Property|Value|\n|-|-|\n|LogicalName|t|\n\n"
)


def parse_text(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    page = tmp_path / "t.md"
    page.write_text(HEAD + body, encoding="utf-8")
    return parse_one(page)


def codes(diags) -> list[tuple[int | None, str]]:  # type: ignore[no-untyped-def]
    return [(d.line, d.code) for d in diags if d.level == "warning"]


def test_invalid_relationship_heading_is_warned_and_left_out(tmp_path: Path) -> None:
    parsed, diags, _ = parse_text(
        tmp_path,
        "## One-To-Many Relationships\n\n### <a name='x'></a> not a name!\n\n"
        "|Property|Value|\n|-|-|\n|ReferencingEntity|u|\n",
    )
    assert parsed.table.relationships.one_to_many == ()
    assert (11, "DV140") in codes(diags)


def test_duplicate_property_keeps_the_last_and_says_so(tmp_path: Path) -> None:
    parsed, diags, _ = parse_text(
        tmp_path,
        "## Writable attributes\n\n### a\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|a|\n|MaxLength|10|\n|MaxLength|20|\n|Type|String|\n",
    )
    assert parsed.table.attribute("a").max_length == 20
    assert codes(diags) == [(17, "DV120")]


def test_extra_cells_and_unknown_types_are_warned(tmp_path: Path) -> None:
    parsed, diags, _ = parse_text(
        tmp_path,
        "## Writable attributes\n\n### a\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|a|\n|Type|Hologram|surprise|\n",
    )
    assert parsed.table.attribute("a").type == "Hologram"
    assert sorted(codes(diags)) == [(16, "DV121"), (16, "DV133")]


def test_values_that_do_not_fit_are_left_out_with_a_warning(tmp_path: Path) -> None:
    parsed, diags, _ = parse_text(
        tmp_path,
        "## Writable attributes\n\n### a\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|a|\n|MaxLength|lots|\n|IsValidForRead|Perhaps|\n",
    )
    a = parsed.table.attribute("a")
    assert (a.max_length, a.valid_for_read) == (None, None)
    assert sorted(codes(diags)) == [(16, "DV122"), (17, "DV122")]


@pytest.mark.parametrize("name", ["../evil", "a b", "x;import os"])
def test_table_logical_names_must_be_names(tmp_path: Path, name: str) -> None:
    page = tmp_path / "t.md"
    page.write_text(f"# x\n\n## Properties\n\n|Property|Value|\n|-|-|\n|LogicalName|{name}|\n")
    parsed, diags, _ = parse_one(page)
    assert parsed is None
    assert [d.code for d in diags if d.level == "error"] == ["DV109"]
    assert any(d.code == "DV123" for d in diags)


@pytest.mark.parametrize(
    "name",
    # the last five make modules nul.py, aux.py, prn.py (and com0, lpt0 are
    # reserved in current Windows): they passed the check and failed at write time
    ["con", "NUL", "com1", "Lpt9", "nul_", "_aux", "Prn__", "com0", "LPT0"],
)
def test_a_table_named_like_a_windows_device_is_refused(tmp_path: Path, name: str) -> None:
    """Its files could not be written on Windows: refused when read, with the
    line, not when a build writes."""
    page = tmp_path / "t.md"
    title = f"# {name} Entity Reference\n\n"  # the title names it too
    page.write_text(f"{title}## Properties\n\n|Property|Value|\n|-|-|\n|LogicalName|{name}|\n")
    parsed, diags, _ = parse_one(page)
    assert parsed is None
    assert [d.code for d in diags if d.level == "error"] == ["DV109"]
    assert [(d.line, d.code) for d in diags if d.code == "DV124"] == [(7, "DV124"), (1, "DV124")]


@pytest.mark.parametrize("name", ["console", "nul_x", "com10", "auxiliary"])
def test_a_table_whose_name_only_starts_like_a_device_is_fine(tmp_path: Path, name: str) -> None:
    page = tmp_path / "t.md"
    page.write_text(f"# x\n\n## Properties\n\n|Property|Value|\n|-|-|\n|LogicalName|{name}|\n")
    parsed, _, _ = parse_one(page)
    assert parsed is not None and parsed.table.logical_name == name


def test_events_table_marks_messages_as_events(tmp_path: Path) -> None:
    parsed, _, _ = parse_text(
        tmp_path,
        "## Messages\n\n|Message|Web API Operation|SDK Assembly|\n|-|-|-|\n|Create|POST /ts||\n\n"
        "## Events\n\n|Name|Web API Operation|SDK for .NET|\n|-|-|-|\n|Create|||\n|Notify|||\n",
    )
    msgs = {m.name: m for m in parsed.table.messages}
    assert (msgs["Create"].is_event, msgs["Notify"].is_event) == (True, True)
    assert msgs["Create"].web_api.path == "ts"
