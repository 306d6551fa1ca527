"""``build --check`` with nothing to do answers from the last build's stamp
(:mod:`generator.output.stamp`) without importing the pipeline, and never says "up
to date" when the full check would not: every change that makes the output
stale sends it to the full check."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import generator.commands
from generator.cli import main
from generator.config import CACHE_ENV
from generator.exits import EXIT_INPUT, EXIT_OK
from tests.helpers import ROOT

SMS = "ce-omnichannel/msdyn_smsengagementctx.md"
HEAVY = ("black", "jinja2", "pydantic", "markdown_it", "rich", "generator.build")


def _check_in_child(project: Path, *extra: str) -> tuple[int, str, list[str]]:
    """``build --check`` in a fresh process: exit code, stderr, heavy modules imported."""
    script = (
        "import json, sys\n"
        "from generator.cli import main\n"
        f"code = main(['build', '--check', *{list(extra)!r}])\n"
        f"heavy = {HEAVY!r}\n"
        "found = [m for m in sys.modules if m.split('.')[0] in heavy or m in heavy]\n"
        "print(json.dumps(sorted(found)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "", CACHE_ENV: os.environ[CACHE_ENV]},
    )
    assert done.stdout, done.stderr
    return done.returncode, done.stderr, json.loads(done.stdout.strip().splitlines()[-1])


def test_a_check_right_after_a_build_imports_nothing_heavy(built_project: Path) -> None:
    code, err, heavy = _check_in_child(built_project)
    assert (code, heavy) == (EXIT_OK, [])
    assert err == "dvgen: generated/ is up to date (27 file(s))\n"


def test_the_quick_answer_prints_what_the_full_check_prints(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for flags in ([], ["-v"], ["-q"]):
        capsys.readouterr()
        assert main(["build", "--check", "--no-cache", *flags]) == EXIT_OK  # the full check
        full = capsys.readouterr().err
        code, quick, heavy = _check_in_child(built_project, *flags)
        assert (code, heavy, quick) == (EXIT_OK, [], full), flags


def _edit_page(root: Path) -> None:
    page = root / "schema_docs" / SMS
    page.write_text(page.read_text(encoding="utf-8").replace("SMS Provider", "SMS provider"))


def _edit_output(root: Path) -> None:
    with (root / "generated" / "python" / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("x")


def _delete_output(root: Path) -> None:
    (root / "generated" / "odata" / "$metadata.xml").unlink()


def _new_page(root: Path) -> None:
    src = root / "schema_docs" / SMS
    (root / "schema_docs" / "copy.md").write_text(
        src.read_text(encoding="utf-8").replace("msdyn_smsengagementctx", "new_copyctx")
    )


def _settings(root: Path) -> None:
    (root / "pyproject.toml").write_text(
        '[tool.dvgen]\n[tool.dvgen.python]\npackage = "other_bindings"\n', encoding="utf-8"
    )


def _templates(root: Path) -> None:
    (root / "mine" / "python").mkdir(parents=True)
    (root / "mine" / "python" / "README.md.jinja").write_text("mine\n", encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.dvgen]\ntemplates = "mine"\n', encoding="utf-8")


def _link_output(root: Path) -> None:
    readme = root / "generated" / "python" / "README.md"
    (root / "elsewhere.md").write_bytes(readme.read_bytes())
    readme.unlink()
    readme.symlink_to(root / "elsewhere.md")


@pytest.mark.parametrize(
    "change",
    [_edit_page, _edit_output, _delete_output, _new_page, _settings, _templates, _link_output],
)
def test_what_makes_the_output_stale_takes_the_full_check(
    built_project: Path, change: Callable[[Path], None]
) -> None:
    assert _check_in_child(built_project)[0] == EXIT_OK  # stamped, quick
    change(built_project)
    code, err, heavy = _check_in_child(built_project)
    assert code == EXIT_INPUT and "out of date" in err
    assert heavy  # the full check ran


def test_a_damaged_stamp_takes_the_full_check(built_project: Path) -> None:
    out = str((built_project / "generated").resolve()).encode()
    stamp = Path(os.environ[CACHE_ENV]) / "stamps" / f"{hashlib.sha256(out).hexdigest()}.json"
    stamp.write_text("{not json", encoding="utf-8")
    code, err, heavy = _check_in_child(built_project)
    assert (code, bool(heavy)) == (EXIT_OK, True)
    assert "up to date" in err
    assert _check_in_child(built_project)[2] == []  # the full check stamped it again


def test_without_a_cache_there_is_no_stamp(built_project: Path) -> None:
    code, _, heavy = _check_in_child(built_project, "--no-cache")
    assert code == EXIT_OK and heavy


def test_a_page_edited_while_the_build_runs_leaves_the_stamp_stale(
    built_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stamp digests the inputs as the build read them: a page saved
    after the build read it must not make the next check say "up to date"."""
    real = generator.commands.generate

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        _edit_page(built_project)  # saved after the build had read it
        return result

    _edit_output(built_project)  # so that this build writes
    monkeypatch.setattr(generator.commands, "generate", edited_meanwhile)
    assert main(["build", "-q"]) == EXIT_OK
    code, err, heavy = _check_in_child(built_project)
    assert code == EXIT_INPUT and "out of date" in err and heavy


def _stamp_of(project: Path) -> Path:
    out = str((project / "generated").resolve()).encode()
    return Path(os.environ[CACHE_ENV]) / "stamps" / f"{hashlib.sha256(out).hexdigest()}.json"


def test_an_unchanged_build_keeps_the_stamps_hashes_and_a_check_mends_them(
    built_project: Path,
) -> None:
    """An unchanged file keeps the hash the last stamp gave it (not hashed
    again); a hash gone wrong meanwhile is never believed: the quick check
    hashes the files, takes the full check, which stamps them right."""
    stamp = _stamp_of(built_project)
    out = built_project / "generated"

    def on_disk(rel: str) -> str:
        return hashlib.sha256((out / rel).read_bytes()).hexdigest()

    data = json.loads(stamp.read_text(encoding="utf-8"))
    assert data["files"] == {rel: on_disk(rel) for rel in data["files"]}
    rel = "python/manifest.json"
    data["files"][rel] = "0" * 64
    stamp.write_text(json.dumps(data), encoding="utf-8")
    assert main(["build", "-q"]) == EXIT_OK  # nothing changed
    assert json.loads(stamp.read_text(encoding="utf-8"))["files"][rel] == "0" * 64  # kept
    code, err, heavy = _check_in_child(built_project)
    assert code == EXIT_OK and "up to date" in err and heavy  # the full check
    assert json.loads(stamp.read_text(encoding="utf-8"))["files"][rel] == on_disk(rel)
    assert _check_in_child(built_project)[2] == []  # quick again
