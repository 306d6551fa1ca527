"""The dvgen command: exit codes, diagnostics, config, and nothing lost on failure."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_BUG, EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from tests.helpers import CORPUS, FIXTURES, ROOT, SCHEMA_DOCS, VARIANTS, tree

BROKEN = FIXTURES / "broken"


def test_parse_writes_one_model_per_table_and_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "models"
    assert main(["parse", str(SCHEMA_DOCS), "-o", str(out)]) == EXIT_OK
    assert sorted(tree(out)) == [
        ".dvgen-manifest.json",
        "msdyn_ocliveworkitem.yaml",
        "msdyn_smsengagementctx.yaml",
        "schema.json",
    ]
    assert "3 page(s), 2 table(s)" in capsys.readouterr().err


@pytest.mark.parametrize("variant", VARIANTS)
def test_parse_each_variant_folder_in_one_run(tmp_path: Path, variant: str) -> None:
    assert main(["parse", str(CORPUS / variant), "-o", str(tmp_path / "m"), "-q"]) == EXIT_OK
    assert len(list((tmp_path / "m").glob("*.yaml"))) >= 6


@pytest.mark.parametrize("version", sorted(p.name for p in (CORPUS / "versions").iterdir()))
def test_parse_versions_one_at_a_time(tmp_path: Path, version: str) -> None:
    for page in sorted((CORPUS / "versions" / version).glob("*.md")):
        out = tmp_path / page.stem
        assert main(["parse", str(page), "-o", str(out), "-q"]) == EXIT_OK
        assert (out / f"{version}.yaml").is_file()


def test_globs_are_accepted(tmp_path: Path) -> None:
    pattern = str(CORPUS / "app-extension" / "q*.md")
    assert main(["parse", pattern, "-o", str(tmp_path / "m"), "-q"]) == EXIT_OK
    assert [p.name for p in (tmp_path / "m").glob("*.yaml")] == ["quote.yaml"]


def test_every_broken_page_gets_a_located_error_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "generated"
    assert main(["build", str(SCHEMA_DOCS), "-o", str(out), "-q", "--no-cache"]) == EXIT_OK
    before = tree(out)
    code = main(
        ["build", str(SCHEMA_DOCS), str(BROKEN), "-o", str(out), "--format", "json", "--no-cache"]
    )
    assert code == EXIT_INPUT
    assert tree(out) == before
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["written"] is False
    errors = {
        (Path(d["file"]).name, d["line"], d["code"])
        for d in report["diagnostics"]
        if d["level"] == "error"
    }
    assert errors == {
        ("binary.md", 1, "DV004"),
        ("broken_table.md", 13, "DV110"),
        ("empty.md", None, "DV003"),
        ("latin1.md", 1, "DV005"),
    }
    # a folder brings them in: plainly not table pages, they are skipped with a note
    skipped = {(Path(d["file"]).name, d["code"]) for d in report["diagnostics"] if d["file"]}
    assert {("no_h1.md", "DV024"), ("not_a_table_reference.md", "DV024")} <= skipped


def test_broken_page_diagnostics_in_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", str(BROKEN / "broken_table.md"), "-o", str(tmp_path / "m")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert (
        "broken_table.md:13: error: malformed table "
        "(its header has 3 column(s) but the line below it has 2)" in err
    )
    assert "Traceback" not in err
    assert "nothing written (errors above)" in err
    assert not (tmp_path / "m").exists()


def test_strict_turns_warnings_into_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (
        CORPUS / "legacy-entity-reference" / "msdyn_componentlayer.md"
    )  # heading/LogicalName mismatch
    assert main(["parse", str(page), "-o", str(tmp_path / "a"), "-q"]) == EXIT_OK
    assert main(["parse", str(page), "-o", str(tmp_path / "b"), "--strict"]) == EXIT_INPUT
    assert "warnings are errors with --strict" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_missing_input_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", str(tmp_path / "nope"), "-o", str(tmp_path / "m")]) == EXIT_INPUT
    assert "does not exist" in capsys.readouterr().err


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["parse"])
    assert exc.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == EXIT_USAGE


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = capsys.readouterr().out
    for code in (EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_OUTPUT, EXIT_BUG):
        assert f"\n  {code} " in out


def test_unwritable_output_exits_3_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["parse", str(SCHEMA_DOCS), "-o", str(blocker / "out")]) == EXIT_OUTPUT
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err


def test_a_bug_is_reported_without_traceback_unless_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("generator.commands.generate", boom)
    assert main(["parse", str(SCHEMA_DOCS), "-o", str(tmp_path / "m")]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
    assert main(["parse", str(SCHEMA_DOCS), "-o", str(tmp_path / "m"), "--debug"]) == EXIT_BUG
    assert "Traceback" in capsys.readouterr().err


def _project(tmp_path: Path, dvgen_table: str) -> Path:
    shutil.copytree(SCHEMA_DOCS, tmp_path / "docs")
    (tmp_path / "pyproject.toml").write_text(f"[tool.dvgen]\n{dvgen_table}\n")
    return tmp_path


def test_build_reads_tool_dvgen_and_flags_override_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, 'inputs = ["docs"]\noutput = "out"\nexclude = ["msdyn_oc*"]')
    monkeypatch.chdir(project)
    assert main(["build", "-q"]) == EXIT_OK
    assert sorted(p.name for p in (project / "out" / "model").glob("*.yaml")) == [
        "msdyn_smsengagementctx.yaml"
    ]
    assert main(["build", "docs/ce-developer", "-o", "other", "-q"]) == EXIT_OK
    assert (
        sorted(p.name for p in (project / "other" / "model").glob("*.yaml")) == []
    )  # still excluded
    assert (project / "other" / "model" / "schema.json").is_file()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('inputs = "docs"', "inputs: expected a list of strings"),
        ('targets = ["cobol"]', "unknown target 'cobol'"),
        ("colour = 1", "unknown setting(s) colour"),
        ("inputs = [", "not valid TOML"),
        ('typescript = { package = "Not Valid" }', "'Not Valid' is not a valid npm package name"),
        ('typescript = { module = "x" }', "unknown setting(s) module; known: package"),
        ('python = { package = "class" }', "'class' is not a Python package name"),
        ("cache = 3", "cache: expected a folder name, or false for no cache"),
        ("diff = { when = 1 }", "unknown setting(s) when; known: fail-on, ignore"),
        ('diff = { ignore = "x" }', "ignore: expected a list of { rule, subject"),
        ('diff = { ignore = [{ rule = "x" }] }', "ignore[0]: rule and subject must be strings"),
        (
            'diff = { ignore = [{ rule = "column-removed", subject = "t.c", until = 1 }] }',
            "ignore[0]: unknown key(s) until",
        ),
        (
            'diff = { ignore = [{ rule = "column-removed", subject = "t.c", expires = 5 }] }',
            "expires must be a date",
        ),
    ],
)
def test_bad_config_exits_2_with_the_setting_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    message: str,
) -> None:
    monkeypatch.chdir(_project(tmp_path, table))
    assert main(["build"]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_typescript_package_name_comes_from_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = 'inputs = ["docs"]\ntargets = ["typescript"]\ntypescript = { package = "@acme/crm" }'
    project = _project(tmp_path, settings)
    monkeypatch.chdir(project)
    assert main(["build", "-q"]) == EXIT_OK
    manifest = json.loads((project / "generated" / "typescript" / "package.json").read_text())
    assert manifest["name"] == "@acme/crm"
    assert not (project / "generated" / "python").exists()  # only the targets asked for


def _run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_python_dash_m_and_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    proc = _run("parse", str(CORPUS / "generated-full-table"), "-o", str(tmp_path / "m"))
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "\r" not in proc.stderr and "\x1b[" not in proc.stderr  # quiet when not a TTY
    assert proc.stderr.startswith("dvgen: 11 page(s)")


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"out{seed}"
        proc = _run(
            "build",
            str(SCHEMA_DOCS),
            str(CORPUS / "legacy-bold-list"),
            "-o",
            str(out),
            "--no-cache",  # each run renders everything itself
            env={"PYTHONHASHSEED": seed},
        )
        assert proc.returncode == EXIT_OK, proc.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1]
    assert len(outs[0]) > 5


def test_generated_folder_is_what_a_build_writes_now(tmp_path: Path) -> None:
    """generated/ is committed: it must be dvgen's current output for schema_docs/,
    versions and changelogs included (built with generated/'s manifests as the
    baseline, inside this repository, as `make run` builds it)."""
    out = ROOT / ".test-output" / tmp_path.name / "generated"
    for package in ("python", "typescript"):
        (out / package).mkdir(parents=True)
        for name in ("manifest.json", "CHANGELOG.md"):
            shutil.copyfile(ROOT / "generated" / package / name, out / package / name)
        shutil.copytree(ROOT / "generated" / package / "schema", out / package / "schema")
    (out / ".dvgen-manifest.json").write_text(
        (ROOT / "generated" / ".dvgen-manifest.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    try:
        config = ["--config", str(ROOT / "pyproject.toml")]
        assert main(["build", "-o", str(out), "-q", "--no-cache", *config]) == EXIT_OK
        assert tree(out) == tree(ROOT / "generated"), (
            "generated/ is stale: run `make run` and commit it"
        )
    finally:
        shutil.rmtree(out.parent)


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a TTY with ten or more pages, rich draws a progress bar on stderr."""
    chunks: list[bytes] = []

    def read(fd: int) -> bytes:
        data = os.read(fd, 65536)
        chunks.append(data)
        return data

    argv = [
        sys.executable,
        "-m",
        "generator",
        "parse",
        str(CORPUS / "generated-full-table"),
        "-o",
        str(tmp_path / "m"),
    ]
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        status = pty.spawn(argv, read)
    finally:
        os.chdir(old)
    assert os.waitstatus_to_exitcode(status) == EXIT_OK
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "parsing" in screen
    assert "dvgen: 11 page(s)" in screen


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["build", "--help"], ["diff", "-h"]])
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    """pre-commit runs dvgen on every commit: reading the command line costs
    the standard library, not black, jinja2, pydantic, rich or the pipeline."""
    script = (
        "import sys\n"
        "from generator.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('black', 'jinja2', 'pydantic', 'rich', 'markdown_it', 'yaml', 'ftfy',\n"
        "         'generator.build', 'generator.model', 'generator.commands')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_diff_formats_the_command_line_offers_are_the_ones_it_prints() -> None:
    from generator.diff.args import FORMATS  # noqa: PLC0415
    from generator.diff.formats import RENDERERS  # noqa: PLC0415

    assert tuple(RENDERERS) == FORMATS
