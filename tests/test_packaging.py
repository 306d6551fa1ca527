"""dvgen's own files as an installation holds them: ``pyproject.toml`` ships
every package and template, and a file missing from an installation is
reported as that (with the path dvgen looked for), never as a failure to
write the output folder. ``tests/test_install.py`` installs the real wheel,
sdist and git URL; these tests break an installation in-process."""

from __future__ import annotations

import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import generator.engine.fingerprint
import generator.render
import generator.resources
from generator.cli import main
from generator.exits import EXIT_INSTALL, EXIT_OK, EXIT_USAGE
from tests.helpers import ROOT, SCHEMA_DOCS, TEMPLATES, tree

FAKE = "dvgen_test_installed_templates"


def test_pyproject_ships_every_package_and_template_folder() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    code = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "generator").rglob("__init__.py")
    }
    templates = {"generator.templates"} | {
        "generator.templates." + ".".join(p.relative_to(TEMPLATES).parts)
        for p in TEMPLATES.rglob("*")
        if p.is_dir() and p.name != "__pycache__"
    }
    assert sorted(setuptools["packages"]) == sorted(code | templates)
    assert setuptools["package-dir"] == {"generator.templates": "templates"}
    assert setuptools["package-data"] == {name: ["*"] for name in templates}


def test_the_list_of_shipped_files_is_the_templates_folder() -> None:
    on_disk = {
        p.relative_to(TEMPLATES).as_posix()
        for p in TEMPLATES.rglob("*")
        if p.is_file()
        and p.name not in {"__init__.py", "README.md"}
        and "__pycache__" not in p.parts
    }
    assert on_disk == generator.resources.SHIPPED


def test_an_editable_install_reads_the_projects_templates() -> None:
    assert generator.resources.templates_root() == TEMPLATES


def _forget() -> None:
    """Drop what was read of the installed templates, so the next build looks again."""
    generator.resources.templates_root.cache_clear()
    generator.resources.read_builtin.cache_clear()
    generator.render.environment.cache_clear()
    generator.engine.fingerprint.code_fingerprint.cache_clear()
    sys.modules.pop(FAKE, None)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """dvgen's templates installed as a package of their own (a copy), which a
    test may break, as a bad install or a deleted file would."""
    site = tmp_path / "site"
    shutil.copytree(TEMPLATES, site / FAKE, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(generator.resources, "PACKAGE", FAKE)
    _forget()
    yield site / FAKE
    _forget()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installed: Path) -> Path:
    """A project built while its dvgen was installed whole."""
    shutil.copytree(SCHEMA_DOCS, tmp_path / "project" / "docs")
    (tmp_path / "project" / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["docs"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "project")
    assert installed.is_dir()
    assert main(["build", "-q"]) == EXIT_OK
    return tmp_path / "project"


def lose(installed: Path, name: str, *, as_folder: bool = False) -> Path:
    """Delete dvgen's own file ``name`` (or put a folder in its place), as a
    broken install would, and forget what this process had read of it."""
    (installed / name).unlink()
    if as_folder:
        (installed / name).mkdir()
    _forget()
    return installed / name


def broken_build(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> str:
    """A build after the installation broke; returns stderr, having asserted
    the exit code and that the output folder was left exactly as it was."""
    before = tree(project / "generated")
    capsys.readouterr()
    assert main(["build", *args]) == EXIT_INSTALL
    err = capsys.readouterr().err
    assert tree(project / "generated") == before
    assert err.startswith("dvgen: broken installation: ")
    assert "cannot write" not in err and "nothing was written" in err
    return err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    "name", ["python/table.py.jinja", "odata/metadata.xml.jinja", "typescript/index.ts.jinja"]
)
def test_a_missing_template_is_an_installation_problem(
    installed: Path, project: Path, capsys: pytest.CaptureFixture[str], name: str, jobs: str
) -> None:
    path = lose(installed, name)
    err = broken_build(capsys, project, "-j", jobs)
    assert f"dvgen's own file {path} is missing or unreadable;" in err


@pytest.mark.parametrize("name", ["python/_runtime.py", "typescript/tsconfig.json"])
def test_a_copied_file_missing_or_unreadable(
    installed: Path, project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = lose(installed, name, as_folder=True)  # there, but not a file dvgen can read
    err = broken_build(capsys, project)
    assert f"dvgen's own file {path} is missing or unreadable (Is a directory);" in err


def test_templates_not_installed_at_all(
    installed: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(installed)
    _forget()
    err = broken_build(capsys, project)
    expected = Path(generator.__file__).resolve().parent / "templates"
    assert f"no package {FAKE} (looked for {expected})" in err
    assert main(["build", "--check"]) == EXIT_INSTALL
    assert main(["diff", "docs", "docs"]) == EXIT_INSTALL  # its cache keys read them too


@pytest.mark.usefixtures("project")
def test_check_reports_it_too(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = lose(installed, "python/table.py.jinja")
    capsys.readouterr()
    assert main(["build", "--check"]) == EXIT_INSTALL
    assert str(path) in capsys.readouterr().err


def own_template(project: Path, name: str, text: str) -> None:
    """Write the project's own ``python/<name>`` into its templates folder
    ``mine/`` (set in its pyproject.toml the first time)."""
    mine = project / "mine" / "python"
    if not mine.is_dir():
        mine.mkdir(parents=True)
        with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
            f.write('templates = "mine"\n')
    (mine / name).write_text(text, encoding="utf-8")


def test_with_a_projects_templates_the_missing_one_is_still_dvgens(
    installed: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project folder that does not replace the missing file does not make
    it the project's fault; a project template that includes a missing one is."""
    own_template(project, "README.md.jinja", "mine\n")
    path = lose(installed, "python/table.py.jinja")
    assert str(path) in broken_build(capsys, project)
    own_template(project, "table.py.jinja", "{% include 'python/nope.jinja' %}\n")
    assert main(["build"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "template 'python/nope.jinja' not found in" in err
    assert f"or dvgen's own ({installed})" in err


def test_extending_a_template_dvgen_never_shipped_is_the_projects_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own_template(project, "__init__.py.jinja", "{% extends 'dvgen/python/tabel.py.jinja' %}\n")
    capsys.readouterr()
    assert main(["build"]) == EXIT_USAGE  # a typo of the project's
    assert "template 'dvgen/python/tabel.py.jinja' not found" in capsys.readouterr().err


def test_a_projects_template_that_extends_a_missing_builtin_is_a_broken_install(
    installed: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Overriding a block of dvgen's template is the project's own choice; the
    template it extends being gone is dvgen's installation, not the project."""
    own_template(project, "table.py.jinja", "{% extends 'dvgen/python/table.py.jinja' %}\n")
    path = lose(installed, "python/table.py.jinja")
    assert str(path) in broken_build(capsys, project)


def test_the_code_fingerprint_reads_all_of_dvgens_code_and_templates() -> None:
    """A fix anywhere in dvgen must invalidate the cache and the quick check."""
    read = {path for _, path in generator.engine.fingerprint.fingerprinted()}
    code = {p for p in (ROOT / "generator").rglob("*.py") if "__pycache__" not in p.parts}
    assert code <= {p.resolve() for p in read}
    assert {p.resolve() for p in TEMPLATES.rglob("*.jinja")} <= {p.resolve() for p in read}
