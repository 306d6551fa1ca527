"""``--jobs``: worker processes change how fast a build is, never what it writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.build import generate
from generator.cli import main
from generator.config import CACHE_ENV, Config
from generator.exits import EXIT_OK, EXIT_USAGE
from tests.helpers import FIXTURES, SCHEMA_DOCS, copy_pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_pages(tmp_path_factory.mktemp("pages"))
    shutil.copytree(FIXTURES / "broken", root / "broken")  # diagnostics of every kind
    return root


def _build(root: Path, out: str, jobs: int, cache: str | None = None) -> tuple[dict, list]:
    config = Config(base=root, inputs=("schema_docs", "corpus"), output=out, cache=cache)
    result = generate(config, jobs=jobs)
    assert not result.failed(strict=False)
    files = {
        p.relative_to(root / out).as_posix(): p.read_bytes()
        for p in sorted((root / out).rglob("*"))
        if p.is_file()
    }
    return files, [d.to_dict() for d in result.diagnostics]


def test_two_jobs_write_the_same_bytes_and_diagnostics_as_one(pages: Path) -> None:
    one = _build(pages, "one", jobs=1)
    two = _build(pages, "two", jobs=2)
    assert len(one[0]) > 100 and len(one[1]) > 100
    assert two[0] == one[0]
    assert two[1] == one[1]  # same diagnostics, in the same order


def test_a_parallel_build_fills_the_cache_a_serial_one_reuses(tmp_path: Path, pages: Path) -> None:
    shutil.copytree(pages, tmp_path, dirs_exist_ok=True)
    cold = _build(tmp_path, "out", jobs=2, cache=".dvgen-cache")
    config = Config(base=tmp_path, inputs=("schema_docs", "corpus"), output="out")
    warm = generate(config, jobs=1)
    assert warm.cache.pages_parsed == 0 and warm.cache.rendered == {}
    assert warm.cache.pages_reused == 49 and warm.report is not None
    assert warm.report.written == [] and cold[1] == [d.to_dict() for d in warm.diagnostics]


def test_broken_pages_report_the_same_under_jobs(pages: Path) -> None:
    config = Config(base=pages, inputs=("broken",), output="b", cache=None)
    one = generate(config, jobs=1)
    two = generate(config, jobs=2)
    assert one.diagnostics.count("error") > 0
    assert [d.to_dict() for d in two.diagnostics] == [d.to_dict() for d in one.diagnostics]


@pytest.mark.parametrize("value", ["-1", "two", ""])
def test_a_bad_jobs_value_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["build", "--jobs", value])
    assert exc.value.code == EXIT_USAGE
    assert "--jobs" in capsys.readouterr().err


def test_jobs_zero_means_one_per_cpu_and_timings_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(CACHE_ENV)
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "docs", "-o", "out", "-j", "0", "--format", "json"]) == EXIT_OK
    timings = json.loads(capsys.readouterr().out)["timings"]
    stages = {"collect", "parse", "merge", "render:model", "render:python", "render:typescript"}
    assert stages | {"render:odata", "format", "write", "cache", "version"} == set(timings)
    assert all(isinstance(v, float) and v >= 0 for v in timings.values())
    assert timings["parse"] > 0 and timings["render:python"] > 0
    (tmp_path / "docs" / "ce-omnichannel" / "msdyn_smsengagementctx.md").unlink()
    assert main(["build", "docs", "-o", "out", "-v"]) == EXIT_OK
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("dvgen: time:"))
    assert "parse " in line and "write " in line


def test_progress_counts_every_page_whether_parsed_or_cached(tmp_path: Path, pages: Path) -> None:
    shutil.copytree(pages, tmp_path, dirs_exist_ok=True)
    config = Config(base=tmp_path, inputs=("schema_docs", "corpus"), output="out")
    for jobs in (2, 1):  # cold with workers, then every page from the cache
        seen: list[tuple[int, int]] = []

        def tick(done: int, total: int, _name: str, seen: list[tuple[int, int]] = seen) -> None:
            seen.append((done, total))

        generate(config, jobs=jobs, progress=tick)
        ticks = [done for done, _ in seen]
        assert seen[-1] == (49, 49) and ticks[:-1] == list(range(1, 50)), jobs
