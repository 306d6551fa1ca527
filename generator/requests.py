"""Each documented message's Web API request, decided once, as data: its
method, its URL as literal text and parameters end to end, its parameters,
and its body. Every target prints the same :class:`Request` in its own
language (``targets/python.py``, ``targets/typescript.py``); none decides
again which messages have a request, where the key goes, or what a body is.

The kinds of request the pages give (:class:`generator.model.WebApiOperation`):

* an HTTP request on the table (``PATCH accounts({id})``): the only
  placeholder Dataverse pages use is the row's key; POST, PATCH and PUT send
  the caller's body;
* Associate and Disassociate: the ``$ref`` endpoint of a navigation property,
  with the other row's URL as ``@odata.id`` (POST) or ``$id`` (DELETE);
* an action: POST to its name, its parameters as the body;
* a function: GET ``Name(P=@p1)?@p1=...``, its parameters as aliases (the
  runtime's ``operation_url`` writes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator import webapi
from generator.model import Message

#: What a request builder takes: the row's key, a navigation property's name,
#: the other row's URL, the caller's body, or the operation's parameters.
Param = Literal["key", "navigation", "related", "body", "parameters"]
#: What a request sends: nothing, the caller's body, the operation's
#: parameters, or ``{"@odata.id": related}``.
Body = Literal["none", "body", "parameters", "odata_id"]
BODY_METHODS = ("POST", "PATCH", "PUT")


@dataclass(frozen=True, slots=True)
class UrlPart:
    """Literal URL text, or (``param``) the value of that parameter."""

    text: str
    param: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    message: str
    method: str
    #: the URL relative to the service root, end to end; empty for a function,
    #: whose URL the runtime writes from ``function`` and the parameters
    url: tuple[UrlPart, ...]
    params: tuple[Param, ...]
    body: Body = "none"
    function: str | None = None  # a function's name
    takes_related: bool = False  # the doc explains what ``related`` is


def _text(text: str) -> UrlPart:
    return UrlPart(text)


def _param(name: Param) -> UrlPart:
    return UrlPart(name, param=True)


def request(msg: Message, entity_set: str) -> Request | None:
    """The request for ``msg`` on a table whose entity set is ``entity_set``;
    ``None`` when the message has none (an event, or nothing the Web API says)."""
    op = webapi.invocable(msg)
    if op is None:
        return None
    if op.kind == "http" and op.method and op.path:
        before, brace, rest = op.path.partition("{")
        if brace:
            url: tuple[UrlPart, ...] = (
                _text(before),
                _param("key"),
                _text(rest.partition("}")[2]),
            )
            params: tuple[Param, ...] = ("key",)
        else:
            url, params = (_text(op.path),), ()
        if op.method in BODY_METHODS:
            return Request(msg.name, op.method, url, (*params, "body"), "body")
        return Request(msg.name, op.method, url, params)
    if op.kind in ("associate", "disassociate"):
        ref = (_text(entity_set + "("), _param("key"), _text(")/"), _param("navigation"))
        params = ("key", "navigation", "related")
        if op.kind == "associate":
            url = (*ref, _text("/$ref"))
            return Request(msg.name, "POST", url, params, "odata_id", takes_related=True)
        url = (*ref, _text("/$ref"), _text("?$id="), _param("related"))
        return Request(msg.name, "DELETE", url, params, takes_related=True)
    if op.kind == "action" and op.name:
        return Request(msg.name, "POST", (_text(op.name),), ("parameters",), "parameters")
    if op.kind == "function" and op.name:
        return Request(msg.name, "GET", (), ("parameters",), function=op.name)
    return None
