"""Whole real orgs' ``$metadata`` built into every target (issue 21, points 3 and 6).

Each document builds (alone, and one with the corpus pages), and what it
writes is accepted by the real tools: ``mypy --strict``, ``tsc --strict``,
the OASIS CSDL schema and SAP's EDMX parser. The ``$metadata`` dvgen writes
declares every action and function of the document, with the same binding,
parameters and return type. The online document runs on every local run;
the other three in CI (``make orgs`` runs all four).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.build import generate
from generator.config import Config
from generator.csdl.reader import read
from generator.pyformat import black_stable
from tests.conftest import run_slow
from tests.helpers import CORPUS, FIXTURES, ROOT, assert_type_checks, run_build, tree
from tests.test_odata_target import NS, _schema, oasis_spelling, summary

ORGS = FIXTURES / "orgs" / "full"
ONLINE = "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
CASES = [
    pytest.param(ONLINE, False, id="online-9.1"),
    pytest.param(
        "simple-odata-client_v8.1-online_2016-07-26.xml",
        False,
        id="crm-8.1",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        "bcgov-lcrb_v9.0-onprem_2020-11-16.xml", True, id="onprem-9.0+pages", marks=pytest.mark.slow
    ),
    pytest.param(
        "bcgov-csrs_v9.0-onprem_2021-11-17.xml", False, id="onprem-9.0", marks=pytest.mark.slow
    ),
]
TARGETS = ("model", "python", "typescript", "odata")


def _signatures(document: Path) -> set[tuple[Any, ...]]:
    """Every operation of the original document: name, function, binding,
    parameters (name, type, collection) and return type."""
    doc = read(document.read_bytes())
    out = set()
    for overloads in doc.operations.values():
        for op in overloads:
            params = tuple((p.name, p.type.name, p.type.collection) for p in op.parameters)
            returns = op.returns.name if op.returns else None
            out.add((op.name.rpartition(".")[2], op.kind == "function", op.bound, params, returns))
    return out


def _seen(parsed: dict[str, Any]) -> set[tuple[Any, ...]]:
    out = set()
    for op in parsed["operations"]:
        params = tuple((p[0], _element(p[1]), p[2]) for p in op["parameters"])
        returns = op["returns"]
        if isinstance(returns, dict):
            returns = returns.get("type")
        out.add((op["name"], op["function"], op["bound"], params, _element(returns) or None))
    return out


def _element(type_name: str | None) -> str | None:
    """``T`` of ``Collection(T)`` (SAP's parser keeps the wrapper, flagging it too)."""
    if type_name and type_name.startswith("Collection("):
        return type_name[len("Collection(") : -1]
    return type_name


@pytest.mark.parametrize(("document", "with_pages"), CASES)
def test_a_whole_org_builds_into_output_the_real_tools_accept(
    tmp_path: Path, document: str, with_pages: bool, request: pytest.FixtureRequest
) -> None:
    inputs = [ORGS / document, *([CORPUS] if with_pages else [])]
    result = run_build(tmp_path / "out", inputs, *TARGETS)
    assert len(result.tables) > 230 and result.service is not None
    assert_type_checks(tmp_path / "out")
    metadata = tmp_path / "out" / "odata" / "$metadata.xml"
    errors = [f"{e.path}: {e.reason}" for e in _schema().iter_errors(oasis_spelling(metadata))]
    assert errors == []
    parsed = summary(metadata)
    types = {NS + n: t for n, t in parsed["entityTypes"].items()}
    for name, entity in parsed["entityTypes"].items():
        for nav_name, nav in entity["navigations"].items():
            target = types[nav["type"]]
            if nav["partner"]:
                assert target["navigations"][nav["partner"]]["type"] == NS + name, nav_name
    # every operation of the org, declared as the org declares it; besides
    # them, only the pages' (which give no parameters)
    seen, declared = _seen(parsed), _signatures(ORGS / document)
    assert declared <= seen
    assert all(params == () for _, _, _, params, _ in seen - declared)
    assert len(parsed["complexTypes"]) == len(result.service.complex_types)
    # every module rendered was laid out in black's layout without black (the
    # speed of point 6); the runtimes are copied as they are
    package = tmp_path / "out" / "python" / "dataverse_bindings"
    rendered = [p for p in package.glob("*.py") if p.name not in ("_runtime.py", "sdk.py")]
    assert len(rendered) > 230
    assert [p.name for p in rendered if not black_stable(p.read_text())] == []
    if document != ONLINE or run_slow(request.config):
        # dvgen lays out operations.py itself, as black would (black takes 13 s here)
        operations = package / "operations.py"
        black = subprocess.run(
            [sys.executable, "-m", "black", "--check", "-q", "-l", "100", str(operations)],
            check=False,
        )
        assert black.returncode == 0


def test_an_unchanged_document_builds_again_from_the_cache(tmp_path: Path) -> None:
    config = Config(
        base=ROOT,
        inputs=(str(ORGS / ONLINE),),
        output=str(tmp_path / "out"),
        targets=TARGETS,
        cache=str(tmp_path / "cache"),
    )
    first = generate(config)
    assert not first.failed(strict=False)
    before = tree(tmp_path / "out")
    again = generate(config)
    assert again.cache.pages_parsed == 0 and again.cache.pages_reused == 1
    assert again.cache.rendered == {} and again.cache.renders_reused > 3 * 250
    assert tree(tmp_path / "out") == before
    # a changed document is read again
    changed = tmp_path / "org.xml"
    shutil.copyfile(ORGS / ONLINE, changed)
    changed.write_bytes(changed.read_bytes() + b"<!-- refreshed -->\n")
    third = generate(dataclasses.replace(config, inputs=(str(changed),)))
    assert third.cache.pages_parsed == 1 and not third.failed(strict=False)
