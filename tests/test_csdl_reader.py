"""A live org's ``$metadata`` read whole (issue 21, points 1 and 7).

The real document (``tests/fixtures/orgs/full/``) is read and held against an
independent count of its elements with the standard library's ElementTree,
and against facts read off its text. Hostile and broken documents end in a
:class:`CsdlError` naming the line at fault.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from generator.csdl import safe_xml
from generator.csdl.document import TypeRef
from generator.csdl.reader import CsdlError, is_csdl, read
from tests.helpers import FIXTURES, SCHEMA_DOCS

DOCUMENT = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
CRM = "Microsoft.Dynamics.CRM"


@pytest.fixture(scope="module")
def data() -> bytes:
    return DOCUMENT.read_bytes()


def test_every_declaration_of_a_real_org_is_read(data: bytes) -> None:
    doc = read(data)
    schema = ET.fromstring(data).find(f".//{EDM}Schema")
    assert schema is not None

    def count(tag: str) -> int:
        return len(schema.findall(f"{EDM}{tag}"))

    assert len(doc.entity_types) == count("EntityType") == 300
    assert len(doc.complex_types) == count("ComplexType")
    assert len(doc.enum_types) == count("EnumType")
    operations = [op for overloads in doc.operations.values() for op in overloads]
    assert len(operations) == count("Action") + count("Function")
    assert len(doc.entity_sets) == len(schema.findall(f"{EDM}EntityContainer/{EDM}EntitySet"))
    properties = sum(len(t.properties) for t in doc.entity_types.values())
    assert properties == len(schema.findall(f"{EDM}EntityType/{EDM}Property"))
    alternate = schema.findall(f"{EDM}EntityType/{EDM}Annotation/{EDM}Collection/{EDM}Record")
    assert sum(len(t.alternate_keys) for t in doc.entity_types.values()) == len(alternate) > 0


def test_facts_read_off_the_text(data: bytes) -> None:
    doc = read(data)
    lines = data.decode("utf-8").splitlines()
    account = doc.entity_types[f"{CRM}.account"]
    assert account.key == ("accountid",) and account.base == f"{CRM}.crmbaseentity"
    assert '<EntityType Name="account"' in lines[account.line - 1]
    name = next(p for p in account.properties if p.name == "name")
    assert name.type == TypeRef("Edm.String") and '<Property Name="name"' in lines[name.line - 1]
    owner = next(n for n in account.navigations if n.name == "ownerid")
    assert (
        owner.type == TypeRef(f"{CRM}.principal")
        and ("_ownerid_value", "ownerid") in owner.constraints
    )
    # an alternate key of three parts, as the document spells it out
    keyed = [
        t for t in doc.entity_types.values() if any(len(k.parts) == 3 for k in t.alternate_keys)
    ]
    assert keyed
    key = next(k for k in keyed[0].alternate_keys if len(k.parts) == 3)
    for alias, prop in key.parts:
        assert any(p.name == prop for p in keyed[0].properties), prop
        assert f'String="{alias}"' in data.decode("utf-8")
    assert 'Type="OData.Community.Keys.V1.AlternateKey"' in lines[key.line - 1]
    # a bound function takes its binding parameter first; imports name operations
    bound = [op for ops in doc.operations.values() for op in ops if op.bound]
    assert bound and all(op.parameters for op in bound)
    assert all(target in doc.operations for target in doc.imports.values())
    assert doc.entity_sets["accounts"].entity_type == f"{CRM}.account"


def test_a_document_is_recognised_by_what_it_holds(data: bytes) -> None:
    assert is_csdl(data) and is_csdl(b"\xef\xbb\xbf" + data)
    assert not is_csdl((SCHEMA_DOCS / "ce-omnichannel" / "msdyn_smsengagementctx.md").read_bytes())
    assert not is_csdl(b"<html><body>edmx</body></html>")


def _doc(body: str, *, schema: str = 'Namespace="N" Alias="n"') -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n'
        "<edmx:DataServices>\n"
        f'<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" {schema}>\n'
        f"{body}\n"
        "</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n"
    ).encode()


GOOD_TYPE = (
    '<EntityType Name="a"><Key><PropertyRef Name="aid"/></Key>'
    '<Property Name="aid" Type="Edm.Guid"/></EntityType>'
)


@pytest.mark.parametrize(
    ("data", "line", "said"),
    [
        (b"not xml at all", 1, "not well-formed XML"),
        (b"<html><body>hello</body></html>", 1, "not a $metadata document"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;">]>\n<lolz>&lol2;</lolz>',
            2,
            "has a DTD",
        ),
        (b'<!DOCTYPE x SYSTEM "http://example.com/x.dtd">\n<x/>', 1, "has a DTD"),
        (
            _doc('<EntityType Name="a"><Property Name="p" Type="Edm.Strin"/></EntityType>'),
            5,
            "unknown Edm type Edm.Strin",
        ),
        (
            _doc('<EntityType Name="a"><Property Name="p" Type="n.nothere"/></EntityType>'),
            5,
            "N.nothere, which the document does not declare",
        ),
        (
            _doc(f"{GOOD_TYPE}\n{GOOD_TYPE}"),
            6,
            "EntityType N.a is declared twice (first on line 5)",
        ),
        (
            _doc(
                '<EntityType Name="a">\n<Property Name="p" Type="Edm.Int32"/>\n'
                '<Property Name="p" Type="Edm.Int32"/>\n</EntityType>'
            ),
            7,
            "declares p twice",
        ),
        (
            _doc('<EntityType Name="a"><Key><PropertyRef Name="b"/></Key></EntityType>'),
            5,
            "key names b",
        ),
        (_doc('<EntityType Name="a" BaseType="n.base"/>'), 5, "derives from N.base"),
        (_doc('<Action Name="go" IsBound="true"/>'), 5, "has no binding parameter"),
        (
            _doc(
                '<EntityType Name="a">'
                '<Property Name="p" Type="Edm.String" MaxLength="ten"/></EntityType>'
            ),
            5,
            "is not a whole number",
        ),
        (_doc(GOOD_TYPE, schema=""), 4, "the Schema has no Namespace"),
        (
            _doc(
                '<EntityContainer Name="S">'
                '<EntitySet Name="as" EntityType="n.missing"/></EntityContainer>'
            ),
            5,
            "EntitySet as holds N.missing",
        ),
    ],
)
def test_a_bad_document_is_an_error_on_its_line(data: bytes, line: int, said: str) -> None:
    with pytest.raises(CsdlError) as failed:
        read(data)
    assert said in failed.value.message and failed.value.line == line, (
        failed.value.line,
        failed.value.message,
    )


def test_size_depth_and_count_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    deep = b"<a>" * (safe_xml.MAX_DEPTH + 1) + b"</a>" * (safe_xml.MAX_DEPTH + 1)
    with pytest.raises(CsdlError, match="nested deeper than"):
        read(deep)
    monkeypatch.setattr(safe_xml, "MAX_ELEMENTS", 10)
    with pytest.raises(CsdlError, match="more than 10 elements"):
        read(_doc(GOOD_TYPE * 3))
    monkeypatch.setattr(safe_xml, "MAX_BYTES", 100)
    with pytest.raises(CsdlError, match="more than the 100 dvgen reads"):
        read(_doc(GOOD_TYPE))


def test_a_small_document_reads_with_alias_and_collections() -> None:
    doc = read(
        _doc(
            GOOD_TYPE + '<ComplexType Name="r">'
            '<Property Name="ids" Type="Collection(Edm.Guid)" Nullable="false"/></ComplexType>'
            '<Function Name="f" IsBound="true" IsComposable="true">'
            '<Parameter Name="entity" Type="n.a"/>'
            '<Parameter Name="when" Type="Edm.DateTimeOffset"/>'
            '<ReturnType Type="Collection(n.r)"/></Function>'
            '<Function Name="f" IsBound="true">'
            '<Parameter Name="entity" Type="Collection(n.a)"/></Function>'
            '<EnumType Name="e" IsFlags="true">'
            '<Member Name="x" Value="1"/><Member Name="y" Value="2"/></EnumType>'
        )
    )
    (ids,) = doc.complex_types["N.r"].properties
    assert ids.type == TypeRef("Edm.Guid", collection=True) and not ids.nullable
    first, second = doc.operations["N.f"]  # an overload per binding
    assert first.returns == TypeRef("N.r", collection=True) and first.composable
    assert [p.type for p in first.parameters] == [TypeRef("N.a"), TypeRef("Edm.DateTimeOffset")]
    assert second.parameters[0].type == TypeRef("N.a", collection=True)
    assert doc.enum_types["N.e"].members == (("x", 1), ("y", 2)) and doc.enum_types["N.e"].flags
