"""View pieces every target's templates share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.requests import Body, Param, Request


@dataclass(slots=True)
class StateOf:
    """A status value and the state value it belongs to."""

    value: int
    state: int


@dataclass(slots=True)
class UrlPiece:
    """A piece of a request's URL: literal text (``literal``, escaped for the
    language) or the value of a parameter (``param``, its name)."""

    literal: str = ""
    param: str = ""


@dataclass(slots=True)
class RequestView:
    """A :class:`generator.requests.Request`, its text escaped for one language."""

    message: str  # the message's name, as the docs give it (not escaped)
    method: str  # a string literal
    #: the URL relative to the service root, end to end; empty for a function
    url: list[UrlPiece]
    function: str  # a function's name as a string literal, or ""
    params: tuple[Param, ...]  # what the builder takes, in order
    body: Body  # what it sends
    takes_related: bool


def request_view(req: Request, literal: Callable[[str], str]) -> RequestView:
    """``req`` with its text as ``literal`` writes string literals."""
    return RequestView(
        message=req.message,
        method=literal(req.method),
        url=[UrlPiece(param=p.text) if p.param else UrlPiece(literal(p.text)) for p in req.url],
        function=literal(req.function) if req.function is not None else "",
        params=req.params,
        body=req.body,
        takes_related=req.takes_related,
    )
