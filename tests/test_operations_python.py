"""Typed actions and functions in Python, from a real org's ``$metadata``
(issue 21, point 3).

The package is built from the whole document, imported, and its builders
are held to the Web API's conventions: bound calls on their table's row or
entity set, unbound ones on the service root, functions with parameter
aliases, actions with a JSON body; responses, as the Web API writes them,
read back into the declared types. ``mypy --strict`` holds a consumer to the
types.
"""

from __future__ import annotations

import datetime
import importlib
import json
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import FIXTURES, run_build

ONLINE = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
ID = uuid.UUID("8d1b7f4c-4b0e-4f3e-9c2a-1f0e5d6c7b8a")
OTHER = uuid.UUID("00000000-0000-0000-0000-00000000000a")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ops")
    run_build(out, [ONLINE], "python", python_package="orgbindings")
    return out / "python"


@pytest.fixture(scope="module")
def ops(built: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(built))
    try:
        yield importlib.import_module("orgbindings.operations")
    finally:
        sys.path.remove(str(built))
        for name in [n for n in sys.modules if n.startswith("orgbindings")]:
            del sys.modules[name]


def test_an_unbound_function_without_parameters_and_its_complex_answer(ops: ModuleType) -> None:
    call = ops.who_am_i()
    assert (call.method, call.url, call.body) == ("GET", "WhoAmI()", None)
    answer = {
        "@odata.context": "https://org.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
        "BusinessUnitId": str(OTHER),
        "UserId": str(ID),
        "OrganizationId": str(OTHER),
    }
    me = call.result(answer)
    assert isinstance(me, ops.WhoAmIResponse)
    assert (me.user_id, me.business_unit_id) == (ID, OTHER)


def test_a_function_takes_its_parameters_as_aliases_enums_by_name(ops: ModuleType) -> None:
    filters = ops.EntityFilters
    call = ops.retrieve_all_entities(
        entity_filters=filters.Entity | filters.Attributes, retrieve_as_if_published=False
    )
    # as Microsoft's Web API reference writes the same call
    assert call.url == (
        "RetrieveAllEntities(EntityFilters=@p1,RetrieveAsIfPublished=@p2)"
        "?@p1=Microsoft.Dynamics.CRM.EntityFilters'Entity%2C%20Attributes'&@p2=false"
    )
    with pytest.raises(TypeError):
        ops.retrieve_all_entities(filters.Entity, False)  # keyword-only
    with pytest.raises(TypeError):
        ops.retrieve_all_entities(entity_filters=filters.Entity)  # a required one missing


def test_a_bound_function_is_called_on_its_row_and_answers_rows(ops: ModuleType) -> None:
    call = ops.systemusers_retrieve_user_queues(ID, include_public=True)
    assert call.url == (
        f"systemusers({ID})/Microsoft.Dynamics.CRM.RetrieveUserQueues(IncludePublic=@p1)?@p1=true"
    )
    queues = call.result({"value": [{"queueid": str(OTHER), "name": "Support"}]})
    (queue,) = queues
    assert type(queue).__name__ == "Queue" and queue.queueid == OTHER and queue.name == "Support"


def test_a_row_passed_to_a_function_is_named_by_its_url(ops: ModuleType) -> None:
    """Microsoft's examples pass an entity to a function as ``{'@odata.id': 'set(id)'}``."""
    call = ops.systemforms_retrieve_filtered_forms(
        entity_logical_name="account", form_type=2, user=ID
    )
    path, _, query = call.url.partition("?")
    assert path == (
        "systemforms/Microsoft.Dynamics.CRM.RetrieveFilteredForms"
        "(EntityLogicalName=@p1,FormType=@p2,User=@p3)"
    )
    aliases = dict(part.split("=", 1) for part in query.split("&"))
    assert urllib.parse.unquote(aliases["@p1"]) == "'account'"
    assert json.loads(urllib.parse.unquote(aliases["@p3"])) == {"@odata.id": f"systemusers({ID})"}


def test_a_bound_action_sends_its_parameters_as_json(ops: ModuleType) -> None:
    call = ops.systemusers_add_user_to_record_team(
        ID,
        record={"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": str(OTHER)},
        team_template=OTHER,
    )
    assert (call.method, call.url) == (
        "POST",
        f"systemusers({ID})/Microsoft.Dynamics.CRM.AddUserToRecordTeam",
    )
    assert json.loads(call.json()) == {
        "Record": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": str(OTHER)},
        "TeamTemplate": {
            "@odata.type": "Microsoft.Dynamics.CRM.teamtemplate",
            "teamtemplateid": str(OTHER),
        },
    }
    answer = call.result({"AccessTeamId": str(ID)})
    assert answer.access_team_id == ID


def test_a_custom_api_with_optional_parameters_collections_and_complex_values(
    ops: ModuleType,
) -> None:
    rule = ops.msdyn_register_solution_health_rule(
        rule_set_id=ID, rule_name="No plug-ins", workflow_reference=OTHER
    )
    body = json.loads(rule.json())
    assert rule.url == "msdyn_RegisterSolutionHealthRule"
    assert set(body) == {"RuleSetId", "RuleName", "WorkflowReference"}  # optional ones left out
    label = ops.Label(
        localized_labels=[ops.LocalizedLabel(label="Gold", language_code=1033)],
    )
    option = ops.insert_option_value(
        option_set_name="new_tier", value=100_000_001, label=label, parent_values=[1, 2]
    )
    body = json.loads(option.json())
    assert body["ParentValues"] == [1, 2]
    assert body["Label"]["LocalizedLabels"] == [{"Label": "Gold", "LanguageCode": 1033}]
    ack = option.result({"NewOptionValue": 100_000_001})
    assert ack.new_option_value == 100_000_001


def test_an_entity_set_bound_call_and_a_dated_parameter(ops: ModuleType) -> None:
    when = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    call = ops.recurringappointmentmasters_create_exception(
        target=OTHER, original_start_date=when, is_deleted=False
    )
    # CreateException is bound to Collection(mscrm.recurringappointmentmaster)
    assert call.url == "recurringappointmentmasters/Microsoft.Dynamics.CRM.CreateException"
    body = json.loads(call.json())
    assert body["OriginalStartDate"] == "2026-03-01T09:30:00Z"
    assert body["Target"] == {
        "@odata.type": "Microsoft.Dynamics.CRM.appointment",
        "activityid": str(OTHER),
    }
    with pytest.raises(ValueError, match="time zone"):
        ops.recurringappointmentmasters_create_exception(
            target=OTHER, original_start_date=when.replace(tzinfo=None), is_deleted=False
        ).json()


CONSUMER = """
from __future__ import annotations
import urllib.parse
import uuid
from orgbindings import operations
from orgbindings.queue import Queue

def queues(user: uuid.UUID, answer: dict[str, object]) -> list[Queue]:
    return operations.systemusers_retrieve_user_queues(user, include_public=True).result(answer)

def me(answer: dict[str, object]) -> uuid.UUID | None:
    return operations.who_am_i().result(answer).user_id
"""


def test_the_types_hold_a_consumer_under_mypy_strict(built: Path, tmp_path: Path) -> None:
    def mypy(source: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "consumer.py").write_text(source)
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "consumer.py"],
            cwd=tmp_path,
            env={"MYPYPATH": str(built), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=False,
        )

    done = mypy(CONSUMER)
    assert done.returncode == 0, done.stdout
    wrong = CONSUMER.replace("include_public=True", 'include_public="yes"')
    done = mypy(wrong)
    assert done.returncode == 1 and 'Argument "include_public"' in done.stdout
    wrong = CONSUMER.replace("-> uuid.UUID | None:", "-> str:")
    assert mypy(wrong).returncode == 1
