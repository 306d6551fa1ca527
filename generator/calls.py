"""Each operation a client can call, decided once for every target: where its
URL goes (a row of its table, its entity set, or the service root), which
parameters are required, and what it returns. The Python and TypeScript
targets print the same :class:`CallSpec`; neither decides again.

* bound to a row: ``accounts(<key>)/Microsoft.Dynamics.CRM.X``;
* bound to an entity set: ``accounts/Microsoft.Dynamics.CRM.X``;
* bound to an entity type that is not a table of the build (the generic
  ``crmbaseentity``): the caller names the entity set;
* unbound: ``X`` on the service root, when the org imports it (an unbound
  function it does not import, such as ``Above``, is only for ``$filter``).

An action sends its parameters as the JSON body; a function sends them as
parameter aliases (``X(P=@p1)?@p1=...``). A parameter is required unless
its type is nullable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from generator.model import Table
from generator.service import Member, Operation, Service

#: Where a target keeps a text made from some parts alone (the engine's
#: :meth:`~generator.engine.runner.Runner.kept`): ``(kind, parts, make)``.
Kept = Callable[[str, Sequence[str], Callable[[], str]], str]

#: The namespace every Dataverse type and operation is declared in.
NAMESPACE = "Microsoft.Dynamics.CRM"


@dataclass(frozen=True, slots=True)
class CallSpec:
    operation: Operation
    #: the binding table's entity set; ``None`` when unbound, or when the caller names it
    entity_set: str | None
    keyed: bool  # bound to one row: the call takes its key
    names_set: bool  # bound to a type that is not a table here: the call takes an entity set
    path: str  # "Microsoft.Dynamics.CRM.X" when bound, "X" when not
    required: tuple[Member, ...]
    optional: tuple[Member, ...]

    @property
    def bound(self) -> bool:
        return self.operation.binding is not None


def calls(service: Service, tables: Mapping[str, Table]) -> list[CallSpec]:
    """Every operation of ``service`` a client can call, in the service's order."""
    out = []
    for op in service.operations:
        if not op.callable:
            continue
        bound = op.binding is not None
        table = tables.get(op.binding or "") if op.binding_kind == "table" else None
        entity_set = table.entity_set_name if table is not None else None
        out.append(
            CallSpec(
                operation=op,
                entity_set=entity_set,
                keyed=bound and not op.binding_collection,
                names_set=bound and entity_set is None,
                path=f"{NAMESPACE}.{op.name}" if bound else op.name,
                required=tuple(p for p in op.parameters if not p.type.nullable),
                optional=tuple(p for p in op.parameters if p.type.nullable),
            )
        )
    return out


def primary_id(tables: Mapping[str, Table], name: str) -> str:
    """The key column of table ``name`` (``<name>id`` when no page or org says)."""
    table = tables.get(name)
    return (table.primary_id_attribute if table else None) or f"{name}id"


def operations_parts(
    service: Service, tables: Mapping[str, Table], names: Mapping[str, object]
) -> list[str]:
    """All an operations module is made from: the service, and of each table
    its entity set, its key and the target's names for it (``names``)."""
    facts = {
        name: [t.entity_set_name, t.primary_id_attribute, names.get(name)]
        for name, t in sorted(tables.items())
    }
    return [
        hashlib.sha256(service.model_dump_json().encode()).hexdigest(),
        hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest(),
    ]
