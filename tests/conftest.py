"""Fixtures shared by the suite (helpers live in tests/helpers.py)."""

from __future__ import annotations

import os

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from generator.config import CACHE_ENV


class TextSnapshot(SingleFileSnapshotExtension):
    """One snapshot file per generated file, stored as text with a .raw suffix."""

    _write_mode = WriteMode.TEXT
    file_extension = "raw"


@pytest.fixture
def snapshot_file(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds run from the repository root must not leave .dvgen-cache/ in it."""
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("dvgen-cache"))
