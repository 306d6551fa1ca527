"""A package's manifest and schema files read back (:mod:`generator.manifests`):
the schema as it was written, a table the reader has the same left unread,
every broken or hostile entry an error naming its file and line, and a
manifest of the format before schema files still read."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import orjson
import pytest

from generator import __version__
from generator.csdl.load import load
from generator.diagnostics import Diagnostics
from generator.manifests import (
    SERVICE_JSON,
    DiskFolder,
    ManifestError,
    SchemaFiles,
    parse_manifest,
    read_manifest,
    service_json,
    table_file,
    table_json,
)
from generator.model import Table
from generator.modelio import plain_data
from generator.targets.package_meta import FIRST, manifest

ROOT = Path(__file__).resolve().parent.parent
ORGS = ROOT / "tests" / "fixtures" / "orgs"


@pytest.fixture(scope="module")
def org() -> tuple[dict[str, Table], object]:
    """A real org's document: its tables and its service."""
    data = (ORGS / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml").read_bytes()
    doc = load(data, "org.xml", "org.xml", Diagnostics())
    assert doc is not None and doc.service is not None and len(doc.tables) > 10
    return doc.tables, doc.service


def write_package(folder: Path, tables: dict[str, Table], service: object = None) -> Path:
    """A package's manifest and schema files, as a build writes them."""
    files = {n: table_json(t) for n, t in tables.items()}
    models = {n: t.sha256() for n, t in tables.items()}
    schema = SchemaFiles.made(files, models, service_json(service) if service else None)
    stamp = dataclasses.replace(FIRST, schema=schema)
    written = {
        "manifest.json": manifest(stamp, "pkg", {"tables": {n: {"module": n} for n in tables}}),
        **schema.files(""),
    }
    for rel, data in written.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder / "manifest.json"


def test_the_schema_reads_back_as_written(tmp_path: Path, org: tuple) -> None:
    tables, service = org
    path = write_package(tmp_path, tables, service)
    found = read_manifest(path, "pkg/manifest.json")
    assert found.tables == tables and found.service == service and found.kept == {}
    index = json.loads(path.read_bytes())["schema"]
    for name, entry in index["tables"].items():
        data = (tmp_path / table_file(name)).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["model_sha256"] == tables[name].sha256()
    assert (
        index["service"]["sha256"]
        == hashlib.sha256((tmp_path / SERVICE_JSON).read_bytes()).hexdigest()
    )
    # each table's and column's place: the line of its file holding its name
    columns = [k for k in found.anchors if k[0] == "column"]
    assert len(columns) > len(tables)
    for key, (file, line) in found.anchors.items():
        assert file == f"pkg/{table_file(key[1])}"
        text = (tmp_path / table_file(key[1])).read_text().split("\n")[line - 1]
        assert json.dumps(key[-1]) in text or (key[0] == "table" and line == 1)
    assert read_manifest(path, anchors=False).anchors == {}


def test_a_table_the_reader_has_the_same_is_not_read(tmp_path: Path, org: tuple) -> None:
    """Recorded with the model the reader has (and by this dvgen): the same,
    not read; its file kept when it is as recorded, and only then."""
    tables, _ = org
    path = write_package(tmp_path, tables)
    names = sorted(tables)
    models = {n: t.sha256() for n, t in tables.items()}
    models[names[0]] = "0" * 64  # changed since
    edited = tmp_path / table_file(names[1])  # the same model, but its file edited by hand
    edited.write_bytes(edited.read_bytes().replace(b"\n", b"\n ", 1))
    (tmp_path / table_file(names[2])).unlink()  # the same model, its file gone
    found = read_manifest(path, reuse=models)
    assert set(found.tables or {}) == {names[0]}
    assert found.same == set(names) - {names[0]}
    assert set(found.kept) == set(names) - {names[0], names[1], names[2]}
    for name, data in found.kept.items():
        assert data == table_json(tables[name])
        assert found.kept_sha256[name] == hashlib.sha256(data).hexdigest()
    # written by another dvgen: its models may be digested otherwise, so all are read
    (tmp_path / table_file(names[2])).write_bytes(table_json(tables[names[2]]))
    other = path.read_text().replace(f'"version": "{__version__}"', '"version": "0.0.1"')
    path.write_text(other)
    again = read_manifest(path, reuse=models)
    assert again.same == set() and again.kept == {} and set(again.tables or {}) == set(names)


def test_a_manifest_of_another_format_is_an_error(tmp_path: Path) -> None:
    data = {"format": 3, "package": {"version": "1.0.0"}, "schema": {"tables": {}}}
    text = json.dumps(data, indent=2).encode()
    with pytest.raises(ManifestError) as bad:
        parse_manifest(text, "m.json", Spy(tmp_path))
    assert bad.value.line == 2 and "format 3" in bad.value.message


def test_a_broken_schema_file_is_named_with_its_line(tmp_path: Path, org: tuple) -> None:
    tables, _ = org
    path = write_package(tmp_path, tables)
    name = sorted(tables)[2]
    file = tmp_path / table_file(name)
    good = file.read_bytes()
    lines = good.split(b"\n")
    cases = {
        b"\n".join([*lines[:3], lines[3] + b" ]", *lines[4:]]): (4, "not JSON"),
        b"\n".join([*lines[:5], lines[5] + b"\xff", *lines[6:]]): (6, "not UTF-8"),
        # a wrong value: the line of the top-level member it is in
        good.replace(f'\n  "logical_name": "{name}"'.encode(), b'\n  "logical_name": 7'): (
            lines.index(f'  "logical_name": "{name}",'.encode()) + 1,
            f"table {name}",
        ),
        table_json(tables[sorted(tables)[3]]): (1, "holds table"),
    }
    for data, (line, words) in cases.items():
        file.write_bytes(data)
        with pytest.raises(ManifestError) as bad:
            read_manifest(path, "p/manifest.json")
        assert (bad.value.file, bad.value.line) == (f"p/{table_file(name)}", line)
        assert words in bad.value.message
    file.unlink()
    with pytest.raises(ManifestError) as missing:
        read_manifest(path, "p/manifest.json")
    assert missing.value.file == f"p/{table_file(name)}" and "cannot read" in missing.value.message


class Spy(DiskFolder):
    """A folder that records every file asked for."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, "p")
        self.asked: list[str] = []

    def read(self, rel: str) -> bytes:
        self.asked.append(rel)
        return super().read(rel)


@pytest.mark.parametrize(
    "name", ["../outside", "a/b", "..", "", "a\\b", "x" * 129, "1st"], ids=repr
)
def test_a_hostile_name_in_the_manifest_names_no_file(tmp_path: Path, name: str) -> None:
    digest = "a" * 64
    data = {
        "format": 2,
        "package": {"version": "1.0.0"},
        "schema": {"tables": {name: {"model_sha256": digest, "sha256": digest}}},
    }
    text = json.dumps(data, indent=2, sort_keys=True).encode()
    spy = Spy(tmp_path)
    with pytest.raises(ManifestError) as bad:
        parse_manifest(text, "p/manifest.json", spy)
    assert spy.asked == [] and bad.value.file == "p/manifest.json"
    assert bad.value.line == text.decode().split("\n").index(f"      {json.dumps(name)}: {{") + 1


@pytest.mark.parametrize(
    "entry", [{}, {"sha256": "a" * 64}, {"model_sha256": 1, "sha256": "a" * 64}, "x"], ids=repr
)
def test_an_entry_without_its_digests_is_an_error(tmp_path: Path, entry: object) -> None:
    data = {"format": 2, "package": {"version": "1.0.0"}, "schema": {"tables": {"t": entry}}}
    with pytest.raises(ManifestError) as bad:
        parse_manifest(json.dumps(data, indent=2).encode(), "m.json", Spy(tmp_path))
    assert "table t" in bad.value.message or "digest" in bad.value.message


@pytest.mark.parametrize(
    "data",
    [
        {"format": 2, "schema": {"tables": []}},
        {"format": 2, "schema": []},
        {"format": 1, "schema": {"tables": ["t"]}},
    ],
    ids=repr,
)
def test_a_schema_of_the_wrong_shape_is_an_error(tmp_path: Path, data: dict[str, object]) -> None:
    """An error naming the manifest, never a traceback."""
    text = json.dumps({**data, "package": {"version": "1.0.0"}}, indent=2).encode()
    with pytest.raises(ManifestError) as bad:
        parse_manifest(text, "m.json", Spy(tmp_path), reuse={})
    assert bad.value.file == "m.json" and "schema" in bad.value.message


def test_a_generator_of_the_wrong_shape_is_another_dvgen(tmp_path: Path) -> None:
    data = {"format": 2, "generator": "x", "package": {"version": "1.0.0"}}
    digest = "a" * 64
    data["schema"] = {"tables": {"t": {"model_sha256": digest, "sha256": digest}}}
    (tmp_path / "schema" / "tables").mkdir(parents=True)
    (tmp_path / table_file("t")).write_text("{}")
    with pytest.raises(ManifestError) as bad:  # so the table is read, not taken as the same
        parse_manifest(json.dumps(data).encode(), "m.json", Spy(tmp_path), reuse={"t": digest})
    assert bad.value.file == f"p/{table_file('t')}"


def test_a_manifest_of_format_1_is_read_with_its_inline_schema(org: tuple) -> None:
    """What dvgen wrote before schema files: the baseline of the first build after an upgrade."""
    tables, service = org
    data = {
        "format": 1,
        "package": {"name": "pkg", "version": "1.2.0"},
        "schema": {
            "service": service.model_dump(mode="json", exclude_none=True),
            "tables": {n: plain_data(t) for n, t in sorted(tables.items())},
        },
        "sources": [],
    }
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    found = parse_manifest(text, "m.json", Spy(Path("/nonexistent")))
    assert found.tables == tables and found.service == service
    assert found.package["version"] == "1.2.0"
    lines = text.decode().split("\n")
    for key, (_, line) in found.anchors.items():
        assert json.dumps(key[-1]) in lines[line - 1]
    name = sorted(tables)[1]
    wrong = text.replace(f'"logical_name": "{name}"'.encode(), b'"logical_name": 7', 1)
    with pytest.raises(ManifestError) as bad:
        parse_manifest(wrong, "m.json", Spy(Path("/nonexistent")))
    assert bad.value.line == lines.index(f'      "{name}": {{') + 1


def test_the_committed_packages_are_intact() -> None:
    """Every schema file of the committed packages is what their manifest lists."""
    for package in ("python", "typescript"):
        folder = ROOT / "generated" / package
        index = json.loads((folder / "manifest.json").read_bytes())["schema"]
        listed = {table_file(n): e["sha256"] for n, e in index["tables"].items()}
        if "service" in index:
            listed[SERVICE_JSON] = index["service"]["sha256"]
        on_disk = {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (folder / "schema").rglob("*.json")
        }
        assert on_disk == listed
