"""``make bench``: dvgen at Dataverse scale, measured against its floor.

Method (docs/benchmarks.md repeats it next to the figures):

1. Synthesize the corpus (:mod:`bench.corpus`): the real pages plus renamed
   copies, at least 2,000 tables and 50 MB of markdown, in ``.bench/``.
2. Warm up: one untimed floor and one untimed build of generation 0, so the
   first timed run does not pay for cold disk caches and first imports.
3. ``--runs`` rounds (default 3). Each round measures, each in a fresh
   process (:mod:`bench.measure`), on the same pages: the floor; a cold
   build with ``--jobs 1`` (empty cache, no output folder; its own stage
   times give parse, each render target, formatting and writing); a
   no-change rebuild; a rebuild after one page changed; that page built
   alone, cold; a cold build with ``--jobs 2``; and, for the scaling plot,
   cold builds and floors of the first 1/8, 1/4 and 1/2 of the generations.
4. Report the median of the rounds and their spread (lowest to highest),
   ratios computed within each round (then their median), so a noisy
   machine moves both sides of a ratio together.

Then, once each: a cold build of half the corpus with black formatting
every Python module and with dvgen's own layout (the formatting decision,
measured); start-up of whole processes; and the heap's ``gc.freeze`` off and on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import EDITED, ROOT, write_corpus
from bench.report import Figures, write_report

EDIT_FROM = b"Stores context values for SMS"
SCALE = (8, 4, 2)  # the scaling points: 1/8, 1/4 and 1/2 of the generations


@dataclass
class Work:
    """The benchmark's folder: the corpus, a project file, outputs and caches."""

    root: Path
    generations: int
    log: list[str] = field(default_factory=list)

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    def fresh(self, *names: str) -> None:
        for name in names:
            path = self.root / name
            if path.is_dir():
                shutil.rmtree(path)

    def measure(self, kind: str, *args: str, cache: str = "cache") -> dict[str, Any]:
        env = {**os.environ, "DVGEN_CACHE_DIR": str(self.root / cache), "PYTHONHASHSEED": "0"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        done = subprocess.run(
            [sys.executable, "-m", "bench.measure", kind, *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: {kind} {' '.join(args)} failed:\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        if kind.startswith("build") and result["exit"] != 0:
            raise SystemExit(f"bench: dvgen build {' '.join(args)} exited {result['exit']}")
        return result

    def subset(self, count: int) -> str:
        """A folder holding the first ``count`` generations (hard links), so a
        page keeps the path below its docs root it has in the full corpus."""
        name = f"scale-{count}"
        if not (self.root / name / "complete").exists():
            self.fresh(name)
            for g in range(count):
                for page in sorted((self.corpus / f"g{g}").rglob("*.md")):
                    target = self.root / name / page.relative_to(self.corpus)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(page, target)
                    except OSError:
                        shutil.copyfile(page, target)
            (self.root / name / "complete").write_text("")
        return name


def prepare(work: Work) -> tuple[int, int]:
    """The corpus, made once per ``generations`` (the stamp says which)."""
    stamp = work.root / "corpus.stamp"
    if stamp.exists() and stamp.read_text() == str(work.generations):
        pages = sorted(work.corpus.rglob("*.md"))
        return len(pages), sum(p.stat().st_size for p in pages)
    work.fresh("corpus", *(p.name for p in work.root.glob("scale-*")))
    work.root.mkdir(parents=True, exist_ok=True)
    counts = write_corpus(work.corpus, work.generations)
    (work.root / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["corpus"]\noutput = "out"\n', encoding="utf-8"
    )
    stamp.write_text(str(work.generations))
    return counts


def one_round(work: Work, index: int, say: Any) -> dict[str, Any]:
    r: dict[str, Any] = {}
    say("floor")
    r["floor"] = work.measure("floor", "corpus")
    say("cold build, --jobs 1")
    work.fresh("out", "cache")
    r["cold"] = work.measure("build", "corpus", "-o", "out", "-j", "1")
    say("no-change rebuild")
    r["nochange"] = work.measure("build", "corpus", "-o", "out", "-j", "1")
    say("one page changed")
    page = work.corpus / EDITED
    original = page.read_bytes()
    page.write_bytes(original.replace(EDIT_FROM, EDIT_FROM + b" (edit %d)" % index, 1))
    try:
        r["onepage"] = work.measure("build", "corpus", "-o", "out", "-j", "1")
        say("that page alone, cold")
        work.fresh("out-single", "cache-single")
        r["single"] = work.measure(
            "build", f"corpus/{EDITED}", "-o", "out-single", "-j", "1", cache="cache-single"
        )
    finally:
        page.write_bytes(original)
    say("cold build, --jobs 2")
    work.fresh("out-j2", "cache-j2")
    r["cold_j2"] = work.measure("build", "corpus", "-o", "out-j2", "-j", "2", cache="cache-j2")
    r["scale"] = {}
    for part in SCALE:
        count = max(1, work.generations // part)
        say(f"scaling: {count} generation(s)")
        folder = work.subset(count)
        work.fresh("out-scale", "cache-scale")
        build = work.measure("build", folder, "-o", "out-scale", "-j", "1", cache="cache-scale")
        r["scale"][count] = {"build": build, "floor": work.measure("floor", folder)}
    r["scale"][work.generations] = {"build": r["cold"], "floor": r["floor"]}
    return r


#: what start-up is measured on, each a whole process, best of STARTUP_RUNS
STARTUP = {
    "floor": ["-c", "import markdown_it"],
    "version": ["-m", "generator", "--version"],
    "help": ["-m", "generator", "build", "--help"],
    "check": ["-m", "generator", "build", "--check", "-q"],
}
STARTUP_RUNS = 7


def startup(work: Work) -> dict[str, float]:
    """Wall time of whole processes on a small project (the seeds, built
    once): importing markdown-it-py (the floor), ``dvgen --version``,
    ``--help``, and ``build --check`` with nothing to do (pre-commit's case)."""
    project = work.root / "startup"
    work.fresh("startup")
    shutil.copytree(ROOT / "schema_docs", project / "schema_docs")
    (project / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DVGEN_CACHE_DIR", None)
    subprocess.run(
        [sys.executable, "-m", "generator", "build", "-q"], cwd=project, env=env, check=True
    )
    out: dict[str, float] = {}
    for name, argv in STARTUP.items():
        times = []
        for _ in range(STARTUP_RUNS):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, *argv], cwd=project, env=env, check=True, capture_output=True
            )
            times.append(time.perf_counter() - start)
        out[name] = min(times)
    return out


def heap_effect(work: Work) -> dict[str, Any]:
    """A cold build of half the generations with the heap's freezing off,
    then on (:mod:`generator.engine.heap`): what it saves, so nobody deletes it."""
    folder = work.subset(max(1, work.generations // 2))
    out: dict[str, Any] = {}
    for kind in ("build-nofreeze", "build"):
        work.fresh("out-heap", "cache-heap")
        out[kind] = work.measure(kind, folder, "-o", "out-heap", "-j", "1", cache="cache-heap")
    return out


def formatting_ways(work: Work) -> dict[str, Any]:
    """A cold build of half the generations with black formatting every
    module, then laid out as dvgen does (:mod:`generator.pyformat`), and the
    floor of the same pages: the decision and its numbers."""
    folder = work.subset(max(1, work.generations // 2))
    out: dict[str, Any] = {"floor": work.measure("floor", folder)}
    for kind in ("build-black", "build"):
        work.fresh("out-format", "cache-format")
        out[kind] = work.measure(kind, folder, "-o", "out-format", "-j", "1", cache="cache-format")
    return out


ORGS = ROOT / "tests" / "fixtures" / "orgs" / "full"


#: cold and unchanged builds of each org's document: the report takes the best
DOCUMENT_RUNS = 3


def documents(work: Work, runs: int = DOCUMENT_RUNS) -> dict[str, Any]:
    """Each whole real org's ``$metadata`` (``tests/fixtures/orgs/full/``)
    built into every target: cold (``-j 1``, empty cache, no output) and
    again with the document unchanged, ``runs`` times, the documents in turn."""
    docs = sorted(ORGS.glob("*.xml"))
    out: dict[str, Any] = {
        doc.name: {"entity_types": doc.read_bytes().count(b"<EntityType "), "runs": []}
        for doc in docs
    }
    for _ in range(runs):
        for doc in docs:
            work.fresh("out-doc", "cache-doc")
            args = (str(doc), "-o", "out-doc", "-j", "1")
            cold = work.measure("build", *args, cache="cache-doc")
            again = work.measure("build", *args, cache="cache-doc")
            out[doc.name]["runs"].append({"cold": cold, "nochange": again})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--generations", type=int, default=57, help="corpus size (default 57)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="scratch folder")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where the report goes")
    args = parser.parse_args(argv)
    # every argument is checked before the minutes of work it would otherwise end
    if args.generations < 1 or args.runs < 1:
        parser.error("--generations and --runs take a whole number of 1 or more")
    if not args.docs.is_dir():
        parser.error(f"--docs {args.docs}: no such folder (the report is written there)")
    if not os.access(args.docs, os.W_OK):
        parser.error(f"--docs {args.docs}: the folder cannot be written")
    if args.work.exists() and not args.work.is_dir():
        parser.error(f"--work {args.work}: a file, not a folder")
    work = Work(args.work.resolve(), args.generations)
    started = time.monotonic()

    def say(what: str) -> None:
        print(f"bench [{time.monotonic() - started:6.0f}s] {what}", file=sys.stderr, flush=True)

    say(f"corpus: {args.generations} generation(s) in {work.corpus}")
    pages, size = prepare(work)
    say(f"corpus: {pages} pages, {size / 1e6:.1f} MB")
    say("warm-up")
    work.measure("floor", "corpus/g0")
    work.fresh("out-warm", "cache-warm")
    work.measure("build", "corpus/g0", "-o", "out-warm", cache="cache-warm")
    rounds = []
    for i in range(args.runs):
        rounds.append(one_round(work, i, lambda what, i=i: say(f"round {i + 1}: {what}")))
    say("formatting: a cold build at half the corpus, with black on every module and as dvgen does")
    formatting = formatting_ways(work)
    say("orgs' $metadata: each whole document, cold and unchanged")
    orgs = documents(work)
    say("start-up")
    started_up = startup(work)
    say("the heap: a cold build at half the corpus, without and with gc.freeze")
    heap = heap_effect(work)
    figures = Figures(
        rounds=rounds,
        formatting=formatting,
        corpus={"pages": pages, "bytes": size, "generations": args.generations},
        machine=_machine(),
        startup=started_up,
        heap=heap,
        documents=orgs,
    )
    text = write_report(figures, args.docs / "benchmarks.md", args.docs / "benchmarks.png")
    print(text)
    say(f"done: {args.docs / 'benchmarks.md'} and benchmarks.png")
    return 0 if figures.all_met() else 1


def _machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


if __name__ == "__main__":
    sys.exit(main())
