"""View pieces every target's templates share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class StateOf:
    """A status value and the state value it belongs to."""

    value: int
    state: int
