"""Deprecation markers: what the docs mark deprecated (a table, columns, a
choice value) is flagged once in the model, and every target marks it where
its tools look: ``@deprecated`` JSDoc for TypeScript (the language service
reports it), ``warnings.deprecated`` from Python 3.13 (mypy reports it) and a
docstring marker before, ``Core.Revisions`` in ``$metadata``; ``dvgen diff``
reads the same flag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.exits import EXIT_OK
from tests.helpers import FIXTURES, ROOT, SCHEMA_DOCS, node_tool, run_build

PAGE = FIXTURES / "deprecated" / "msdyn_smsengagementctx.md"
SMS = "msdyn_smsengagementctx"
COLUMNS = {"msdyn_countrycode", "msdyn_orgphonenumber"}  # one by name, one by description


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deprecated")
    run_build(root, [PAGE], "model", "python", "typescript", "odata")
    return root


def test_the_model_flags_exactly_what_the_docs_mark(out: Path) -> None:
    model = yaml.safe_load((out / "model" / f"{SMS}.yaml").read_text(encoding="utf-8"))
    assert model["deprecated"] is True
    flagged = {a["logical_name"] for a in model["attributes"] if a.get("deprecated")}
    assert flagged == COLUMNS
    values = [
        (a["logical_name"], o["value"])
        for a in model["attributes"]
        for o in a.get("options", ())
        if o.get("deprecated")
    ]
    assert values == [("msdyn_smsprovider", 192350001)]


def test_the_seeds_flag_only_the_wrap_up_state(tmp_path: Path) -> None:
    result = run_build(tmp_path, [SCHEMA_DOCS], "model")
    flagged = [
        (t.logical_name, a.logical_name, o.value, o.label)
        for t in result.tables.values()
        for a in t.attributes
        for o in a.options
        if o.deprecated
    ]
    assert flagged == [("msdyn_ocliveworkitem", "statecode", 4, "Wrap-up (Deprecated)")]
    assert not any(
        t.deprecated or any(a.deprecated for a in t.attributes) for t in result.tables.values()
    )


# -- Python -------------------------------------------------------------------------


def test_python_marks_the_table_columns_and_value(out: Path) -> None:
    source = (out / "python" / "dataverse_bindings" / f"{SMS}.py").read_text(encoding="utf-8")
    assert f'@_runtime.deprecated("table {SMS} is deprecated")\n@dataclasses.dataclass(' in source
    assert source.count("Deprecated: the documentation marks this column deprecated.") == 2
    assert (
        "    TWILIO_DEPRECATED = 192350001\n"
        '    """Deprecated: the documentation marks this choice deprecated."""\n'
    ) in source
    assert "Deprecated: the documentation marks this table deprecated." in source


def _mypy(root: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *flags, "use.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_type_checkers_report_a_deprecated_table_from_python_3_13(out: Path) -> None:
    package = out / "python"
    (package / "use.py").write_text(
        f"from dataverse_bindings.{SMS} import MsdynSmsengagementctx\n\n"
        'row = MsdynSmsengagementctx(msdyn_name="x")\n',
        encoding="utf-8",
    )
    new = _mypy(package, "--python-version", "3.13", "--enable-error-code", "deprecated")
    assert new.returncode == 1
    assert f"MsdynSmsengagementctx is deprecated: table {SMS} is deprecated" in new.stdout
    # before 3.13 there is no warnings.deprecated: the code still type-checks
    old = _mypy(package, "--python-version", "3.11", "--enable-error-code", "deprecated")
    assert old.returncode == 0, old.stdout


def test_the_marker_warns_at_run_time_only_where_python_has_warnings_deprecated(
    out: Path,
) -> None:
    """From Python 3.13 making a row of a deprecated table warns; before, the
    marker changes nothing at run time (the docstring says it instead)."""
    sys.path.insert(0, str(out / "python"))
    try:
        module = __import__(f"dataverse_bindings.{SMS}", fromlist=["x"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            row = module.MsdynSmsengagementctx(msdyn_name="x")
    finally:
        sys.path.remove(str(out / "python"))
        for name in [m for m in sys.modules if m.startswith("dataverse_bindings")]:
            del sys.modules[name]
    assert row.msdyn_name == "x"
    assert "Deprecated: the documentation" in (type(row).__doc__ or "")
    said = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert said == ([f"table {SMS} is deprecated"] if sys.version_info >= (3, 13) else [])


# -- TypeScript -----------------------------------------------------------------------

_SERVICE = r"""
const ts = require("typescript");
const [root, file] = process.argv.slice(1);
const config = ts.readConfigFile(root + "/tsconfig.json", ts.sys.readFile).config;
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
const files = [...parsed.fileNames, file];
const service = ts.createLanguageService({
  getScriptFileNames: () => files,
  getScriptVersion: () => "1",
  getScriptSnapshot: (f) =>
    ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)) : undefined,
  getCurrentDirectory: () => root,
  getCompilationSettings: () => parsed.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
});
const found = service
  .getSuggestionDiagnostics(file)
  .filter((d) => d.reportsDeprecated)
  .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
console.log(JSON.stringify(found));
"""

_USE = """import { MsdynSmsengagementctx as Sms } from "./index.js";

const row: Sms.Row = {};
export const country = row.msdyn_countrycode;
export const phone = row.msdyn_orgphonenumber;
export const customer = row.msdyn_customerphonenumber;
export const provider = Sms.MsdynSmsprovider.TwilioDeprecated;
export const other = Sms.MsdynSmsprovider.TeleSign;
"""


def test_the_typescript_language_service_reports_what_is_deprecated(out: Path) -> None:
    root = out / "typescript"
    use = root / "src" / "use.ts"
    use.write_text(_USE, encoding="utf-8")
    done = subprocess.run(
        ["node", "-e", _SERVICE, str(root), str(use)],
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reported = sorted(json.loads(done.stdout))
    assert reported == sorted(
        [
            "'Row' is deprecated.",
            "'msdyn_countrycode' is deprecated.",
            "'msdyn_orgphonenumber' is deprecated.",
            "'TwilioDeprecated' is deprecated.",
        ]
    )
    tsc = subprocess.run(
        [str(node_tool("tsc")), "-p", ".", "--noEmit"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr


# -- $metadata and diff -------------------------------------------------------------------


def test_metadata_annotates_the_table_and_columns(out: Path) -> None:
    text = (out / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    kind = '<PropertyValue Property="Kind" EnumMember="Core.RevisionKind/Deprecated"/>'
    assert text.count('<Annotation Term="Core.Revisions">') == text.count(kind) == 3
    for what in ("table", "column", "column"):
        assert f'String="The documentation marks this {what} deprecated."' in text
    start = text.index('<Property Name="msdyn_countrycode"')
    assert text.index(kind, start) < text.index("</Property>", start)


def test_diff_downgrades_the_removal_of_what_the_docs_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    text = PAGE.read_bytes()
    (old / PAGE.name).write_bytes(text)
    start = text.index(b'### <a name="BKMK_msdyn_countrycode">')
    end = text.index(b"### ", start + 4)
    entry = b"- [msdyn_countrycode](#BKMK_msdyn_countrycode)\n"  # its index entry goes too
    (new / PAGE.name).write_bytes((text[:start] + text[end:]).replace(entry, b"", 1))
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    [change] = report["changes"]
    assert (change["rule"], change["severity"]) == ("column-removed-deprecated", "warning")
