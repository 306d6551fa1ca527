"""Shared helpers: fixture paths, parsing a page, building models."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildResult, generate, read_inputs
from generator.config import Config
from generator.diagnostics import Diagnostics
from generator.inputs import collect
from generator.merge import merge_pages
from generator.model import Table
from generator.parse import ParsedPage
from generator.parse.markdown import parse_markdown
from generator.parse.page import new_context, parse_page
from generator.parse.source import read_page

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = FIXTURES / "corpus"
SCHEMA_DOCS = ROOT / "schema_docs"
TEMPLATES = ROOT / "templates"  # dvgen's own, as the project keeps them
SEED_EXTENSION = SCHEMA_DOCS / "ce-customer-service" / "msdyn_ocliveworkitem.md"
SEED_LEGACY = SCHEMA_DOCS / "ce-omnichannel" / "msdyn_smsengagementctx.md"
BASE_CONVERSATION = SCHEMA_DOCS / "ce-developer" / "msdyn_ocliveworkitem.md"
VARIANTS = (
    "legacy-bold-list",
    "legacy-entity-reference",
    "hybrid-table-reference",
    "generated-full-table",
    "app-extension",
)


def corpus_pages() -> list[Path]:
    """Every page carried in tests/fixtures/corpus (variants and versions)."""
    pages = [p for p in CORPUS.rglob("*.md") if p.parent != CORPUS]  # not the README
    return sorted(pages, key=lambda p: p.as_posix())


def variant_pages() -> list[Path]:
    return [p for p in corpus_pages() if p.parent.name in VARIANTS]


def copy_pages(root: Path) -> Path:
    """``schema_docs/`` plus every corpus variant folder (under ``corpus/``),
    copied into ``root``: the 49-page project of the build-level tests."""
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    for variant in VARIANTS:
        shutil.copytree(CORPUS / variant, root / "corpus" / variant)
    return root


def rel(path: Path) -> str:
    """A page as diagnostics show it: relative to the repo when inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def parse_one(path: Path) -> tuple[ParsedPage | None, Diagnostics, Any]:
    """Parse one page; also return its context so tests can read the ledger."""
    diags = Diagnostics()
    text = read_page(path, rel(path), diags)
    if text is None:
        return None, diags, None
    ctx = new_context(rel(path), path.name, diags)
    return parse_page(parse_markdown(text.text), text.sha256, ctx), diags, ctx


def build_tables(*specs: Path) -> tuple[dict[str, Table], Diagnostics]:
    """What a build of these files/folders would model (nothing written)."""
    diags = Diagnostics()
    pages = collect([str(s) for s in specs], ROOT, diags)
    parsed, documents = read_inputs(pages, diags)
    shown_paths = {p.source_path: p.shown_path for p in pages}
    return merge_pages(parsed, diags, shown_paths, documents=documents), diags


def config_for(tmp_path: Path, *inputs: Path, **kw: Any) -> Config:
    """A config rooted in ``tmp_path`` (so its cache, if any, is there too)."""
    return Config(
        base=tmp_path, inputs=tuple(str(i) for i in inputs), output=str(tmp_path / "out"), **kw
    )


def node_file(relative: str) -> Path:
    """A file of the pinned npm packages (``make test`` installs them)."""
    path = ROOT / "node_modules" / relative
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` (it installs the npm tools with npm ci)")
    return path


def node_tool(name: str) -> Path:
    """A command of the pinned npm packages."""
    return node_file(f".bin/{name}")


def ts_project(
    app: Path,
    package: Path,
    program: str,
    *,
    modules: tuple[str, ...] = (),
    types: tuple[str, ...] = (),
) -> Path:
    """A TypeScript project at ``app`` whose ``main.ts`` (``program``) uses the
    generated ``package`` (as ``dataverse-bindings``) and the pinned npm
    ``modules``, compiled under ``--strict`` (with ``types``) into ``dist/``."""
    linked = app / "node_modules"
    linked.mkdir(parents=True)
    (linked / "dataverse-bindings").symlink_to(package)
    for name in modules:
        (linked / name).parent.mkdir(parents=True, exist_ok=True)
        (linked / name).symlink_to(node_file(name))
    (app / "package.json").write_text('{"type": "module", "private": true}\n', encoding="utf-8")
    options = {
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "strict": True,
        "exactOptionalPropertyTypes": True,
        "noUncheckedIndexedAccess": True,
        "types": list(types),
        "skipLibCheck": True,
        "outDir": "dist",
    }
    config = {"compilerOptions": options, "files": ["main.ts"]}
    (app / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    (app / "main.ts").write_text(program, encoding="utf-8")
    return app


def tsc(project: Path) -> subprocess.CompletedProcess[str]:
    """``tsc -p project``: its errors on stdout."""
    return subprocess.run(
        [str(node_tool("tsc")), "-p", str(project)], capture_output=True, text=True, check=False
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def run_build(out: Path, inputs: list[Path], *targets: str, **settings: Any) -> BuildResult:
    """Build ``targets`` of ``inputs`` into ``out``, which must succeed (with no
    cache unless one is asked for: the cache has its own tests)."""
    config = Config(
        base=ROOT,
        inputs=tuple(str(i) for i in inputs),
        output=str(out),
        targets=targets,
        **{"cache": None, **settings},
    )
    result = generate(config)
    assert not result.failed(strict=False), [
        d.format() for d in result.diagnostics if d.level == "error"
    ]
    return result


def build_target(out: Path, inputs: list[Path], target: str, **settings: Any) -> Path:
    """Build one target of ``inputs`` into ``out``; returns ``out / target``."""
    run_build(out, inputs, target, **settings)
    return out / target


def corpus_builds() -> list[tuple[str, list[Path]]]:
    """What every target is built from and checked on besides the seeds and the
    hostile pages: each variant folder in one build, each version page alone,
    and the page that marks a table, columns and a value deprecated.
    Each entry has a name usable as a package or folder name."""
    builds = [("b_" + "_".join(variant.split("-")), [CORPUS / variant]) for variant in VARIANTS]
    for page in sorted((CORPUS / "versions").rglob("*.md")):
        builds.append((f"v_{page.parent.name}_{page.stem}", [page]))
    builds.append(("deprecated", [FIXTURES / "deprecated"]))  # every deprecation marker
    return builds


#: mypy leaves out each package's sdk.py, a copy of templates/python/sdk.py that
#: follows Microsoft's SDK (and pandas, azure, requests) into minutes of checking;
#: tests/test_sdk_adapter.py checks it once, against the pinned SDK.
MYPY_WITHOUT_SDK = ("--exclude", r"/sdk\.py$")


def assert_type_checks(out: Path, package: str = "dataverse_bindings") -> None:
    """``mypy --strict`` passes on ``out/python/<package>`` and ``tsc --strict``
    (the package's own tsconfig) on ``out/typescript``."""
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *MYPY_WITHOUT_SDK, package],
        cwd=out / "python",
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    tsc = subprocess.run(
        [str(node_tool("tsc")), "-p", ".", "--noEmit"],
        cwd=out / "typescript",
        capture_output=True,
        text=True,
        check=False,
    )
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
