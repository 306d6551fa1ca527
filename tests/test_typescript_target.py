"""The generated TypeScript package: snapshots, tsc --strict, run with node."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from generator.model import Attribute, Table
from generator.targets.typescript import table_view
from generator.targets.typescript_files import TYPESCRIPT_VERSION
from generator.webapi import EntitySets
from tests.helpers import FIXTURES, ROOT, build_target, corpus_builds, files_under, node_tool

HOSTILE = FIXTURES / "hostile"
GENERATED = ROOT / "generated" / "typescript"
USE = FIXTURES / "functional" / "use_typescript.ts"


def build_typescript(out: Path, inputs: list[Path]) -> Path:
    return build_target(out, inputs, "typescript")


def tsc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(node_tool("tsc")), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def hostile_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # the pages copied out of this repository: the manifest names no commit of it
    base = tmp_path_factory.mktemp("hostile")
    pages = shutil.copytree(HOSTILE, tmp_path_factory.mktemp("pages") / "hostile")
    return build_typescript(base, [pages])


@pytest.fixture(scope="module")
def every_package(tmp_path_factory: pytest.TempPathFactory, hostile_package: Path) -> list[Path]:
    """Packages for the seeds, the hostile pages, each variant folder and each version."""
    base = tmp_path_factory.mktemp("ts")
    roots = [GENERATED, hostile_package]
    roots += [build_typescript(base / name, inputs) for name, inputs in corpus_builds()]
    return roots


def test_hostile_package_files(hostile_package: Path, snapshot_file: SnapshotAssertion) -> None:
    for name in files_under(hostile_package):
        assert (hostile_package / name).read_text(encoding="utf-8") == snapshot_file(name=name)


def test_every_package_compiles_under_tsc_strict(every_package: list[Path], tmp_path: Path) -> None:
    """One tsc run over every package, with the options the packages ship plus --strict."""
    shipped = json.loads((GENERATED / "tsconfig.json").read_text())["compilerOptions"]
    config = {
        "compilerOptions": {**shipped, "strict": True, "noEmit": True, "rootDir": "/"},
        "files": [str(root / "src" / "index.ts") for root in every_package],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    done = tsc("-p", "tsconfig.json", "--listFilesOnly", cwd=tmp_path)
    listed = [line for line in done.stdout.splitlines() if "/src/" in line]
    expected = sum(len(list((root / "src").glob("*.ts"))) for root in every_package)
    assert len(listed) == expected  # every module of every package is part of the check
    done = tsc("-p", "tsconfig.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_shipped_package_builds_with_its_own_tsconfig(tmp_path: Path) -> None:
    """`npm run build` does `tsc -p .`: it must emit JS and .d.ts with no error."""
    pkg = tmp_path / "pkg"
    shutil.copytree(GENERATED, pkg)
    done = tsc("-p", ".", cwd=pkg)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((pkg / "package.json").read_text())
    assert (pkg / manifest["types"]).is_file()
    assert (pkg / manifest["main"]).is_file()
    assert "dependencies" not in manifest  # no runtime dependencies
    assert manifest["devDependencies"] == {"typescript": TYPESCRIPT_VERSION}
    root_lock = json.loads((ROOT / "package-lock.json").read_text())
    assert root_lock["packages"]["node_modules/typescript"]["version"] == TYPESCRIPT_VERSION


def test_bindings_type_check_and_run(tmp_path: Path) -> None:
    """The seed package used as an app would: the types refuse what the Web API
    would refuse (each @ts-expect-error must be an error), and the helpers build
    the exact request bodies and URLs at run time."""
    pkg = tmp_path / "pkg"
    shutil.copytree(GENERATED, pkg)
    (pkg / "check").mkdir()
    shutil.copy(USE, pkg / "check" / "use.ts")
    options = json.loads((pkg / "tsconfig.json").read_text())["compilerOptions"]
    config = {"compilerOptions": {**options, "rootDir": ".", "outDir": "out"}}
    config["include"] = ["src", "check"]
    (pkg / "tsconfig.check.json").write_text(json.dumps(config))
    done = tsc("-p", "tsconfig.check.json", cwd=pkg)
    assert done.returncode == 0, done.stdout + done.stderr
    run = subprocess.run(
        ["node", "out/check/use.js"], cwd=pkg, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok"


def test_a_type_error_in_use_is_caught(tmp_path: Path) -> None:
    """The check above can fail: the same use with a required column removed does not compile."""
    pkg = tmp_path / "pkg"
    shutil.copytree(GENERATED, pkg)
    use = USE.read_text().replace('  msdyn_name: "+1 555 0100",\n', "", 1)
    (pkg / "src" / "use.ts").write_text(use.replace("../src/index.js", "./index.js"))
    done = tsc("-p", ".", "--noEmit", cwd=pkg)
    assert done.returncode != 0
    assert "msdyn_name" in done.stdout


def test_importing_hostile_bindings_only_defines_names(
    hostile_package: Path, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(hostile_package, pkg)
    done = tsc("-p", ".", cwd=pkg)
    assert done.returncode == 0, done.stdout + done.stderr
    script = (
        "const m = await import('./dist/index.js');"
        "if (globalThis.pwned !== undefined) throw new Error('payload ran');"
        "const t = m.ScriptTable;"
        "console.log(JSON.stringify([t.ScriptKindLabels, t.logicalName, t.RecordLabels,"
        " Object.keys(t.Record_)]));"
    )
    run = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=pkg,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    labels, logical, record_labels, record_members = json.loads(run.stdout)
    assert logical == "script_table"
    # a choice named Record does not shadow the Record type its labels need
    assert record_labels == {"1": "constructor", "2": "__proto__"}
    assert record_members == ["Constructor", "Proto"]
    # every label reads back exactly as the page gives it
    assert labels == {
        "1": 'Quote " and backslash \\ here',
        "2": "`${globalThis.pwned = 4}`",
        "3": "</script>",
        "4": "*/",
        "5": "line\u2028break",
    }
    assert not (pkg / "MARKER").exists()
    assert not any(p.name == "MARKER" for p in tmp_path.rglob("*"))


def test_a_column_named_like_a_lookup_value_is_declared_once() -> None:
    """An interface cannot declare a key twice (tsc: duplicate identifier)."""
    table = Table(
        logical_name="t",
        primary_id_attribute="tid",
        attributes=(
            Attribute(logical_name="tid", type="Uniqueidentifier"),
            Attribute(logical_name="parentid", type="Lookup", targets=("t",)),
            Attribute(logical_name="_parentid_value", type="String"),
        ),
    )
    view = table_view(table, EntitySets({"t": table}), "t", "T")
    for shape in (view.read, view.create, view.update):
        keys = [p.key for p in shape]
        assert len(keys) == len(set(keys))
    assert [p.key for p in view.read].count("_parentid_value") == 1


def test_the_packed_package_carries_its_schema(tmp_path: Path) -> None:
    """What ``npm pack`` (so ``npm publish``) ships holds the manifest and
    every schema file it lists: a package installed from the registry is a
    side of ``dvgen diff`` like the folder it was packed from."""
    packed = subprocess.run(
        ["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", str(tmp_path)],
        cwd=GENERATED,
        capture_output=True,
        text=True,
        check=False,
    )
    assert packed.returncode == 0, packed.stderr
    (tarball,) = json.loads(packed.stdout)
    shutil.unpack_archive(tmp_path / tarball["filename"], tmp_path / "unpacked")
    shipped = tmp_path / "unpacked" / "package"
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["schema"]["tables"]:
        assert (shipped / "schema" / "tables" / f"{name}.json").is_file(), name
    diff = subprocess.run(
        [sys.executable, "-m", "generator", "diff", str(GENERATED), str(shipped)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert diff.returncode == 0 and "\nno changes;" in diff.stdout, diff.stdout + diff.stderr
