"""Injection-proof output: tests/fixtures/hostile/payloads.md carries payloads
aimed at Python, TypeScript, XML, Jinja and file paths in every text field
(descriptions, display names, option labels) and every name field (logical
names, targets, message and navigation names). Each name is refused with a
diagnostic on its line; each text reaches the output exactly, and inert.

The compilers and type checkers run over the same folder in the target tests
(mypy --strict, tsc --strict, the OASIS CSDL schema, odata2ts, black); here:
what was refused, where files land, what Jinja did not evaluate, and that
importing every generated module runs nothing but definitions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.build import BuildResult
from generator.modelio import load_table
from tests.helpers import FIXTURES, run_build

PAGE = FIXTURES / "hostile" / "payloads.md"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
#: every name on the page that cannot be one
REFUSED = {
    'x"""y',
    "x*/y",
    "x]]>y",
    "{{x}}",
    "{{7*7}}",
    "../x",
    "../evil",
    "a" * 132,
    "{{parent}}",
    "/abs/x",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("payloads")
    out = root / "out"
    result = run_build(out, [PAGE], "model", "python", "typescript", "odata")
    return out, result


def test_every_name_that_cannot_be_one_is_refused_on_its_line(
    built: tuple[Path, BuildResult],
) -> None:
    _, result = built
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    refused: set[str] = set()
    for d in result.diagnostics:
        if d.code in ("DV123", "DV150", "DV140") and d.line is not None:
            [value] = re.findall(r"'(.*?)' is not a", d.message) or [None]
            assert value is not None, d.message
            value = value.replace("\\\\", "\\")
            assert value in lines[d.line - 1].replace("&gt;", ">").replace("\\*", "*")
            refused.add(value)
    assert refused >= REFUSED


def test_no_refused_name_reaches_the_model(built: tuple[Path, BuildResult]) -> None:
    out, result = built
    table = result.tables["payload_table"]
    names = {a.logical_name for a in table.attributes}
    names |= {t for a in table.attributes for t in a.targets}
    names |= {m.name for m in table.messages}
    assert names & REFUSED == set()
    assert {"payload_name", "payload_kind", "payload_parentid", "con"} <= names
    [parent] = [a for a in table.attributes if a.logical_name == "payload_parentid"]
    assert parent.targets == ("con", "payload_table")  # a target names no file: con is fine
    model = (out / "model" / "payload_table.yaml").read_text(encoding="utf-8")
    assert load_table(model, "payload_table.yaml") == table


def test_files_land_only_under_plain_names_inside_the_output(
    built: tuple[Path, BuildResult],
) -> None:
    out, result = built
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
    for rel in result.files:
        assert re.fullmatch(r"[A-Za-z0-9_.$-]+(/[A-Za-z0-9_.$-]+)*", rel), rel
        assert ".." not in rel.split("/")
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(result.files) | {".dvgen-manifest.json"}


def test_texts_reach_every_output_exactly_and_jinja_is_not_evaluated(
    built: tuple[Path, BuildResult],
) -> None:
    out, result = built
    table = result.tables["payload_table"]
    [kind] = [a for a in table.attributes if a.logical_name == "payload_kind"]
    jinja = kind.display_name
    assert jinja == "Jinja: {{ 7*7 }} {% if true %}JINJA{% endif %} {# c #}"
    python = (out / "python" / "dataverse_bindings" / "payload_table.py").read_text("utf-8")
    typescript = (out / "typescript" / "src" / "payload_table.ts").read_text("utf-8")
    for text in (python, typescript):
        assert jinja in text
        assert "Jinja {{ 7*7 }} {% raw %}" in text  # an option label
    for path in out.rglob("*"):
        if path.is_file():
            body = path.read_text(encoding="utf-8")
            assert "Jinja: 49" not in body and "Jinja 49" not in body, path
    # XML: the description reads back exactly; no DOCTYPE, no entity expanded
    document = (out / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    assert "<!DOCTYPE" not in document.split("<edmx:Edmx", 1)[0]
    root = ET.fromstring(document)
    entity = root.find(f".//{EDM}EntityType[@Name='payload_table']")
    assert entity is not None
    note = entity.find(f"{EDM}Annotation")
    assert note is not None and note.get("String") == table.description
    assert table.description is not None and "]]>" in table.description


def test_importing_every_generated_module_runs_nothing(
    built: tuple[Path, BuildResult], tmp_path: Path
) -> None:
    out, _ = built
    package = out / "python"
    modules = sorted(p.stem for p in (package / "dataverse_bindings").glob("*.py"))
    assert "payload_table" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('dataverse_bindings.' + name)\n"
        "print(len(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,  # where a payload's relative MARKER would land
        env={**os.environ, "PYTHONPATH": str(package)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit() and done.stderr == ""
    assert list(tmp_path.iterdir()) == []
    assert not any(p.name == "MARKER" for p in out.rglob("*"))
