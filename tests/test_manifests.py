"""A manifest's small members read without parsing its schema
(:func:`generator.manifests.manifest_head`), and the digest that shows the
schema is as dvgen wrote it (``body_sha256``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.csdl.load import load
from generator.diagnostics import Diagnostics
from generator.manifests import (
    BODY,
    ManifestError,
    _parse_whole,
    body_sha256,
    manifest_head,
    parse_manifest,
    schema_data,
)
from generator.targets.package_meta import FIRST, manifest

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

# text that looks like the layout's own marks: a member's start, a comma, a closing brace
TRICKY = st.sampled_from(['\n  "', '",\n  "schema": ', "\n}\n", ",", '"', "\\", "é", "\u2028"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
KEYS = st.sampled_from(["format", "generator", "package", "schema", "sources", "tables", "x y"])


def body_of(data: dict[str, Any]) -> str:
    """The digest of the body members, each laid out on its own."""
    h = hashlib.sha256()
    for key in sorted(data):
        if key in BODY:
            member = json.dumps({key: data[key]}, indent=2, sort_keys=True, ensure_ascii=False)
            h.update(member[1:-2].encode())  # from its line's start to its end: `\n  "key": ...`
    return h.hexdigest()


@given(st.dictionaries(KEYS, JSON, min_size=1))
def test_the_head_is_every_member_but_the_body(data: dict[str, Any]) -> None:
    laid_out = orjson.dumps(data, option=LAYOUT)
    assert manifest_head(laid_out) == {k: v for k, v in data.items() if k not in BODY}
    assert body_sha256(laid_out) == body_of(data)


def test_a_written_manifest_records_its_own_body() -> None:
    written = manifest(FIRST, "pkg", {"tables": {"account": {"module": "account"}}})
    head = manifest_head(written)
    assert head["package"]["body_sha256"] == body_sha256(written)
    whole = json.loads(written)  # the same as parsing it whole, but for the body
    assert head == {k: v for k, v in whole.items() if k not in BODY}
    edited = written.replace(b'"module": "account"', b'"module":  "account"')
    assert body_sha256(edited) != head["package"]["body_sha256"]


def test_the_committed_manifests_are_intact() -> None:
    for package in ("python", "typescript"):
        data = (ROOT / "generated" / package / "manifest.json").read_bytes()
        head = manifest_head(data)
        assert head["package"]["body_sha256"] == body_sha256(data)
        assert head["package"] == json.loads(data)["package"]


def test_another_layout_is_not_read() -> None:
    data = {"package": {"version": "1.0.0"}, "schema": {"tables": {}}, "sources": []}
    laid_out = orjson.dumps(data, option=LAYOUT)
    assert manifest_head(laid_out) is not None
    for other in (
        orjson.dumps(data),  # compact
        json.dumps(data, indent=4).encode() + b"\n",
        laid_out.replace(b"},\n", b"},,\n", 1),  # not JSON
        laid_out.replace(b"},\n", b"}\n", 1),  # a comma missing
        laid_out[:-3] + b"\n",  # cut short
        b'{\n  "package": {"version": \n}\n',
    ):
        assert manifest_head(other) is None, other


ORGS = ROOT / "tests" / "fixtures" / "orgs"


@pytest.fixture(scope="module")
def org_manifest() -> bytes:
    """The manifest of a real org's document: tables and a service."""
    data = (ORGS / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml").read_bytes()
    doc = load(data, "org.xml", "org.xml", Diagnostics())
    assert doc is not None and doc.service is not None and len(doc.tables) > 10
    stamp = dataclasses.replace(FIRST, schema=schema_data(doc.tables, doc.service))
    return manifest(stamp, "pkg", {"tables": {n: {"module": n} for n in doc.tables}})


def test_the_schema_read_a_table_at_a_time_is_the_schema_read_whole(org_manifest: bytes) -> None:
    by_table = parse_manifest(org_manifest, "m.json")
    whole = _parse_whole(org_manifest, "m.json", anchors=True)
    assert by_table == whole and by_table.service is not None
    assert len(by_table.anchors) > len(by_table.tables or {})  # columns' lines too
    lines = org_manifest.decode().split("\n")
    for key, (_, line) in by_table.anchors.items():
        assert json.dumps(key[-1]) in lines[line - 1]
    assert parse_manifest(org_manifest, "m.json", anchors=False).anchors == {}


def test_a_broken_table_is_named_with_its_line(org_manifest: bytes) -> None:
    text = org_manifest.decode()
    lines = text.split("\n")
    # the third table's key line, then a line inside it
    keys = [i for i, line in enumerate(lines) if line.startswith('      "') and line.endswith("{")]
    name = json.loads(lines[keys[2]].strip()[:-3])
    wrong = text.replace(f'"logical_name": "{name}"', '"logical_name": 7', 1)
    with pytest.raises(ManifestError) as bad:
        parse_manifest(wrong.encode(), "m.json")
    assert bad.value.line == keys[2] + 1 and f"table {name}" in bad.value.message
    lines[keys[2] + 2] += " ]"  # not JSON, two lines into the table
    with pytest.raises(ManifestError) as broken:
        parse_manifest("\n".join(lines).encode(), "m.json")
    assert broken.value.line == keys[2] + 3 and "not JSON" in broken.value.message


def test_a_schema_laid_out_otherwise_is_read_whole(org_manifest: bytes) -> None:
    """The service after the tables (keys out of dvgen's order): read whole,
    so nothing is missed."""
    data = json.loads(org_manifest)
    schema = data.pop("schema")
    data["schema"] = {"tables": schema["tables"], "service": schema["service"]}
    reordered = json.dumps(data, indent=2, ensure_ascii=False).encode() + b"\n"
    found = parse_manifest(reordered, "m.json")
    assert found.service is not None and found.service == parse_manifest(org_manifest, "m").service
    assert found.tables == parse_manifest(org_manifest, "m").tables


@pytest.mark.parametrize("broken", [b'\\q"', b'\xff"'], ids=["bad escape", "not UTF-8"])
def test_a_hostile_column_name_is_an_error_with_its_line(
    org_manifest: bytes, broken: bytes
) -> None:
    at = org_manifest.index(b'            "logical_name": "') + len(
        b'            "logical_name": "'
    )
    line = org_manifest.count(b"\n", 0, at) + 1
    hostile = org_manifest[:at] + broken + org_manifest[at:]
    with pytest.raises(ManifestError) as bad:
        parse_manifest(hostile, "m.json")
    assert bad.value.file == "m.json" and bad.value.line == line
