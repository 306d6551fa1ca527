"""``dvgen build --check``: passes right after a build, fails (writing
nothing) after a page changes, and lists stale, missing and extra files."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from generator.cli import build_parser, main
from generator.exits import EXIT_INPUT, EXIT_OK
from generator.output.check import check_output, short_diff
from generator.output.write import UnsafePath
from tests.helpers import ROOT

SMS = "ce-omnichannel/msdyn_smsengagementctx.md"


@pytest.fixture
def project(built_project: Path) -> Path:
    """A copy of schema_docs/ and a build of it, as a user's repository would hold."""
    return built_project


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder`` (and its siblings' names) with content and mtime."""
    out = {
        p.relative_to(folder.parent).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }
    out["(siblings)"] = (repr(sorted(p.name for p in folder.parent.iterdir())).encode(), 0)
    return out


def check(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["build", "--check", *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("project")
def test_check_passes_right_after_a_build(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, out, err = check(capsys)
    assert (code, out) == (EXIT_OK, "")
    assert "is up to date (27 file(s))" in err


def test_check_fails_after_a_page_changes_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = project / "schema_docs" / SMS
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("|MaxLength|100|", "|MaxLength|150|", 1), encoding="utf-8")
    before = state(project / "generated")
    capsys.readouterr()
    code, out, err = check(capsys)
    assert code == EXIT_INPUT
    stale = [line.split()[1] for line in out.splitlines() if line.startswith("stale:")]
    assert "model/msdyn_smsengagementctx.yaml" in stale
    assert "python/dataverse_bindings/msdyn_smsengagementctx.py" in stale
    assert "-  max_length: 100" in out and "+  max_length: 150" in out
    assert "--- model/msdyn_smsengagementctx.yaml (on disk)" in out
    assert "out of date" in err and "run dvgen build" in err
    assert state(project / "generated") == before  # nothing written, nothing left beside it
    assert main(["build", "-q"]) == EXIT_OK
    assert check(capsys)[0] == EXIT_OK


def test_check_lists_missing_and_extra_but_not_user_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = project / "generated"
    (out_dir / "odata" / "$metadata.xml").unlink()
    (out_dir / "NOTES.md").write_text("mine\n", encoding="utf-8")
    (project / "schema_docs" / SMS).unlink()
    capsys.readouterr()
    code, out, _ = check(capsys, "--format", "json")
    payload = json.loads(out)
    assert code == EXIT_INPUT and payload["ok"] is False
    assert payload["missing"] == ["odata/$metadata.xml"]
    assert "typescript/src/msdyn_smsengagementctx.ts" in payload["extra"]
    assert "model/msdyn_smsengagementctx.yaml" in payload["extra"]
    assert "NOTES.md" not in payload["extra"] + payload["stale"]
    assert ".dvgen-manifest.json" in payload["stale"]


def test_check_reports_a_broken_page_as_an_input_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "schema_docs" / "empty.md").write_text("", encoding="utf-8")
    capsys.readouterr()
    code, out, err = check(capsys)
    assert code == EXIT_INPUT and out == ""
    assert "schema_docs/empty.md: error: the page is empty" in err


def test_short_diff_is_short_and_inert() -> None:
    old = "".join(f"line {i}\n" for i in range(100)).encode()
    new = "".join(f"line {i} \x1b[2J\n" for i in range(100)).encode()
    lines = short_diff("f.txt", old, new, limit=10)
    assert len(lines) == 11 and lines[-1].endswith("more diff line(s)")
    lines = short_diff("f.txt", b"a\n", b"a \x1b[2J\xe2\x80\xa8\n")
    assert all("\x1b" not in line and "\u2028" not in line for line in lines)
    assert "+a \\x1b[2J\\u2028" in lines
    assert short_diff("b", b"\xff", b"\xfe") == ["(binary: 1 bytes on disk, 1 would be written)"]


def test_the_repository_generated_folder_passes_the_check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = check(capsys)
    assert (code, out) == (EXIT_OK, ""), "generated/ is stale: run `make run` and commit it"


def test_pre_commit_hooks_run_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"dvgen-check", "dvgen-build", "dvgen-diff"}
    parser = build_parser()
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        program, *argv = hook["entry"].split()
        assert program == "dvgen"
        args = parser.parse_args(argv)  # exits (fails the test) on an unknown flag
        assert args.command in ("build", "diff")
    check_hook = next(h for h in hooks if h["id"] == "dvgen-check")
    assert parser.parse_args(check_hook["entry"].split()[1:]).check is True


def test_check_refuses_a_path_outside_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x", encoding="utf-8")
    with pytest.raises(UnsafePath, match="not a plain relative path"):
        check_output(tmp_path / "out", {"../secret": b"x"})


def test_readme_github_actions_example_runs_real_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\nname: dataverse bindings\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load("name: dataverse bindings\n" + block)
    steps = workflow["jobs"]["dvgen"]["steps"]
    commands = [
        line.strip()
        for step in steps
        for line in str(step.get("run", "")).splitlines()
        if line.strip().startswith("dvgen ")
    ]
    assert len(commands) == 3  # check, the markdown comment, the failing annotations
    parser = build_parser()
    for command in commands:
        argv = shlex.split(command.split(">")[0].replace("$BASE", "main"))[1:]
        args = parser.parse_args(argv)
        assert args.command in ("build", "diff")
    assert any("--format github" in c for c in commands)
    assert any("--format markdown" in c and "--fail-on never" in c for c in commands)
