"""The generated TypeScript package with the clients people already use:
DynamicsWebApi (npm ``dynamics-web-api``) and ``Xrm.WebApi`` (``@types/xrm``),
both pinned in ``package-lock.json``.

A real program is compiled under ``tsc --strict`` against the real client's
types (its ``@ts-expect-error`` lines must be errors, so the types are held
both ways), then run with node against a loopback org
(:mod:`tests.fake_dataverse`), whose log of requests the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_dataverse import Org, Running, TableInfo, serve
from tests.helpers import ROOT, SCHEMA_DOCS, node_tool, run_build, ts_project, tsc

NODE_MODULES = ROOT / "node_modules"
OWNER = "99999999-8888-7777-6666-555555555555"
WORK_ITEM = "11111111-2222-3333-4444-555555555555"

PROGRAM = """\
declare const process: { env: Record<string, string | undefined> };
import { DynamicsWebApi } from "dynamics-web-api";
import { MsdynSmsengagementctx as Sms, guid } from "dataverse-bindings";

const api = new DynamicsWebApi({
  serverUrl: process.env["ORG_URL"] ?? "",
  onTokenRefresh: async () => "t0ken",
});

const newId: Sms.Id = await Sms.dynamicsWebApi.create(api, {
  msdyn_name: "chat",
  msdyn_smsprovider: Sms.MsdynSmsprovider.Twilio,
  ...Sms.bindings.msdynLiveworkitemid(guid<"msdyn_ocliveworkitem">("WORK_ITEM")),
});
const row = await Sms.dynamicsWebApi.retrieve(api, newId, {
  select: [
    Sms.Select.msdynName,
    Sms.Select.createdOn,
    Sms.Select.ownerId,
    Sms.Select.msdynSmsprovider,
  ],
  expand: [Sms.Expand.ownerId],
});
if (row === null) {
  throw new Error("the row just created was not found");
}
const created: Date | null | undefined = row.createdon;
const owner: string | undefined = row._ownerid_value_Formatted;
const ownerTable: "systemuser" | "team" | undefined = row._ownerid_value_LogicalName;
const provider: string | undefined = row.msdyn_smsprovider_Formatted;
const expanded = row.ownerid;

// what the types refuse (never run: the first would throw, as issue 20 found)
export async function refused(): Promise<void> {
  // @ts-expect-error a timestamp is a Date once DynamicsWebApi has read it
  row?.createdon?.slice(0, 10);
  // @ts-expect-error only this table's navigation properties can be expanded
  await Sms.dynamicsWebApi.retrieve(api, newId, { expand: ["msdyn_nosuchnavigation"] });
  // @ts-expect-error $select takes the property names Select gives (_x_value for a lookup)
  await Sms.dynamicsWebApi.retrieve(api, newId, { select: ["ownerid"] });
}

const etag = row["@odata.etag"] ?? "*";
await Sms.dynamicsWebApi.update(api, newId, { msdyn_name: "renamed" }, { ifMatch: etag });
const all = await Sms.dynamicsWebApi.retrieveMultiple(api, {
  select: [Sms.Select.msdynName],
  filter: "statecode eq 0",
  maxPageSize: 1,
});
const nobody = Sms.id("00000000-0000-0000-0000-0000000000ff");
const missing = await Sms.dynamicsWebApi.retrieve(api, nobody);
await Sms.dynamicsWebApi.delete(api, newId);

// Xrm.WebApi, as @types/xrm types it, fits the same table's typed calls
export async function inAModelDrivenApp(xrm: Xrm.WebApi): Promise<Sms.Id> {
  const select = [Sms.Select.msdynName];
  const rows = await Sms.xrmWebApi.retrieveMultiple(xrm, { select, top: 3 });
  const first: string | null | undefined = rows[0]?.msdyn_name;
  // @ts-expect-error a create needs the columns the docs require (msdyn_name)
  await Sms.xrmWebApi.create(xrm, {});
  return Sms.xrmWebApi.create(xrm, { msdyn_name: first ?? "none" });
}

// Xrm.WebApi itself runs only inside a model-driven app: here, an object of its
// shape that answers as it does records the options string the wrapper builds
const xrmCalls: string[] = [];
const pages = [
  {
    entities: [{ msdyn_name: "x1" }],
    nextLink: "https://org/api/data/v9.2/msdyn_smsengagementctxes?$skiptoken=1",
  },
  { entities: [{ msdyn_name: "x2" }] },
];
const xrmId = "0000000a-0000-0000-0000-000000000000";
const fakeXrm = {
  createRecord: async (_name: string, _record: object) => ({ id: xrmId }),
  retrieveRecord: async (_name: string, _id: string, _options?: string) => ({}),
  retrieveMultipleRecords: async (name: string, options?: string) => {
    xrmCalls.push(`${name}${options ?? ""}`);
    return pages[xrmCalls.length - 1] ?? { entities: [] };
  },
  updateRecord: async (_name: string, _id: string, _data: object) => ({}),
  deleteRecord: async (_name: string, _id: string) => ({}),
};
const xrmRows = await Sms.xrmWebApi.retrieveMultiple(fakeXrm, {
  select: [Sms.Select.msdynName, Sms.Select.ownerId],
  filter: "msdyn_name eq 'a&b'",
  expand: [Sms.Expand.ownerId],
});

console.log(
  JSON.stringify({
    xrmCalls,
    xrmNames: xrmRows.map((r) => r.msdyn_name),
    newId,
    created: created instanceof Date ? created.toISOString() : null,
    owner,
    ownerTable,
    provider,
    expanded: expanded === undefined ? "absent" : expanded === null ? "null" : "row",
    names: all.map((r) => r.msdyn_name),
    missing,
  }),
);
"""


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that uses the generated package with both clients: compiled."""
    root = tmp_path_factory.mktemp("clients")
    run_build(root / "out", [SCHEMA_DOCS], "typescript")
    package = root / "out" / "typescript"
    built = tsc(package)
    assert built.returncode == 0, built.stdout + built.stderr
    return ts_project(
        root / "app",
        package,
        PROGRAM.replace("WORK_ITEM", WORK_ITEM),
        modules=("dynamics-web-api", "@types/xrm"),
        types=("xrm",),
    )


def test_the_program_compiles_under_tsc_strict_with_both_clients(consumer: Path) -> None:
    done = tsc(consumer)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_types_hold_both_ways(consumer: Path, tmp_path: Path) -> None:
    """Without one of its @ts-expect-error lines' causes the program would not
    compile: the control that those lines are errors only because the types say so."""
    copy = tmp_path / "app"
    shutil.copytree(consumer, copy, symlinks=True)
    main = copy / "main.ts"
    text = main.read_text(encoding="utf-8")
    main.write_text(
        text.replace("// @ts-expect-error a timestamp", "// a timestamp"), encoding="utf-8"
    )
    done = tsc(copy)
    assert done.returncode != 0 and "slice" in done.stdout, done.stdout


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Running]:
    info = TableInfo(
        "msdyn_smsengagementctx",
        "msdyn_smsengagementctxes",
        "msdyn_smsengagementctxid",
        {
            "msdyn_liveworkitemid": (
                "msdyn_liveworkitemid",
                {"msdyn_ocliveworkitems": "msdyn_ocliveworkitem"},
            ),
            "ownerid": ("ownerid", {"systemusers": "systemuser", "teams": "team"}),
        },
        {"msdyn_smsprovider": {192350000: "TeleSign", 192350001: "Twilio"}},
    )
    yield from serve(Org({info.entity_set: info}), str(tmp_path))


def test_dynamics_web_api_sends_what_the_types_promise(consumer: Path, org: Running) -> None:
    assert tsc(consumer).returncode == 0
    other = org.org.add("msdyn_smsengagementctxes", {"msdyn_name": "other"})
    ran = subprocess.run(
        ["node", str(consumer / "dist" / "main.js")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ORG_URL": org.url + "/", "NODE_EXTRA_CA_CERTS": org.ca_file},
        timeout=60,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = json.loads(ran.stdout)
    assert out["newId"] == "00000000-0000-0000-0000-000000000002"
    assert out["provider"] == "Twilio" and out["missing"] is None
    assert out["created"] == "2026-12-02T10:00:00.000Z"  # DynamicsWebApi made it a Date
    # the row has no owner: no formatted name, and the expanded navigation is null
    assert "owner" not in out and out["expanded"] == "null"
    assert out["names"] == ["other", "renamed"]
    assert out["xrmCalls"] == [
        "msdyn_smsengagementctx?$select=msdyn_name%2C_ownerid_value&$expand=ownerid"
        "&$filter=msdyn_name%20eq%20'a%26b'",
        "msdyn_smsengagementctx?$skiptoken=1",
    ]
    assert out["xrmNames"] == ["x1", "x2"]
    seen = [(s.method, s.path.split("?")[0], s.body) for s in org.org.seen]
    assert seen[0] == (
        "POST",
        "msdyn_smsengagementctxes",
        {
            "msdyn_name": "chat",
            "msdyn_smsprovider": 192350001,
            "msdyn_liveworkitemid@odata.bind": f"/msdyn_ocliveworkitems({WORK_ITEM})",
        },
    )
    read = org.org.seen[1]
    assert read.path == (
        f"msdyn_smsengagementctxes({out['newId']})?$select=msdyn_name,createdon,_ownerid_value,"
        "msdyn_smsprovider&$expand=ownerid"
    )
    assert 'odata.include-annotations="*"' in read.headers["Prefer"]
    update = org.org.seen[2]
    assert (update.method, update.body, update.headers["If-Match"]) == (
        "PATCH",
        {"msdyn_name": "renamed"},
        'W/"1000"',
    )
    assert [s.method for s in org.org.seen[3:]] == ["GET", "GET", "GET", "DELETE"]
    assert (
        other in org.org.rows["msdyn_smsengagementctxes"]
        and len(org.org.rows["msdyn_smsengagementctxes"]) == 1
    )


def test_the_package_builds_inside_a_project_that_has_types_xrm(tmp_path: Path) -> None:
    """A model-driven app's project has @types/xrm, which tsc would pull into
    the vendored package too: it no longer builds there (issue 20). Its
    tsconfig.json now says ``"types": []``; the control removes that line."""
    run_build(tmp_path / "out", [SCHEMA_DOCS], "typescript")
    (tmp_path / "app" / "node_modules" / "@types").mkdir(parents=True)
    (tmp_path / "app" / "node_modules" / "@types" / "xrm").symlink_to(
        NODE_MODULES / "@types" / "xrm"
    )
    vendored = tmp_path / "app" / "bindings"
    shutil.copytree(tmp_path / "out" / "typescript", vendored)
    check = [str(node_tool("tsc")), "-p", str(vendored), "--noEmit"]
    done = subprocess.run(check, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    config = vendored / "tsconfig.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"types": [],', ""), encoding="utf-8"
    )
    control = subprocess.run(check, capture_output=True, text=True, check=False)
    assert control.returncode != 0 and "@types/xrm" in control.stdout
