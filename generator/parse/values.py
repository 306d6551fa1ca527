"""Typed values from cell text: booleans, numbers, lists and ``Key: value`` maps.

Each function takes the cleaned text of one cell and returns a typed value or
``None`` when the cell is empty; a value that does not fit raises
:class:`ValueError` with a message fit for a diagnostic.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation

_INT = re.compile(r"^[+-]?\d+$")
_EMPTY = {"", "null", "none (null)"}


def text(value: str) -> str | None:
    """Trimmed text; an empty cell is ``None``, never ``""``."""
    value = value.strip()
    return value or None


def boolean(value: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in ("true", "yes"):
        return True
    if v in ("false", "no"):
        return False
    raise ValueError(f"expected True or False, found {value.strip()!r}")


def integer(value: str) -> int | None:
    v = value.strip().replace(",", "")
    if not v:
        return None
    if _INT.match(v):
        return int(v)
    raise ValueError(f"expected a whole number, found {value.strip()!r}")


#: Dataverse's widest whole numbers are 64-bit (BigInt); its choice values,
#: lengths and precisions are 32-bit.
_INT64 = 2**63
_INT32 = 2**31


def _within(n: int, low: int, high: int, what: str, value: str) -> int:
    if not low <= n < high:
        raise ValueError(f"expected {what}, found {value.strip()[:40]!r}")
    return n


def int32(value: str) -> int | None:
    """A 32-bit whole number (a choice value, a state)."""
    n = integer(value)
    return None if n is None else _within(n, -_INT32, _INT32, "a 32-bit whole number", value)


def count(value: str) -> int | None:
    """A length or a precision: a whole number from 0 to 2^31 - 1."""
    n = integer(value)
    return None if n is None else _within(n, 0, _INT32, "a whole number from 0 up", value)


def number(value: str) -> int | float | None:
    """A whole number stays ``int``; ``1E-12`` or ``0.5`` becomes ``float``."""
    v = value.strip().replace(",", "")
    if not v:
        return None
    if _INT.match(v):
        return _within(int(v), -_INT64, _INT64, "a number within 64 bits", value)
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"expected a number, found {value.strip()!r}") from None
    if not d.is_finite():
        raise ValueError(f"expected a finite number, found {value.strip()!r}")
    if d == d.to_integral_value() and "e" not in v.lower():
        return _within(int(d), -_INT64, _INT64, "a number within 64 bits", value)
    f = float(d)
    if not math.isfinite(f) or (f != 0 and abs(f) < 1e-300):
        raise ValueError(f"expected a number a double can hold, found {value.strip()[:40]!r}")
    return f


def scalar(value: str) -> bool | int | str | None:
    """A default value: a boolean or whole number when it reads as one."""
    v = value.strip()
    if not v:
        return None
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    if _INT.match(v):
        return int(v)
    return v


def name_list(value: str) -> tuple[str, ...]:
    """``systemuser,team`` or ``account, contact`` as a tuple of names."""
    parts = re.split(r"[,\n]", value)
    return tuple(p.strip() for p in parts if p.strip())


def key_values(segments: list[str]) -> dict[str, str]:
    """``["Assign: Cascade", "Label: ", "MenuId: null"]`` as a mapping.

    Empty and ``null`` values are absent, like empty cells.
    """
    out: dict[str, str] = {}
    for seg in segments:
        key, sep, val = seg.partition(":")
        if not sep or not key.strip():
            raise ValueError(f"expected 'Key: value', found {seg!r}")
        val = val.strip()
        if val.lower() not in _EMPTY:
            out[key.strip()] = val
    return out


_DATE_US = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def doc_date(value: object) -> str | None:
    """``ms.date`` (``03/23/2020``, ``07.24.2024`` or ISO) as ``YYYY-MM-DD``."""
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    m = _DATE_US.match(v)
    if m:
        month, day, year = (int(g) for g in m.groups())
        return date(year, month, day).isoformat()
    m = _DATE_ISO.match(v)
    if m:
        return date(*(int(g) for g in m.groups())).isoformat()
    raise ValueError(f"expected a date like 03/23/2020, found {v!r}")
