"""Dates as a live org serves them: only the DateOnly *behaviour* is a date
on the wire (``Edm.Date``, ``"2026-04-30"``); a DateOnly *format* with any
other behaviour is a point in time (``Edm.DateTimeOffset``), as every real
org declares ``overriddencreatedon`` (tests/test_conformance.py). A page
that gives no behaviour gets Dataverse's default, UserLocal, marked inferred.
"""

from __future__ import annotations

import datetime
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from generator.diagnostics import Diagnostics
from tests.helpers import build_tables, run_build

PAGE = """\
# new_event Entity Reference

## Entity Properties

|Property|Value|
|-|-|
|LogicalName|new_event|
|EntitySetName|new_events|
|PrimaryIdAttribute|new_eventid|

## Writable attributes

### new_eventid

|Property|Value|
|-|-|
|LogicalName|new_eventid|
|Type|Uniqueidentifier|

### new_shownasdate

|Property|Value|
|-|-|
|Description|Shown as a date; stored as a point in time.|
|Format|DateOnly|
|DateTimeBehavior|UserLocal|
|LogicalName|new_shownasdate|
|Type|DateTime|

### new_birthday

|Property|Value|
|-|-|
|Format|DateOnly|
|DateTimeBehavior|DateOnly|
|LogicalName|new_birthday|
|Type|DateTime|

### new_older

|Property|Value|
|-|-|
|Format|DateOnly|
|LogicalName|new_older|
|Type|DateTime|
"""
PACKAGE = "dvgen_dates_test"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dates")
    (root / "docs").mkdir()
    (root / "docs" / "new_event.md").write_text(PAGE, encoding="utf-8")
    settings = {"python_package": PACKAGE, "python_distribution": "dates"}
    run_build(root / "out", [root / "docs"], "model", "python", "typescript", "odata", **settings)
    return root / "out"


@pytest.fixture(scope="module")
def module(built: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(built / "python"))
    try:
        yield importlib.import_module(f"{PACKAGE}.new_event")
    finally:
        sys.path.remove(str(built / "python"))
        for name in [n for n in sys.modules if n.startswith(PACKAGE)]:
            del sys.modules[name]


def test_a_page_without_a_behaviour_gets_userlocal_marked_inferred(tmp_path: Path) -> None:
    (tmp_path / "new_event.md").write_text(PAGE, encoding="utf-8")
    tables, diags = build_tables(tmp_path / "new_event.md")
    older = tables["new_event"].attribute("new_older")
    assert older is not None
    assert (older.date_time_behavior, older.inferred) == ("UserLocal", ("date_time_behavior",))
    stated = tables["new_event"].attribute("new_shownasdate")
    assert stated is not None and stated.inferred == ()
    assert _messages(diags, "DV215") == [
        "column new_event.new_older: no page gives its date and time behaviour; inferred "
        "UserLocal (Dataverse's default): a point in time, not a date"
    ]


def _messages(diags: Diagnostics, code: str) -> list[str]:
    return [d.message for d in diags if d.code == code]


def test_metadata_declares_a_date_only_for_the_dateonly_behaviour(built: Path) -> None:
    xml = (built / "odata" / "$metadata.xml").read_text(encoding="utf-8")
    types = dict(re.findall(r'<Property Name="(new_\w+)" Type="([\w.]+)"', xml))
    assert types == {
        "new_eventid": "Edm.Guid",
        "new_shownasdate": "Edm.DateTimeOffset",
        "new_birthday": "Edm.Date",
        "new_older": "Edm.DateTimeOffset",
    }


def test_python_types_and_says_how_it_is_shown(built: Path) -> None:
    source = (built / "python" / PACKAGE / "new_event.py").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^    (new_\w+): (.+?) = ", source, re.MULTILINE))
    assert fields == {
        "new_eventid": "uuid.UUID | None",
        "new_birthday": "datetime.date | None",
        "new_older": "datetime.datetime | None",
        "new_shownasdate": "datetime.datetime | None",
    }
    said = "shown as a date, but a point in time on the wire (format DateOnly, behaviour"
    assert source.count(said) == 2
    assert "a date without time or time zone (behaviour DateOnly)" in source


def test_a_timestamp_is_read_as_the_moment_it_is(module: ModuleType) -> None:
    """The reported bug: "2026-04-30T22:00:00Z" was read as the date 2026-04-30,
    which is the 1st of May for a user east of UTC."""
    runtime = sys.modules[f"{PACKAGE}._runtime"]
    row = runtime.from_odata(
        module.NewEvent, {"new_shownasdate": "2026-04-30T22:00:00Z", "new_birthday": "1990-05-01"}
    )
    assert row.new_shownasdate == datetime.datetime(2026, 4, 30, 22, tzinfo=datetime.UTC)
    assert row.new_birthday == datetime.date(1990, 5, 1)
    with pytest.raises(runtime.ColumnError, match="new_birthday"):  # never cut to a day
        runtime.from_odata(module.NewEvent, {"new_birthday": "2026-04-30T22:00:00Z"})


def test_typescript_gives_the_date_its_own_type(built: Path) -> None:
    source = (built / "typescript" / "src" / "new_event.ts").read_text(encoding="utf-8")
    props = dict(re.findall(r"^  readonly (new_\w+)\?: (.+);$", source, re.MULTILINE))
    assert props == {
        "new_eventid": "Id | null",
        "new_shownasdate": "string | null",
        "new_birthday": "DateOnly | null",
        "new_older": "string | null",
    }
    assert re.search(r"^import \{.*\btype DateOnly\b.*\} from \"./runtime.js\";$", source, re.M)
