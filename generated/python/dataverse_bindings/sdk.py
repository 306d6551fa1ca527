"""Typed operations on Microsoft's official Python SDK for Dataverse.

Install the package with its ``sdk`` extra (``pip install "<distribution>[sdk]"``),
which brings ``PowerPlatform-Dataverse-Client``; the rest of the package needs
only the standard library and never imports this module.

    from azure.identity import InteractiveBrowserCredential
    from PowerPlatform.Dataverse.client import DataverseClient
    from dataverse_bindings.sdk import Tables
    from dataverse_bindings.account import Account

    with DataverseClient("https://org.crm.dynamics.com", InteractiveBrowserCredential()) as client:
        tables = Tables(client)
        account_id = tables.create(Account(name="Contoso"))
        account = tables.retrieve(Account, account_id)
        tables.update(account, dataclasses.replace(account, name="Contoso Ltd"))

Rows go in and come out; ids are :class:`uuid.UUID`. Reads ask the Web API
for the annotations the rows need (formatted values, a lookup's table), and
updates send only the columns that changed. Before each call the SDK's own
caches are filled from the bindings (entity set, primary id, choice labels),
so it makes none of the metadata requests it would otherwise make.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import TypedDict, TypeVar, Unpack

from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.data._odata import _ODataClient

from . import _runtime

R = TypeVar("R", bound=_runtime.Row)
#: The annotations every read asks for (``Prefer: odata.include-annotations``).
ANNOTATIONS = "*"


class Query(TypedDict, total=False):
    """What :meth:`Tables.list` may ask for; ``filter`` and ``orderby`` name
    properties as ``table.Select`` does, ``expand`` as ``table.Expand``."""

    filter: str
    select: Sequence[str]
    orderby: Sequence[str]
    top: int
    expand: Sequence[str]
    page_size: int  # rows a page; every page is read


class Tables:
    """The generated tables' rows, read and written through a ``DataverseClient``."""

    def __init__(self, client: DataverseClient) -> None:
        self.client = client

    def create(self, row: _runtime.Row) -> uuid.UUID:
        """Create ``row`` (the columns it sets that a create may send); its new id."""
        table = self._known(type(row))
        new_id = self.client.records.create(table, _runtime.to_odata(row, "create"))
        return uuid.UUID(new_id)

    def retrieve(
        self,
        table: type[R],
        row_id: uuid.UUID | str,
        *,
        select: Sequence[str] | None = None,
        expand: Sequence[str] | None = None,
    ) -> R | None:
        """The row of ``table`` with id ``row_id``, or ``None`` when there is none.
        ``select`` takes ``table.Select`` names; ``expand`` ``table.Expand`` names."""
        name = self._known(table)
        record = self.client.records.retrieve(
            name,
            str(_key(row_id)),
            select=list(select) if select is not None else None,
            expand=list(expand) if expand is not None else None,
            include_annotations=ANNOTATIONS,
        )
        return None if record is None else _runtime.from_odata(table, record)

    def list(self, table: type[R], **query: Unpack[Query]) -> list[R]:
        """Every row of ``table`` the query matches (all pages)."""
        return list(self.iterate(table, **query))

    def iterate(self, table: type[R], **query: Unpack[Query]) -> Iterator[R]:
        """The rows :meth:`list` returns, asking for each page as it is reached."""
        select, orderby, expand = query.get("select"), query.get("orderby"), query.get("expand")
        pages = self.client.records.list_pages(
            self._known(table),
            filter=query.get("filter"),
            select=list(select) if select is not None else None,
            orderby=list(orderby) if orderby is not None else None,
            top=query.get("top"),
            expand=list(expand) if expand is not None else None,
            page_size=query.get("page_size"),
            include_annotations=ANNOTATIONS,
        )
        for page in pages:
            for record in page:
                yield _runtime.from_odata(table, record)

    def update(self, before: R, after: R, *, if_unchanged: bool = False) -> bool:
        """Update the row ``before`` was read as into ``after``, sending only the
        columns that differ (``None`` clears one); whether anything was sent.

        With ``if_unchanged``, the update carries ``before``'s ETag as
        ``If-Match``, so it fails (``HttpError``, status 412) rather than
        overwrite a change made on the server since ``before`` was read.
        """
        table = type(after)
        name = self._known(table)
        body = _runtime.changes(before, after)
        if not body:
            return False
        row_id = str(_key(_id_of(after)))
        if not if_unchanged:
            self.client.records.update(name, row_id, body)
            return True
        header = _runtime.if_match(before)
        with self.client._scoped_odata() as od:
            request = od._build_update(name, row_id, body)
            request.headers = {**(request.headers or {}), **header}
            od._execute_raw(request)
        return True

    def delete(self, table: type[_runtime.Row], row_id: uuid.UUID | str) -> None:
        """Delete the row of ``table`` with id ``row_id``."""
        self.client.records.delete(self._known(table), str(_key(row_id)))

    def _known(self, table: type[_runtime.Row]) -> str:
        """Tell the SDK what it would otherwise ask the org (entity set, primary
        id, choice labels); the table's name as the SDK takes it."""
        name = table.LOGICAL_NAME
        od = self.client._get_odata()
        _seed(od, table)
        return name


def _seed(od: _ODataClient, table: type[_runtime.Row]) -> None:
    key = od._normalize_cache_key(table.LOGICAL_NAME)
    od._logical_to_entityset_cache[key] = table.ENTITY_SET_NAME
    if table.PRIMARY_ID:
        od._logical_primaryid_cache[key] = table.PRIMARY_ID
    picklists = {
        od._normalize_cache_key(col.wire): {
            od._normalize_picklist_label(str(getattr(member, "label", member.name))): int(member)
            for member in col.choice
        }
        for col in table.COLUMNS
        if col.kind == "choice" and col.choice is not None
    }
    od._picklist_label_cache[key] = {"ts": time.time(), "picklists": picklists}


def _key(row_id: uuid.UUID | str) -> uuid.UUID:
    """An id as a UUID: a string that is not one never reaches a URL."""
    if isinstance(row_id, uuid.UUID):
        return row_id
    try:
        return uuid.UUID(row_id)
    except (ValueError, AttributeError, TypeError):
        raise _runtime.ColumnError(f"{row_id!r} is not a row id") from None


def _id_of(row: _runtime.Row) -> uuid.UUID:
    """The id of ``row``: its primary id column."""
    for col in type(row).COLUMNS:
        if col.wire == type(row).PRIMARY_ID:
            value = getattr(row, col.field)
            if isinstance(value, uuid.UUID):
                return value
    raise _runtime.ColumnError(
        f"{type(row).LOGICAL_NAME}: the row has no id ({type(row).PRIMARY_ID}); read it first"
    )
