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
from generator.webapi import EntitySets
from tests.helpers import (
    FIXTURES,
    MYPY_WITHOUT_SDK,
    ROOT,
    build_target,
    corpus_builds,
    files_under,
)

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
    # the pages copied out of this repository: the manifest names no commit of it
    base = tmp_path_factory.mktemp("hostile")
    pages = shutil.copytree(HOSTILE, tmp_path_factory.mktemp("pages") / "hostile")
    return build_python(base, [pages], "hostile_bindings")


@pytest.fixture(scope="module")
def every_package(tmp_path_factory: pytest.TempPathFactory, hostile_package: Path) -> list[Path]:
    """Packages for the seeds, the hostile page, each variant folder and each version."""
    base = tmp_path_factory.mktemp("packages")
    roots = [GENERATED / "dataverse_bindings", hostile_package / "hostile_bindings"]
    for pkg, inputs in corpus_builds():
        roots.append(build_python(base / pkg, inputs, pkg) / pkg)
    return roots


def test_hostile_package_files(hostile_package: Path, snapshot_file: SnapshotAssertion) -> None:
    for name in files_under(hostile_package):
        assert (hostile_package / name).read_text(encoding="utf-8") == snapshot_file(name=name)


def test_mypy_strict_passes_on_every_generated_package(every_package: list[Path]) -> None:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict", "--no-incremental"),
            *MYPY_WITHOUT_SDK,
            *map(str, every_package),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    modules = sum(len([m for m in p.glob("*.py") if m.name != "sdk.py"]) for p in every_package)
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


#: Run in a child: refuse every event that is more than defining names (a
#: process, a file opened for writing, a socket, code compiled at run time),
#: import every module of the package, then try one forbidden thing itself,
#: which must be caught: so the hook is proven to work, and the test can fail.
_SANDBOX = """
import importlib, pkgutil, sys, sysconfig

STDLIB = sysconfig.get_paths()["stdlib"]

FORBIDDEN = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "socket.connect", "os.remove", "os.rename", "shutil.rmtree", "exec", "compile")
importing = True
seen = []

def hook(event, args):
    if not importing or not event.startswith(FORBIDDEN + ("open",)):
        return
    if event == "open" and not (isinstance(args[1], str) and set(args[1]) & set("wax+")):
        return  # reading (the import system does)
    caller = sys._getframe(1).f_code.co_filename
    if event in ("exec", "compile") and caller.startswith(("<frozen", STDLIB)):
        return  # the import system compiling a module; dataclasses making __init__
    seen.append(event)
    raise RuntimeError(f"forbidden while importing: {event}")

sys.addaudithook(hook)
pkg = importlib.import_module(sys.argv[1])
names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))
for name in names:
    importlib.import_module(f"{sys.argv[1]}.{name}")
try:
    import os
    os.system("true")  # the control: the hook must refuse it
except RuntimeError:
    pass
print(len(names), seen)
"""


def test_importing_hostile_bindings_only_defines_names(
    hostile_package: Path, tmp_path: Path
) -> None:
    """Importing every module of the package built from the hostile pages runs
    no process, writes no file, opens no socket and compiles no code: the
    payloads (``os.system("touch MARKER")``, ``__import__``, ...) stay text."""
    proc = subprocess.run(
        [sys.executable, "-c", _SANDBOX, "hostile_bindings"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(hostile_package), "PATH": "", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    count, seen = proc.stdout.split(" ", 1)
    modules = [
        p for p in (hostile_package / "hostile_bindings").glob("*.py") if p.stem != "__init__"
    ]
    assert int(count) == len(modules) >= 4  # the runtime and every hostile table
    assert seen.strip() == "['os.system']"  # the control only
    assert list(tmp_path.iterdir()) == []  # no MARKER, nothing at all


FUNCTIONAL = FIXTURES / "functional" / "use_bindings.py"


@pytest.fixture(scope="module")
def installed(every_package: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh virtual environment with every package pip-installed from its
    generated project (``pyproject.toml``, setuptools): its python."""
    root = tmp_path_factory.mktemp("pip")
    venv.create(root / "venv", with_pip=True)
    py = str(root / "venv" / "bin" / "python")
    pip = [py, "-m", "pip", "install", "--quiet"]
    tools = subprocess.run([*pip, "setuptools>=77"], capture_output=True, text=True, check=False)
    assert tools.returncode == 0, tools.stderr
    projects = [shutil.copytree(p.parent, root / "src" / p.name) for p in every_package]
    install = subprocess.run(
        [*pip, "--no-build-isolation", *map(str, projects)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return Path(py)


def test_every_package_pip_installs_and_every_table_imports(
    installed: Path, every_package: list[Path], tmp_path: Path
) -> None:
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
        [installed, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) >= 40


def test_the_installed_package_works(installed: Path, tmp_path: Path) -> None:
    """The committed package, installed as a user installs it, used as a user uses it."""
    run = subprocess.run(
        [installed, str(FUNCTIONAL)], cwd=tmp_path, capture_output=True, text=True, check=False
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
