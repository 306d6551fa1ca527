"""Every diff rule on a small pair of models: each mutation of a base table
must give exactly the one change its rule names, with the rule's severity."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from generator.deprecation import is_deprecated, marked
from generator.diff.compare import compare
from generator.diff.rules import RULES
from generator.model import Table
from tests.helpers import ROOT
from tests.test_diff_operations import SERVICE_CASES

Data = dict[str, Any]

BASE: Data = {
    "logical_name": "new_widget",
    "schema_name": "new_Widget",
    "display_name": "Widget",
    "description": "A widget.",
    "entity_set_name": "new_widgets",
    "primary_id_attribute": "new_widgetid",
    "primary_name_attribute": "new_name",
    "ownership_type": "UserOwned",
    "attributes": [
        {"logical_name": "new_widgetid", "schema_name": "new_WidgetId", "type": "Uniqueidentifier"},
        {
            "logical_name": "new_name",
            "schema_name": "new_Name",
            "display_name": "Name",
            "description": "The name.",
            "type": "String",
            "format": "Text",
            "max_length": 100,
            "required_level": "None",
        },
        {
            "logical_name": "new_code",
            "schema_name": "new_Code",
            "type": "String",
            "max_length": 20,
            "valid_for_create": False,
            "valid_for_update": False,
        },
        {"logical_name": "new_count", "type": "Integer", "min_value": 0, "max_value": 100},
        {
            "logical_name": "new_total",
            "type": "Integer",
            "min_value": 0,
            "max_value": 10,
            "read_only": True,
        },
        {"logical_name": "new_amount", "type": "Decimal", "precision": 2},
        {"logical_name": "new_due", "type": "DateTime", "date_time_behavior": "UserLocal"},
        {"logical_name": "new_flag", "type": "Boolean", "default_value": False},
        {"logical_name": "new_locked", "type": "String", "valid_for_create": False},
        {
            "logical_name": "new_kind",
            "type": "Picklist",
            "global_choice_name": "new_kind",
            "options": [
                {"value": 1, "label": "Small", "description": "Small ones."},
                {"value": 2, "label": "Large"},
                {"value": 3, "label": "Legacy (Deprecated)"},
            ],
        },
        {
            "logical_name": "statuscode",
            "type": "Status",
            "options": [{"value": 1, "label": "Active", "state": 0}],
        },
        {"logical_name": "new_parentid", "type": "Lookup", "targets": ["account", "contact"]},
        {"logical_name": "new_old", "display_name": "Old (Deprecated)", "type": "String"},
    ],
    "relationships": {
        "one_to_many": [
            {
                "schema_name": "new_widget_parts",
                "referenced_entity": "new_widget",
                "referencing_entity": "new_part",
                "referencing_attribute": "new_widgetid",
                "referenced_entity_navigation_property_name": "new_widget_parts",
                "cascade": {"Delete": "RemoveLink"},
            }
        ],
        "many_to_many": [
            {
                "schema_name": "new_widget_tags",
                "intersect_entity": "new_widget_tag",
                "entity1_logical_name": "new_widget",
                "entity1_navigation_property_name": "new_widget_tags",
            }
        ],
    },
    "messages": [
        {"name": "Create", "web_api": {"kind": "http", "method": "POST", "path": "new_widgets"}},
        {"name": "new_Spin", "web_api": {"kind": "action", "name": "new_Spin"}},
    ],
}


def _attr(d: Data, name: str) -> Data:
    return next(a for a in d["attributes"] if a["logical_name"] == name)


def _option(d: Data, column: str, value: int) -> Data:
    return next(o for o in _attr(d, column)["options"] if o["value"] == value)


def _drop(d: Data, name: str) -> None:
    d["attributes"] = [a for a in d["attributes"] if a["logical_name"] != name]


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A mutation setting ``column.key`` (or a table ``key``) to ``value``."""

    def mutate(d: Data) -> None:
        if "." in path:
            column, key = path.split(".")
            _attr(d, column)[key] = value
        else:
            d[path] = value

    return mutate


def _add_column(**column: Any) -> Callable[[Data], None]:
    return lambda d: d["attributes"].append(column)


def _rename_column(d: Data) -> None:
    _attr(d, "new_code")["logical_name"] = "new_codes"


def _relationship(d: Data) -> Data:
    rel: Data = d["relationships"]["one_to_many"][0]
    return rel


def _rel_set(key: str, value: Any) -> Callable[[Data], None]:
    return lambda d: _relationship(d).__setitem__(key, value)


# rule -> (mutation of the old data, mutation of the new data)
Mutation = Callable[[Data], None]


def _NOTHING(d: Data) -> None:
    """The base table, unchanged."""


CASES: dict[str, tuple[Mutation, Mutation]] = {
    "entity-set-changed": (_NOTHING, _set("entity_set_name", "new_widgetset")),
    "primary-id-changed": (_NOTHING, _set("primary_id_attribute", "new_code")),
    "primary-name-changed": (_NOTHING, _set("primary_name_attribute", "new_code")),
    "table-schema-name-changed": (_NOTHING, _set("schema_name", "new_WIDGET")),
    "ownership-changed": (_NOTHING, _set("ownership_type", "OrganizationOwned")),
    "table-display-name-changed": (_NOTHING, _set("display_name", "Gadget")),
    "table-description-changed": (_NOTHING, _set("description", "A gadget.")),
    "column-removed": (_NOTHING, lambda d: _drop(d, "new_count")),
    "column-removed-deprecated": (_NOTHING, lambda d: _drop(d, "new_old")),
    "column-logical-name-changed": (_NOTHING, _rename_column),
    "column-type-changed": (_NOTHING, _set("new_name.type", "Memo")),
    "required-column-added": (
        _NOTHING,
        _add_column(logical_name="new_must", type="String", required_level="SystemRequired"),
    ),
    "column-added": (_NOTHING, _add_column(logical_name="new_extra", type="String")),
    "required-level-raised": (_NOTHING, _set("new_name.required_level", "ApplicationRequired")),
    "required-level-lowered": (_set("new_name.required_level", "SystemRequired"), _NOTHING),
    "required-level-changed": (_NOTHING, _set("new_name.required_level", "Recommended")),
    "max-length-narrowed": (_NOTHING, _set("new_name.max_length", 50)),
    "read-only-max-length-narrowed": (_NOTHING, _set("new_code.max_length", 10)),
    "max-length-widened": (_NOTHING, _set("new_name.max_length", 200)),
    "range-narrowed": (_NOTHING, _set("new_count.max_value", 50)),
    "read-only-range-narrowed": (_NOTHING, _set("new_total.min_value", 1)),
    "range-widened": (_NOTHING, _set("new_count.min_value", -100)),
    "precision-reduced": (_NOTHING, _set("new_amount.precision", 1)),
    "precision-increased": (_NOTHING, _set("new_amount.precision", 4)),
    "column-no-longer-creatable": (_NOTHING, _set("new_name.valid_for_create", False)),
    "column-no-longer-updatable": (_NOTHING, _set("new_name.valid_for_update", False)),
    "column-no-longer-readable": (_NOTHING, _set("new_name.valid_for_read", False)),
    "column-now-writable": (_NOTHING, _set("new_locked.valid_for_create", True)),
    "lookup-target-removed": (_NOTHING, _set("new_parentid.targets", ["account"])),
    "lookup-target-added": (_NOTHING, _set("new_parentid.targets", ["account", "contact", "lead"])),
    "format-changed": (_NOTHING, _set("new_name.format", "Email")),
    # both are points in time on the wire: stored and shown differently only
    "date-behavior-changed": (
        _NOTHING,
        _set("new_due.date_time_behavior", "TimeZoneIndependent"),
    ),
    # a point in time becomes a date (Edm.DateTimeOffset -> Edm.Date)
    "date-wire-type-changed": (_NOTHING, _set("new_due.date_time_behavior", "DateOnly")),
    "default-value-changed": (_NOTHING, _set("new_flag.default_value", True)),
    "global-choice-changed": (_NOTHING, _set("new_kind.global_choice_name", "new_size")),
    "column-schema-name-changed": (_NOTHING, _set("new_name.schema_name", "new_FullName")),
    "column-display-name-changed": (_NOTHING, _set("new_name.display_name", "Full name")),
    "column-description-changed": (_NOTHING, _set("new_name.description", "The full name.")),
    "choice-value-removed": (
        _NOTHING,
        lambda d: _attr(d, "new_kind").__setitem__("options", _attr(d, "new_kind")["options"][1:]),
    ),
    "choice-value-removed-deprecated": (
        _NOTHING,
        lambda d: _attr(d, "new_kind").__setitem__("options", _attr(d, "new_kind")["options"][:2]),
    ),
    "choice-value-renumbered": (_NOTHING, lambda d: _option(d, "new_kind", 2).update(value=20)),
    "choice-value-added": (
        _NOTHING,
        lambda d: _attr(d, "new_kind")["options"].append({"value": 4, "label": "Huge"}),
    ),
    "choice-label-changed": (_NOTHING, lambda d: _option(d, "new_kind", 2).update(label="Big")),
    "status-state-changed": (_NOTHING, lambda d: _option(d, "statuscode", 1).update(state=1)),
    "choice-description-changed": (
        _NOTHING,
        lambda d: _option(d, "new_kind", 1).update(description="Tiny ones."),
    ),
    "relationship-removed": (
        _NOTHING,
        lambda d: d["relationships"].__setitem__("many_to_many", []),
    ),
    "relationship-added": (
        _NOTHING,
        lambda d: d["relationships"].__setitem__(
            "many_to_one",
            [{"schema_name": "new_account_widgets", "referencing_attribute": "new_parentid"}],
        ),
    ),
    "navigation-property-renamed": (
        _NOTHING,
        _rel_set("referenced_entity_navigation_property_name", "new_parts"),
    ),
    "relationship-column-changed": (_NOTHING, _rel_set("referencing_attribute", "new_widget")),
    "relationship-table-changed": (_NOTHING, _rel_set("referencing_entity", "new_component")),
    "cascade-changed": (_NOTHING, _rel_set("cascade", {"Delete": "Restrict"})),
    "message-removed": (_NOTHING, lambda d: d.__setitem__("messages", d["messages"][:1])),
    "message-added": (
        _NOTHING,
        lambda d: d["messages"].append({"name": "new_Stop", "web_api": {"kind": "action"}}),
    ),
    "alternate-key-removed": (
        _set("alternate_keys", [{"columns": ["new_code", "new_count"]}]),
        _NOTHING,
    ),
    "alternate-key-added": (_NOTHING, _set("alternate_keys", [{"columns": ["new_code"]}])),
    "message-now-event-only": (
        _NOTHING,
        lambda d: d["messages"][1].update(subscribe_only=True),
    ),
    "event-now-invocable": (
        lambda d: d["messages"][1].update(subscribe_only=True),
        _NOTHING,
    ),
    "message-operation-changed": (
        _NOTHING,
        lambda d: d["messages"][1].update(web_api={"kind": "function", "name": "new_Spin"}),
    ),
}


def _table(mutate: Mutation) -> Table:
    """The base table, mutated, flagged as a build flags it."""
    data = copy.deepcopy(BASE)
    mutate(data)
    return marked(Table.model_validate(data))


def _tables(mutate: Mutation) -> dict[str, Table]:
    t = _table(mutate)
    return {t.logical_name: t}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_alone(rule: str) -> None:
    before, after = CASES[rule]
    changes = compare(_tables(before), _tables(after))
    assert [c.rule for c in changes] == [rule]
    assert changes[0].severity == RULES[rule].severity
    assert changes[0].subject.startswith("new_widget")
    depth = RULES[rule].subject.count(".")
    assert changes[0].subject.count(".") == depth, changes[0].subject


def test_table_rules() -> None:
    base = _table(_NOTHING)
    assert [c.rule for c in compare({"new_widget": base}, {})] == ["table-removed"]
    assert [c.rule for c in compare({}, {"new_widget": base})] == ["table-added"]
    old = _table(_set("description", "Deprecated: use new_gadget."))
    assert [c.rule for c in compare({"new_widget": old}, {})] == ["table-removed-deprecated"]
    renamed = _table(_set("logical_name", "new_widget2"))
    changes = compare({"new_widget": base}, {"new_widget2": renamed})
    assert [(c.rule, c.table, c.old, c.new) for c in changes] == [
        ("table-logical-name-changed", "new_widget2", "new_widget", "new_widget2")
    ]


def test_the_downgrade_reads_the_models_flag() -> None:
    """The diff reads ``deprecated`` as the build set it, not the text again:
    the flag alone downgrades, the text alone (an unflagged model) does not."""
    flagged = _table(_NOTHING).model_copy(update={"deprecated": True})
    assert [c.rule for c in compare({"new_widget": flagged}, {})] == ["table-removed-deprecated"]
    data = copy.deepcopy(BASE)
    data["description"] = "Deprecated: use new_gadget."
    unflagged = Table.model_validate(data)
    assert unflagged.deprecated is None and marked(unflagged).deprecated is True
    assert [c.rule for c in compare({"new_widget": unflagged}, {})] == ["table-removed"]


def test_every_rule_has_a_case() -> None:
    tested = (
        set(CASES)
        | set(SERVICE_CASES)
        | {
            "table-removed",
            "table-added",
            "table-removed-deprecated",
            "table-logical-name-changed",
        }
    )
    assert tested == set(RULES)


def test_identical_tables_have_no_changes() -> None:
    assert compare(_tables(_NOTHING), _tables(_NOTHING)) == []


def test_unknown_values_are_not_changes() -> None:
    """A page that stops stating a value did not change it."""
    after = _tables(_set("new_name.max_length", None))
    assert compare(_tables(_NOTHING), after) == []


def test_changes_sort_by_table_then_severity() -> None:
    def many(d: Data) -> None:
        _drop(d, "new_count")
        _set("new_name.display_name", "Full name")(d)
        _option(d, "new_kind", 2).update(label="Big")

    rules = [c.rule for c in compare(_tables(_NOTHING), _tables(many))]
    assert rules == ["column-removed", "choice-label-changed", "column-display-name-changed"]


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("Wrap-up (Deprecated)", None, True),
        ("[deprecated] Old", None, True),
        (None, "Deprecated: use statuscode instead.", True),
        (None, "This column is deprecated.", True),
        (None, "Has been deprecated since 9.1.", True),
        ("Depreciation", "Tracks deprecated assets", False),
        (None, "Whether the item is a deprecation candidate.", False),
        (None, None, False),
    ],
)
def test_deprecation_markers(name: str | None, description: str | None, expected: bool) -> None:
    assert is_deprecated(name, description) is expected


def test_readme_rule_table_matches_the_rules() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| \*\*(\w+)\*\* \|", readme, re.MULTILINE))
    assert rows == {r.id: r.severity for r in RULES.values()}
