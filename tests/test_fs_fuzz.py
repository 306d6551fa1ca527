"""Fuzzing the file system around real builds (issue 18): a user's files,
folders, symlinks (to files, folders, nowhere), FIFOs, read-only folders and
files taking dvgen's own paths are put into ``generated/``, then a build that
has something to write runs. Whatever was put there, the build either

- succeeds, writes exactly what a cold build writes, and leaves every entry
  of the user's as it was (kind, mode, content, link target); or
- refuses with exit 3, naming what is in the way, and changes nothing;

and it never ends in exit 70 or a traceback. ``make test`` runs a fixed set
of examples; ``make fuzz`` runs fresh ones (DVGEN_FUZZ_EXAMPLES of them).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.exits import EXIT_OK, EXIT_OUTPUT
from tests.helpers import SCHEMA_DOCS, SEED_LEGACY, tree

#: Where a user might put things: dvgen's own files and folders, and beside them.
SPOTS = [
    "model/msdyn_smsengagementctx.yaml",
    "model/notes.yaml",
    "model",
    "python/.venv/bin/python",
    "python/dataverse_bindings/msdyn_ocliveworkitem.py",
    "python/dataverse_bindings/extra.py",
    "python/dataverse_bindings",
    "typescript/node_modules/.bin/tsc",
    "typescript/src",
    "typescript/dist",
    "odata/$metadata.xml",
    "odata",
    "mine/deep/er",
    ".dvgen-manifest.json",
]
KINDS = ["file", "folder", "link-file", "link-folder", "link-nowhere", "fifo", "read-only"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A cold build of the edited pages: what every successful build must write."""
    root = tmp_path_factory.mktemp("reference")
    _project(root)
    _edit(root)
    assert main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    return tree(root / "generated")


def _project(root: Path) -> None:
    shutil.copytree(SCHEMA_DOCS, root / "schema_docs")
    (root / "pyproject.toml").write_text("[tool.dvgen]\n", encoding="utf-8")


def _edit(root: Path) -> None:
    page = root / "schema_docs" / SEED_LEGACY.relative_to(SCHEMA_DOCS)
    page.write_text(page.read_text(encoding="utf-8").replace("SMS Provider", "SMS provider"))


def _put(out: Path, spot: str, kind: str, n: int) -> None:
    """Put a user's entry of ``kind`` at ``spot`` (replacing what is there)."""
    path = out / spot
    if os.path.lexists(path) or path.is_dir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    outside = out.parent / f"outside-{n}"
    if kind == "file":
        path.write_text(f"mine {n}\n", encoding="utf-8")
    elif kind in ("folder", "read-only"):
        path.mkdir()
        (path / "keep.txt").write_text(f"mine {n}\n", encoding="utf-8")
        if kind == "read-only":
            path.chmod(0o555)
    elif kind == "link-file":
        outside.write_text(f"outside {n}\n", encoding="utf-8")
        path.symlink_to(outside)
    elif kind == "link-folder":
        outside.mkdir()
        (outside / "x.txt").write_text(f"outside {n}\n", encoding="utf-8")
        path.symlink_to(outside, target_is_directory=True)
    elif kind == "link-nowhere":
        path.symlink_to(out.parent / f"nowhere-{n}")
    else:
        os.mkfifo(path)


def _entries(folder: Path) -> dict[str, tuple[str, int, str, bytes]]:
    """Every entry below ``folder``, links not followed: kind, mode, target, bytes."""
    out: dict[str, tuple[str, int, str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            st_ = path.lstat()
            mode = stat.S_IMODE(st_.st_mode)
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(st_.st_mode):
                out[rel] = ("link", 0, os.readlink(path), b"")
            elif stat.S_ISDIR(st_.st_mode):
                out[rel] = ("dir", mode, "", b"")
            elif stat.S_ISFIFO(st_.st_mode):
                out[rel] = ("fifo", mode, "", b"")
            else:
                out[rel] = ("file", mode, "", path.read_bytes())
    return out


def _everything(root: Path) -> dict[str, tuple[str, int, str, bytes]]:
    return {k: v for k, v in _entries(root).items() if not k.startswith("schema_docs")}


#: each example is two real builds: fewer than the page fuzzers run
EXAMPLES = int(os.environ.get("DVGEN_FUZZ_EXAMPLES", "20"))


@settings(max_examples=EXAMPLES)
@given(
    st.lists(
        st.tuples(st.sampled_from(SPOTS), st.sampled_from(KINDS)),
        min_size=1,
        max_size=4,
        unique_by=lambda op: op[0],
    )
)
def test_a_build_keeps_every_user_entry_or_refuses_untouched(
    tmp_path_factory: pytest.TempPathFactory,
    reference: dict[str, bytes],
    ops: list[tuple[str, str]],
) -> None:
    root = tmp_path_factory.mktemp("fs")
    _project(root)
    assert main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    out = root / "generated"
    managed = set(tree(out))
    for n, (spot, kind) in enumerate(sorted(ops)):
        if any(spot.startswith(f"{other}/") for other, _ in ops if other != spot):
            continue  # a parent is replaced too: its own entry stands for both
        _put(out, spot, kind, n)
    _edit(root)
    before = _everything(root)
    code = main(["build", "-q", "--no-cache", "--config", str(root / "pyproject.toml")])
    try:
        assert code in (EXIT_OK, EXIT_OUTPUT), code
        after = _everything(root)
        if code == EXIT_OUTPUT:
            assert after == before  # refused: nothing changed, not even a mode
            return
        assert tree(out) == {
            **{k: v for k, v in tree(out).items() if k not in reference},
            **reference,
        }
        for rel, entry in before.items():
            rel_out = rel.removeprefix("generated/")
            if rel.startswith("generated/") and rel_out not in managed | set(reference):
                parents = {p.as_posix() for p in Path(rel_out).parents}
                if not parents & (managed | set(reference)) or entry[0] != "dir":
                    assert after.get(rel) == entry, rel  # the user's, as it was
    finally:
        for path in root.rglob("*"):  # let the next example's clean-up delete it all
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
