"""dvgen's ``$metadata`` against what four live orgs served (2016 to 2021).

The page says what the docs say; what the server puts on the wire is decided
by a live org. ``tests/fixtures/orgs/`` holds byte-exact extracts of four real
orgs' ``$metadata`` (see its README). The corpus pages are built, one page
per table in the newest format the corpus has for it, and for every table
that both sides have (a table a page describes, not one only pointed at),
these must agree:

- the EntityType's ``BaseType`` and ``Key``, and its EntitySet's name;
- every property the org declares whose column the pages document: name,
  Edm type and facets;
- every single-valued navigation property the org declares with a
  referential constraint on a column the pages document: name, target type
  and constraint. Where the column points at several tables (target lists
  vary by org and by the apps installed), only what dvgen declares is
  checked, against the org's navigation of the same name;
- every collection-valued navigation dvgen declares must exist in an org
  that has the relationship's other table (``entity-types.json`` lists the
  tables of each org's whole document).

The orgs predate some pages, so what a page documents and an org lacks is
not held against dvgen. Everything else is listed below as a deliberate,
documented difference or a known limit of the docs, each with its reason; a
difference that is in neither list fails the test, and so does a listed one
that no longer occurs.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.targets.odata import ACTIVITY_LOOKUPS
from tests.helpers import CORPUS, FIXTURES, ROOT, run_build

ORGS = sorted((FIXTURES / "orgs").glob("*.extract.xml"))
GENERATED = ROOT / "generated" / "odata" / "$metadata.xml"
#: every entity type of each org's whole document (an extract keeps only some)
HAS: dict[str, set[str]] = {
    org: set(entry["entity_types"])
    for org, entry in json.loads((FIXTURES / "orgs" / "entity-types.json").read_text()).items()
}
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NAMESPACE = "Microsoft.Dynamics.CRM."
#: newest first; an extension page only where no other page describes the table
NEWEST_FIRST = (
    "generated-full-table",
    "hybrid-table-reference",
    "legacy-entity-reference",
    "legacy-bold-list",
    "app-extension",
)

#: Facets dvgen writes and real orgs do not, on purpose: a string's documented
#: MaxLength lets a client check a value before the server refuses it.
EXTRA_FACETS = {"MaxLength"}

#: (table, what, reason): the differences the docs cannot avoid.
KNOWN_LIMITS: dict[tuple[str, str], str] = {
    # A table that only an app's *extension* page describes: the page lists
    # the columns the app adds, not the table's key or entity set, and dvgen
    # declares neither rather than guess (DV301). activitypointer's key,
    # activityid, shows why: the <name>id convention does not hold for it.
    **{
        (table, what): "described only by an extension page: no key or entity set on it"
        for table in (
            "activitypointer",
            "contractdetail",
            "entitlementtemplatechannel",
            "quote",
            "ratingvalue",
        )
        for what in ("Key", "EntitySet")
    },
    # bookingstatus's hybrid page has no relationship sections, so the
    # navigation names come from Dataverse's convention (the lookup's name);
    # these orgs named them after the formatted-name columns instead. The
    # constraint and the target type are still right (RENAMED, checked).
    **{
        ("bookingstatus", f"navigation {name}"): "no relationship section names it"
        for name in (
            "createdbyname",
            "createdonbehalfbyname",
            "modifiedbyname",
            "modifiedonbehalfbyname",
        )
    },
    # The legacy page lists processstage_productpricelevels by name only (its
    # details are on processstage's page), and stageid is a plain
    # Uniqueidentifier there, not a lookup: no navigation follows from it.
    ("productpricelevel", "navigation stageid_processstage"): "relationship named, not described",
    # Relationships newer than the orgs, to tables they have. The 9.0 orgs'
    # processstage has no stage relationship with the Scheduling tables or
    # entitlement yet (the pages say the Scheduling Solution and Service add
    # them).
    **{
        ("processstage", f"navigation processstage_{other}"): "newer than the 9.0 orgs"
        for other in (
            "BookableResource",
            "BookableResourceBooking",
            "BookableResourceBookingHeader",
            "BookableResourceCharacteristic",
            "Entitlement",
        )
    },
    # In the 2016 (8.1) org the intersect tables have no collection-valued
    # navigations at all, and entitlementchannel lacks the sync error and
    # connection relationships: the platform added them later (the 2020-21
    # orgs have them).
    **{
        (table, f"navigation {table}_{rel}"): "newer than the 8.1 org"
        for table in ("accountleads", "contactinvoices", "contactleads", "servicecontractcontacts")
        for rel in ("AsyncOperations", "BulkDeleteFailures")
    },
    **{
        ("entitlementchannel", f"navigation entitlementchannel_{rel}"): "newer than the 8.1 org"
        for rel in ("SyncErrors", "connections1", "connections2")
    },
    # Only the 2016 (8.1) org marks versionnumber ConcurrencyMode="Fixed", an
    # OData 3 attribute CSDL 4.0 does not define; the 2020-21 orgs no longer
    # write it, and neither does dvgen.
    **{
        (table, "property versionnumber"): "ConcurrencyMode only in the 8.1 org"
        for table in (
            "accountleads",
            "bookingstatus",
            "contactinvoices",
            "contactleads",
            "discounttype",
            "productpricelevel",
            "servicecontractcontacts",
        )
    },
}


#: The org's navigation names that the docs cannot give, and dvgen's name
#: for the same navigation, whose target and constraint must still agree.
RENAMED = {
    ("bookingstatus", f"{lookup}name"): lookup
    for lookup in ("createdby", "createdonbehalfby", "modifiedby", "modifiedonbehalfby")
}


@dataclass(frozen=True)
class Nav:
    target: str
    collection: bool
    constraint: tuple[str, str] | None


@dataclass(frozen=True)
class EntityType:
    base: str | None
    key: tuple[str, ...]
    properties: dict[str, tuple[str, dict[str, str]]]  # name -> (type, facets)
    navigations: dict[str, Nav]
    entity_set: str | None


def read(path: Path) -> dict[str, EntityType]:
    root = ET.parse(path).getroot()
    sets = {
        s.get("EntityType", "").replace("mscrm.", NAMESPACE).removeprefix(NAMESPACE): s.get("Name")
        for s in root.iter(f"{EDM}EntitySet")
    }
    out = {}
    for et in root.iter(f"{EDM}EntityType"):
        name = et.get("Name", "")
        props = {}
        for p in et.findall(f"{EDM}Property"):
            facets = {k: v for k, v in p.attrib.items() if k not in ("Name", "Type", "Nullable")}
            props[p.get("Name", "")] = (p.get("Type", ""), facets)
        navs = {}
        for n in et.findall(f"{EDM}NavigationProperty"):
            kind = _full(n.get("Type", ""))
            rc = n.find(f"{EDM}ReferentialConstraint")
            navs[n.get("Name", "")] = Nav(
                kind.removeprefix("Collection(").removesuffix(")"),
                kind.startswith("Collection("),
                None if rc is None else (rc.get("Property", ""), rc.get("ReferencedProperty", "")),
            )
        out[name] = EntityType(
            _full(et.get("BaseType", "")) or None,
            tuple(r.get("Name", "") for r in et.iter(f"{EDM}PropertyRef")),
            props,
            navs,
            sets.get(name),
        )
    return out


def _full(name: str) -> str:
    """A type name with the namespace spelled out (orgs use the alias ``mscrm``)."""
    if name.startswith("Collection("):
        return f"Collection({_full(name[len('Collection(') : -1])})"
    return name.replace("mscrm.", NAMESPACE, 1) if name.startswith("mscrm.") else name


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, EntityType], set[str]]:
    """dvgen's $metadata for the newest page of each corpus table, and the
    tables a page describes."""
    pages = tmp_path_factory.mktemp("pages")
    chosen: dict[str, Path] = {}
    for variant in NEWEST_FIRST:
        for page in sorted((CORPUS / variant).glob("*.md")):
            chosen.setdefault(page.stem.split("--")[0], page)
    for name, page in chosen.items():
        shutil.copy(page, pages / f"{name}.md")
    out = tmp_path_factory.mktemp("out")
    result = run_build(out, [pages], "odata")
    described = {name for name, table in result.tables.items() if table.sources}
    return read(out / "odata" / "$metadata.xml"), described


def differences(  # type: ignore[no-untyped-def]
    org: dict[str, EntityType], ours: dict[str, EntityType], described: set[str], has: set[str]
):
    """Every disagreement, as (table, what, org's, dvgen's); ``has`` names
    every table the org has."""
    for table in sorted(described & set(org)):
        theirs, mine = org[table], ours[table]
        if theirs.base != mine.base:
            yield table, "BaseType", theirs.base, mine.base
        if theirs.key != mine.key:
            yield table, "Key", theirs.key, mine.key
        if theirs.entity_set != mine.entity_set:
            yield table, "EntitySet", theirs.entity_set, mine.entity_set
        for name, (kind, facets) in theirs.properties.items():
            if name not in mine.properties:
                continue  # a column no page documents (custom, or newer than the docs)
            my_kind, my_facets = mine.properties[name]
            mine_facets = {k: v for k, v in my_facets.items() if k not in EXTRA_FACETS}
            if (kind, facets) != (my_kind, mine_facets):
                yield table, f"property {name}", (kind, facets), (my_kind, mine_facets)
        polymorphic = _polymorphic(mine)
        for name, nav in theirs.navigations.items():
            if nav.collection or nav.constraint is None:
                continue
            if nav.constraint[0] not in mine.properties or nav.constraint[0] in polymorphic:
                continue  # an undocumented column, or one whose targets vary by org
            ours_nav = mine.navigations.get(name)
            if ours_nav != nav:
                renamed = RENAMED.get((table, name))
                if renamed is not None and mine.navigations.get(renamed) != nav:
                    yield table, f"navigation {renamed}", nav, mine.navigations.get(renamed)
                yield table, f"navigation {name}", nav, ours_nav
        for name, nav in mine.navigations.items():
            if nav.constraint is not None and nav.constraint[0] in polymorphic:
                if name in theirs.navigations and theirs.navigations[name] != nav:
                    yield table, f"navigation {name}", theirs.navigations[name], nav
            elif (
                nav.collection
                and nav.target.removeprefix(NAMESPACE) in has
                and name not in theirs.navigations
            ):
                yield table, f"navigation {name}", None, nav


def _name(org: Path) -> str:
    return org.name.removesuffix(".extract.xml")


def _polymorphic(view: EntityType) -> set[str]:
    """The lookup properties that several single-valued navigations share."""
    seen: dict[str, int] = {}
    for nav in view.navigations.values():
        if nav.constraint is not None and not nav.collection:
            seen[nav.constraint[0]] = seen.get(nav.constraint[0], 0) + 1
    return {prop for prop, count in seen.items() if count > 1}


@pytest.mark.parametrize("org", ORGS, ids=lambda p: p.name.split(".")[0])
def test_dvgen_agrees_with_a_live_org(
    org: Path, ours: tuple[dict[str, EntityType], set[str]]
) -> None:
    types, described = ours
    theirs = read(org)
    both = described & set(theirs)
    assert len(both) >= 8, "the org has a good part of the corpus tables"
    found = list(differences(theirs, types, described, HAS[_name(org)]))
    unexplained = [d for d in found if (d[0], d[1]) not in KNOWN_LIMITS]
    assert unexplained == []


def test_every_known_limit_still_occurs(ours: tuple[dict[str, EntityType], set[str]]) -> None:
    """A listed difference that no org shows any more must leave the list."""
    types, described = ours
    seen = {
        (d[0], d[1])
        for org in ORGS
        for d in differences(read(org), types, described, HAS[_name(org)])
    }
    assert set(KNOWN_LIMITS) - seen == set()


def test_the_comparison_sees_what_matters(ours: tuple[dict[str, EntityType], set[str]]) -> None:
    """Enough is compared for the agreement to mean something."""
    types, described = ours
    props = navs = collections = 0
    for org in ORGS:
        theirs, has = read(org), HAS[_name(org)]
        for table in described & set(theirs):
            props += len(set(theirs[table].properties) & set(types[table].properties))
            navs += sum(
                1
                for name, nav in theirs[table].navigations.items()
                if nav.constraint is not None and name in types[table].navigations
            )
            collections += sum(
                1
                for nav in types[table].navigations.values()
                if nav.collection and nav.target.removeprefix(NAMESPACE) in has
            )
    assert props > 500 and navs > 100 and collections > 150, (props, navs, collections)


def test_activity_lookups_are_the_ones_real_orgs_give_activitypointer() -> None:
    """dvgen's list of the lookups every activity inherits is read off the orgs:
    activitypointer declares them, and task's navigations through them carry
    no constraint there."""
    declared: set[str] = set()
    for org in ORGS:
        theirs = read(org)
        base = theirs["activitypointer"]
        declared |= {p[1:-6] for p in base.properties if p.startswith("_")}
        for name, nav in theirs.get("task", base).navigations.items():
            if name.split("_")[0] in ACTIVITY_LOOKUPS and not nav.collection:
                assert nav.constraint is None, (org.name, name)
    assert declared == ACTIVITY_LOOKUPS


def test_an_activity_tables_inherited_navigations_are_unconstrained() -> None:
    """Conversation (msdyn_ocliveworkitem) is an activity: its navigations
    through activitypointer's lookups carry no constraint, its own do."""
    conversation = read(GENERATED)["msdyn_ocliveworkitem"]
    inherited = {
        n: nav.constraint
        for n, nav in conversation.navigations.items()
        if not nav.collection and n.split("_")[0] in ACTIVITY_LOOKUPS
    }
    assert len(inherited) > 20 and set(inherited.values()) == {None}
    own = conversation.navigations["msdyn_channelinstanceid"]
    assert own.constraint == ("_msdyn_channelinstanceid_value", "msdyn_channelinstanceid")
