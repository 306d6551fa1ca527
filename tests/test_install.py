"""dvgen installed the ways a user installs it, outside this repository: the
wheel and the sdist (``python -m build``), each line of the README's
*Installing dvgen as a tool* (pipx and pip from a pinned git URL, pip from a
vendored copy), and the README's pre-commit hooks through pre-commit itself.

Each install goes into a fresh virtual environment (pip fetches dvgen's
dependencies from the package index, as it would for a user), and the
installed ``dvgen`` builds, checks and diffs a small project of its own,
whose output must be byte-for-byte what this checkout writes. The git URL is
a ``file://`` repository made from this working tree and tagged as the
README pins it: only the network is replaced, never pip, pipx or pre-commit.

Slow (a minute or two): CI runs these, and ``pytest --slow`` locally.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

import generator
from generator.cli import main
from generator.exits import EXIT_INPUT, EXIT_INSTALL, EXIT_OK
from tests.helpers import CORPUS, ROOT, SCHEMA_DOCS, TEMPLATES, tree
from tests.test_templates import PY_EXTENDS

pytestmark = pytest.mark.slow

VERSION = generator.__version__
URL = "https://github.com/your-org/dvgen"  # where the README says dvgen lives
SMS = "ce-omnichannel/msdyn_smsengagementctx.md"
#: an older version of the SMS page, without the column msdyn_smsprovider
SMS_OLDER = CORPUS / "versions" / "msdyn_smsengagementctx" / "1323683.md"
_GIT = ["git", "-c", "user.name=dvgen tests", "-c", "user.email=tests@example.invalid"]


def sh(
    args: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` as a user would: outside this checkout, with no trace of
    its virtual environment, and ``env`` added."""
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    path = os.pathsep.join(
        p for p in base.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**base, "PATH": path, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (what git tracks or would), as a repository of its
    own tagged ``v<version>``: what a pinned git URL and pre-commit fetch."""
    repo = tmp_path_factory.mktemp("dvgen-source")
    names = ok(sh(["git", "ls-files", "-co", "--exclude-standard", "-z"], ROOT)).split("\0")
    for name in filter(None, names):
        if (ROOT / name).is_file():  # tracked but deleted in the work tree: gone
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    ok(sh(["git", "init", "-q", "-b", "main"], repo))
    ok(sh(["git", "add", "-A"], repo))
    ok(sh([*_GIT, "commit", "-q", "-m", "this working tree"], repo))
    ok(sh(["git", "tag", f"v{VERSION}"], repo))
    return repo


@pytest.fixture(scope="module")
def dists(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, and the wheel built from it, by ``python -m build``."""
    out = tmp_path_factory.mktemp("dist")
    ok(sh([sys.executable, "-m", "build", "--outdir", out, source], out))
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def venv(where: Path) -> Path:
    """A fresh virtual environment; its bin folder."""
    ok(sh([sys.executable, "-m", "venv", where], where.parent))
    return where / "bin"


def readme_installs() -> list[str]:
    """The install lines of the README's *Installing dvgen as a tool*."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Installing dvgen as a tool\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def install(way: str, source: Path, dists: dict[str, Path], work: Path) -> Path:
    """Install dvgen into a fresh place under ``work``, ``way`` being "wheel",
    "sdist" or a line of the README; the ``dvgen`` that was installed."""
    work.mkdir()
    if way in dists:
        bin_dir = venv(work / "venv")
        ok(sh([bin_dir / "python", "-m", "pip", "install", "-q", dists[way]], work))
        return bin_dir / "dvgen"
    # PEP 508 wants a host in a direct reference's URL: file://localhost/...
    words = shlex.split(way.replace(URL, f"file://localhost{source}"), comments=True)
    if words[0] == "pipx":
        env = {"PIPX_HOME": str(work / "pipx"), "PIPX_BIN_DIR": str(work / "bin")}
        env["PIPX_MAN_DIR"] = str(work / "man")
        ok(sh([sys.executable, "-m", "pipx", *words[1:]], work, env))
        return work / "bin" / "dvgen"
    assert words[:2] == ["pip", "install"], way
    if words[2].startswith("./tools/"):  # a copy vendored into the user's repository
        shutil.copytree(source, work / words[2], ignore=shutil.ignore_patterns(".git"))
    bin_dir = venv(work / "venv")
    ok(sh([bin_dir / "python", "-m", "pip", "install", "-q", *words[2:]], work))
    return bin_dir / "dvgen"


def installed_at(dvgen: Path) -> Path:
    """The folder of the ``generator`` package that the command ``dvgen`` runs."""
    shebang = dvgen.resolve().read_text(encoding="utf-8").splitlines()[0].removeprefix("#!")
    python = shebang.split()[0]  # pipx's scripts add "-E"
    where = ok(sh([python, "-c", "import generator; print(generator.__file__)"], dvgen.parent))
    return Path(where.strip()).parent


def project(root: Path) -> Path:
    """A user's project: the seeds, a template of its own that extends
    dvgen's, its own package name, committed to git."""
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    (root / "mine" / "python").mkdir(parents=True)
    (root / "mine" / "python" / "table.py.jinja").write_text(PY_EXTENDS, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.dvgen]\ntemplates = "mine"\n\n[tool.dvgen.python]\npackage = "acme_bindings"\n',
        encoding="utf-8",
    )
    return root


def reference(tmp_path: Path) -> dict[str, bytes]:
    """What this checkout's dvgen writes for the same project."""
    ref = project(tmp_path / "reference")
    # a git repository too, as the installed dvgen's project is: manifests record that
    ok(sh(["git", "init", "-q", "-b", "main"], ref))
    ok(sh(["git", "add", "-A"], ref))
    ok(sh([*_GIT, "commit", "-q", "-m", "docs"], ref))
    assert main(["build", "-q", "--config", str(ref / "pyproject.toml")]) == EXIT_OK
    return tree(ref / "generated")


WAYS = ["wheel", "sdist", *readme_installs()]


def test_the_readme_gives_pipx_a_pinned_git_url_and_a_vendored_copy() -> None:
    lines = readme_installs()
    assert [shlex.split(line, comments=True)[:2] for line in lines] == [
        ["pipx", "install"],
        ["pip", "install"],
        ["pip", "install"],
    ]
    assert f"{URL}@v{VERSION}" in lines[0] and f"dvgen @ git+{URL}@v{VERSION}" in lines[1]
    assert "./tools/dvgen" in lines[2]


def test_the_wheel_and_the_sdist_carry_every_template(dists: dict[str, Path]) -> None:
    ours = tree(TEMPLATES)
    ours = {k: v for k, v in ours.items() if "__pycache__" not in k}
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        shipped = {
            n.removeprefix("generator/templates/"): wheel.read(n)
            for n in wheel.namelist()
            if n.startswith("generator/templates/")
        }
    assert shipped == ours
    prefix = f"dvgen-{VERSION}/templates/"
    with tarfile.open(dists["sdist"]) as sdist:
        in_sdist = {
            m.name.removeprefix(prefix): sdist.extractfile(m).read()  # type: ignore[union-attr]
            for m in sdist.getmembers()
            if m.isfile() and m.name.startswith(prefix)
        }
    assert in_sdist == ours


@pytest.mark.parametrize("way", WAYS, ids=["wheel", "sdist", "pipx-git", "pip-git", "vendored"])
def test_installed_dvgen_builds_checks_and_diffs(
    way: str, source: Path, dists: dict[str, Path], tmp_path: Path
) -> None:
    dvgen = install(way, source, dists, tmp_path / "install")
    here = project(tmp_path / "project")
    ok(sh(["git", "init", "-q", "-b", "main"], here))
    ok(sh(["git", "add", "-A"], here))
    ok(sh([*_GIT, "commit", "-q", "-m", "docs"], here))

    assert ok(sh([dvgen, "--version"], here)).strip() == f"dvgen {VERSION}"
    assert not installed_at(dvgen).is_relative_to(ROOT)

    ok(sh([dvgen, "build"], here))
    built = tree(here / "generated")
    assert built == reference(tmp_path)
    module = built["python/acme_bindings/msdyn_smsengagementctx.py"].decode()
    assert "def describe(self) -> str:" in module  # the project's template, over dvgen's
    assert "up to date" in sh([dvgen, "build", "--check"], here).stderr

    shutil.copy(SMS_OLDER, here / "schema_docs" / SMS)
    stale = sh([dvgen, "build", "--check"], here)
    assert stale.returncode == EXIT_INPUT
    module_path = "python/acme_bindings/msdyn_smsengagementctx.py"
    assert re.search(rf"^stale: +{module_path}$", stale.stdout, re.M)
    diff = sh([dvgen, "diff", "git:HEAD", "schema_docs"], here)
    assert diff.returncode == EXIT_INPUT, diff.stderr
    assert "column-removed" in diff.stdout and "msdyn_smsprovider" in diff.stdout
    same = sh([dvgen, "diff", "git:HEAD", "git:HEAD"], here)
    assert same.returncode == EXIT_OK and "no changes" in same.stdout + same.stderr

    # Today's bug, on purpose: a template missing from the installation was
    # reported as a failure to write generated/ (exit 3).
    ok(sh([dvgen, "build", "-q"], here))
    before = tree(here / "generated")
    lost = installed_at(dvgen) / "templates" / "typescript" / "table.ts.jinja"
    lost.unlink()
    (here / "schema_docs" / SMS).write_bytes((SCHEMA_DOCS / SMS).read_bytes())
    broken = sh([dvgen, "build"], here)
    assert broken.returncode == EXIT_INSTALL
    assert broken.stderr.startswith(f"dvgen: broken installation: dvgen's own file {lost} is")
    assert "Traceback" not in broken.stderr and "cannot write" not in broken.stderr
    assert tree(here / "generated") == before


def test_the_readmes_pre_commit_hooks_through_pre_commit(source: Path, tmp_path: Path) -> None:
    """The README's configuration with ``pre-commit run``, and every hook of
    ``.pre-commit-hooks.yaml`` with ``pre-commit try-repo``."""
    here = project(tmp_path / "consumer")
    (here / "mine" / "python" / "table.py.jinja").unlink()  # the hooks' own settings: defaults
    (here / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")
    assert main(["build", "-q", "--config", str(here / "pyproject.toml")]) == EXIT_OK
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    config = "repos:\n" + text.split("```yaml\nrepos:\n", 1)[1].split("```", 1)[0]
    assert [h["id"] for h in yaml.safe_load(config)["repos"][0]["hooks"]] == [
        "dvgen-check",
        "dvgen-diff",
    ]
    (here / ".pre-commit-config.yaml").write_text(
        config.replace(URL, f"file://{source}"), encoding="utf-8"
    )
    ok(sh(["git", "init", "-q", "-b", "main"], here))
    ok(sh(["git", "add", "-A"], here))
    ok(sh([*_GIT, "commit", "-q", "-m", "docs and bindings"], here))
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def pre_commit(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return sh([sys.executable, "-m", "pre_commit", *args, "--all-files"], here, env)

    out = ok(pre_commit("run"))
    assert "dvgen build --check" in out and "Passed" in out and "Failed" not in out

    shutil.copy(SMS_OLDER, here / "schema_docs" / SMS)  # a column removed from the docs
    ok(sh(["git", "add", "-A"], here))
    failed = pre_commit("run")
    assert failed.returncode == 1
    assert "is out of date" in failed.stdout and "column-removed" in failed.stdout

    every = pre_commit("try-repo", source).stdout  # all three hooks, by their ids' order
    ran = re.findall(r"^(dvgen [^.]*?)\.+(Passed|Failed)$", every, re.M)
    assert ran == [
        ("dvgen build", "Failed"),  # it regenerated generated/: "files were modified"
        ("dvgen build --check", "Passed"),  # so the check after it passes
        ("dvgen diff against HEAD", "Failed"),  # and the removed column still breaks
    ]
    assert "files were modified by this hook" in every and "msdyn_smsprovider" in every
    module = here / "generated" / "python" / "dataverse_bindings" / "msdyn_smsengagementctx.py"
    assert "msdyn_smsprovider" not in module.read_text(encoding="utf-8")
    ok(sh(["git", "add", "-A"], here))
    assert "Passed" in ok(pre_commit("run", "dvgen-check"))
