"""The generated Python package: snapshots, real type checking, install, use."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from generator.model import Attribute, Table
from generator.targets.python import table_view
from generator.targets.webapi import EntitySets
from tests.helpers import FIXTURES, ROOT, build_target, corpus_builds, files_under

HOSTILE = FIXTURES / "hostile"
GENERATED = ROOT / "generated" / "python"


def build_python(out: Path, inputs: list[Path], package: str) -> Path:
    return build_target(
        out,
        inputs,
        "python",
        python_package=package,
        python_distribution=package.replace("_", "-"),
    )


@pytest.fixture(scope="module")
def hostile_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_python(tmp_path_factory.mktemp("hostile"), [HOSTILE], "hostile_bindings")


@pytest.fixture(scope="module")
def every_package(tmp_path_factory: pytest.TempPathFactory, hostile_package: Path) -> list[Path]:
    """Packages for the seeds, the hostile page, each variant folder and each version."""
    base = tmp_path_factory.mktemp("packages")
    roots = [GENERATED / "dataverse_bindings", hostile_package / "hostile_bindings"]
    for pkg, inputs in corpus_builds():
        roots.append(build_python(base / pkg, inputs, pkg) / pkg)
    return roots


@pytest.mark.parametrize("name", files_under(GENERATED))
def test_seed_package_file(name: str, snapshot_file: SnapshotAssertion) -> None:
    assert (GENERATED / name).read_text(encoding="utf-8") == snapshot_file


def test_hostile_package_files(hostile_package: Path, snapshot_file: SnapshotAssertion) -> None:
    for name in files_under(hostile_package):
        assert (hostile_package / name).read_text(encoding="utf-8") == snapshot_file(name=name)


def test_mypy_strict_passes_on_every_generated_package(every_package: list[Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, every_package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    modules = sum(len(list(p.glob("*.py"))) for p in every_package)
    assert f"Success: no issues found in {modules} source files" in proc.stdout


def test_ruff_passes_on_every_generated_package(every_package: list[Path]) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--target-version",
            "py311",
            *map(str, every_package),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_hostile_bindings_only_defines_names(
    hostile_package: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    script = (
        f"import os; os.chdir({str(tmp_path)!r}); "
        "import hostile_bindings.hostile_table as m; print(len(dir(m)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=hostile_package,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(hostile_package), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().isdigit()
    assert not marker.exists()


FUNCTIONAL = FIXTURES / "functional" / "use_bindings.py"


def test_every_package_pip_installs_and_every_table_imports(
    every_package: list[Path], tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = str(env_dir / "bin" / "python")
    pip = [py, "-m", "pip", "install", "--quiet"]
    tools = subprocess.run([*pip, "setuptools>=77"], capture_output=True, text=True, check=False)
    assert tools.returncode == 0, tools.stderr
    projects = [shutil.copytree(p.parent, tmp_path / "src" / p.name) for p in every_package]
    install = subprocess.run(
        [*pip, "--no-build-isolation", *map(str, projects)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    names = [p.name for p in every_package]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    pkg = importlib.import_module(name)\n"
        "    for table in pkg.TABLES:\n"
        "        cls = pkg.get_table(table)\n"
        "        assert cls.LOGICAL_NAME == table, (name, table)\n"
        "        assert cls.COLUMNS is not None\n"
        "print(sum(len(importlib.import_module(n).TABLES) for n in " + repr(names) + "))\n"
    )
    run = subprocess.run(
        [py, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) >= 40


def test_pip_installs_into_a_fresh_venv_and_works(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    source = shutil.copytree(GENERATED, tmp_path / "src")  # setuptools builds in the source tree
    install = subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    run = subprocess.run(
        [str(py), str(FUNCTIONAL)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("fmt", "behaviour", "annotation"),
    [
        ("DateOnly", "UserLocal", "datetime.datetime | None"),  # shown as a date only
        ("DateOnly", "TimeZoneIndependent", "datetime.datetime | None"),
        ("DateOnly", "DateOnly", "datetime.date | None"),
        ("DateAndTime", "DateOnly", "datetime.date | None"),
        ("DateAndTime", "UserLocal", "datetime.datetime | None"),
    ],
)
def test_date_columns_follow_format_and_behaviour(
    fmt: str, behaviour: str, annotation: str
) -> None:
    col = Attribute(logical_name="due", type="DateTime", format=fmt, date_time_behavior=behaviour)
    view = table_view(Table(logical_name="t", attributes=(col,)), EntitySets({}))
    assert [f.annotation for f in view.fields] == [annotation]
