"""An org's ``$metadata`` as a build input, beside the pages (issue 21,
points 1, 2 and 7).

The real documents (``tests/fixtures/orgs/full/``) are read whole; what the
model holds is checked against an independent reading of the same bytes
with the standard library's ElementTree, and against facts read off the text.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.model import Table
from tests.helpers import (
    BASE_CONVERSATION,
    CORPUS,
    FIXTURES,
    SEED_EXTENSION,
    build_tables,
    run_build,
    tree,
)

ORGS = FIXTURES / "orgs" / "full"
ONLINE = ORGS / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
ANNOTATED = ORGS / "simple-odata-client_v8.1-online_2016-07-26.xml"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
ALTERNATE_KEYS = "OData.Community.Keys.V1.AlternateKeys"


@pytest.fixture(scope="module")
def online() -> dict[str, Table]:
    tables, diags = build_tables(ONLINE)
    assert diags.count("error") == diags.count("warning") == 0
    return tables


def _types(data: bytes) -> tuple[dict[str, ET.Element], dict[str, str]]:
    schema = ET.fromstring(data).find(f".//{EDM}Schema")
    assert schema is not None
    types = {t.get("Name", ""): t for t in schema.findall(f"{EDM}EntityType")}
    sets = {
        s.get("EntityType", "").rpartition(".")[2]: s.get("Name", "")
        for s in schema.findall(f"{EDM}EntityContainer/{EDM}EntitySet")
    }
    return types, sets


def _derives_from_crmbaseentity(name: str, types: dict[str, ET.Element]) -> bool:
    while name in types:
        if name == "crmbaseentity":
            return True
        name = (types[name].get("BaseType") or "").rpartition(".")[2]
    return False


def test_every_table_of_the_org_is_in_the_model_marked_as_from_the_document(
    online: dict[str, Table],
) -> None:
    data = ONLINE.read_bytes()
    types, sets = _types(data)
    expected = {n for n in sets if _derives_from_crmbaseentity(n, types)}
    assert set(online) == expected and len(expected) > 250
    assert "EntityMetadata" in sets and "EntityMetadata" not in online  # the metadata API
    for name, table in online.items():
        (source,) = table.sources
        assert source.variant == "odata-csdl" and source.path == ONLINE.name
        assert source.sha256 == hashlib.sha256(data).hexdigest()
        assert table.entity_set_name == sets[name]
        assert all(a.sources == (ONLINE.name,) for a in table.attributes)
        own = {p.get("Name") for p in types[name].findall(f"{EDM}Property")}
        wire = {
            a.logical_name
            if a.type not in ("Lookup", "Customer", "Owner")
            else f"_{a.logical_name}_value"
            for a in table.attributes
        }
        assert own <= wire, name


def test_a_table_only_the_document_describes_has_typed_columns_without_labels(
    online: dict[str, Table],
) -> None:
    contact = online["contact"]
    assert contact.primary_id_attribute == "contactid" and contact.entity_set_name == "contacts"
    column = {a.logical_name: a for a in contact.attributes}
    assert (column["statecode"].type, column["statecode"].edm_type) == ("Integer", "Edm.Int32")
    assert column["statecode"].options == ()  # a plain integer until a page gives its labels
    assert column["birthdate"].date_time_behavior == "DateOnly"  # Edm.Date on the wire
    assert column["createdon"].edm_type == "Edm.DateTimeOffset"
    # lookups typed by the navigation properties that lead from their _x_value
    customer = column["parentcustomerid"]
    assert (customer.type, customer.targets) == ("Customer", ("account", "contact"))
    assert customer.edm_type == "Edm.Guid"
    # an owner's navigation leads to principal, the base of the two tables it may be
    assert (column["ownerid"].type, column["ownerid"].targets) == ("Owner", ("systemuser", "team"))
    assert all("type" in a.inferred for a in contact.attributes)


def test_navigation_properties_keep_their_exact_names_partners_and_constraints(
    online: dict[str, Table],
) -> None:
    contact = online["contact"]
    parent = {
        r.referencing_entity_navigation_property_name: r
        for r in contact.relationships.many_to_one
        if r.referencing_attribute == "parentcustomerid"
    }
    assert set(parent) == {"parentcustomerid_account", "parentcustomerid_contact"}
    to_account = parent["parentcustomerid_account"]
    assert to_account.referenced_entity == "account"
    assert to_account.referenced_entity_navigation_property_name == "contact_customer_accounts"
    assert to_account.referenced_attribute == "accountid"  # the ReferentialConstraint
    # the relationship is listed on its other end too, by the same navigation names
    back = {r.schema_name: r for r in online["account"].relationships.one_to_many}
    assert back["contact_customer_accounts"] == to_account
    many = {m.schema_name: m for m in online["role"].relationships.many_to_many}
    assert many["systemuserroles_association"].entity2_logical_name == "systemuser"


def test_alternate_keys_are_read_for_every_table(online: dict[str, Table]) -> None:
    types, _ = _types(ONLINE.read_bytes())
    for name, table in online.items():
        notes = [
            n for n in types[name].findall(f"{EDM}Annotation") if n.get("Term") == ALTERNATE_KEYS
        ]
        records = [r for n in notes for r in n.findall(f"{EDM}Collection/{EDM}Record")]
        assert len(table.alternate_keys) == len(records), name
    keys = {n: t.alternate_keys for n, t in online.items() if t.alternate_keys}
    assert len(keys) > 15
    # a composite key over a lookup is addressed by the lookup's column
    assert any(len(k.columns) > 1 for ks in keys.values() for k in ks)
    for name, table_keys in keys.items():
        for key in table_keys:
            assert all(online[name].attribute(c) is not None for c in key.columns), (name, key)


def test_what_an_annotated_org_publishes_is_kept() -> None:
    tables, _ = build_tables(ANNOTATED)
    number = tables["account"].attribute("accountnumber")
    assert number is not None and number.description == (
        "Type an ID number or code for the account to quickly search and identify the account "
        "in system views."
    )
    territory = tables["account"].attribute("territoryid")  # Core.V1.Computed
    assert territory is not None and territory.valid_for_update is False


def test_the_pages_give_labels_and_the_org_the_wire(online: dict[str, Table]) -> None:
    page = CORPUS / "legacy-entity-reference" / "processstage.md"
    only_page, _ = build_tables(page)
    tables, diags = build_tables(page, ONLINE)
    stage = tables["processstage"]
    assert {s.path for s in stage.sources} == {ONLINE.name, page.name}
    category = stage.attribute("stagecategory")
    assert category is not None and category.type == "Picklist"  # the page's, more precise
    assert category.edm_type == "Edm.Int32" and category.inferred == ()
    before = only_page["processstage"].attribute("stagecategory")
    assert before is not None and category.options == before.options != ()
    assert set(category.sources) == {ONLINE.name, page.name}
    # columns the org has and the page does not are added, typed
    extra = {a.logical_name for a in online["processstage"].attributes} - {
        a.logical_name for a in only_page["processstage"].attributes
    }
    assert extra and all(stage.attribute(n) is not None for n in extra)
    assert not [d for d in diags if d.code == "DV402"]


def test_an_inferred_fact_the_org_states_stops_being_inferred() -> None:
    page = CORPUS / "app-extension" / "activitypointer.md"
    alone, _ = build_tables(page)
    assert "entity_set_name" in alone["activitypointer"].inferred
    tables, _ = build_tables(page, ONLINE)
    assert "entity_set_name" not in tables["activitypointer"].inferred
    assert tables["activitypointer"].entity_set_name == "activitypointers"
    assert tables["activitypointer"].partial is False  # the org states the whole table


_SMALL = """<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="crmbaseentity" Abstract="true"/>
      <EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"/>
      <EntityType Name="systemuser" BaseType="mscrm.principal">
        <Key><PropertyRef Name="systemuserid"/></Key>
        <Property Name="systemuserid" Type="Edm.Guid"/>
      </EntityType>
      <EntityType Name="team" BaseType="mscrm.principal">
        <Key><PropertyRef Name="teamid"/></Key>
        <Property Name="teamid" Type="Edm.Guid"/>
      </EntityType>
      <EntityType Name="msdyn_ocliveworkitem" BaseType="mscrm.crmbaseentity">
        <Key><PropertyRef Name="activityid"/></Key>
        <Property Name="activityid" Type="Edm.Guid"/>
        <Property Name="msdyn_channel" Type="Edm.Int32"/>
        <Property Name="_ownerid_value" Type="Edm.Guid"/>
        <NavigationProperty Name="ownerid" Type="mscrm.principal">
          <ReferentialConstraint Property="_ownerid_value" ReferencedProperty="ownerid"/>
        </NavigationProperty>
      </EntityType>
      <EntityContainer Name="System">
        <EntitySet Name="systemusers" EntityType="mscrm.systemuser"/>
        <EntitySet Name="teams" EntityType="mscrm.team"/>
        <EntitySet Name="msdyn_ocliveworkitems" EntityType="mscrm.msdyn_ocliveworkitem"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""


def test_a_disagreement_names_both_sources_and_the_org_wins(tmp_path: Path) -> None:
    """The page says msdyn_channel is a MultiSelectPicklist (Edm.String on the
    wire); this org serves it as Edm.Int32."""
    doc = tmp_path / "org" / "metadata.edmx"
    doc.parent.mkdir()
    doc.write_text(_SMALL)
    tables, diags = build_tables(BASE_CONVERSATION, doc)
    channel = tables["msdyn_ocliveworkitem"].attribute("msdyn_channel")
    assert channel is not None and (channel.type, channel.edm_type) == ("Integer", "Edm.Int32")
    (found,) = [d for d in diags if d.code == "DV402"]
    line = _SMALL.splitlines().index('        <Property Name="msdyn_channel" Type="Edm.Int32"/>')
    assert (found.level, found.line) == ("warning", line + 1)
    assert found.file is not None and found.file.endswith("org/metadata.edmx")
    assert "ce-developer/msdyn_ocliveworkitem.md" in found.message
    assert f"metadata.edmx:{line + 1}" in found.message
    assert "Edm.String (MultiSelectPicklist)" in found.message and "'Edm.Int32'" in found.message
    # the owner's principal is the page's systemuser and team, not a disagreement
    owner = tables["msdyn_ocliveworkitem"].attribute("ownerid")
    assert owner is not None and owner.targets == ("systemuser", "team")


def test_a_document_is_known_by_its_content_not_its_name(tmp_path: Path) -> None:
    named = tmp_path / "exported.txt"
    shutil.copyfile(ONLINE, named)
    tables, diags = build_tables(named)
    assert "contact" in tables and not diags.count("error")
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copyfile(ONLINE, folder / "org.edmx")
    (folder / "other.xml").write_text("<?xml version='1.0'?><project/>")  # not CSDL: skipped
    tables, diags = build_tables(folder)
    assert "contact" in tables and not diags.count("error")
    assert [d.code for d in diags if d.file and d.file.endswith("other.xml")] == ["DV024"]


def _broken(old: str, new: str) -> tuple[str, int]:
    """``_SMALL`` with its first ``old`` replaced, and that line's number."""
    return _SMALL.replace(old, new, 1), _SMALL[: _SMALL.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("case", "says"),
    [
        (_broken('Type="Edm.Int32"', 'Type="Edm.Text"'), "unknown Edm type Edm.Text"),
        (_broken('"mscrm.principal">', '"mscrm.nobody">'), "does not declare"),
        (_broken('Name="teams"', 'Name="systemusers"'), "declared twice"),
        (_broken("<edmx:Edmx", '<!DOCTYPE x [<!ENTITY a "b">]>\n<edmx:Edmx'), "DTD"),
        (_broken("</edmx:DataServices>", "</edmx:DataService>"), "XML"),
    ],
)
def test_a_broken_document_is_an_error_naming_file_and_line_and_writes_nothing(
    tmp_path: Path, case: tuple[str, int], says: str
) -> None:
    text, line = case
    out = tmp_path / "generated"
    run_build(out, [SEED_EXTENSION], "model")
    before = tree(out)
    doc = tmp_path / "metadata.xml"
    doc.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(doc), "-o", str(out), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "[DV401]" in done.stderr and says in done.stderr
    assert f"metadata.xml:{line}: error:" in done.stderr
    assert tree(out) == before
