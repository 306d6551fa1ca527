"""Cell text: markup stripped, meaning kept (parametrized)."""

from __future__ import annotations

import pytest

from generator.parse.markdown import BrokenTable, Table, parse_markdown


def cell(markup: str) -> tuple[str, list[str]]:
    doc = parse_markdown(f"|A|B|\n|-|-|\n|x|{markup}|\n")
    table = doc.blocks[0]
    assert isinstance(table, Table)
    c = table.rows[0].cells[1]
    return c.text, [lk.href for lk in c.links]


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("plain", "plain"),
        ("**Bold label**", "Bold label"),
        ("`msdyn_name`", "msdyn_name"),
        ("a<br />b", "a\nb"),
        ("a<br/>b<br>c", "a\nb\nc"),
        ("Service\\-Maintenance Based", "Service-Maintenance Based"),
        ("[Update](/x#basic-update) the `ownerid` property.", "Update the ownerid property."),
        ("spaces   collapse", "spaces collapse"),
        ("Intent  of Conversation", "Intent of Conversation"),
        ("", ""),
        ("&amp; &lt;", "& <"),
        ("*org URI*", "org URI"),
    ],
)
def test_cell_text(markup: str, text: str) -> None:
    assert cell(markup)[0] == text


@pytest.mark.parametrize(
    ("markup", "text", "hrefs"),
    [
        (
            "<xref:Microsoft.Xrm.Sdk.Messages.CreateRequest>",
            "Microsoft.Xrm.Sdk.Messages.CreateRequest",
            ["xref:Microsoft.Xrm.Sdk.Messages.CreateRequest"],
        ),
        (
            '<xref href="Microsoft.Dynamics.CRM.GrantAccess?text=GrantAccess Action" />',
            "GrantAccess Action",
            ["xref:Microsoft.Dynamics.CRM.GrantAccess"],
        ),
        (
            "<xref:Microsoft.Dynamics.CRM.BulkRetain?displayProperty=nameWithType />",
            "Microsoft.Dynamics.CRM.BulkRetain",
            ["xref:Microsoft.Dynamics.CRM.BulkRetain"],
        ),
        ("[Create records](/a/b#c)", "Create records", ["/a/b#c"]),
    ],
)
def test_cell_links(markup: str, text: str, hrefs: list[str]) -> None:
    assert cell(markup) == (text, hrefs)


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        (
            "**DisplayName**: Import Sequence Number<br />",
            (("DisplayName", "Import Sequence Number"),),
        ),
        ("**DisplayName**: <br />", (("DisplayName", ""),)),
        (
            "- **Value**: 1 **Label**: Currency Amount",
            (("Value", "1"), ("Label", "Currency Amount")),
        ),
        (
            "- **TrueOption Value**: 1 **Label**: Managed",
            (("TrueOption Value", "1"), ("Label", "Managed")),
        ),
        ("**Microsoft Teams**", ()),
        ("Some **bold** words: here", ()),
    ],
)
def test_bold_key_lines(line: str, pairs: tuple[tuple[str, str], ...]) -> None:
    doc = parse_markdown(line + "\n")
    block = doc.blocks[0]
    cells = block.items[0].lines if hasattr(block, "items") else block.lines  # type: ignore[union-attr]
    assert cells[0].pairs == pairs


def test_table_rows_keep_their_source_lines() -> None:
    doc = parse_markdown("# T\n\n|Property|Value|\n|-|-|\n|A|1|\n|B|2|\n")
    table = doc.blocks[1]
    assert isinstance(table, Table)
    assert [(r.line, r.cells[0].text) for r in table.rows] == [(5, "A"), (6, "B")]


def test_a_table_with_mismatched_delimiter_is_reported_not_lost() -> None:
    doc = parse_markdown("|A|B|C|\n|-|-|\n|1|2|3|\n")
    (broken,) = doc.blocks
    assert isinstance(broken, BrokenTable)
    assert (broken.lines, broken.header_cells, broken.delimiter_cells) == ((1, 2, 3), 3, 2)


def test_extra_cells_are_counted() -> None:
    doc = parse_markdown("|A|B|\n|-|-|\n|1|2|3|\n|`a|b`|2|\n")
    table = doc.blocks[0]
    assert isinstance(table, Table)
    assert [r.extra_cells for r in table.rows] == [1, 0]


def test_anchor_only_lines_and_front_matter() -> None:
    doc = parse_markdown(
        '---\ntitle: "x"\n---\n# H\n\n<a name="writable-attributes"></a>\n\n## W\n'
    )
    assert doc.front_matter == 'title: "x"'
    assert doc.blocks[0].text == "H"  # type: ignore[union-attr]
    assert doc.blocks[1].lines[0].anchors == ("writable-attributes",)  # type: ignore[union-attr]
