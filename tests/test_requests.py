"""Each message's Web API request is decided once (generator/requests.py) and
printed by each target: the data, then the same request as Python and
TypeScript print it."""

from __future__ import annotations

import pytest

from generator.model import Message, Table, WebApiOperation
from generator.requests import Request, UrlPart, request
from generator.targets.python_files import table_module as py_module
from generator.targets.typescript_files import table_module as ts_module

KEY = UrlPart("key", param=True)


def message(kind: str, **op: str) -> Message:
    return Message(name="M", web_api=WebApiOperation(kind=kind, **op))


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        (
            message("http", method="PATCH", path="accounts({accountid})"),
            Request(
                "M", "PATCH", (UrlPart("accounts("), KEY, UrlPart(")")), ("key", "body"), "body"
            ),
        ),
        (
            message("http", method="GET", path="accounts"),
            Request("M", "GET", (UrlPart("accounts"),), ()),
        ),
        (
            message("http", method="DELETE", path="accounts({accountid})"),
            Request("M", "DELETE", (UrlPart("accounts("), KEY, UrlPart(")")), ("key",)),
        ),
        (
            message("associate"),
            Request(
                "M",
                "POST",
                (
                    UrlPart("accounts("),
                    KEY,
                    UrlPart(")/"),
                    UrlPart("navigation", param=True),
                    UrlPart("/$ref"),
                ),
                ("key", "navigation", "related"),
                "odata_id",
                takes_related=True,
            ),
        ),
        (
            message("action", name="WinOpportunity"),
            Request("M", "POST", (UrlPart("WinOpportunity"),), ("parameters",), "parameters"),
        ),
        (
            message("function", name="WhoAmI"),
            Request("M", "GET", (), ("parameters",), function="WhoAmI"),
        ),
        (message("action"), None),  # an action with no name: nothing to call
        (Message(name="M", web_api=None), None),
        (
            Message(
                name="M",
                subscribe_only=True,
                web_api=WebApiOperation(kind="action", name="M"),
            ),
            None,  # an event: subscribed to, never invoked
        ),
    ],
)
def test_each_kind_of_message_is_one_request(msg: Message, expected: Request | None) -> None:
    assert request(msg, "accounts") == expected


def test_disassociate_sends_the_other_row_as_its_id() -> None:
    req = request(message("disassociate"), "accounts")
    assert req is not None and (req.method, req.body) == ("DELETE", "none")
    assert [p.text for p in req.url[-3:]] == ["/$ref", "?$id=", "related"]
    assert req.url[-1].param


def test_both_languages_print_the_same_request() -> None:
    """Both templates print the one request, each in its language, from the
    same view."""
    table = Table(
        logical_name="account",
        entity_set_name="accounts",
        messages=(
            Message(name="Disassociate", web_api=WebApiOperation(kind="disassociate")),
            Message(
                name="Update",
                web_api=WebApiOperation(kind="http", method="PATCH", path="accounts({accountid})"),
            ),
        ),
    )
    tables = {"account": table}
    python = py_module(table, tables)[0].source.splitlines()
    typescript = ts_module(table, tables, ("account", "Account"))[0].source.splitlines()
    assert (
        '  return { method: "DELETE", url: "accounts(" + key + ")/" + navigation + "/$ref" + '
        '"?$id=" + related };'
    ) in typescript
    assert '  return { method: "PATCH", url: "accounts(" + key + ")", body: { ...body } };' in (
        typescript
    )
    disassociate = [
        "    return _runtime.Request(",
        '        "DELETE",',
        '        "accounts(" + str(key) + ")/" + navigation + "/$ref" + "?$id=" + related,',
        "    )",
    ]
    start = python.index(disassociate[0])
    assert python[start : start + 4] == disassociate
    assert (
        '    return _runtime.Request("PATCH", "accounts(" + str(key) + ")", dict(body))' in python
    )
