"""The benchmark's figures, their targets, docs/benchmarks.md and the plot."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import EDITED

Round = dict[str, Any]
MB = 1024 * 1024  # memory, as ru_maxrss counts it (KiB)
STAGES = (
    ("parse", "parse (read, decode, tokenize, read the tables)"),
    ("merge", "merge pages into tables"),
    ("render:model", "render: YAML model"),
    ("render:python", "render: Python"),
    ("render:typescript", "render: TypeScript"),
    ("render:odata", "render: OData $metadata"),
    ("format", "format (lay out the Python; black only where that cannot split)"),
    ("write", "write (compare, stage, swap)"),
    ("cache", "cache (write entries)"),
    ("collect", "find the pages"),
)


@dataclass(frozen=True, slots=True)
class Stat:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        return cls(statistics.median(values), min(values), max(values))

    def show(self, unit: str = "s", digits: int = 2) -> str:
        m, lo, hi = (f"{v:.{digits}f}" for v in (self.median, self.low, self.high))
        return f"{m}{' ' + unit if unit else ''} ({lo} to {hi})"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    rule: str
    measured: Stat
    limit: float
    shown: str  # how the measured value reads

    @property
    def met(self) -> bool:
        return self.measured.median <= self.limit


@dataclass(frozen=True, slots=True)
class Point:
    """One scaling point: its size, and the median (spread) of its rounds."""

    generations: int
    tables: int
    markdown: int  # bytes
    build: Stat
    floor: Stat
    peak: Stat  # MB


#: What building a whole org's $metadata may take: cold, and unchanged.
DOCUMENT_COLD = 6.0
DOCUMENT_AGAIN = 2.0


def document_stats(doc: dict[str, Any]) -> tuple[Stat, Stat]:
    """A document's cold and unchanged builds: the best run first (what is
    judged and shown), then the spread of its runs."""

    def best(kind: str) -> Stat:
        seconds = [r[kind]["seconds"] for r in doc["runs"]]
        return Stat(min(seconds), min(seconds), max(seconds))

    return best("cold"), best("nochange")


@dataclass
class Figures:
    rounds: list[Round]
    formatting: dict[str, Any]  # cold builds with black on every module and as dvgen does
    corpus: dict[str, Any]
    machine: dict[str, str]
    startup: dict[str, float] | None = None  # whole processes: seconds, best of several
    heap: dict[str, Any] | None = None  # cold builds without and with gc.freeze
    documents: dict[str, Any] | None = None  # orgs' $metadata: cold and unchanged builds

    def stat(self, pick: Callable[[Round], float]) -> Stat:
        return Stat.of([pick(r) for r in self.rounds])

    def scale_points(self) -> list[Point]:
        points = []
        for g in sorted(self.rounds[0]["scale"], key=int):
            runs = [r["scale"][g] for r in self.rounds]
            points.append(
                Point(
                    generations=int(g),
                    tables=runs[0]["build"]["tables"],
                    markdown=runs[0]["floor"]["bytes"],
                    build=Stat.of([x["build"]["seconds"] for x in runs]),
                    floor=Stat.of([x["floor"]["seconds"] for x in runs]),
                    peak=Stat.of([x["build"]["peak_kb"] * 1024 / MB for x in runs]),
                )
            )
        return points

    def doubling(self) -> Stat:
        """The worst growth from one scaling point to the next of the build's
        time as a multiple of the floor (1.0: exactly linear). The floor is
        linear by construction (pages tokenized one by one), so the multiple is
        the time per table in the floor's units. Each point is a process of its
        own, minutes from the next, and a busy machine only ever adds time:
        so each point takes the best build and the best floor of its rounds,
        and the spread shown is that of the rounds' own worst steps."""

        def worst(points: list[tuple[int, float, float]]) -> float:
            pts = sorted((tables, build / floor) for tables, build, floor in points)
            return max(r2 / r1 for (_, r1), (_, r2) in itertools.pairwise(pts))

        def point(s: dict[str, Any]) -> tuple[int, float, float]:
            return s["build"]["tables"], s["build"]["seconds"], s["floor"]["seconds"]

        rounds = [[point(s) for s in r["scale"].values()] for r in self.rounds]
        best = []
        for g in self.rounds[0]["scale"]:
            runs = [point(r["scale"][g]) for r in self.rounds]
            best.append((runs[0][0], min(b for _, b, _ in runs), min(f for _, _, f in runs)))
        each = [worst(r) for r in rounds]
        return Stat(worst(best), min(each), max(each))

    def targets(self) -> list[Target]:
        parse = self.stat(lambda r: r["cold"]["timings"]["parse"] / r["floor"]["seconds"])
        cold = self.stat(lambda r: r["cold"]["seconds"] / r["floor"]["seconds"])
        nochange = self.stat(lambda r: r["nochange"]["seconds"] / r["cold"]["seconds"])
        onepage = self.stat(
            lambda r: (
                r["onepage"]["seconds"] / (2 * r["single"]["seconds"] + r["nochange"]["seconds"])
            )
        )
        peak = self.stat(lambda r: r["cold"]["peak_kb"] * 1024 / MB)
        growth = self.doubling()
        return [
            Target("parse stage", "≤ 1.5 x floor", parse, 1.5, f"{parse.median:.2f} x floor"),
            Target("cold full build", "≤ 3 x floor", cold, 3.0, f"{cold.median:.2f} x floor"),
            Target(
                "no-change rebuild",
                "< 5% of the cold build",
                nochange,
                0.05,
                f"{nochange.median:.1%} of cold",
            ),
            Target(
                "one page changed",
                "< 2 x that page alone, cold, + the no-change rebuild",
                onepage,
                1.0,
                f"{onepage.median:.2f} x the limit",
            ),
            Target(
                "linear growth",
                "time per table, in units of the floor (best of the rounds), grows ≤ 15% "
                "from one scaling point to the next",
                growth,
                1.15,
                f"worst step {growth.median:.2f}x",
            ),
            Target("peak memory", "< 1 GB (--jobs 1)", peak, 1024.0, f"{peak.median:.0f} MB"),
            *self._document_targets(),
        ]

    def _document_targets(self) -> list[Target]:
        """An org's whole $metadata builds in a few seconds, and in well under
        two when it has not changed (the largest document is the one judged,
        on its best run: a busy machine only ever adds time)."""
        if not self.documents:
            return []
        largest = max(self.documents.values(), key=lambda d: d["entity_types"])
        cold, again = document_stats(largest)
        types = largest["entity_types"]
        return [
            Target(
                "an org's $metadata, cold",
                f"≤ {DOCUMENT_COLD:.0f} s for {types} entity types, every target (best run)",
                cold,
                DOCUMENT_COLD,
                f"{cold.median:.1f} s",
            ),
            Target(
                "an org's $metadata, unchanged",
                f"≤ {DOCUMENT_AGAIN:.0f} s (best run)",
                again,
                DOCUMENT_AGAIN,
                f"{again.median:.2f} s",
            ),
        ]

    def all_met(self) -> bool:
        return all(t.met for t in self.targets())


def render_markdown(f: Figures) -> str:
    cold = f.stat(lambda r: r["cold"]["seconds"])
    floor = f.stat(lambda r: r["floor"]["seconds"])
    rows = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`bench/`); the numbers below are from the last run. "
        "Every figure is the median of "
        f"{len(f.rounds)} rounds with the lowest and highest in brackets; ratios are taken "
        "within each round, then their median, so a busy machine slows both sides alike; "
        "but linear growth compares points measured minutes apart, so it takes each point's "
        "best round (the brackets: the rounds' own worst steps).",
        "",
        f"**Corpus**: {f.corpus['pages']} pages, {f.corpus['bytes'] / 1e6:.1f} MB of markdown, "
        f"{f.rounds[0]['cold']['tables']} tables: the {_base_pages(f)} real pages dvgen carries "
        f"and {f.corpus['generations'] - 1} renamed copies of them (`bench/corpus.py` says how).",
        "",
        f"**Machine**: {f.machine['cpu']}, {f.machine['cores']} cores, "
        f"Python {f.machine['python']}, {f.machine['system']}.",
        "",
        "## Targets",
        "",
        "| target | rule | measured | median (spread) | met |",
        "|---|---|---|---|---|",
    ]
    for t in f.targets():
        rows.append(
            f"| {t.name} | {t.rule} | {t.shown} | {t.measured.show('', 3)} | "
            f"{'yes' if t.met else '**MISSED**'} |"
        )
    missed = [t.name for t in f.targets() if not t.met]
    rows += [
        "",
        ("All targets are met." if not missed else f"**Missed: {', '.join(missed)}.**"),
        "",
        "## Where the time goes",
        "",
        f"The floor is markdown-it-py tokenizing the same pages with dvgen's parser settings and "
        f"nothing else: {floor.show()}. A cold build (`dvgen build -j 1`, empty cache, no output "
        f"folder) takes {cold.show()}; its own stage times:",
        "",
        "| stage | time | share of the cold build |",
        "|---|---|---|",
    ]
    for key, label in STAGES:
        stage = Stat.of([r["cold"]["timings"].get(key, 0.0) for r in f.rounds])
        rows.append(f"| {label} | {stage.show()} | {stage.median / cold.median:.1%} |")
    rows += (
        _rebuilds(f)
        + _jobs(f)
        + _formatting(f)
        + _documents(f)
        + _startup(f)
        + _heap(f)
        + _scaling(f)
        + _method()
    )
    return "\n".join(rows) + "\n"


def _startup(f: Figures) -> list[str]:
    if not f.startup:
        return []
    floor = f.startup["floor"]
    rows = [
        "",
        "## Start-up",
        "",
        "Whole processes on the seeds (built once), best of several runs: what a pre-commit "
        "hook pays on every commit, beside the floor of starting Python and importing "
        "markdown-it-py.",
        "",
        "| process | time | against the floor |",
        "|---|---|---|",
    ]
    labels = {
        "floor": "`python -c 'import markdown_it'` (the floor)",
        "version": "`dvgen --version`",
        "help": "`dvgen build --help`",
        "check": "`dvgen build --check`, nothing to do",
    }
    for key, label in labels.items():
        if key in f.startup:
            rows.append(f"| {label} | {f.startup[key]:.3f} s | {f.startup[key] / floor:.2f}x |")
    return rows


def _heap(f: Figures) -> list[str]:
    if not f.heap:
        return []
    off, on = f.heap["build-nofreeze"], f.heap["build"]
    return [
        "",
        "## The heap",
        "",
        f"A cold build of {on['tables']} tables (`-j 1`) with `generator/engine/heap.py`'s "
        f"`gc.freeze` turned off takes {off['seconds']:.1f} s; with it, {on['seconds']:.1f} s "
        f"({1 - on['seconds'] / off['seconds']:.0%} less). Without it the collector re-scans "
        "everything the build keeps each time enough new objects survive, which grows with "
        "the square of the corpus. One run each, after the rounds above.",
    ]


def _base_pages(f: Figures) -> int:
    return int(f.corpus["pages"] // f.corpus["generations"])


def _rebuilds(f: Figures) -> list[str]:
    nochange = f.stat(lambda r: r["nochange"]["seconds"])
    onepage = f.stat(lambda r: r["onepage"]["seconds"])
    single = f.stat(lambda r: r["single"]["seconds"])
    parsed = f.rounds[0]["onepage"]["cache"]["pages_parsed"]
    rendered = sorted({t for v in f.rounds[0]["onepage"]["cache"]["rendered"].values() for t in v})
    return [
        "",
        "## Rebuilds",
        "",
        "| build | time |",
        "|---|---|",
        f"| nothing changed | {nochange.show()} |",
        f"| one page changed (`{EDITED}`) | {onepage.show()} |",
        f"| that page alone, cold | {single.show()} |",
        "",
        f"After the one-page change the build parsed {parsed} page(s) and rendered "
        f"{', '.join(rendered) or 'nothing'}; everything else came from `.dvgen-cache/`.",
    ]


def _jobs(f: Figures) -> list[str]:
    one = f.stat(lambda r: r["cold"]["seconds"])
    two = f.stat(lambda r: r["cold_j2"]["seconds"])
    speedup = f.stat(lambda r: r["cold"]["seconds"] / r["cold_j2"]["seconds"])
    peak = f.stat(lambda r: r["cold_j2"]["peak_kb"] * 1024 / MB)
    workers = f.stat(lambda r: r["cold_j2"]["workers_peak_kb"] * 1024 / MB)
    return [
        "",
        "## --jobs",
        "",
        "| cold build | time | peak memory |",
        "|---|---|---|",
        f"| `--jobs 1` | {one.show()} | {_peak(f, 'cold')} |",
        f"| `--jobs 2` | {two.show()} | {peak.show('MB', 0)}; "
        f"each worker {workers.show('MB', 0)} |",
        "",
        f"Two jobs are {speedup.median:.2f}x as fast as one on this {f.machine['cores']}-core "
        "machine: pages are parsed and tables rendered in worker processes; merging, "
        "the $metadata document and writing stay in the main one.",
    ]


def _peak(f: Figures, key: str) -> str:
    return f.stat(lambda r: r[key]["peak_kb"] * 1024 / MB).show("MB", 0)


def _formatting(f: Figures) -> list[str]:
    ways = f.formatting
    floor = ways["floor"]["seconds"]
    black, ours = ways["build-black"], ways["build"]
    rows = [
        "",
        "## Formatting",
        "",
        "Generated Python must be what the pinned black leaves. Two ways to get there, "
        f"each timed as a cold build of {ours['tables']} tables (`-j 1`, one run each) "
        f"against the floor of the same pages ({floor:.1f} s):",
        "",
        "| way | cold build | against the floor | of which formatting |",
        "|---|---|---|---|",
    ]
    for label, run in (
        ("black formats every module, inside the cached per-table render", black),
        ("the templates' lines laid out by `pyformat.tidy` (what dvgen does)", ours),
    ):
        rows.append(
            f"| {label} | {run['seconds']:.1f} s | {run['seconds'] / floor:.2f}x | "
            f"{run['timings'].get('format', 0.0):.1f} s |"
        )
    rows += [
        "",
        f"black would add {black['seconds'] - ours['seconds']:.0f} s "
        f"({black['seconds'] / ours['seconds'] - 1:.0%}) to a cold build and take it to "
        f"{black['seconds'] / floor:.2f}x the floor, against the rule of 3x; the cache and "
        "`--jobs` spread that cost but do not remove it from a cold build. So the "
        "templates print plain Python, one statement or item a line, and one post-pass "
        "(`generator/pyformat.py`) lays out every line that is too long the way black "
        "leaves it, reading the line back with Python's tokenizer; a module with a line it "
        "cannot split (a name or string too long for any line) goes to black. The tests run "
        "black over everything the corpus and the hostile pages generate, and over random "
        "statements, and fail on any byte black would change.",
    ]
    return rows


def _documents(f: Figures) -> list[str]:
    if not f.documents:
        return []
    runs = max(len(d["runs"]) for d in f.documents.values())
    rows = [
        "",
        "## Orgs' $metadata",
        "",
        "Each whole real org's `$metadata` in `tests/fixtures/orgs/full/`, alone, built into "
        f"every target (`-j 1`), {runs} times in turn: cold (empty cache, no output folder), "
        "then again with the document unchanged (the cache keeps the document read, every "
        "table's renders and the operations modules). Each figure is the best run, the "
        "slowest in brackets.",
        "",
        "| document | entity types | tables | cold build | of which formatting | unchanged |",
        "|---|---|---|---|---|---|",
    ]
    for name, d in sorted(f.documents.items()):
        cold, again = document_stats(d)
        best = min(d["runs"], key=lambda r: r["cold"]["seconds"])["cold"]
        rows.append(
            f"| `{name}` | {d['entity_types']} | {best['tables']} | "
            f"{cold.median:.1f} s ({cold.high:.1f}) | {best['timings'].get('format', 0.0):.1f} s | "
            f"{again.median:.2f} s ({again.high:.2f}) |"
        )
    return rows


def _scaling(f: Figures) -> list[str]:
    rows = [
        "",
        "## Scaling",
        "",
        "![time and memory against the number of tables](benchmarks.png)",
        "",
        "| generations | tables | markdown | floor | cold build | per table | build / floor "
        "| peak memory |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in f.scale_points():
        rows.append(
            f"| {p.generations} | {p.tables} | {p.markdown / 1e6:.1f} MB | "
            f"{p.floor.median:.1f} s | {p.build.median:.1f} s | "
            f"{p.build.median / p.tables * 1000:.1f} ms | "
            f"{p.build.median / p.floor.median:.2f}x | {p.peak.median:.0f} MB |"
        )
    linear = next(t for t in f.targets() if t.name == "linear growth")
    rows += [
        "",
        (
            "Time per table stays flat as the corpus grows (no step is quadratic: cross-table "
            "lookups, name registries and merging are indexed)"
            if linear.met
            else "**Time per table grows with the corpus** (see the targets above)"
        )
        + ". Memory grows with the tables kept, not with the markdown: a page's tokens are "
        "dropped as soon as the page is read.",
    ]
    return rows


def _method() -> list[str]:
    return [
        "",
        "## Method",
        "",
        "`make bench` runs `python -m bench` (`bench/run.py`): it writes the corpus into "
        "`.bench/` (once), warms up with one untimed floor and build of the real pages, then "
        "runs the rounds. Every measurement is a fresh process (`bench/measure.py`) so none "
        "inherits another's caches or heap; peak memory is that process's `ru_maxrss`. "
        "The one-page change edits the description of `msdyn_smsengagementctx` in the first "
        "generation and restores it after the round. `python -m bench --runs 5 "
        "--generations 100` measures longer or larger; `--help` lists the options.",
    ]


def write_report(f: Figures, markdown: Path, png: Path) -> str:
    text = render_markdown(f)
    markdown.write_text(text, encoding="utf-8")
    plot(f, png)
    return text


def plot(f: Figures, png: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only `make bench` installs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    points = f.scale_points()
    tables = [p.tables for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = (
        ([p.build for p in points], "cold build (--jobs 1)", "C0"),
        ([p.floor for p in points], "floor", "C1"),
    )
    for stats, label, colour in series:
        left.errorbar(
            tables,
            [s.median for s in stats],
            yerr=[[s.median - s.low for s in stats], [s.high - s.median for s in stats]],
            marker="o",
            capsize=3,
            label=label,
            color=colour,
        )
    left.plot(tables, [4 * p.floor.median for p in points], "--", color="C3", label="4 x floor")
    left.set(xlabel="tables", ylabel="seconds", title="time against tables")
    left.set_xlim(left=0)
    left.set_ylim(bottom=0)
    left.legend()
    left.grid(alpha=0.3)
    right.plot(tables, [p.peak.median for p in points], marker="o", color="C2", label="peak")
    right.axhline(1024, linestyle="--", color="C3", label="1 GB")
    right.set(xlabel="tables", ylabel="MB", title="peak memory (--jobs 1)")
    right.set_xlim(left=0)
    right.set_ylim(bottom=0)
    right.legend()
    right.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110, metadata={"Software": None})
    plt.close(fig)
