"""Where a build spends its time: named stages on one stopwatch.

Stages nest, and each reports only its own time: while ``format`` runs inside
``render:python``, the render's clock is paused. So the figures of a build
add up to its whole, and ``dvgen build -v`` and the benchmark can say how
much went to parsing, each target, formatting and writing.

Work done in worker processes (``--jobs``) is timed there and added in, so
with more than one job the stages add up to more than the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter


class Stopwatch:
    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._stack: list[tuple[str, float]] = []  # (stage, when it last resumed)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        now = perf_counter()
        if self._stack:
            parent, since = self._stack[-1]
            self._add(parent, now - since)
        self._stack.append((name, now))
        try:
            yield
        finally:
            done = perf_counter()
            _, since = self._stack.pop()
            self._add(name, done - since)
            if self._stack:
                self._stack[-1] = (self._stack[-1][0], done)

    def add(self, totals: dict[str, float]) -> None:
        """Fold in stage times measured elsewhere (a worker process)."""
        for name, seconds in totals.items():
            self._add(name, seconds)

    def _add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds

    def reset(self) -> None:
        self.totals = {}
        self._stack = []


#: The stopwatch of the build in progress (one build at a time per process);
#: :func:`generator.build.generate` resets it when it starts.
CLOCK = Stopwatch()
