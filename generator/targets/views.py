"""View pieces every target's templates share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from generator.model import Table
from generator.requests import Body, Param, Request
from generator.webapi import Navigation, expandable


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


def request_doc(req: Request, code: str) -> tuple[str, str | None]:
    """The doc sentences of ``req``'s builder; ``code`` marks code in the
    language's doc comments (two backticks in a docstring, one in JSDoc)."""
    related = (
        f"{code}related{code} is the other row's URL relative to the service root, "
        f"such as {code}accounts(00000000-0000-0000-0000-000000000001){code}."
    )
    return (
        f"Build the Web API request for the {req.message} message.",
        related if req.takes_related else None,
    )


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


def expand_texts(table: Table, name_of: Mapping[str, str]) -> list[tuple[str, Navigation]]:
    """Each navigation property of ``table`` (``webapi.expandable``) with the
    text its constant is named from: a lookup's navigation after the lookup's
    own name in the target (``name_of``: logical name -> name), with its
    target when it has one per target; a one-to-many's after the related
    table and its lookup column (the real names run past a line); any other
    after itself."""
    navs = expandable(table)
    per_column = Counter(n.column for n in navs if n.column is not None and not n.collection)
    out: list[tuple[str, Navigation]] = []
    for n in navs:
        text = n.name
        if n.collection and n.column is not None:
            text = f"{n.target} {n.column}"  # the rows whose column points here
        elif n.column is not None and n.column in name_of:
            own = name_of[n.column]
            text = f"{own} {n.target}" if per_column[n.column] > 1 else own
        out.append((text, n))
    return out
