"""The change rules of ``dvgen diff``: one id, one severity, one reason each.

This table is the contract the README documents (a test keeps the two in
step) and what ignore entries name. Severities, modelled on oasdiff's and
graphql-inspector's levels and adapted to Dataverse:

* ``breaking``: code generated from the old docs, or written against it, can
  fail against the new (a name it uses is gone, a value it sends is refused);
* ``warning``: it still compiles and runs, but behaviour can change (a client
  that switches over every choice value meets one it does not know);
* ``info``: additions and documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["breaking", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "warning", "info")
RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    subject: str  # what the change's subject names, e.g. "table.column"
    why: str


def _rules(*rows: tuple[str, Severity, str, str]) -> dict[str, Rule]:
    return {r[0]: Rule(*r) for r in rows}


T, C, V, LT = "table", "table.column", "table.column.value", "table.column.target"
R, M = "table.relationship", "table.message"
K = "table.key"
OPN, OP = "binding.operation", "binding.operation.parameter"
CT, CP, EM = "complex type", "complex type.property", "enum type.member"

RULES: dict[str, Rule] = _rules(
    # tables
    ("table-removed", "breaking", T, "every use of the table fails"),
    ("table-logical-name-changed", "breaking", T, "the logical name is the table's wire name"),
    ("entity-set-changed", "breaking", T, "every Web API URL of the table changes"),
    ("primary-id-changed", "breaking", T, "the key column changes"),
    ("primary-name-changed", "warning", T, "lookups format with another column"),
    ("table-removed-deprecated", "warning", T, "removal of a table the docs marked deprecated"),
    ("table-schema-name-changed", "warning", T, "generated class and namespace names follow it"),
    ("ownership-changed", "warning", T, "owner columns and sharing behave differently"),
    ("table-added", "info", T, "nothing existing changes"),
    ("table-display-name-changed", "info", T, "documentation only"),
    ("table-description-changed", "info", T, "documentation only"),
    # columns
    ("column-removed", "breaking", C, "reads, writes and filters on it fail"),
    ("column-logical-name-changed", "breaking", C, "the logical name is the column's wire name"),
    ("column-type-changed", "breaking", C, "its values change type"),
    ("date-wire-type-changed", "breaking", C, "its values change between a date and a timestamp"),
    ("required-column-added", "breaking", C, "creates without it are refused"),
    ("required-level-raised", "breaking", C, "creates without it are refused"),
    ("max-length-narrowed", "breaking", C, "longer values that were accepted are refused"),
    ("range-narrowed", "breaking", C, "values that were accepted are refused"),
    ("column-no-longer-creatable", "breaking", C, "creates that set it are refused"),
    ("column-no-longer-updatable", "breaking", C, "updates that set it are refused"),
    ("column-no-longer-readable", "breaking", C, "reads and filters on it fail"),
    ("lookup-target-removed", "breaking", LT, "binds to that table are refused"),
    ("column-removed-deprecated", "warning", C, "removal of a column the docs marked deprecated"),
    ("read-only-max-length-narrowed", "warning", C, "read-only: only readers see shorter values"),
    ("read-only-range-narrowed", "warning", C, "read-only: only readers see the new range"),
    ("lookup-target-added", "warning", LT, "reads can return rows of a table a client ignores"),
    ("precision-reduced", "warning", C, "values are rounded to fewer decimals"),
    ("column-schema-name-changed", "warning", C, "generated property names follow it"),
    ("format-changed", "warning", C, "values are validated and shown differently"),
    ("date-behavior-changed", "warning", C, "date values are stored and returned differently"),
    ("default-value-changed", "warning", C, "creates that omit it store another value"),
    ("global-choice-changed", "warning", C, "the choice becomes another (generated enum name)"),
    ("column-added", "info", C, "nothing existing changes"),
    ("required-level-lowered", "info", C, "callers may now omit it"),
    ("required-level-changed", "info", C, "a recommendation only: not enforced"),
    ("max-length-widened", "info", C, "more values are accepted"),
    ("range-widened", "info", C, "more values are accepted"),
    ("precision-increased", "info", C, "more decimals are kept"),
    ("column-now-writable", "info", C, "callers may now set it"),
    ("column-display-name-changed", "info", C, "documentation only"),
    ("column-description-changed", "info", C, "documentation only"),
    # choice values
    ("choice-value-removed", "breaking", V, "sending it is refused; stored rows change"),
    ("choice-value-renumbered", "breaking", V, "the same label now has another value"),
    ("choice-value-removed-deprecated", "warning", V, "removal of a value marked deprecated"),
    ("choice-value-added", "warning", V, "clients that switch over every value meet a new one"),
    ("choice-label-changed", "warning", V, "clients that match on labels miss it"),
    ("status-state-changed", "warning", V, "the status reason belongs to another state"),
    ("choice-description-changed", "info", V, "documentation only"),
    # relationships
    ("relationship-removed", "breaking", R, "its navigation properties and $expand fail"),
    ("navigation-property-renamed", "breaking", R, "$expand, binds and $ref on the old name fail"),
    ("relationship-column-changed", "breaking", R, "the relationship uses another lookup column"),
    ("relationship-table-changed", "breaking", R, "the relationship joins another table"),
    ("cascade-changed", "warning", R, "deletes, assigns and shares cascade differently"),
    ("relationship-added", "info", R, "nothing existing changes"),
    # messages
    ("message-removed", "breaking", M, "calls to it fail"),
    ("message-operation-changed", "breaking", M, "it is called at another URL or method"),
    ("message-now-event-only", "breaking", M, "listed only as an event now: not to be invoked"),
    ("event-now-invocable", "info", M, "a message now, not only an event: it may be invoked"),
    ("message-added", "info", M, "nothing existing changes"),
    # alternate keys (an org's $metadata)
    ("alternate-key-removed", "breaking", K, "rows addressed or bound by it are not found"),
    ("alternate-key-added", "info", K, "nothing existing changes"),
    # operations: actions, functions, Custom APIs (an org's $metadata)
    ("operation-removed", "breaking", OPN, "calls to it fail"),
    ("operation-parameter-removed", "breaking", OP, "calls that send it are refused"),
    ("operation-parameter-added-required", "breaking", OP, "calls without it are refused"),
    ("operation-parameter-retyped", "breaking", OP, "the values it takes change type"),
    ("operation-parameter-now-required", "breaking", OP, "calls without it are refused"),
    ("operation-return-type-changed", "breaking", OPN, "its answer is read as another type"),
    ("complex-type-removed", "breaking", CT, "operations that take or return it change"),
    ("complex-type-property-removed", "breaking", CP, "code that reads or sends it fails"),
    ("complex-type-property-retyped", "breaking", CP, "its values change type"),
    ("enum-member-removed", "breaking", EM, "sending it is refused"),
    ("enum-member-added", "warning", EM, "clients that switch over every member meet a new one"),
    ("operation-parameter-now-optional", "info", OP, "callers may now omit it"),
    ("operation-parameter-added", "info", OP, "an optional parameter: nothing existing changes"),
    ("operation-added", "info", OPN, "nothing existing changes"),
    ("complex-type-property-added", "info", CP, "nothing existing changes"),
    ("complex-type-added", "info", CT, "nothing existing changes"),
)
