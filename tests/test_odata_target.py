"""The generated $metadata: OASIS schema, a real EDMX parser, a real OData client."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from generator.diagnostics import Diagnostics
from generator.model import Attribute, Source, Table
from generator.targets.odata import metadata_files
from tests.helpers import (
    CORPUS,
    FIXTURES,
    ROOT,
    build_target,
    corpus_builds,
    node_file,
    node_tool,
    run_build,
)

GENERATED = ROOT / "generated" / "odata" / "$metadata.xml"
HOSTILE = FIXTURES / "hostile"
SUMMARY = FIXTURES / "functional" / "edmx_summary.cjs"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "Microsoft.Dynamics.CRM."
_EDM_TYPES = {  # the mapping the docs promise, restated here to check the target against
    "String": "Edm.String",
    "Memo": "Edm.String",
    "Integer": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "Boolean": "Edm.Boolean",
    "Uniqueidentifier": "Edm.Guid",
    "Lookup": "Edm.Guid",
    "Owner": "Edm.Guid",
    "Customer": "Edm.Guid",
    "Money": "Edm.Decimal",
    "Decimal": "Edm.Decimal",
    "Double": "Edm.Double",
}


@cache
def _schema() -> xmlschema.XMLSchema:
    """The OASIS CSDL XML schema (edmx.xsd, which imports edm.xsd)."""
    return xmlschema.XMLSchema(str(node_file("odata-csdl/schemas/edmx.xsd")))


def summary(document: Path) -> dict[str, Any]:
    """What SAP's EDMX parser reads from ``document``."""
    done = subprocess.run(
        ["node", str(SUMMARY), str(document)],
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def build(out: Path, inputs: list[Path]) -> tuple[Path, dict[str, Table], Diagnostics]:
    result = run_build(out, inputs, "odata")
    return out / "odata" / "$metadata.xml", result.tables, result.diagnostics


Document = tuple[Path, dict[str, Table], dict[str, Any]]  # file, model, what the parser saw


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    """$metadata for the seeds, the hostile pages, each variant folder and each
    version, each loaded once by the EDMX parser."""
    base = tmp_path_factory.mktemp("odata")
    builds = [("seeds", [ROOT / "schema_docs"]), ("hostile", [HOSTILE]), *corpus_builds()]
    out = []
    for name, inputs in builds:
        document, tables, _ = build(base / name, inputs)
        out.append((document, tables, summary(document)))
    return out


def test_every_document_is_valid_against_the_oasis_csdl_schema(
    documents: list[Document],
) -> None:
    for document, _, _ in documents:
        errors = [f"{e.path}: {e.reason}" for e in _schema().iter_errors(oasis_spelling(document))]
        assert errors == [], document


#: Dataverse writes ``Scale="Variable"``; the OASIS schema spells the value
#: ``variable``. dvgen writes what a live org serves (tests/test_conformance.py),
#: which every client of a real org reads (SAP's parser and odata2ts do, below).
_DATAVERSE_SCALE = 'Scale="Variable"'


def oasis_spelling(document: Path) -> str:
    """``document`` with Dataverse's one spelling that the OASIS schema does not
    take put as the schema spells it; nothing else changes."""
    text = document.read_text(encoding="utf-8")
    return text.replace(_DATAVERSE_SCALE, 'Scale="variable"')


def test_the_schema_check_catches_an_invalid_document(tmp_path: Path) -> None:
    broken = GENERATED.read_text().replace("<Key>", "<Keys>", 1).replace("</Key>", "</Keys>", 1)
    (tmp_path / "broken.xml").write_text(broken)
    assert not _schema().is_valid(str(tmp_path / "broken.xml"))


def _expected_properties(table: Table) -> dict[str, str]:
    out = {}
    for a in table.attributes:
        if a.virtual is None and a.type in _EDM_TYPES:
            name = (
                f"_{a.logical_name}_value"
                if a.type in ("Lookup", "Owner", "Customer")
                else a.logical_name
            )
            out[name] = _EDM_TYPES[a.type]
    return out


def test_the_edmx_parser_sees_every_table_column_navigation_and_set(
    documents: list[Document],
) -> None:
    for document, tables, seen in documents:
        assert seen["version"] == "4.0"
        assert seen["namespace"] == "Microsoft.Dynamics.CRM"
        for name, table in tables.items():
            entity = seen["entityTypes"][name]
            if table.primary_id_attribute:
                assert entity["keys"] == [table.primary_id_attribute], name
                assert seen["entitySets"][table.entity_set_name]["type"] == NS + name
            properties = entity["properties"]
            for prop, edm in _expected_properties(table).items():
                assert properties.get(prop) == edm, (document, name, prop)
            for r in table.relationships.many_to_one:
                nav = r.referencing_entity_navigation_property_name
                if nav and r.referenced_entity and nav not in properties:
                    assert entity["navigations"][nav]["collection"] is False, (name, nav)
            for r in table.relationships.one_to_many:
                nav = r.referenced_entity_navigation_property_name
                if nav and r.referencing_entity and nav not in properties:
                    assert entity["navigations"][nav]["collection"] is True, (name, nav)


def test_every_reference_in_a_document_resolves(
    documents: list[Document],
) -> None:
    """Targets, partners, bindings and constraints all point at things that exist."""
    for document, _, seen in documents:
        types = {NS + name: t for name, t in seen["entityTypes"].items()}
        sets = seen["entitySets"]
        for name, entity in seen["entityTypes"].items():
            for nav_name, nav in entity["navigations"].items():
                target = types[nav["type"]]  # KeyError: a navigation to nothing
                assert target["keys"], (document, name, nav_name)
                if nav["partner"]:
                    back = target["navigations"][nav["partner"]]
                    assert back["type"] == NS + name and back["partner"] == nav_name
                for source, referenced in nav["constraints"]:
                    assert source in entity["properties"]
                    assert referenced in target["properties"]
        for entity_set in sets.values():
            entity = types[entity_set["type"]]
            for path, target_set in entity_set["bindings"].items():
                assert sets[target_set]["type"] == entity["navigations"][path]["type"]


def test_sms_lookup_is_a_guid_value_with_a_bound_navigation() -> None:
    seen = summary(GENERATED)
    sms = seen["entityTypes"]["msdyn_smsengagementctx"]
    assert sms["properties"]["_msdyn_liveworkitemid_value"] == "Edm.Guid"
    nav = sms["navigations"]["msdyn_liveworkitemid"]
    assert nav["type"] == NS + "msdyn_ocliveworkitem"
    assert nav["collection"] is False
    assert nav["constraints"] == [["_msdyn_liveworkitemid_value", "activityid"]]
    bindings = seen["entitySets"]["msdyn_smsengagementctxes"]["bindings"]
    assert bindings["msdyn_liveworkitemid"] == "msdyn_ocliveworkitems"
    # and the other side: the conversation's collection of SMS contexts, partnered
    conversation = seen["entityTypes"]["msdyn_ocliveworkitem"]
    back = conversation["navigations"][nav["partner"]]
    assert back == {
        "type": NS + "msdyn_smsengagementctx",
        "collection": True,
        "partner": "msdyn_liveworkitemid",
        "constraints": [],
    }
    assert "CCaaS_AcceptCall" in seen["actions"]
    assert "CCaaS_AcceptCall" in seen["actionImports"]
    # an owner column points at Dataverse's principal
    assert sms["navigations"]["ownerid"]["type"] == NS + "principal"


@pytest.mark.slow  # about 30 s: runs in CI, or locally with --slow
def test_odata2ts_generates_a_client_that_compiles(tmp_path: Path) -> None:
    """A real consumer: odata2ts reads our $metadata and writes a typed client,
    which must compile under tsc --strict."""
    (tmp_path / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2020",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "strict": True,
                    "noEmit": True,
                    "typeRoots": [],
                    "baseUrl": str(ROOT / "node_modules"),
                    "paths": {"*": [str(ROOT / "node_modules" / "*")]},
                },
                "include": ["client"],
            }
        )
    )
    done = subprocess.run(
        [
            *(str(node_tool("odata2ts")), "-s", str(GENERATED), "-o", "client"),
            *("-m", "all", "-e", "ts", "-name", "Dataverse"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Successfully finished" in done.stdout, done.stdout
    client = (tmp_path / "client" / "DataverseService.ts").read_text()
    assert "msdyn_smsengagementctxes" in client  # the entity set became a service
    model = (tmp_path / "client" / "DataverseModel.ts").read_text()
    assert "_msdyn_liveworkitemid_value" in model
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    compiled = subprocess.run(
        [str(node_tool("tsc")), "-p", "tsconfig.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_partial_table_is_declared_with_a_diagnostic(tmp_path: Path) -> None:
    document, tables, diags = build(tmp_path, [CORPUS / "app-extension" / "activitypointer.md"])
    assert tables["activitypointer"].partial
    notes = [d for d in diags if d.code == "DV301"]
    assert len(notes) == 1
    assert "activitypointer" in notes[0].message and "extension pages" in notes[0].message
    assert notes[0].file is not None and notes[0].file.endswith("activitypointer.md")
    assert "activitypointer" in summary(document)["entityTypes"]


def _table(**attrs: str) -> Table:
    source = Source(path="t.md", sha256="0" * 64, variant="legacy-entity-reference")
    return Table(
        logical_name="t",
        entity_set_name="ts",
        primary_id_attribute="tid",
        description='Says "hi" & <b>bye</b>\nnext line \x01',
        sources=(source,),
        attributes=tuple(Attribute(logical_name=n, type=t) for n, t in attrs.items()),
    )


def test_names_odata_cannot_carry_are_left_out_with_a_warning(tmp_path: Path) -> None:
    diags = Diagnostics()
    tables = {"t": _table(tid="Uniqueidentifier", **{"bad-name": "String", "fine": "String"})}
    text = metadata_files(tables, diags, {"t.md": "docs/t.md"})["odata/$metadata.xml"]
    (tmp_path / "m.xml").write_text(text.decode())
    assert _schema().is_valid(str(tmp_path / "m.xml"))
    assert set(summary(tmp_path / "m.xml")["entityTypes"]["t"]["properties"]) == {"tid", "fine"}
    [warning] = [d for d in diags if d.code == "DV302"]
    assert "'bad-name'" in warning.message and warning.file == "docs/t.md"


def test_descriptions_read_back_exactly_from_the_xml() -> None:
    diags = Diagnostics()
    table = _table(tid="Uniqueidentifier")
    text = metadata_files({"t": table}, diags, {})["odata/$metadata.xml"]
    root = ET.fromstring(text)
    entity = root.find(f".//{EDM}EntityType[@Name='t']")
    assert entity is not None
    note = entity.find(f"{EDM}Annotation")
    assert note is not None
    # \x01 cannot be carried by XML 1.0 at all; everything else comes back as written
    assert note.get("String") == 'Says "hi" & <b>bye</b>\nnext line '


def test_hostile_descriptions_stay_inside_their_attribute(tmp_path: Path) -> None:
    document, tables, _ = build(tmp_path, [HOSTILE / "scripts.md"])
    root = ET.parse(document).getroot()
    entity = root.find(f".//{EDM}EntityType[@Name='script_table']")
    assert entity is not None
    notes = entity.findall(f"{EDM}Annotation")
    assert [n.get("String") for n in notes] == [tables["script_table"].description]
    assert "<!DOCTYPE" not in document.read_text().split("?>", 1)[1].split("<edmx:Edmx", 1)[0]


def test_build_target_writes_metadata_only_under_odata(tmp_path: Path) -> None:
    out = build_target(tmp_path, [ROOT / "schema_docs"], "odata")
    assert sorted(p.name for p in out.iterdir()) == ["$metadata.xml"]
    assert out.joinpath("$metadata.xml").read_bytes() == GENERATED.read_bytes()


def test_facets_are_written_as_dataverse_writes_them(documents: list[Document]) -> None:
    """Every string ``Unicode="false"``, every decimal ``Scale="Variable"``, as
    in every real org's $metadata; plus a string's documented ``MaxLength``."""
    seen: dict[str, int] = {}
    for document, tables, _ in documents:
        text = document.read_text(encoding="utf-8")
        for name, edm, facets in re.findall(
            r'<Property Name="(\w+)" Type="([\w.]+)"([^>]*?)/?>', text
        ):
            seen[edm] = seen.get(edm, 0) + 1
            if edm == "Edm.String":
                assert re.fullmatch(r' Unicode="false"( MaxLength="\d+")?', facets), (name, facets)
            elif edm == "Edm.Decimal":
                assert facets == ' Scale="Variable"', (name, facets)
            else:
                assert facets == "", (name, edm, facets)
        for table in tables.values():
            for a in table.attributes:
                if a.max_length is not None and a.type in ("String", "Memo") and a.virtual is None:
                    facets = f'Unicode="false" MaxLength="{a.max_length}"'
                    assert f'<Property Name="{a.logical_name}" Type="Edm.String" {facets}' in text
    assert seen["Edm.String"] > 100 and seen["Edm.Decimal"] > 5


def test_a_table_only_pointed_at_partners_its_relationships() -> None:
    """Every single-valued navigation a page names the relationship of has a
    partner, even when its target is only pointed at: the target declares the
    collection-valued navigation back, named by the relationship, as real orgs
    name it (Partner="lk_bookingstatus_createdby" on bookingstatus's createdby)."""
    root = ET.parse(GENERATED).getroot()
    edm = "{http://docs.oasis-open.org/odata/ns/edm}"
    navs = {
        (t.get("Name"), n.get("Name")): n
        for t in root.iter(f"{edm}EntityType")
        for n in t.findall(f"{edm}NavigationProperty")
    }
    account = navs[("msdyn_ocliveworkitem", "regardingobjectid_account_msdyn_ocliveworkitem")]
    assert account.get("Partner") == "account_msdyn_ocliveworkitems"
    back = navs[("account", "account_msdyn_ocliveworkitems")]
    assert back.get("Type") == "Collection(Microsoft.Dynamics.CRM.msdyn_ocliveworkitem)"
    assert back.get("Partner") == "regardingobjectid_account_msdyn_ocliveworkitem"
    single = [n for n in navs.values() if not n.get("Type", "").startswith("Collection(")]
    partnered = [n for n in single if n.get("Partner")]
    for (owner, name), nav in navs.items():
        if nav.get("Partner"):
            target = nav.get("Type", "").removeprefix("Collection(").removesuffix(")")
            other = navs[(target.rsplit(".", 1)[1], nav.get("Partner"))]
            assert other.get("Partner") == name, (owner, name)
    assert len(partnered) > 70, len(partnered)  # 1 before
