"""What every kind of cache entry shares: its name, its stored diagnostics,
and how it is written (:mod:`generator.engine.runner`,
:mod:`generator.targets.odata_parts`)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from generator.diagnostics import Diagnostic, Level


def entry_key(*parts: str) -> str:
    """The SHA-256 of ``parts``, each ended by a NUL (so no two lists collide)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


class StoredDiagnostic(BaseModel):
    """A diagnostic as an entry keeps it: naming its page by the page's path
    below its docs root, because the same page may be shown as another path
    next time (another folder, another working directory)."""

    level: Level
    code: str
    message: str
    file: str | None = None  # None: the page itself, shown as it is shown this time
    source_path: str | None = None  # or: the page with this path below its docs root
    line: int | None = None


def stored(d: Diagnostic, source_paths: Mapping[str, str]) -> StoredDiagnostic:
    """``d`` to keep; ``source_paths`` maps each page's shown path to its path
    below its docs root."""
    return StoredDiagnostic(
        level=d.level,
        code=d.code,
        message=d.message,
        file=None if d.file in source_paths else d.file,
        source_path=source_paths.get(d.file) if d.file is not None else None,
        line=d.line,
    )


def as_shown(d: StoredDiagnostic, shown_paths: Mapping[str, str]) -> Diagnostic:
    """A kept diagnostic, naming its page as ``shown_paths`` shows it this time."""
    file = shown_paths.get(d.source_path, d.source_path) if d.source_path is not None else d.file
    return Diagnostic(d.level, d.code, d.message, file, d.line)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a reader never sees half)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
