"""syrupy snapshots of the YAML model: the seeds, the default build, and one
page of every corpus variant. Regenerate after an intended change with
``make snapshots``."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from generator.modelio import dump_table
from tests.helpers import CORPUS, SCHEMA_DOCS, SEED_EXTENSION, SEED_LEGACY, build_tables, parse_one

ONE_PER_VARIANT = {
    "legacy-bold-list": CORPUS / "legacy-bold-list" / "productpricelevel.md",
    "legacy-entity-reference": CORPUS / "legacy-entity-reference" / "discounttype.md",
    "hybrid-table-reference": CORPUS / "hybrid-table-reference" / "package.md",
    "generated-full-table": CORPUS / "generated-full-table" / "msmrw_videoasset.md",
    "app-extension": CORPUS / "app-extension" / "quote.md",
    "seed-legacy": SEED_LEGACY,
    "seed-extension": SEED_EXTENSION,
}


@pytest.mark.parametrize("name", sorted(ONE_PER_VARIANT))
def test_page_model(name: str, snapshot_file: SnapshotAssertion) -> None:
    path: Path = ONE_PER_VARIANT[name]
    parsed, _, _ = parse_one(path)
    assert parsed is not None
    assert dump_table(parsed.table) == snapshot_file


@pytest.mark.parametrize("table", ["msdyn_ocliveworkitem", "msdyn_smsengagementctx"])
def test_default_build_model(table: str, snapshot_file: SnapshotAssertion) -> None:
    tables, _ = build_tables(SCHEMA_DOCS)
    assert dump_table(tables[table]) == snapshot_file
