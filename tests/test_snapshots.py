"""syrupy snapshots of the YAML model of one page of every corpus variant and
of each seed. (The default build's output is ``generated/``, committed: its
one drift check is in ``tests/test_cli.py``.) Regenerate after an intended
change with ``make snapshots``."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from generator.modelio import dump_table
from tests.helpers import CORPUS, SEED_EXTENSION, SEED_LEGACY, parse_one

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
