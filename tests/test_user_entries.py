"""Everything a user keeps in the output folder survives every build that
writes, whatever kind of entry it is (issue 18, point 3): a virtual
environment's symlinks, ``node_modules/.bin`` links, empty folders, FIFOs,
and folder modes. A mount point inside the folder is refused, since the
swap would leave it behind with the backup that is then deleted."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_OK, EXIT_OUTPUT
from tests.helpers import SCHEMA_DOCS, SEED_LEGACY

SMS = SEED_LEGACY.relative_to(SCHEMA_DOCS)


@pytest.fixture
def project(built_project: Path) -> Path:
    return built_project


def entries(folder: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry below ``folder``: its kind, mode and link target."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        kind = (
            "link"
            if stat.S_ISLNK(st.st_mode)
            else "dir"
            if stat.S_ISDIR(st.st_mode)
            else "fifo"
            if stat.S_ISFIFO(st.st_mode)
            else "file"
        )
        target = os.readlink(path) if kind == "link" else ""
        out[path.relative_to(folder).as_posix()] = (kind, st.st_mode & 0o7777, target)
    return out


def change_a_page(project: Path) -> None:
    page = project / "schema_docs" / SMS
    page.write_text(page.read_text(encoding="utf-8").replace("SMS Provider", "SMS provider"))


def test_links_empty_folders_fifos_and_modes_survive_a_build_that_writes(project: Path) -> None:
    out = project / "generated"
    venv = out / "python" / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to("/usr/bin/python3")
    (venv / "lib64").symlink_to("lib")  # relative, and dangling
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    bin_dir = out / "typescript" / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tsc").symlink_to("../typescript/bin/tsc")
    (out / "typescript" / "dist").mkdir()  # empty
    os.mkfifo(out / "python" / "pipe")
    private = out / "private"
    private.mkdir()
    (private / "secret.txt").write_text("mine", encoding="utf-8")
    private.chmod(0o700)
    (out / "python").chmod(0o750)  # a folder dvgen writes in, with the user's mode
    mine = {k: v for k, v in entries(out).items() if not _dvgens(k)}
    change_a_page(project)
    assert main(["build", "-q"]) == EXIT_OK
    after = entries(out)
    assert {k: v for k, v in after.items() if not _dvgens(k)} == mine
    assert after["python"][1] == 0o750 and after["private"][1] == 0o700
    assert (
        "SMS provider"
        in (out / "python" / "dataverse_bindings" / "msdyn_smsengagementctx.py").read_text()
    )


def _dvgens(rel: str) -> bool:
    """dvgen's own files, and its folders (whose entries change)."""
    return rel.startswith(
        ("model", "odata", "python/dataverse_bindings", "typescript/src")
    ) or rel in {
        ".dvgen-manifest.json",
        "python/pyproject.toml",
        "python/README.md",
        "typescript/package.json",
        "typescript/tsconfig.json",
        "typescript/README.md",
    }


def test_a_mount_point_inside_the_output_folder_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mount = project / "generated" / "python" / "data"
    mount.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "none", str(mount)], capture_output=True, check=False
        ).returncode
        == 0
    )
    try:
        if mounted:
            (mount / "big.bin").write_bytes(b"x" * 10)
        else:  # no privilege to mount here: the one OS call dvgen asks, answered as a mount would
            real = os.path.ismount
            monkeypatch.setattr(os.path, "ismount", lambda p: str(p) == str(mount) or real(p))
        change_a_page(project)
        capsys.readouterr()
        assert main(["build", "-q"]) == EXIT_OUTPUT
        assert "python/data is a mount point" in capsys.readouterr().err
        if mounted:
            assert (mount / "big.bin").read_bytes() == b"x" * 10
    finally:  # wherever a build may have moved it
        for line in Path("/proc/mounts").read_text(encoding="utf-8").splitlines():
            where = line.split()[1]
            if mounted and where.startswith(str(project)):
                subprocess.run(["umount", "-l", where], check=False)
