"""Diagnostics are data: a level, a file, a line, a code and a message.

Every stage appends to a :class:`Diagnostics` list instead of raising or
printing; the CLI decides how to show them and which exit code they give.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]
_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
#: What must not reach a terminal raw: control characters (escape sequences,
#: newlines that forge a line), the bidirectional controls, and the lone
#: surrogates a file name with bytes that are not UTF-8 decodes to.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def terminal_safe(text: str) -> str:
    """``text`` with each character that could act on a terminal, or forge a
    line, written as its escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    level: Level
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    def format(self) -> str:
        where = self.file or "dvgen"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return terminal_safe(f"{where}: {self.level}: {self.message} [{self.code}]")

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, _RANK[self.level], self.code, self.message)


@dataclass(slots=True)
class Diagnostics:
    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        level: Level,
        code: str,
        message: str,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.items.append(Diagnostic(level, code, message, file, line))

    def error(
        self, code: str, message: str, file: str | None = None, line: int | None = None
    ) -> None:
        self.add("error", code, message, file, line)

    def warning(
        self, code: str, message: str, file: str | None = None, line: int | None = None
    ) -> None:
        self.add("warning", code, message, file, line)

    def info(
        self, code: str, message: str, file: str | None = None, line: int | None = None
    ) -> None:
        self.add("info", code, message, file, line)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def count(self, level: Level) -> int:
        return sum(1 for d in self.items if d.level == level)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)
