"""An XML document read without trusting it: no DTD, no entities, bounded.

A ``$metadata`` document is saved from an org and committed, so it is input
like a page: a hostile one must end in an error naming its file and line,
never in a fetch of an external entity, an entity expansion that exhausts
memory, or a stack overflow. defusedxml's expat reader refuses any DTD,
entity declaration or external reference; this module adds limits on size,
depth and element count, and keeps each element's line.
"""

from __future__ import annotations

import io
import xml.sax
import xml.sax.xmlreader
from dataclasses import dataclass, field
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesNSImpl, Locator

import defusedxml
from defusedxml.expatreader import DefusedExpatParser

MAX_BYTES = 64 * 1024 * 1024  # the largest real $metadata we know is about 4 MiB
MAX_DEPTH = 64
MAX_ELEMENTS = 2_000_000


class XmlError(ValueError):
    """A document that is not XML dvgen will read: ``line`` is where (1-based)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(slots=True)
class Node:
    """An element: ``tag`` is ``{namespace}name``; its attributes by plain name."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The tag without its namespace."""
        return self.tag.rpartition("}")[2]

    def kids(self, name: str) -> list[Node]:
        return [c for c in self.children if c.name == name]


class _Builder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.count = 0
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def line(self) -> int:
        found = self.locator.getLineNumber() if self.locator is not None else None
        return found or 0

    def startElementNS(
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        del qname
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise XmlError(f"more than {MAX_ELEMENTS} elements", self.line())
        if len(self.stack) >= MAX_DEPTH:
            raise XmlError(f"elements nested deeper than {MAX_DEPTH}", self.line())
        uri, local = name
        node = Node(
            f"{{{uri}}}{local}" if uri else local,
            {key[1]: value for key, value in attrs.items()},
            self.line(),
        )
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        del name, qname
        self.stack.pop()


def parse(data: bytes) -> Node:
    """The root element of ``data``; :class:`XmlError` when it is too large, not
    well-formed, or declares a DTD or entities."""
    if len(data) > MAX_BYTES:
        raise XmlError(f"{len(data)} bytes, more than the {MAX_BYTES} dvgen reads")
    builder = _Builder()
    reader = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    reader.setFeature(xml.sax.handler.feature_namespaces, True)
    reader.setFeature(xml.sax.handler.feature_external_ges, False)
    reader.setContentHandler(builder)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        reader.parse(source)  # parse(), not feed(): it gives the handler a locator
    except xml.sax.SAXParseException as exc:
        raise XmlError(f"not well-formed XML: {exc.getMessage()}", exc.getLineNumber()) from None
    except defusedxml.DTDForbidden:
        raise XmlError("the document has a DTD, which dvgen never reads", builder.line()) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise XmlError(
            "the document declares entities, which dvgen never expands", builder.line()
        ) from None
    if builder.root is None:
        raise XmlError("the document has no element")
    return builder.root
