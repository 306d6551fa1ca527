"""Typed actions and functions in TypeScript, from a real org's ``$metadata``
(issue 21, point 3).

A program using the package built from the whole document is compiled under
``tsc --strict`` (its ``@ts-expect-error`` lines must be errors) and run with
node; what it prints (each call's method, URL and body, and each answer read
back) is checked against the Web API's conventions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, run_build, ts_project, tsc

ONLINE = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
USER = "8d1b7f4c-4b0e-4f3e-9c2a-1f0e5d6c7b8a"
TEAM = "00000000-0000-0000-0000-00000000000a"

PROGRAM = """\
import { operations, Systemuser, Teamtemplate, guid } from "dataverse-bindings";

const user: Systemuser.Id = Systemuser.id("USER");
const calls = [
  operations.whoAmI(),
  operations.retrieveAllEntities({
    EntityFilters: ["Entity", "Attributes"],
    RetrieveAsIfPublished: false,
  }),
  operations.systemusersRetrieveUserQueues(user, { IncludePublic: true }),
  operations.systemusersAddUserToRecordTeam(user, {
    Record: { "@odata.type": "Microsoft.Dynamics.CRM.account", accountid: "TEAM" },
    TeamTemplate: Teamtemplate.id("TEAM"),
  }),
  operations.msdynRegisterSolutionHealthRule({
    RuleSetId: guid<"msdyn_solutionhealthruleset">("TEAM"),
    RuleName: "No plug-ins",
    WorkflowReference: guid<"workflow">("TEAM"),
  }),
  operations.systemformsRetrieveFilteredForms({
    EntityLogicalName: "account",
    FormType: 2,
    User: user,
  }),
  operations.insertOptionValue({
    OptionSetName: "new_tier",
    Value: 100000001,
    Label: { LocalizedLabels: [{ Label: "Gold", LanguageCode: 1033 }] },
  }),
];
for (const call of calls) {
  console.log(JSON.stringify({ method: call.method, url: call.url, body: call.body ?? null }));
}
const me: string | null | undefined = operations.whoAmI().result({ UserId: "USER" }).UserId;
const queues = operations.systemusersRetrieveUserQueues(user, { IncludePublic: true }).result({
  value: [{ queueid: "TEAM", name: "Support" }],
});
const first: string | null | undefined = queues[0]?.name;
console.log(JSON.stringify({ me, first }));

export function refused(): void {
  // @ts-expect-error IncludePublic is a boolean
  operations.systemusersRetrieveUserQueues(user, { IncludePublic: "yes" });
  // @ts-expect-error RetrieveAsIfPublished is required
  operations.retrieveAllEntities({ EntityFilters: "Entity" });
  // @ts-expect-error a team's id is not a user's
  operations.systemusersRetrieveUserQueues(Teamtemplate.id("TEAM"), { IncludePublic: true });
  // @ts-expect-error not a member of EntityFilters
  operations.retrieveAllEntities({ EntityFilters: "Everything", RetrieveAsIfPublished: true });
}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ts-ops")
    run_build(root / "out", [ONLINE], "typescript")
    package = root / "out" / "typescript"
    built = tsc(package)
    assert built.returncode == 0, built.stdout + built.stderr
    program = PROGRAM.replace("USER", USER).replace("TEAM", TEAM)
    return ts_project(root / "app", package, program)


def test_calls_compile_run_and_write_what_the_web_api_expects(project: Path) -> None:
    done = tsc(project)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = subprocess.run(
        ["node", str(project / "dist" / "main.js")], capture_output=True, text=True, check=True
    )
    *calls, answers = [json.loads(line) for line in ran.stdout.splitlines()]
    assert calls[0] == {"method": "GET", "url": "WhoAmI()", "body": None}
    assert calls[1]["url"] == (
        "RetrieveAllEntities(EntityFilters=@p1,RetrieveAsIfPublished=@p2)"
        "?@p1=Microsoft.Dynamics.CRM.EntityFilters'Entity%2C%20Attributes'&@p2=false"
    )
    assert calls[2]["url"] == (
        f"systemusers({USER})/Microsoft.Dynamics.CRM.RetrieveUserQueues(IncludePublic=@p1)?@p1=true"
    )
    assert calls[3] == {
        "method": "POST",
        "url": f"systemusers({USER})/Microsoft.Dynamics.CRM.AddUserToRecordTeam",
        "body": {
            "Record": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": TEAM},
            "TeamTemplate": {
                "@odata.type": "Microsoft.Dynamics.CRM.teamtemplate",
                "teamtemplateid": TEAM,
            },
        },
    }
    assert calls[4]["url"] == "msdyn_RegisterSolutionHealthRule"
    assert set(calls[4]["body"]) == {"RuleSetId", "RuleName", "WorkflowReference"}
    # a row passed to a function is named by its URL, as Microsoft's examples do
    query = calls[5]["url"].partition("?")[2]
    aliases = dict(part.split("=", 1) for part in query.split("&"))
    assert json.loads(urllib.parse.unquote(aliases["@p3"])) == {"@odata.id": f"systemusers({USER})"}
    assert calls[6]["body"]["Label"] == {
        "LocalizedLabels": [{"Label": "Gold", "LanguageCode": 1033}]
    }
    assert answers == {"me": USER, "first": "Support"}


def test_the_types_refuse_what_the_org_would(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "app"
    shutil.copytree(project, copy, symlinks=True)
    main = copy / "main.ts"
    main.write_text(main.read_text().replace("// @ts-expect-error IncludePublic", "//"))
    done = tsc(copy)
    line = PROGRAM.splitlines().index(
        '  operations.systemusersRetrieveUserQueues(user, { IncludePublic: "yes" });'
    )
    expected = f"main.ts({line + 1},"
    assert done.returncode != 0 and expected in done.stdout and "'boolean'" in done.stdout
