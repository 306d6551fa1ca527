"""The generated Python package with Microsoft's official SDK
(``PowerPlatform-Dataverse-Client``, pinned), and its own standard-library core.

The SDK runs as it is, over real HTTPS to a loopback org
(:mod:`tests.fake_dataverse`): nothing of the client is replaced, only the
org. Each test checks the exact requests the SDK sent.
"""

from __future__ import annotations

import dataclasses
import decimal
import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.protocol import DataverseModel

from tests.fake_dataverse import Org, Running, Seen, TableInfo, serve
from tests.helpers import SCHEMA_DOCS, run_build

PACKAGE = "dvgen_sdk_test"
OWNER = uuid.UUID("99999999-8888-7777-6666-555555555555")
WORK_ITEM = uuid.UUID("11111111-2222-3333-4444-555555555555")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("sdk") / "out"
    settings = {"python_package": PACKAGE, "python_distribution": "sdk-test"}
    run_build(out, [SCHEMA_DOCS], "python", **settings)
    sys.path.insert(0, str(out / "python"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out / "python"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _table(package: ModuleType, module: str) -> Any:
    mod = importlib.import_module(f"{PACKAGE}.{module}")
    cls = next(
        v
        for v in vars(mod).values()
        if isinstance(v, type) and issubclass(v, package.Row) and v is not package.Row
    )
    return cls


def _info(cls: Any) -> TableInfo:
    navigations: dict[str, tuple[str, dict[str, str]]] = {}
    for col in cls.COLUMNS:
        for table, (entity_set, nav) in col.targets.items():
            navigations.setdefault(nav, (col.wire, {}))[1][entity_set] = table
    labels = {
        col.wire: {int(m): m.label for m in col.choice}
        for col in cls.COLUMNS
        if col.kind == "choice" and col.choice is not None
    }
    return TableInfo(cls.LOGICAL_NAME, cls.ENTITY_SET_NAME, cls.PRIMARY_ID, navigations, labels)


class _Token:
    """A credential as azure-identity's are: what the SDK asks a token of."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        del scopes, kwargs
        return AccessToken("t0ken", 4_102_444_800)


@pytest.fixture
def org(package: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    tables = [_table(package, "msdyn_smsengagementctx"), _table(package, "msdyn_ocliveworkitem")]
    fake = Org({t.ENTITY_SET_NAME: _info(t) for t in tables})
    for running in serve(fake, str(tmp_path)):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_file)  # trust the loopback org
        yield running


@pytest.fixture
def client(org: Running) -> Iterator[DataverseClient]:
    with DataverseClient(org.url, _Token()) as client:
        yield client


@pytest.fixture
def sms(package: ModuleType) -> Any:
    """The SMS engagement table's row class."""
    return _table(package, "msdyn_smsengagementctx")


@pytest.fixture
def tables(client: DataverseClient) -> Any:
    """The package's adapter around ``client``."""
    return importlib.import_module(f"{PACKAGE}.sdk").Tables(client)


def _requests(org: Running) -> list[tuple[str, str, Any]]:
    return [(s.method, s.path, s.body) for s in org.org.seen]


def _no_metadata(seen: list[Seen]) -> None:
    assert [s.path for s in seen if s.path.startswith("EntityDefinitions")] == []


def test_rows_are_the_sdks_dataverse_model(sms: Any) -> None:
    row = sms(msdyn_name="n")
    assert isinstance(row, DataverseModel)
    assert (row.__entity_logical_name__, row.__entity_set_name__) == (
        "msdyn_smsengagementctx",
        "msdyn_smsengagementctxes",
    )
    assert row.to_dict() == {"msdyn_name": "n"}
    assert sms.from_dict({"msdyn_name": "m"}) == sms(msdyn_name="m")


def test_create_sends_the_body_and_returns_the_typed_id(
    package: ModuleType, org: Running, sms: Any, tables: Any
) -> None:
    from dvgen_sdk_test.msdyn_smsengagementctx import MsdynSmsprovider  # noqa: PLC0415

    row = sms(
        msdyn_name="chat",
        msdyn_liveworkitemid=package.Lookup("msdyn_ocliveworkitem", WORK_ITEM),
        msdyn_smsprovider=MsdynSmsprovider.TWILIO,
    )
    new_id = tables.create(row)
    assert new_id == uuid.UUID(int=1)
    assert _requests(org) == [
        (
            "POST",
            "msdyn_smsengagementctxes",
            {
                "msdyn_name": "chat",
                "msdyn_liveworkitemid@odata.bind": f"/msdyn_ocliveworkitems({WORK_ITEM})",
                "msdyn_smsprovider": 192350001,
            },
        )
    ]
    assert org.org.seen[0].headers["Authorization"] == "Bearer t0ken"


def test_retrieve_asks_for_annotations_and_reads_a_typed_row(
    package: ModuleType, org: Running, sms: Any, tables: Any
) -> None:
    row_id = org.org.add(
        "msdyn_smsengagementctxes",
        {
            "msdyn_name": "chat",
            "msdyn_smsprovider": 192350000,
            "ownerid@odata.bind": f"/teams({OWNER})",
        },
    )
    got = tables.retrieve(sms, row_id, select=[sms.Select.MSDYN_NAME, sms.Select.OWNER_ID])
    assert got is not None
    assert got.msdyn_name == "chat" and got.etag == 'W/"1000"'
    assert got.msdyn_smsengagementctx_id == row_id  # the key comes whatever $select says
    assert got.owner_id == package.Lookup("team", OWNER, f"name of {OWNER}")
    (seen,) = org.org.seen
    assert (seen.method, seen.path) == (
        "GET",
        f"msdyn_smsengagementctxes({row_id})?$select=msdyn_name,_ownerid_value",
    )
    assert seen.headers["Prefer"] == 'odata.include-annotations="*"'
    assert tables.retrieve(sms, uuid.UUID(int=77)) is None  # 404: no such row


def test_a_row_read_without_annotations_never_invents_a_table(
    package: ModuleType, org: Running, client: DataverseClient, sms: Any
) -> None:
    """The SDK's own default read has no annotations: ownerid then does not
    say which table it points at (issue 20: it came back as table 'None')."""
    row_id = org.org.add(
        "msdyn_smsengagementctxes",
        {"msdyn_name": "chat", "ownerid@odata.bind": f"/systemusers({OWNER})"},
    )
    record = client.records.retrieve("msdyn_smsengagementctx", str(row_id))
    row = package.from_odata(sms, record)  # the SDK's Record, not a dict
    assert row.owner_id == package.Lookup(None, OWNER)
    assert package.changes(row, dataclasses.replace(row, msdyn_name="new")) == {"msdyn_name": "new"}
    with pytest.raises(package.ColumnError, match="which table this lookup points at"):
        package.to_odata(row, "update")


def test_update_sends_only_what_changed(org: Running, sms: Any, tables: Any) -> None:
    row_id = org.org.add(
        "msdyn_smsengagementctxes",
        {
            "msdyn_name": "chat",
            "statecode": 0,
            "statuscode": 1,
            "ownerid@odata.bind": f"/teams({OWNER})",
            "msdyn_liveworkitemid@odata.bind": f"/msdyn_ocliveworkitems({WORK_ITEM})",
        },
    )
    before = tables.retrieve(sms, row_id)
    assert before is not None
    org.org.seen.clear()
    after = dataclasses.replace(before, msdyn_name="renamed", msdyn_liveworkitemid=None)
    assert tables.update(before, after) is True
    assert _requests(org) == [
        (
            "PATCH",
            f"msdyn_smsengagementctxes({row_id})",
            {"msdyn_name": "renamed", "msdyn_liveworkitemid@odata.bind": None},
        ),
    ]
    assert tables.update(after, after) is False  # nothing changed: nothing sent
    assert len(org.org.seen) == 1
    _no_metadata(org.org.seen)


def test_update_if_unchanged_carries_the_etag(org: Running, sms: Any, tables: Any) -> None:
    row_id = org.org.add("msdyn_smsengagementctxes", {"msdyn_name": "chat"})
    before = tables.retrieve(sms, row_id)
    assert before is not None
    tables.update(before, dataclasses.replace(before, msdyn_name="one"), if_unchanged=True)
    assert org.org.seen[-1].headers["If-Match"] == 'W/"1000"'
    # the row changed on the server since `before` was read: 412, nothing written
    with pytest.raises(HttpError) as failed:
        tables.update(before, dataclasses.replace(before, msdyn_name="two"), if_unchanged=True)
    assert failed.value.status_code == 412
    assert org.org.rows["msdyn_smsengagementctxes"][row_id]["msdyn_name"] == "one"


def test_decimals_and_choices_go_as_json(package: ModuleType, org: Running, tables: Any) -> None:
    """A Decimal in the body made the SDK fail: "Object of type Decimal is
    not JSON serializable" (issue 20)."""
    from dvgen_sdk_test.msdyn_ocliveworkitem import MsdynStreamsource  # noqa: PLC0415

    conv = _table(package, "msdyn_ocliveworkitem")
    row = conv(
        subject="s",
        msdyn_averageresponsetimeinmsadjforoh=decimal.Decimal("12.25"),
        msdyn_channel=frozenset({MsdynStreamsource(192450001), MsdynStreamsource(192390000)}),
    )
    tables.create(row)
    ((_, _, body),) = _requests(org)
    assert body == {
        "subject": "s",
        "msdyn_averageresponsetimeinmsadjforoh": 12.25,
        "msdyn_channel": "192390000,192450001",
    }
    with pytest.raises(package.ColumnError, match="more digits than a JSON number carries"):
        package.to_odata(
            dataclasses.replace(
                row, msdyn_averageresponsetimeinmsadjforoh=decimal.Decimal("0.12345678901234567890")
            )
        )


def test_list_reads_every_page_and_delete_takes_an_id(
    package: ModuleType, org: Running, sms: Any, tables: Any
) -> None:
    ids = [
        org.org.add("msdyn_smsengagementctxes", {"msdyn_name": name}) for name in ("a", "b", "c")
    ]
    rows = tables.list(sms, select=[sms.Select.MSDYN_NAME], page_size=2, filter="statecode eq 0")
    assert [r.msdyn_name for r in rows] == ["a", "b", "c"]
    paths = [s.path for s in org.org.seen]
    assert paths[0] == "msdyn_smsengagementctxes?$select=msdyn_name&$filter=statecode eq 0"
    assert len(paths) == 2 and "$skiptoken=2" in paths[1]
    assert {s.headers["Prefer"] for s in org.org.seen} == {
        'odata.maxpagesize=2,odata.include-annotations="*"'
    }
    tables.delete(sms, str(ids[0]))
    assert (
        org.org.seen[-1].method == "DELETE"
        and org.org.seen[-1].path == f"msdyn_smsengagementctxes({ids[0]})"
    )
    with pytest.raises(package.ColumnError, match="is not a row id"):
        tables.delete(sms, "x)/../systemusers(1")
    assert org.org.seen[-1].method == "DELETE" and len(org.org.seen) == 3
    _no_metadata(org.org.seen)


def test_the_sdk_alone_asks_the_org_what_the_bindings_know(
    org: Running, client: DataverseClient
) -> None:
    """The control for _no_metadata(): without the adapter, the same create
    makes the SDK look the entity set and the choice labels up."""
    client.records.create("msdyn_smsengagementctx", {"msdyn_name": "n"})
    assert [s.path.split("?")[0] for s in org.org.seen] == [
        "EntityDefinitions",
        "EntityDefinitions(LogicalName='msdyn_smsengagementctx')/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        "msdyn_smsengagementctxes",
    ]


CONSUMER = """
import dataclasses
import uuid

from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.models.protocol import DataverseModel

from dvgen_sdk_test import changes, from_odata
from dvgen_sdk_test.msdyn_smsengagementctx import MsdynSmsengagementctx as Sms
from dvgen_sdk_test.sdk import Tables


def rename(client: DataverseClient, row_id: uuid.UUID) -> uuid.UUID | None:
    tables = Tables(client)
    row = tables.retrieve(Sms, row_id, select=[Sms.Select.MSDYN_NAME, Sms.Select.OWNER_ID])
    if row is None:
        return None
    tables.update(row, dataclasses.replace(row, msdyn_name=row.msdyn_name.upper()))
    model: DataverseModel = row
    record = client.records.retrieve(model.__entity_logical_name__, str(row_id))
    if record is not None:
        again: Sms = from_odata(Sms, record)
        assert changes(row, again) is not None
    return tables.create(Sms(msdyn_name="copy"))
"""


def test_a_typed_program_using_the_adapter_passes_mypy_strict(
    package: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    root = Path(package.__file__).parent.parent
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            str(tmp_path / "consumer.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(root)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
