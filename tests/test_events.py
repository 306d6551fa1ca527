"""A page's *Events* rows ("you shouldn't invoke the message, only subscribe
to it") stay in the model, marked subscribe-only, and no target builds a
request for them or declares them an action; *Messages* rows keep theirs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_INPUT
from tests.helpers import CORPUS, build_tables, run_build

PAGE = CORPUS / "generated-full-table" / "mspp_columnpermission.md"
TABLE = "mspp_columnpermission"
EVENTS = {
    "BulkRetain",
    "PurgeRetainedContent",
    "Retain",
    "RollbackRetain",
    "ValidateRetentionConfig",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("events")
    run_build(out, [PAGE], "python", "typescript", "odata")
    return out


def test_events_are_kept_and_marked_subscribe_only() -> None:
    tables, _ = build_tables(PAGE)
    messages = {m.name: m for m in tables[TABLE].messages}
    assert {n for n, m in messages.items() if m.subscribe_only} == EVENTS
    assert all(messages[n].web_api is not None for n in EVENTS)  # the page gives one
    assert messages["Create"].subscribe_only is None and messages["Create"].is_event is True


def test_no_target_builds_a_request_for_an_event(built: Path) -> None:
    python = (built / "python" / "dataverse_bindings" / f"{TABLE}.py").read_text(encoding="utf-8")
    python_requests = set(re.findall(r"^def (\w+)_request\(", python, re.MULTILINE))
    assert "create" in python_requests and "delete" in python_requests
    assert not python_requests & {
        "bulk_retain",
        "retain",
        "rollback_retain",
        "purge_retained_content",
    }
    typescript = (built / "typescript" / "src" / f"{TABLE}.ts").read_text(encoding="utf-8")
    ts_requests = set(re.findall(r"^export function (\w+)Request\(", typescript, re.MULTILINE))
    assert "create" in ts_requests
    assert not ts_requests & {"bulkRetain", "retain", "rollbackRetain", "purgeRetainedContent"}
    xml = (built / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    actions = set(re.findall(r'<Action Name="(\w+)"', xml))
    assert "CreateMultiple" in actions and not actions & EVENTS


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def test_a_row_in_both_sections_is_a_message_that_is_also_an_event(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    row = "| `Retain`|<xref:Microsoft.Dynamics.CRM.Retain?displayProperty=nameWithType /> |x|\n"
    messages = _section(text, "Messages")
    page = tmp_path / PAGE.name
    page.write_text(text.replace(messages, messages.rstrip("\n") + "\n" + row, 1), encoding="utf-8")
    tables, _ = build_tables(page)
    retain = next(m for m in tables[TABLE].messages if m.name == "Retain")
    assert (retain.subscribe_only, retain.is_event) == (None, True)


def test_diff_says_a_message_moved_to_the_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Create, moved from Messages to Events, can no longer be invoked: breaking."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    shutil.copy(PAGE, old / PAGE.name)
    text = PAGE.read_text(encoding="utf-8")
    create = next(line for line in text.splitlines() if line.startswith("| `Create`<br />"))
    moved = text.replace(create + "\n", "", 1)
    events = _section(moved, "Events")
    moved = moved.replace(events, events.rstrip("\n") + "\n" + create + "\n", 1)
    (new / PAGE.name).write_text(moved, encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--format", "json"]) == EXIT_INPUT
    [change] = json.loads(capsys.readouterr().out)["changes"]
    assert (change["rule"], change["severity"], change["subject"]) == (
        "message-now-event-only",
        "breaking",
        f"{TABLE}.Create",
    )
    capsys.readouterr()
    main(["diff", str(new), str(old), "--format", "json"])
    [back] = json.loads(capsys.readouterr().out)["changes"]
    assert (back["rule"], back["severity"]) == ("event-now-invocable", "info")


def test_an_event_listed_twice_stays_subscribe_only(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `Retain`|"))
    page = tmp_path / PAGE.name
    page.write_text(text.replace(row, row + "\n" + row, 1), encoding="utf-8")
    tables, _ = build_tables(page)
    retain = next(m for m in tables[TABLE].messages if m.name == "Retain")
    assert retain.subscribe_only is True
