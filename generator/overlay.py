"""One model item over another: :func:`merge_models`, the rule every merge
of dvgen keeps (pages over older pages, an org's ``$metadata`` over pages)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from generator.model import Option

M = TypeVar("M", bound=BaseModel)

_KEYED = {"attributes": "logical_name", "messages": "name", "alternate_keys": "columns"}


def merge_models(old: M, new: M) -> M:
    """``new`` over ``old``: a value ``new`` states wins, absent ones fall back.

    Lists of named items merge item by item; ``targets`` and ``sources`` are
    unions; choices merge by value; maps merge key by key. A value ``new``
    only inferred never replaces one ``old`` states, and a field stays in
    ``inferred`` only if the value that won was inferred.
    """
    old_inferred: set[str] = set(getattr(old, "inferred", ()))
    new_inferred: set[str] = set(getattr(new, "inferred", ()))
    data: dict[str, Any] = {}
    inferred: set[str] = set()
    for name in type(old).model_fields:
        a, b = getattr(old, name), getattr(new, name)
        if name == "inferred":
            continue
        if name in ("sources", "targets"):
            data[name] = _union(a, b, key=lambda s: s.path if hasattr(s, "path") else s)
        elif name == "options":
            data[name] = _merge_keyed(a, b, "value")
        elif name in _KEYED:
            data[name] = _merge_keyed(a, b, _KEYED[name])
        elif name in ("one_to_many", "many_to_one", "many_to_many"):
            data[name] = _merge_keyed(a, b, "schema_name")
        elif isinstance(a, BaseModel) and isinstance(b, BaseModel):
            data[name] = merge_models(a, b)
        elif isinstance(a, dict):
            data[name] = {**a, **b}
        elif b is None or (name in new_inferred and a is not None and name not in old_inferred):
            data[name] = a
            inferred |= {name} & old_inferred
        else:
            data[name] = b
            inferred |= {name} & new_inferred
    if "inferred" in type(old).model_fields:
        data["inferred"] = tuple(sorted(inferred))
    return type(old).model_validate(data)


def _union(a: Iterable[Any], b: Iterable[Any], key: Any) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for item in (*a, *b):
        seen[key(item)] = item
    return tuple(seen.values())


def _merge_keyed(a: Iterable[Any], b: Iterable[Any], key: str) -> tuple[Any, ...]:
    out: dict[Any, Any] = {getattr(x, key): x for x in a}
    for item in b:
        k = getattr(item, key)
        if k in out and isinstance(item, Option):
            out[k] = item  # a choice is replaced whole: label, state and all
        elif k in out:
            out[k] = merge_models(out[k], item)
        else:
            out[k] = item
    return tuple(out.values())
