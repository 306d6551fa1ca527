"""Rows addressed by alternate key (issue 21, point 4), from a real org's
``$metadata``: a string key (``msdyn_aiodimage``), a composite of a number and
an id (``team``) and one with a lookup (``msdyn_aibfile``).

The Python helpers' requests are sent over HTTPS to the loopback org, which
looks rows up by key as the Web API does (an upsert that creates, an update
that will not, a create that finds one); the TypeScript helpers are used
with the real DynamicsWebApi, pinned in ``package-lock.json``.
"""

from __future__ import annotations

import importlib
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.fake_dataverse import API, Org, Running, TableInfo, serve
from tests.helpers import FIXTURES, run_build, ts_project, tsc

ONLINE = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
CHECKSUM = "O'Neil/1 & co"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keys")
    run_build(root, [ONLINE], "python", "typescript", python_package="keyed")
    return root


@pytest.fixture(scope="module")
def package(out: Path) -> Iterator[str]:
    sys.path.insert(0, str(out / "python"))
    try:
        yield "keyed"
    finally:
        sys.path.remove(str(out / "python"))
        for name in [n for n in sys.modules if n.startswith("keyed")]:
            del sys.modules[name]


def _module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def test_a_key_is_written_as_the_web_api_reads_it(package: str) -> None:
    image = _module(package, "msdyn_aiodimage").by_msdyn_checksum(msdyn_checksum=CHECKSUM)
    assert image.segment == "msdyn_checksum='O''Neil%2F1%20%26%20co'"
    assert image.url == f"msdyn_aiodimages({image.segment})"
    assert image.bind == f"/msdyn_aiodimages({image.segment})"
    aad = uuid.UUID("8d1b7f4c-4b0e-4f3e-9c2a-1f0e5d6c7b8a")
    team = _module(package, "team").by_membershiptype_azureactivedirectoryobjectid(
        membershiptype=0, azureactivedirectoryobjectid=aad
    )
    assert team.url == f"teams(membershiptype=0,azureactivedirectoryobjectid={aad})"
    folder = uuid.UUID(int=7)
    file = _module(package, "msdyn_aibfile").by_msdyn_checksum_msdyn_aibdatasetscontainerid(
        msdyn_checksum="abc", msdyn_aibdatasetscontainerid=folder
    )
    # a lookup is named by its _x_value property, as $metadata's key says
    assert file.segment == f"msdyn_checksum='abc',_msdyn_aibdatasetscontainerid_value={folder}"
    with pytest.raises(TypeError):
        _module(package, "msdyn_aiodimage").by_msdyn_checksum(CHECKSUM)  # keyword-only


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Running]:
    info = TableInfo(
        logical_name="msdyn_aiodimage",
        entity_set="msdyn_aiodimages",
        primary_id="msdyn_aiodimageid",
        keys=[("msdyn_checksum",)],
    )
    yield from serve(Org({info.entity_set: info}), str(tmp_path))


def _send(org: Running, request: object) -> tuple[int, dict[str, object] | None]:
    body = request.json()  # type: ignore[attr-defined]
    sent = urllib.request.Request(
        org.url + API + request.url,  # type: ignore[attr-defined]
        data=body.encode() if body is not None else None,
        method=request.method,  # type: ignore[attr-defined]
        headers={"Content-Type": "application/json", **request.headers},  # type: ignore[attr-defined]
    )
    context = ssl.create_default_context(cafile=org.ca_file)
    try:
        with urllib.request.urlopen(sent, context=context) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_python_requests_by_key_against_the_loopback_org(package: str, org: Running) -> None:
    key = _module(package, "msdyn_aiodimage").by_msdyn_checksum(msdyn_checksum=CHECKSUM)
    assert _send(org, key.update({"msdyn_name": "first"}))[0] == 404  # update never creates
    assert _send(org, key.upsert({"msdyn_name": "first"}))[0] == 204  # upsert does
    assert _send(org, key.create({"msdyn_name": "again"}))[0] == 412  # create finds it
    assert _send(org, key.update({"msdyn_name": "second"}))[0] == 204
    status, row = _send(org, key.retrieve(["msdyn_name", "msdyn_checksum"]))
    assert status == 200 and row is not None
    assert (row["msdyn_name"], row["msdyn_checksum"]) == ("second", CHECKSUM)
    assert _send(org, key.delete())[0] == 204
    assert _send(org, key.retrieve())[0] == 404
    # what the org received: the key as Dataverse reads it, and the headers that decide
    sent = [
        (s.method, s.path, s.headers.get("If-Match"), s.headers.get("If-None-Match"))
        for s in org.org.seen
    ]
    path = "msdyn_aiodimages(msdyn_checksum='O''Neil/1 & co')"
    assert sent[:3] == [
        ("PATCH", path, "*", None),
        ("PATCH", path, None, None),
        ("PATCH", path, None, "*"),
    ]


PROGRAM = """\
declare const process: { env: Record<string, string | undefined> };
import { DynamicsWebApi } from "dynamics-web-api";
import { MsdynAiodimage as Image } from "dataverse-bindings";

const api = new DynamicsWebApi({
  serverUrl: process.env["ORG_URL"] ?? "",
  onTokenRefresh: async () => "t0ken",
});
const key = Image.byMsdynChecksum({ msdyn_checksum: "CHECKSUM" });
await api.upsert({ collection: Image.entitySetName, key: key.segment, data: { msdyn_name: "ts" } });
const row = await api.retrieve<{ msdyn_name: string }>({
  collection: Image.entitySetName,
  key: key.segment,
  select: ["msdyn_name"],
});
console.log(JSON.stringify({ name: row?.msdyn_name, bind: key.bind }));

export function refused(): void {
  // @ts-expect-error the key's part is a string
  Image.byMsdynChecksum({ msdyn_checksum: 42 });
}
"""


def test_typescript_keys_with_dynamics_web_api(out: Path, org: Running, tmp_path: Path) -> None:
    package = out / "typescript"
    built = tsc(package)
    assert built.returncode == 0, built.stdout
    program = PROGRAM.replace("CHECKSUM", "O'Neil/1")
    app = ts_project(tmp_path / "app", package, program, modules=("dynamics-web-api",))
    compiled = tsc(app)
    assert compiled.returncode == 0, compiled.stdout
    ran = subprocess.run(
        ["node", str(app / "dist" / "main.js")],
        capture_output=True,
        text=True,
        env={**os.environ, "ORG_URL": org.url + "/", "NODE_EXTRA_CA_CERTS": org.ca_file},
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    assert seen == {"name": "ts", "bind": "/msdyn_aiodimages(msdyn_checksum='O''Neil%2F1')"}
    paths = [s.path.partition("?")[0] for s in org.org.seen]
    assert paths == ["msdyn_aiodimages(msdyn_checksum='O''Neil/1')"] * 2
