"""Messages from the Messages and Events tables (and the Sales AI comma list).

The Web API cell comes in several shapes, all read here:

* ``PATCH [*org URI*]/api/data/v9.1/accounts(*accountid*)`` (legacy) and
  ``` `PATCH` /accounts(*accountid*)``` (generated): an HTTP operation;
* ``<xref href="Microsoft.Dynamics.CRM.GrantAccess?text=GrantAccess Action" />``:
  an action or function, as the link text says;
* ``<xref:Microsoft.Dynamics.CRM.BulkRetain?displayProperty=nameWithType />``:
  an operation whose kind the page does not say (inferred, see
  :data:`KNOWN_FUNCTIONS`);
* ``**CCaaS_AcceptCall action**``: an action named in bold;
* ``[Associate records](...)``: the ``$ref`` association endpoints.
"""

from __future__ import annotations

import re
from typing import Any

from generator.model import Message, WebApiOperation
from generator.parse.context import NAME, PageContext
from generator.parse.markdown import Cell, Para, Row, Table

#: Dataverse Web API *functions* (GET) among the operations that table pages
#: link without saying whether they are actions or functions. Everything else
#: such a page links is an action (POST). Source: the Web API function
#: reference, learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/functions.
KNOWN_FUNCTIONS: frozenset[str] = frozenset(
    {
        "CalculateRollupField",
        "IsValidStateTransition",
        "RetrieveAuditDetails",
        "RetrieveDuplicates",
        "RetrieveEntityChanges",
        "RetrievePrincipalAccess",
        "RetrieveRecordChangeHistory",
        "RetrieveSharedPrincipalsAndAccess",
        "RetrieveUnpublished",
        "RetrieveUnpublishedMultiple",
        "RetrieveUserPrivileges",
        "ValidateRetentionConfig",
    }
)

_HTTP = re.compile(
    r"^`?(GET|POST|PATCH|PUT|DELETE)`?\s+(?:\[org URI\])?(?:/api/data/v[\d.]+)?/?(\S+)",
    re.IGNORECASE,
)
_KEY = re.compile(r"\(([A-Za-z_][A-Za-z0-9_]*)\)")
_OPERATION_TEXT = re.compile(r"^(\S+)\s+(Action|Function)$", re.IGNORECASE)
_CRM = "xref:Microsoft.Dynamics.CRM."
_INTERNAL = "executed only by dataverse"


def build_messages(ctx: PageContext, table: Table, events: bool) -> list[Message]:
    cols = [c.lower() for c in table.columns]
    if not cols or not (cols[0].startswith("message") or cols[0].startswith("name")):
        return []
    web_col = next((i for i, c in enumerate(cols) if c.startswith("web api")), None)
    sdk_col = next((i for i, c in enumerate(cols) if c.startswith("sdk")), None)
    out: list[Message] = []
    for row in table.rows:
        cells = row.cells
        if not cells:
            continue
        msg = _message(ctx, row, web_col, sdk_col, events)
        if msg is not None:
            out.append(msg)
            ctx.ledger.use(row.line)
    return out


def _message(
    ctx: PageContext, row: Row, web_col: int | None, sdk_col: int | None, events: bool
) -> Message | None:
    cells, line = row.cells, row.line
    segs = cells[0].segments
    name = segs[0] if segs else ""
    if not NAME.match(name):
        ctx.diags.warning(
            "DV150",
            f"message name {name!r} is not a valid name; the row was left out",
            ctx.file,
            line,
        )
        return None
    fields: dict[str, Any] = {"name": name, "sources": (ctx.source_path,)}
    is_event: bool | None = True if events else None
    for seg in segs[1:]:
        key, _, val = seg.partition(":")
        if key.strip().lower() == "event":
            is_event = val.strip().lower() == "true"
    fields["is_event"] = is_event
    fields["subscribe_only"] = True if events else None
    inferred: list[str] = []
    if web_col is not None and web_col < len(cells):
        op, guessed = _operation(cells[web_col])
        fields["web_api"] = op
        if guessed:
            inferred.append("web_api")
            ctx.diags.info(
                "DV151",
                f"message {name}: the page does not say whether it is an action or a function; "
                f"inferred {op.kind if op else '?'}",
                ctx.file,
                line,
            )
        elif op is None and _INTERNAL in cells[web_col].text.lower():
            fields["internal"] = True
        elif op is None and cells[web_col].text.strip():
            ctx.diags.warning(
                "DV152",
                f"message {name}: Web API operation {cells[web_col].text.strip()!r} not understood",
                ctx.file,
                line,
            )
    if sdk_col is not None and sdk_col < len(cells):
        fields["sdk_request"], fields["sdk_method"] = _sdk(cells[sdk_col])
    fields["inferred"] = tuple(inferred)
    return Message(**{k: v for k, v in fields.items() if v is not None})


def _operation(cell: Cell) -> tuple[WebApiOperation | None, bool]:
    """The operation a Web API cell describes, and whether its kind was guessed."""
    segs = cell.segments
    first = segs[0] if segs else ""
    m = _HTTP.match(first)
    if m:
        path = _KEY.sub(lambda k: "({" + k.group(1) + "})", m.group(2))
        return WebApiOperation(kind="http", method=m.group(1).upper(), path=path), False
    for link in cell.links:
        if link.href.startswith(_CRM):
            name = link.href[len(_CRM) :].split("?")[0]
            said = _OPERATION_TEXT.match(link.text.strip())
            if said:
                return WebApiOperation(kind=said.group(2).lower(), name=name), False
            kind = "function" if name in KNOWN_FUNCTIONS else "action"
            return WebApiOperation(kind=kind, name=name), True
        lowered = link.text.strip().lower()
        if lowered.startswith("associate"):
            return WebApiOperation(kind="associate"), False
        if lowered.startswith("disassociate"):
            return WebApiOperation(kind="disassociate"), False
    said = _OPERATION_TEXT.match(first)
    if said and NAME.match(said.group(1)):
        return WebApiOperation(kind=said.group(2).lower(), name=said.group(1)), False
    return None, False


def _sdk(cell: Cell) -> tuple[str | None, str | None]:
    request = method = None
    for link in cell.links:
        if not link.href.startswith("xref:"):
            continue
        uid = link.href[len("xref:") :].split("?")[0].rstrip("*")
        if uid.endswith("Request") and request is None:
            request = uid
        elif ".IOrganizationService." in uid and method is None:
            method = uid
    return request, method


def build_message_list(ctx: PageContext, para: Para) -> list[Message]:
    """The Sales AI pages' ``Assign, Create, Delete, ...`` line."""
    out: list[Message] = []
    for cell in para.lines:
        names = [n.strip() for n in cell.text.split(",")]
        if len(names) < 2 or not all(NAME.match(n) for n in names):
            continue
        out.extend(Message(name=n, sources=(ctx.source_path,)) for n in names)
    return out
