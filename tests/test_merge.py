"""Merge rules, relationship resolution and inference, on small model pairs."""

from __future__ import annotations

import pytest

from generator.conventions import pluralize
from generator.diagnostics import Diagnostics
from generator.merge import merge_pages
from generator.model import Attribute, Option, Relationship, Relationships, Source, Table
from generator.overlay import merge_models
from generator.parse.page import ParsedPage

SHA = "0" * 64


def page(path: str, extension: bool = False, **table: object) -> ParsedPage:
    variant = "app-extension" if extension else "generated-full-table"
    src = Source(path=path, sha256=SHA, variant=variant)
    return ParsedPage(Table(sources=(src,), **table), extension)  # type: ignore[arg-type]


def attr(name: str, path: str, **kw: object) -> Attribute:
    return Attribute(logical_name=name, sources=(path,), **kw)  # type: ignore[arg-type]


def merged(*pages: ParsedPage) -> dict[str, Table]:
    return merge_pages(pages, Diagnostics(), {})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"description": "base"}, {"description": "ext"}, {"description": "ext"}),
        ({"description": "base"}, {}, {"description": "base"}),
        ({"max_length": 100}, {"max_length": 50}, {"max_length": 50}),
        ({"targets": ("a", "b")}, {"targets": ("c", "a")}, {"targets": ("a", "b", "c")}),
        (
            {"properties": {"A": "1", "B": "2"}},
            {"properties": {"B": "3"}},
            {"properties": {"A": "1", "B": "3"}},
        ),
        ({"read_only": False}, {"read_only": None}, {"read_only": False}),
    ],
)
def test_column_fields_extension_wins_absent_falls_back(
    old: dict[str, object], new: dict[str, object], expected: dict[str, object]
) -> None:
    out = merge_models(attr("c", "base.md", **old), attr("c", "ext.md", **new))
    for key, value in expected.items():
        assert getattr(out, key) == value
    assert out.sources == ("base.md", "ext.md")


def test_choices_merge_by_value_extension_wins() -> None:
    base = attr("c", "b.md", options=(Option(value=1, label="One"), Option(value=2, label="Two")))
    ext = attr("c", "e.md", options=(Option(value=2, label="Deux"), Option(value=3, label="Trois")))
    out = merge_models(base, ext)
    assert [(o.value, o.label) for o in out.options] == [(1, "One"), (2, "Deux"), (3, "Trois")]


def test_an_inferred_value_never_replaces_a_stated_one() -> None:
    base = attr("c", "b.md", schema_name="C", type="Lookup")
    ext = attr("c", "e.md", type="Picklist", inferred=("type",))
    out = merge_models(base, ext)
    assert (out.type, out.inferred) == ("Lookup", ())
    out2 = merge_models(ext, attr("c", "x.md", type="Customer"))
    assert (out2.type, out2.inferred) == ("Customer", ())


def test_base_then_extension_order_does_not_depend_on_input_order() -> None:
    base = page(
        "b.md", logical_name="t", description="base", attributes=(attr("x", "b.md", max_length=10),)
    )
    ext = page(
        "e.md",
        True,
        logical_name="t",
        description="ext",
        attributes=(attr("x", "e.md", max_length=5),),
    )
    for order in ((base, ext), (ext, base)):
        t = merged(*order)["t"]
        assert (t.description, t.attribute("x").max_length, t.partial) == ("ext", 5, False)  # type: ignore[union-attr]


def test_extension_only_table_is_partial_and_gets_inferred_names() -> None:
    diags = Diagnostics()
    ext = page("e.md", True, logical_name="bookingstatus")
    t = merge_pages([ext], diags, {"e.md": "docs/e.md"})["bookingstatus"]
    assert t.partial is True
    assert (t.entity_set_name, t.inferred) == ("bookingstatuses", ("entity_set_name",))
    codes = {d.code: d for d in diags}
    assert codes["DV210"].level == "info" and codes["DV210"].file == "docs/e.md"
    assert codes["DV212"].level == "warning"  # no primary id known


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("msdyn_smsengagementctx", "msdyn_smsengagementctxes"),
        ("quote", "quotes"),
        ("bookingstatus", "bookingstatuses"),
        ("msdyn_resourcecategory", "msdyn_resourcecategories"),
        ("msdyn_survey", "msdyn_surveys"),
        ("msdyn_batch", "msdyn_batches"),
    ],
)
def test_pluralize(name: str, plural: str) -> None:
    assert pluralize(name) == plural


def test_relationship_is_resolved_across_tables_and_gaps_inferred() -> None:
    one = Relationship(
        schema_name="parent_child",
        referenced_entity="parent",
        referencing_entity="child",
        referencing_attribute="parentid",
        referenced_entity_navigation_property_name="parent_children",
        sources=("parent.md",),
    )
    named_only = Relationship(
        schema_name="parent_child", referencing_entity="child", sources=("child.md",)
    )
    parent = page(
        "parent.md",
        logical_name="parent",
        primary_id_attribute="parentid_pk",
        relationships=Relationships(one_to_many=(one,)),
    )
    child = page(
        "child.md",
        logical_name="child",
        primary_id_attribute="childid",
        attributes=(attr("parentid", "child.md", type="Lookup", targets=("parent",)),),
        relationships=Relationships(many_to_one=(named_only,)),
    )
    tables = merged(parent, child)
    (m2o,) = tables["child"].relationships.many_to_one
    (o2m,) = tables["parent"].relationships.one_to_many
    assert m2o == o2m
    assert m2o.referenced_entity == "parent"
    assert m2o.referenced_attribute == "parentid_pk"
    assert m2o.referencing_entity_navigation_property_name == "parentid"
    assert m2o.inferred == ("referenced_attribute", "referencing_entity_navigation_property_name")
    assert m2o.sources == ("child.md", "parent.md")


def test_polymorphic_lookup_navigation_name_names_the_target() -> None:
    rel = Relationship(
        schema_name="account_tasks",
        referenced_entity="account",
        referencing_entity="task",
        referencing_attribute="regardingobjectid",
        sources=("account.md",),
    )
    account = page(
        "account.md", logical_name="account", relationships=Relationships(one_to_many=(rel,))
    )
    task = page(
        "task.md",
        logical_name="task",
        attributes=(
            attr("regardingobjectid", "task.md", type="Lookup", targets=("account", "contact")),
        ),
    )
    (r,) = merged(account, task)["task"].relationships.many_to_one
    assert r.referencing_entity_navigation_property_name == "regardingobjectid_account"


def test_conflicting_relationship_facts_are_warned() -> None:
    a = Relationship(
        schema_name="r",
        referenced_entity="p",
        referencing_entity="c",
        referencing_attribute="x",
        sources=("p.md",),
    )
    b = Relationship(
        schema_name="r",
        referenced_entity="p",
        referencing_entity="c",
        referencing_attribute="y",
        sources=("c.md",),
    )
    diags = Diagnostics()
    merge_pages(
        [
            page("p.md", logical_name="p", relationships=Relationships(one_to_many=(a,))),
            page("c.md", logical_name="c", relationships=Relationships(many_to_one=(b,))),
        ],
        diags,
        {},
    )
    (conflict,) = [d for d in diags if d.code == "DV202"]
    assert "is 'y' on c.md but 'x' on p.md; 'x' is kept" in conflict.message


def test_type_is_inferred_from_choices_and_marked() -> None:
    ext = page(
        "e.md", True, logical_name="t", attributes=(attr("c", "e.md", options=(Option(value=1),)),)
    )
    a = merged(ext)["t"].attribute("c")
    assert a is not None and (a.type, a.inferred) == ("Picklist", ("type",))
