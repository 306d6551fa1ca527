"""Fixtures shared by the suite (helpers live in tests/helpers.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from generator.cli import main
from generator.config import CACHE_ENV
from generator.exits import EXIT_OK
from tests.helpers import CORPUS

# The suite's property tests run the same examples everywhere (derandomized,
# no example database), bounded by count, never by time. `make fuzz` selects
# the "fuzz" profile: fresh examples, DVGEN_FUZZ_EXAMPLES of them per test.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("DVGEN_FUZZ_EXAMPLES", "2000")),
    derandomize=False,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.load_profile(os.environ.get("DVGEN_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", help="also run the tests marked slow (CI runs them)"
    )


def run_slow(config: pytest.Config) -> bool:
    """Slow tests run in CI (which sets CI) and with --slow, not on every local run."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return bool(config.getoption("--slow")) or ci


@pytest.fixture
def thorough(request: pytest.FixtureRequest) -> bool:
    """Whether slow checks run (CI, --slow): a test then tries more cases."""
    return run_slow(request.config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI, or locally with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture
def built_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of schema_docs/ and a build of it, as a user's repository would
    hold, with the default settings; the working folder for the test."""
    shutil.copytree(Path(__file__).parent.parent / "schema_docs", tmp_path / "schema_docs")
    (tmp_path / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "-q"]) == EXIT_OK
    return tmp_path


@pytest.fixture
def in_corpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run from the corpus folder, with a config that has no [tool.dvgen] settings."""
    monkeypatch.chdir(CORPUS)
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.dvgen]\n", encoding="utf-8")
    return config
