"""A page cut off (a broken download, a bad merge) is an error, never a
table with columns missing: its own indexes say what it should describe
(DV111), and no real page ends inside a table row or a link (DV112)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.diagnostics import Diagnostics
from generator.exits import EXIT_INPUT, EXIT_OK
from generator.parse import parse_bytes
from tests.helpers import CORPUS, FIXTURES, ROOT, SCHEMA_DOCS, SEED_LEGACY, tree

INCOMPLETE = {"DV111", "DV112", "DV113"}
#: the fixture pages made incomplete on purpose, for the fuzzer: cut mid-row,
#: and nested past the markdown parser's limit
CUT_ON_PURPOSE = {
    "tests/fixtures/fuzz/truncated-mid-row.md",
    "tests/fixtures/fuzz/nested-lists.md",
    "tests/fixtures/fuzz/nested-quotes.md",
}
PAGES = sorted(
    p
    for p in [*FIXTURES.rglob("*.md"), *SCHEMA_DOCS.rglob("*.md")]
    if p.name != "README.md" and "broken" not in p.parts  # broken/: not pages at all
)


def diagnose(data: bytes) -> Diagnostics:
    diags = Diagnostics()
    parse_bytes(data, "page.md", "page.md", diags)
    return diags


def errors(diags: Diagnostics) -> list[tuple[int | None, str, str]]:
    return [(d.line, d.code, d.message) for d in diags if d.code in INCOMPLETE]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_whole_page_is_taken_for_a_cut_one(page: Path) -> None:
    found = errors(diagnose(page.read_bytes()))
    assert bool(found) == (page.relative_to(ROOT).as_posix() in CUT_ON_PURPOSE), found


def test_the_fuzz_fixture_cut_mid_row_says_both() -> None:
    found = errors(diagnose((FIXTURES / "fuzz" / "truncated-mid-row.md").read_bytes()))
    assert [(line, code) for line, code, _ in found] == [(61, "DV111"), (80, "DV112")]
    assert "lists 15 column(s) it never describes (msdyn_countrycode," in found[0][2]


def lines_of(page: Path) -> list[bytes]:
    return page.read_bytes().split(b"\n")


def sections(lines: list[bytes]) -> list[tuple[int, int]]:
    """Per indexed section: the line (1-based) of its first index entry and
    of its last item's heading."""
    out = []
    starts = [i for i, line in enumerate(lines) if line.startswith(b"## ")]
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        body = lines[start:end]
        index = [i for i, line in enumerate(body) if re.match(rb"^- \[[^\]]+\]\(#", line)]
        items = [
            i
            for i, line in enumerate(body)
            if line.startswith(b"### ") and not re.match(rb"### (see also|related)", line, re.I)
        ]
        if index and items:
            out.append((start + index[0] + 1, start + items[-1] + 1))
    return out


@pytest.mark.parametrize(
    "page",
    [
        SEED_LEGACY,
        CORPUS / "generated-full-table" / "accountleads.md",
        CORPUS / "hybrid-table-reference" / "bookingstatus.md",
        CORPUS / "legacy-bold-list" / "productpricelevel.md",
        CORPUS / "app-extension" / "quote.md",
    ],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_every_cut_before_a_sections_last_item_is_an_error(page: Path, thorough: bool) -> None:
    """Cut after a line from a section's index to just before its last item
    (about 40 cuts a section, spread evenly, in CI; 6 on a local run): what
    is gone is named, on the line of the first entry lost."""
    lines = lines_of(page)
    spans = sections(lines)
    assert len(spans) >= 2, "the page has indexed sections"
    cuts = 40 if thorough else 6
    for first, last in spans:
        for keep in range(first, last, max(1, (last - first) // cuts)):
            found = errors(diagnose(b"\n".join(lines[:keep])))
            assert found, f"cut after line {keep} of {page.name} went unnoticed"
            line, code, message = found[0]
            assert code == "DV111" and "the page is incomplete (cut off?)" in message
            entry = lines[line - 1].decode()  # the first index entry no item answers
            name = re.match(r"^- \[([^\]]+)\]", entry)
            assert name and name.group(1) in message, (keep, entry, message)


@pytest.mark.parametrize(
    ("cut", "where"),
    [("|Description|Time zone code that was in", "a table row"), ("- [msdyn_na", "a link")],
)
def test_a_page_ending_inside_a_row_or_a_link(cut: str, where: str) -> None:
    text = SEED_LEGACY.read_text(encoding="utf-8")
    page = text[: text.index(cut) + len(cut)]
    found = errors(diagnose(page.encode()))
    assert found[-1] == (
        page.count("\n") + 1,
        "DV112",
        f"the page ends inside {where}: it is incomplete (cut off?)",
    )


def test_a_build_refuses_a_cut_page_and_keeps_the_good_bindings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported case: cut in the middle of the Writable attributes list,
    the page built, even with --strict, a table with no columns over good ones."""
    shutil.copytree(SCHEMA_DOCS, tmp_path / "schema_docs")
    (tmp_path / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "-q"]) == EXIT_OK
    before = tree(tmp_path / "generated")
    page = tmp_path / "schema_docs" / SEED_LEGACY.relative_to(SCHEMA_DOCS)
    lines = page.read_bytes().split(b"\n")
    keep = next(i for i, line in enumerate(lines) if b"(#BKMK_msdyn_name)" in line)
    page.write_bytes(b"\n".join(lines[:keep]))
    capsys.readouterr()
    for strict in ([], ["--strict"]):
        assert main(["build", *strict]) == EXIT_INPUT
        err = capsys.readouterr().err
        shown = page.relative_to(tmp_path).as_posix()
        first = next(i for i, line in enumerate(lines) if line.startswith(b"- [")) + 1
        assert (
            f"{shown}:{first}: error: section 'Writable attributes' lists {keep + 1 - first} "
            "column(s) it never describes (ImportSequenceNumber, msdyn_countrycode, "
        ) in err
        assert tree(tmp_path / "generated") == before


def test_a_list_nested_past_the_parsers_limit_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bullet list nested ten deep silently dropped the rest of the page
    (issue 18, point 7): later columns and relationships vanished, exit 0."""
    text = SEED_LEGACY.read_text(encoding="utf-8")
    nested = "".join("  " * i + "- deeper\n" for i in range(10))
    at = text.index("## Writable attributes")
    page = text[:at] + nested + "\n" + text[at:]
    line = page[:at].count("\n") + 1 + 9  # the tenth item, where the parser stops
    found = errors(diagnose(page.encode()))
    assert (line, "DV113") in [(n, code) for n, code, _ in found]
    shutil.copytree(SCHEMA_DOCS, tmp_path / "schema_docs")
    (tmp_path / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema_docs" / SEED_LEGACY.relative_to(SCHEMA_DOCS)).write_text(page)
    assert main(["build", "-q"]) == EXIT_INPUT
    assert "the rest of the page was not read [DV113]" in capsys.readouterr().err
    assert not (tmp_path / "generated").exists()
