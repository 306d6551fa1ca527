"""The README's "Your own org" example, run as it is written against the
package built from a real org's ``$metadata``, and held to ``mypy --strict``."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.helpers import FIXTURES, ROOT, run_build

ONLINE = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
USER = uuid.UUID("8d1b7f4c-4b0e-4f3e-9c2a-1f0e5d6c7b8a")
TEMPLATE = uuid.UUID(int=9)


def _example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Your own org")
    section = text[start : text.index("\n## ", start + 1)]
    (block,) = re.findall(r"^```python\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    return str(block)


def _send(request: Any) -> dict[str, object]:
    """What the Web API answers each call of the example."""
    if request.url == "WhoAmI()":
        return {"UserId": str(USER), "BusinessUnitId": str(TEMPLATE)}
    return {"AccessTeamId": str(TEMPLATE)}


def test_the_readme_example_runs_and_type_checks(tmp_path: Path) -> None:
    run_build(tmp_path / "out", [ONLINE], "python")
    package = tmp_path / "out" / "python"
    example = tmp_path / "example.py"
    example.write_text(_example(), encoding="utf-8")
    sys.path.insert(0, str(package))
    try:
        namespace: dict[str, Any] = {}
        exec(compile(example.read_text(), str(example), "exec"), namespace)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            namespace["examples"](_send, USER, TEMPLATE)
    finally:
        sys.path.remove(str(package))
        for name in [n for n in sys.modules if n.startswith("dataverse_bindings")]:
            del sys.modules[name]
    lines = printed.getvalue().splitlines()
    assert lines[0] == f"WhoAmI() {USER}"
    assert lines[1].startswith(
        f"systemusers({USER})/Microsoft.Dynamics.CRM.AddUserToRecordTeam "
        '{"Record": {"@odata.type": "Microsoft.Dynamics.CRM.systemuser"'
    )
    assert lines[1].endswith(f" {TEMPLATE}")
    assert lines[2] == (
        "msdyn_RegisterSolutionHealthRule ['RuleName', 'RuleSetId', 'WorkflowReference']"
    )
    assert lines[3] == (
        "msdyn_aiodimages(msdyn_checksum='abc')?$select=msdyn_name "
        "/msdyn_aiodimages(msdyn_checksum='abc')"
    )
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--allow-untyped-defs",
            "--allow-untyped-calls",
            str(example),
        ],
        cwd=tmp_path,
        env={"MYPYPATH": str(package), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
