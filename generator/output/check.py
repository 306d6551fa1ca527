"""``dvgen build --check``: is the output folder exactly what a build writes?

Compares the files a build renders (in memory) with the folder, writing
nothing: a file is *stale* when its bytes differ, *missing* when absent, and
*extra* when the last build wrote it (it is in the manifest) but this one
would remove it. Files a user put in the folder are none of these.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.output.write import MANIFEST, check_relpath, manifest_bytes, read_manifest

#: lines of unified diff shown per stale file
DIFF_LINES = 24
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(slots=True)
class CheckReport:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    diffs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.stale or self.missing or self.extra)

    def lines(self) -> list[str]:
        """The report as text: one line per file, each stale one with its diff."""
        out: list[str] = []
        for rel in self.stale:
            out.append(f"stale:   {rel}")
            out += [f"    {line}" for line in self.diffs.get(rel, [])]
        out += [f"missing: {rel}" for rel in self.missing]
        out += [f"extra:   {rel} (a build would remove it)" for rel in self.extra]
        return out


def check_output(out_dir: Path, files: Mapping[str, bytes]) -> CheckReport:
    """Compare; raises :class:`~generator.output.write.UnsafePath` for a path a build
    would refuse to write (so nothing outside ``out_dir`` is even read)."""
    for rel in files:
        check_relpath(rel)
    report = CheckReport()
    expected = {**files, MANIFEST: manifest_bytes(files)}
    for rel in sorted(expected):
        path = out_dir / rel
        try:
            current = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        except OSError:
            current = None
        if current is None:
            report.missing.append(rel)
        elif current != expected[rel]:
            report.stale.append(rel)
            report.diffs[rel] = short_diff(rel, current, expected[rel])
    managed = read_manifest(out_dir) if out_dir.is_dir() else set()
    report.extra = sorted(rel for rel in managed - set(expected) if (out_dir / rel).is_file())
    return report


def _escape(m: re.Match[str]) -> str:
    """A control character as its escape, so a diff cannot drive the terminal."""
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def short_diff(rel: str, current: bytes, expected: bytes, limit: int = DIFF_LINES) -> list[str]:
    """The first ``limit`` lines of a unified diff from what is on disk to what a build writes."""
    try:
        old, new = current.decode("utf-8"), expected.decode("utf-8")
    except UnicodeDecodeError:
        return [f"(binary: {len(current)} bytes on disk, {len(expected)} would be written)"]
    lines = [
        _CONTROL.sub(_escape, line.rstrip("\n"))
        for line in difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{rel} (on disk)",
            tofile=f"{rel} (a build would write)",
            n=2,
        )
    ]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more diff line(s)"]
    return lines
