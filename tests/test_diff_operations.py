"""``dvgen diff`` of operations, complex and enum types (issue 21, point 5):
each rule alone on a small pair of services, then whole real documents
compared as a team compares two environments (dev against prod)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.diff.operations import compare_services
from generator.diff.rules import RULES
from generator.service import Service
from tests.helpers import FIXTURES

ORGS = FIXTURES / "orgs" / "full"
LCRB = ORGS / "bcgov-lcrb_v9.0-onprem_2020-11-16.xml"
CSRS = ORGS / "bcgov-csrs_v9.0-onprem_2021-11-17.xml"
ONLINE = ORGS / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"

Data = dict[str, Any]


def _guid(nullable: bool = False) -> Data:
    return {"name": "Edm.Guid", "kind": "primitive", "nullable": nullable}


BASE: Data = {
    "operations": [
        {
            "kind": "action",
            "name": "new_Spin",
            "binding": "new_widget",
            "binding_kind": "table",
            "parameters": [
                {
                    "name": "Speed",
                    "type": {"name": "Edm.Int32", "kind": "primitive", "nullable": False},
                },
                {"name": "Note", "type": {"name": "Edm.String", "kind": "primitive"}},
            ],
            "returns": {"name": "new_SpinResponse", "kind": "complex", "nullable": False},
        },
        {
            "kind": "function",
            "name": "WhoAmI",
            "returns": {"name": "WhoAmIResponse", "kind": "complex"},
        },
    ],
    "complex_types": [
        {"name": "new_SpinResponse", "properties": [{"name": "Turns", "type": _guid(True)}]},
        {"name": "WhoAmIResponse", "properties": [{"name": "UserId", "type": _guid(True)}]},
    ],
    "enum_types": [{"name": "new_Direction", "members": [{"name": "Left", "value": 0}]}],
}


def _spin(d: Data) -> Data:
    return d["operations"][0]


def _param(d: Data, name: str) -> Data:
    return next(p for p in _spin(d)["parameters"] if p["name"] == name)


def _nothing(d: Data) -> None:
    del d


SERVICE_CASES: dict[str, tuple[Callable[[Data], None], Callable[[Data], None]]] = {
    "operation-removed": (_nothing, lambda d: d["operations"].pop(1)),
    "operation-added": (lambda d: d["operations"].pop(1), _nothing),
    "operation-parameter-removed": (_nothing, lambda d: _spin(d)["parameters"].pop(1)),
    "operation-parameter-added": (lambda d: _spin(d)["parameters"].pop(1), _nothing),
    "operation-parameter-added-required": (
        _nothing,
        lambda d: _spin(d)["parameters"].append({"name": "Force", "type": _guid()}),
    ),
    "operation-parameter-retyped": (
        _nothing,
        lambda d: _param(d, "Speed")["type"].update(name="Edm.Int64"),
    ),
    "operation-parameter-now-required": (
        _nothing,
        lambda d: _param(d, "Note")["type"].update(nullable=False),
    ),
    "operation-parameter-now-optional": (
        _nothing,
        lambda d: _param(d, "Speed")["type"].update(nullable=True),
    ),
    "operation-return-type-changed": (
        _nothing,
        lambda d: _spin(d)["returns"].update(collection=True),
    ),
    "complex-type-removed": (_nothing, lambda d: d["complex_types"].pop(1)),
    "complex-type-added": (lambda d: d["complex_types"].pop(1), _nothing),
    "complex-type-property-removed": (
        _nothing,
        lambda d: d["complex_types"][0].update(properties=[]),
    ),
    "complex-type-property-added": (
        lambda d: d["complex_types"][0].update(properties=[]),
        _nothing,
    ),
    "complex-type-property-retyped": (
        _nothing,
        lambda d: d["complex_types"][0]["properties"][0]["type"].update(name="Edm.String"),
    ),
    "enum-member-removed": (_nothing, lambda d: d["enum_types"][0].update(members=[])),
    "enum-member-added": (lambda d: d["enum_types"][0].update(members=[]), _nothing),
}


def _service(mutate: Callable[[Data], None]) -> Service:
    data = json.loads(json.dumps(BASE))
    mutate(data)
    return Service.model_validate(data)


@pytest.mark.parametrize("rule", sorted(SERVICE_CASES))
def test_each_rule_alone(rule: str) -> None:
    before, after = SERVICE_CASES[rule]
    changes = compare_services(_service(before), _service(after))
    assert [c.rule for c in changes] == [rule]
    assert changes[0].severity == RULES[rule].severity
    assert changes[0].subject.count(".") == RULES[rule].subject.count("."), changes[0].subject


def test_a_bound_operation_is_grouped_under_its_table() -> None:
    (change,) = compare_services(_service(_nothing), _service(lambda d: d["operations"].pop(0)))
    assert (change.table, change.subject) == ("new_widget", "new_widget.new_Spin")
    assert compare_services(_service(_nothing), _service(_nothing)) == []


def _diff(*args: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "diff", *args, "--no-cache", "--format", "json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def _edited(path: Path, to: Path, *edits: tuple[bytes, bytes]) -> Path:
    data = path.read_bytes()
    for old, new in edits:
        assert data.count(old) == 1, old
        data = data.replace(old, new)
    to.write_bytes(data)
    return to


def test_dev_against_prod(tmp_path: Path) -> None:
    """``prod`` is the real online org; ``dev`` the same org after a release
    that changed a Custom API-style action, a function and an alternate key."""
    dev = _edited(
        ONLINE,
        tmp_path / "dev.xml",
        (
            b'<Parameter Name="RuleName" Type="Edm.String" Nullable="false" Unicode="false"/>',
            b'<Parameter Name="RuleName" Type="Edm.Int32" Nullable="false"/>',
        ),
        (
            b'<Parameter Name="IncludePublic" Type="Edm.Boolean" Nullable="false"/>',
            b'<Parameter Name="IncludePublic" Type="Edm.Boolean" Nullable="false"/>'
            b'<Parameter Name="Since" Type="Edm.DateTimeOffset" Nullable="false"/>',
        ),
    )
    code, report = _diff(str(ONLINE), str(dev), cwd=tmp_path)
    found = {(c["rule"], c["subject"]) for c in report["changes"]}
    assert found == {
        ("operation-parameter-retyped", "(service).msdyn_RegisterSolutionHealthRule.RuleName"),
        ("operation-parameter-added-required", "systemuser.RetrieveUserQueues.Since"),
    }
    assert code == 1  # breaking changes fail the diff by default
    # each points at its line in the document
    lines = dev.read_text().splitlines()
    for change in report["changes"]:
        name = change["subject"].split(".")[1]
        assert f'Name="{name}"' in lines[change["line"] - 1], change


def test_two_real_environments(tmp_path: Path) -> None:
    code, report = _diff(str(LCRB), str(CSRS), cwd=tmp_path)
    rules = {c["rule"] for c in report["changes"]}
    assert {"table-removed", "table-added", "operation-added", "complex-type-added"} <= rules
    added = {c["subject"] for c in report["changes"] if c["rule"] == "operation-added"}
    assert all(s.count(".") == 1 for s in added) and code == 1


def test_a_document_against_its_build_and_against_pages(tmp_path: Path) -> None:
    """A build's model folder (with ``_service.yaml``) reads back as the document."""
    shutil.copyfile(ONLINE, tmp_path / "org.xml")
    built = subprocess.run(
        [sys.executable, "-m", "generator", "build", "org.xml", "-o", "out", "--no-cache", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    code, report = _diff("org.xml", "out", cwd=tmp_path)
    assert (code, report["changes"]) == (0, [])
    page = FIXTURES / "corpus" / "legacy-entity-reference" / "processstage.md"
    code, report = _diff(str(page), "org.xml", cwd=tmp_path)
    rules = {c["rule"] for c in report["changes"] if c["table"] == "processstage"}
    assert "column-added" in rules and not any(r.startswith("operation") for r in rules)
