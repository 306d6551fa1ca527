"""The benchmark's corpus and arithmetic (``make bench`` itself is not a test)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from bench.corpus import base_pages, synthesize, write_corpus
from bench.report import Figures, render_markdown
from bench.run import main as bench_main
from tests.helpers import build_tables


@pytest.mark.slow  # writes and parses a corpus: it guards the benchmark, not dvgen
def test_the_corpus_is_deterministic_and_keeps_the_real_pages(tmp_path: Path) -> None:
    first = dict(synthesize(2))
    assert first == dict(synthesize(2))
    base = base_pages()
    assert len(base) == 49
    assert {f"g0/{p.path}": p.data for p in base}.items() <= first.items()  # byte for byte
    pages, size = write_corpus(tmp_path, 2)
    assert pages == 98 and size == sum(len(d) for d in first.values())


@pytest.mark.slow
def test_a_renamed_generation_parses_like_the_real_pages(tmp_path: Path) -> None:
    write_corpus(tmp_path, 2)
    real, real_diags = build_tables(tmp_path / "g0")
    copy, copy_diags = build_tables(tmp_path / "g1")
    assert sorted(copy) == sorted(f"{name}_g1" for name in real)
    # the same diagnostics, code for code: renaming broke no page
    assert collections.Counter(d.code for d in copy_diags) == collections.Counter(
        d.code for d in real_diags
    )
    sms = copy["msdyn_smsengagementctx_g1"]
    lookup = sms.attribute("msdyn_liveworkitemid")
    assert lookup is not None and lookup.targets == ("msdyn_ocliveworkitem_g1",)
    assert sms.entity_set_name == "msdyn_smsengagementctxes_g1"


def _round(floor: float, cold: float, nochange: float, tables: int = 100) -> dict[str, object]:
    def build(seconds: float, n: int = tables) -> dict[str, object]:
        timings = {"parse": floor * 1.2, "render:python": cold * 0.05}
        return {
            "seconds": seconds,
            "tables": n,
            "peak_kb": 500 * 1024,
            "workers_peak_kb": 300 * 1024,
            "timings": timings,
            "cache": {"pages_parsed": 1, "rendered": {"python": ["a"]}},
        }

    scale = {
        "1": {"build": build(cold / 4 * 1.02, tables // 4), "floor": {"seconds": 1, "bytes": 1}},
        "2": {"build": build(cold / 2, tables // 2), "floor": {"seconds": 2, "bytes": 2}},
        "4": {"build": build(cold), "floor": {"seconds": floor, "bytes": 4}},
    }
    return {
        "floor": {"seconds": floor},
        "cold": build(cold),
        "nochange": build(nochange),
        "onepage": build(nochange + 0.2),
        "single": build(0.5, 1),
        "cold_j2": build(cold / 1.8),
        "scale": scale,
    }


def _figures(*rounds: dict[str, object]) -> Figures:
    return Figures(
        rounds=list(rounds),
        formatting={
            "floor": {"seconds": 30.0},
            "build-black": {"seconds": 100.0, "tables": 1036, "timings": {"format": 40.0}},
            "build": {"seconds": 60.0, "tables": 1036, "timings": {"format": 1.5}},
        },
        corpus={"pages": 196, "bytes": 4_000_000, "generations": 4},
        machine={"cpu": "test", "cores": "2", "python": "3.11", "system": "Linux"},
    )


def test_targets_are_judged_on_the_median_ratio() -> None:
    good = _figures(_round(10, 20, 0.5), _round(12, 22, 0.6), _round(11, 60, 0.5))
    met = {t.name: t.met for t in good.targets()}
    assert all(met.values()), met
    text = render_markdown(good)
    assert "All targets are met." in text and "**MISSED**" not in text
    slow = _figures(_round(10, 50, 0.5), _round(10, 45, 0.5), _round(10, 20, 0.5))
    missed = {t.name for t in slow.targets() if not t.met}
    assert missed == {"cold full build"}  # 4.5x and 5x of the floor, median 4.5x, rule 3x
    assert "**Missed: cold full build.**" in render_markdown(slow)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--docs", "no/such/folder"], "--docs no/such/folder: no such folder"),
        (["--runs", "0"], "--generations and --runs take a whole number of 1 or more"),
        (["--generations", "-1"], "--generations and --runs take a whole number of 1 or more"),
    ],
)
def test_bad_arguments_stop_at_once(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`make bench BENCH_ARGS="--docs DIR"` ran for minutes, then crashed on a
    missing DIR (issue 18, point 18)."""
    with pytest.raises(SystemExit) as stop:
        bench_main([*argv, "--work", str(tmp_path / "work")])
    assert stop.value.code == 2 and said in capsys.readouterr().err
    assert not (tmp_path / "work").exists()  # nothing was started


def test_start_up_is_reported_beside_its_floor() -> None:
    f = _figures(_round(10, 20, 0.5))
    assert "## Start-up" not in render_markdown(f)  # figures from before it was measured
    f.startup = {"floor": 0.1, "version": 0.12, "help": 0.13, "check": 0.2}
    text = render_markdown(f)
    assert "| `dvgen build --check`, nothing to do | 0.200 s | 2.00x |" in text
    assert "| `dvgen --version` | 0.120 s | 1.20x |" in text


def test_what_the_heap_saves_is_reported() -> None:
    f = _figures(_round(10, 20, 0.5))
    assert "## The heap" not in render_markdown(f)
    f.heap = {
        "build-nofreeze": {"seconds": 140.0, "tables": 1036},
        "build": {"seconds": 80.0, "tables": 1036},
    }
    text = render_markdown(f)
    assert "takes 140.0 s; with it, 80.0 s (43% less)" in text
    assert "A cold build of 1036 tables" in text


def test_both_ways_of_formatting_are_reported_against_the_floor() -> None:
    text = render_markdown(_figures(_round(10, 20, 0.5)))
    black = "| black formats every module, inside the cached per-table render |"
    assert f"{black} 100.0 s | 3.33x | 40.0 s |" in text
    assert "| 60.0 s | 2.00x | 1.5 s |" in text
    assert "black would add 40 s (67%) to a cold build and take it to 3.33x the floor" in text


def test_an_orgs_document_is_judged_by_the_largest() -> None:
    def doc(types: int, *runs: tuple[float, float]) -> dict[str, object]:
        def run(seconds: float) -> dict[str, object]:
            return {"tables": types - 30, "timings": {"format": 0.5}, "seconds": seconds}

        return {
            "entity_types": types,
            "runs": [{"cold": run(cold), "nochange": run(again)} for cold, again in runs],
        }

    fast = _figures(_round(10, 20, 0.5))
    # judged on its best run: one slow run of three is the machine, not dvgen
    large = doc(423, (9.0, 0.9), (4.5, 0.4), (5.0, 2.5))
    fast.documents = {"small.xml": doc(264, (30.0, 5.0)), "large.xml": large}
    met = {t.name: t.met for t in fast.targets()}
    assert met["an org's $metadata, cold"] and met["an org's $metadata, unchanged"]
    text = render_markdown(fast)
    assert "| `large.xml` | 423 | 393 | 4.5 s (9.0) | 0.5 s | 0.40 s (2.50) |" in text
    assert "3 times in turn" in text
    slow = _figures(_round(10, 20, 0.5))
    slow.documents = {"large.xml": doc(423, (12.0, 2.5), (6.5, 2.1))}
    missed = {t.name for t in slow.targets() if not t.met}
    assert missed == {"an org's $metadata, cold", "an org's $metadata, unchanged"}


def _scaled(per_table: list[float], floors: list[float]) -> dict[str, object]:
    """A round whose scaling points (100, 200, 400 tables) took ``per_table``
    seconds a table, beside floors of ``floors`` seconds."""
    r = _round(10, 20, 0.5)
    points = zip((100, 200, 400), per_table, floors, strict=True)
    r["scale"] = {
        str(n): {
            "build": {"seconds": t * n, "tables": n, "peak_kb": 1024},
            "floor": {"seconds": f, "bytes": n},
        }
        for n, t, f in points
    }
    return r


def test_growth_is_judged_against_the_floor_measured_beside_it() -> None:
    def growth(*rounds: dict[str, object]) -> bool:
        return next(t for t in _figures(*rounds).targets() if t.name == "linear growth").met

    # the last point 40% slower a table: a slower machine (its floor slowed alike) ...
    assert growth(_scaled([0.05, 0.05, 0.07], [1.0, 2.0, 5.6]))
    # ... or a build that grows faster than the corpus (the floor did not)
    assert not growth(_scaled([0.05, 0.05, 0.07], [1.0, 2.0, 4.0]))
    assert not growth(_scaled([0.05, 0.06, 0.06], [1.0, 2.0, 4.0]))  # an earlier step
    # a round slowed at one point is outvoted by the best of each point's rounds
    fine, busy = (
        _scaled([0.05, 0.05, 0.05], [1.0, 2.0, 4.0]),
        _scaled([0.05, 0.05, 0.08], [1, 2, 4]),
    )
    assert growth(busy, fine, busy)
    assert not growth(busy, busy, busy)
    text = render_markdown(_figures(_scaled([0.05, 0.05, 0.07], [1.0, 2.0, 4.0])))
    assert "| 400 | 400 | 0.0 MB | 4.0 s | 28.0 s | 70.0 ms | 7.00x | 1 MB |" in text
