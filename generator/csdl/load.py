"""One input file that is an org's ``$metadata``, read into its tables, or
an error diagnostic (``DV401``) that names the file and the line."""

from __future__ import annotations

import hashlib

from generator.csdl.document import short_name
from generator.csdl.operations import service_of
from generator.csdl.reader import CsdlError, read
from generator.csdl.tables import DocumentTables, tables_of
from generator.diagnostics import Diagnostics
from generator.model import Source


def load(
    data: bytes, source_path: str, shown_path: str, diags: Diagnostics
) -> DocumentTables | None:
    """The tables of the document ``data`` (``source_path`` below its docs
    root, ``shown_path`` as diagnostics show it)."""
    try:
        doc = read(data)
    except CsdlError as exc:
        diags.error(
            "DV401", f"not a $metadata document dvgen can read: {exc.message}", shown_path, exc.line
        )
        return None
    source = Source(
        path=source_path,
        sha256=hashlib.sha256(data).hexdigest(),
        variant="odata-csdl",
        title=doc.namespace,
    )
    found = tables_of(doc, source)
    found.service = service_of(doc, source, found.tables)
    for overloads in doc.operations.values():
        found.lines.setdefault(("operation", short_name(overloads[0].name)), overloads[0].line)
    declared = [(t.name, t.line) for t in doc.complex_types.values()]
    declared += [(e.name, e.line) for e in doc.enum_types.values()]
    for name, line in declared:
        found.lines[("type", short_name(name))] = line
    return found
