"""Table selection: include/exclude globs, publisher prefixes and solutions
("Added by"); what is left out is listed, and what is kept still type-checks
when its lookups point at tables that were left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildResult, select
from generator.cli import main
from generator.config import Config, ConfigError, load_config
from generator.exits import EXIT_USAGE
from generator.model import Table
from tests.helpers import ROOT, SCHEMA_DOCS, assert_type_checks, build_tables, copy_pages, run_build

SMS = "msdyn_smsengagementctx"
CONVERSATION = "msdyn_ocliveworkitem"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = copy_pages(tmp_path_factory.mktemp("pages"))
    return [root / "schema_docs", root / "corpus"]


@pytest.fixture(scope="module")
def everything(pages: list[Path]) -> dict[str, Table]:
    """Every table of the 49 pages, parsed and merged once: selection is a
    function of the tables and the settings."""
    tables, _ = build_tables(*pages)
    return tables


def chosen(tables: dict[str, Table], **settings: Any) -> set[str]:
    return set(select(tables, Config(base=ROOT, **settings)))


def left_out(result: BuildResult) -> list[str]:
    [note] = [d for d in result.diagnostics if d.code == "DV030"]
    return note.message.split(": ", 1)[1].split("; ")[0].split(", ")


def test_prefixes_keep_only_a_publishers_tables(
    tmp_path: Path, pages: list[Path], everything: dict[str, Table]
) -> None:
    kept = chosen(everything, prefixes=("msdyn_", "MSPP_"))
    assert kept == {n for n in everything if n.startswith(("msdyn_", "mspp_"))}
    assert SMS in kept and "accountleads" not in kept
    # a build writes what is chosen, and lists what is left out
    result = run_build(tmp_path / "out", pages, "model", prefixes=("msdyn_", "MSPP_"))
    assert set(result.tables) == kept
    assert left_out(result) == sorted(set(everything) - kept)
    assert sorted(p.stem for p in (tmp_path / "out" / "model").glob("*.yaml")) == sorted(kept)


def test_solutions_keep_the_tables_a_solution_added(everything: dict[str, Table]) -> None:
    added = {n: t.added_by for n, t in everything.items()}
    assert added[SMS] is not None and "SMS" in added[SMS]
    kept = chosen(everything, solutions=("omnichannel*sms*",))
    assert kept == {n for n, a in added.items() if a and "SMS" in a} == {SMS}


def test_globs_prefixes_and_solutions_all_apply(everything: dict[str, Table]) -> None:
    kept = chosen(everything, include=("msdyn_*",), exclude=("msdyn_oc*",), prefixes=("msdyn_",))
    assert kept == {
        n for n in everything if n.startswith("msdyn_") and not n.startswith("msdyn_oc")
    }
    assert kept and "msdyn_ocliveworkitem" in everything


def test_lookups_to_tables_left_out_still_type_check(tmp_path: Path) -> None:
    """SMS points at Conversation; with Conversation left out, SMS's Python and
    TypeScript still pass mypy --strict and tsc --strict."""
    out = tmp_path / "out"
    result = run_build(out, [SCHEMA_DOCS], "python", "typescript", "odata", exclude=(CONVERSATION,))
    assert set(result.tables) == {SMS} and left_out(result) == [CONVERSATION]
    sms = (out / "python" / "dataverse_bindings" / f"{SMS}.py").read_text(encoding="utf-8")
    assert CONVERSATION in sms  # the lookup is still there, by the target's name
    assert f".{CONVERSATION} import" not in sms and f"import {CONVERSATION}" not in sms
    assert_type_checks(out)
    metadata = (out / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    assert f'<EntityType Name="{CONVERSATION}"' in metadata  # declared, keyed by convention


def test_selection_settings_are_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.dvgen]\nprefixes = ["msdyn_"]\nsolutions = ["Omnichannel*"]\n', encoding="utf-8"
    )
    loaded = load_config(config)
    assert (loaded.prefixes, loaded.solutions) == (("msdyn_",), ("Omnichannel*",))
    assert Config(base=tmp_path).prefixes == ()
    config.write_text('[tool.dvgen]\nprefixes = ["ms dyn"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a publisher prefix"):
        load_config(config)
    assert main(["build", "--config", str(config), "-q"]) == EXIT_USAGE
