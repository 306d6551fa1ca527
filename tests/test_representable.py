"""Every value that reaches generated code fits what its target can carry,
or is left out with a warning on the page's line (issue 18, point 8). Each
of these built with exit 0 into output the real tools reject: a MinValue of
-1e400 (``min_value=-inf``, a NameError at import), choice values 2^53 and
2^53 + 1 (one TypeScript key, TS1117), a table or choice named ``Mapping``
(shadowing the ``collections.abc`` import), a status whose state no State
value has (tsc), a negative MaxLength or Precision ($metadata invalid)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostic
from tests.helpers import assert_type_checks, run_build

HEAD = """\
# mapping Entity Reference

## Entity Properties

|Property|Value|
|-|-|
|LogicalName|mapping|
|EntitySetName|mappings|
|PrimaryIdAttribute|mappingid|

## Writable attributes

### mappingid

|Property|Value|
|-|-|
|LogicalName|mappingid|
|Type|Uniqueidentifier|
"""
COLUMNS = {
    "new_tiny": "|LogicalName|new_tiny|\n|MinValue|-1e400|\n|MaxValue|1e400|\n|Type|Double|",
    "new_huge": f"|LogicalName|new_huge|\n|MinValue|-{'9' * 4400}|\n|Type|BigInt|",
    "new_name": "|LogicalName|new_name|\n|MaxLength|-5|\n|Type|String|",
    "new_amount": "|LogicalName|new_amount|\n|Precision|-2|\n|Type|Money|",
    "new_kind": "|LogicalName|new_kind|\n|SchemaName|Mapping|\n|Type|Picklist|",
}
KIND_OPTIONS = (
    "|Value|Label|\n|-----|-----|\n|1|One|\n|9007199254740992|Big|\n|9007199254740993|Bigger|\n"
)
STATES = """\
### statecode

|Property|Value|
|-|-|
|LogicalName|statecode|
|Type|State|

#### statecode Options

|Value|Label|DefaultStatus|InvariantName|
|-----|-----|-------------|-------------|
|0|Active|1|Active|

### statuscode

|Property|Value|
|-|-|
|LogicalName|statuscode|
|Type|Status|

#### statuscode Options

|Value|Label|State|
|-----|-----|-----|
|1|Active|0|
|2|Lost|7|
"""


def page() -> str:
    parts = [HEAD]
    for name, facts in COLUMNS.items():
        parts.append(f"\n### {name}\n\n|Property|Value|\n|-|-|\n{facts}\n")
        if name == "new_kind":
            parts.append(f"\n#### new_kind Options\n\n{KIND_OPTIONS}")
    parts.append("\n" + STATES)
    return "".join(parts)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Diagnostic]]:
    root = tmp_path_factory.mktemp("representable")
    (root / "docs").mkdir()
    (root / "docs" / "mapping.md").write_text(page(), encoding="utf-8")
    targets = ("model", "python", "typescript", "odata")
    result = run_build(root / "out", [root / "docs"], *targets)
    return root / "out", list(result.diagnostics)


def test_each_value_out_of_reach_is_a_warning_on_its_line(
    built: tuple[Path, list[Diagnostic]],
) -> None:
    _, diags = built
    lines = page().split("\n")
    said = {
        (d.code, lines[d.line - 1].split("|")[1] if d.line else None): d.message
        for d in diags
        if d.code in ("DV122", "DV134", "DV216")
    }
    assert set(said) == {
        ("DV122", "MinValue"),  # -1e400 and the 4,400 digits: one key each line
        ("DV122", "MaxValue"),
        ("DV122", "MaxLength"),
        ("DV122", "Precision"),
        ("DV134", "9007199254740992"),
        ("DV134", "9007199254740993"),
        ("DV216", None),
    }
    assert sum(d.code == "DV122" and "MinValue" in d.message for d in diags) == 2
    assert "a number a double can hold" in said[("DV122", "MaxValue")]
    assert "from 0 up" in said[("DV122", "MaxLength")]
    assert "32-bit whole number" in said[("DV134", "9007199254740992")]
    assert "status 2 names state 7, which no State value has" in said[("DV216", None)]


def test_what_is_built_passes_the_real_tools(built: tuple[Path, list[Diagnostic]]) -> None:
    out, _ = built
    assert_type_checks(out)  # mypy --strict and tsc --strict
    module = (out / "python" / "dataverse_bindings" / "mapping.py").read_text(encoding="utf-8")
    assert "inf" not in module and "from collections.abc import Mapping" in module
    assert not re.search(r"^class Mapping\b", module, re.MULTILINE)  # the import keeps its name
    imported = subprocess.run(  # -inf was a NameError here
        [sys.executable, "-c", "import dataverse_bindings.mapping"],
        cwd=out / "python",
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    xml = (out / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    assert 'MaxLength="-' not in xml and 'Scale="-' not in xml
