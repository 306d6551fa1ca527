"""Fixtures shared by the suite (helpers live in tests/helpers.py)."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode


class TextSnapshot(SingleFileSnapshotExtension):
    """One snapshot file per generated file, stored as text with a .raw suffix."""

    _write_mode = WriteMode.TEXT
    file_extension = "raw"


@pytest.fixture
def snapshot_file(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(TextSnapshot)
