"""Every real page carried in tests/fixtures/corpus parses, and loses no row."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.helpers import CORPUS, VARIANTS, corpus_pages, parse_one, variant_pages

PAGES = corpus_pages()


def _table_rows(text: str) -> set[int]:
    """Body rows of every table, counted straight from markdown-it's tokens."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    rows: set[int] = set()
    in_body = False
    for tok in md.parse(text):
        if tok.type == "tbody_open":
            in_body = True
        elif tok.type == "tbody_close":
            in_body = False
        elif tok.type == "tr_open" and in_body and tok.map:
            rows.add(tok.map[0] + 1)
    return rows


def test_the_corpus_is_all_here() -> None:
    assert len([p for p in PAGES if p.parent.name in VARIANTS]) == 46
    assert len([p for p in PAGES if p.parent.parent.name == "versions"]) == 9


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_is_byte_exact_copy(path: Path) -> None:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        manifest = {row["local_path"]: row for row in csv.DictReader(fh, delimiter="\t")}
    row = manifest[path.relative_to(CORPUS).as_posix()]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest()[:16] == row["sha256_16"]
    assert len(data.decode("utf-8")) == int(row["chars"])


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_parses_with_no_error_and_every_row_is_accounted_for(path: Path) -> None:
    parsed, diags, ctx = parse_one(path)
    errors = [d.format() for d in diags if d.level == "error"]
    assert errors == []
    assert parsed is not None
    # The ledger saw exactly the rows markdown-it sees (an independent count)...
    ledger_tables = {line for line, kind in ctx.ledger.rows.items() if kind == "table row"}
    assert ledger_tables == _table_rows(path.read_text(encoding="utf-8"))
    # ...and every row and property line either landed in the model or was
    # named in a warning: none dropped in silence.
    warned = {d.line for d in diags if d.level == "warning"}
    silent = [line for line, _ in ctx.ledger.unused() if line not in warned]
    assert silent == []
    # On these real pages, every row lands in the model.
    assert ctx.ledger.unused() == []


@pytest.mark.parametrize("path", variant_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_variant_is_detected(path: Path) -> None:
    parsed, _, _ = parse_one(path)
    assert parsed is not None
    assert parsed.table.sources[0].variant == path.parent.name
    assert parsed.extension == (path.parent.name == "app-extension")


def test_a_row_the_parser_cannot_use_is_warned_about(tmp_path: Path) -> None:
    page = tmp_path / "x.md"
    page.write_text(
        "# x Entity Reference\n\n## Entity Properties\n\n"
        "|Property|Value|\n|-|-|\n|LogicalName|x|\n\n"
        "## Writable attributes\n\n### <a name='BKMK_a'></a> a\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|a|\n|Type|Picklist|\n\n#### a Options\n\n|Value|Label|\n|-|-|\n|one|First|\n"
        "|2|Second|\n",
        encoding="utf-8",
    )
    parsed, diags, _ = parse_one(page)
    assert parsed is not None
    attr = parsed.table.attribute("a")
    assert attr is not None
    assert [o.value for o in attr.options] == [2]
    warnings = [(d.line, d.code) for d in diags if d.level == "warning"]
    assert warnings == [(22, "DV134")]
