"""The README's CI recipes run (issue 22, point 6): the GitHub Actions check
and scheduled regeneration, and the same two on Azure Pipelines.

Each recipe is taken from the README as it is, and its shell steps run in
order, with ``bash -e``, in a sandbox repository whose ``origin`` is a real
bare repository: dvgen, git and python are the real ones. What cannot run
here is the hosted service: ``uses:`` actions and Azure tasks are not run
(a task's inputs are checked instead), and ``gh`` and ``az`` (which only
carry a title and a body to GitHub or Azure DevOps) are stand-ins that
record what they were asked. The GitHub workflows are also checked against
GitHub's workflow schema by ``@action-validator/core`` (npm, pinned).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import junitparser
import pytest
import yaml

from tests.helpers import CORPUS, ROOT, SCHEMA_DOCS
from tests.test_diff_ci_formats import agent_reads

PAGE = "schema_docs/ce-omnichannel/msdyn_smsengagementctx.md"
SMS = CORPUS / "versions" / "msdyn_smsengagementctx"
OLD, NEW = SMS / "1323683.md", SMS / "4e2993d.md"  # NEW adds the column msdyn_smsprovider
BIN = Path(sys.executable).parent  # dvgen, as pip installed it

#: gh and az: record their arguments, and the body file's text, one JSON line a call
_STAND_IN = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
body = None
if "--body-file" in args:
    body = open(args[args.index("--body-file") + 1], encoding="utf-8").read()
with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
    call = {"tool": os.path.basename(sys.argv[0]), "args": args, "body": body}
    log.write(json.dumps(call) + "\\n")
"""


def recipe(first_line: str) -> dict[str, Any]:
    """The README's YAML block that starts with ``first_line``, parsed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"```yaml\n{first_line}\n", 1)[1].split("```", 1)[0]
    data: dict[str, Any] = yaml.safe_load(f"{first_line}\n{block}")
    return data


def github_schema_errors(first_line: str) -> list[Any]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = first_line + "\n" + readme.split(f"```yaml\n{first_line}\n", 1)[1].split("```", 1)[0]
    script = (
        'const {validateWorkflow} = require("@action-validator/core");'
        "const src = require('fs').readFileSync(0, 'utf8');"
        "console.log(JSON.stringify(validateWorkflow(src).errors));"
    )
    done = subprocess.run(
        ["node", "-e", script], input=block, capture_output=True, text=True, cwd=ROOT, check=True
    )
    errors: list[Any] = json.loads(done.stdout)
    return errors


@dataclass
class Sandbox:
    """A repository of docs (``page`` as the corpus page) and their build,
    pushed to a bare ``origin`` as ``main``; ``refresh-docs.sh`` copies
    ``refreshed`` in (nothing when ``None``)."""

    root: Path
    page: Path
    refreshed: Path | None = None
    work: Path = field(init=False)
    origin: Path = field(init=False)
    log: Path = field(init=False)
    temp: Path = field(init=False)

    def __post_init__(self) -> None:
        self.work, self.origin = self.root / "work", self.root / "origin.git"
        self.log, self.temp = self.root / "stand-ins.jsonl", self.root / "temp"
        self.temp.mkdir()
        bin_ = self.root / "bin"
        bin_.mkdir()
        for tool in ("gh", "az"):
            (bin_ / tool).write_text(_STAND_IN, encoding="utf-8")
            (bin_ / tool).chmod(0o755)
        self.git(self.root, "init", "-q", "--bare", "-b", "main", str(self.origin))
        self.git(self.root, "init", "-q", "-b", "main", str(self.work))
        shutil.copytree(SCHEMA_DOCS, self.work / "schema_docs")
        shutil.copyfile(self.page, self.work / PAGE)
        (self.work / "pyproject.toml").write_text(
            '[tool.dvgen]\ninputs = ["schema_docs"]\ncache = false\n', encoding="utf-8"
        )
        (self.work / ".gitignore").write_text("refresh-docs.sh\n", encoding="utf-8")
        self.refresh(self.refreshed)
        self.sh("dvgen build -q")
        self.git(self.work, "add", ".")
        self.git(self.work, "commit", "-q", "-m", "docs and bindings")
        self.git(self.work, "remote", "add", "origin", str(self.origin))
        self.git(self.work, "push", "-q", "origin", "main")
        self.git(self.work, "fetch", "-q", "origin")

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([str(self.root / "bin"), str(BIN), os.environ["PATH"]])
        keep = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        return {
            **keep,
            "PATH": path,
            "STAND_IN_LOG": str(self.log),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        }

    def git(self, where: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(where), *args],
            capture_output=True,
            text=True,
            env=self.env(),
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def sh(
        self, script: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            check=False,
            cwd=self.work,
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
        )

    def refresh(self, page: Path | None) -> None:
        """What the recipes' ``refresh-docs.sh`` does here: copy ``page`` in."""
        body = f'cp "{page}" "{PAGE}"\n' if page else "true\n"
        script = self.work / "refresh-docs.sh"
        script.write_text(f"#!/bin/bash\nset -e\n{body}", encoding="utf-8")
        script.chmod(0o755)

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@dataclass
class Ran:
    step: dict[str, Any]
    done: subprocess.CompletedProcess[str] | None  # None: a hosted action or task


def run_steps(
    box: Sandbox, steps: list[dict[str, Any]], macros: dict[str, str], env: dict[str, str]
) -> list[Ran]:
    """Each step in order, as the runner would, until one fails (unless it
    may: ``continueOnError``); ``pip install`` lines are dvgen's installation,
    done already. ``macros`` replace GitHub's ``${{ ... }}`` and Azure's
    ``$(...)`` expressions."""

    def expand(text: str) -> str:
        for name, value in macros.items():
            text = text.replace(name, value)
        return text

    out = []
    for step in steps:
        script = step.get("run") or step.get("script")
        if script is None:
            out.append(Ran(step, None))
            continue
        lines = [x for x in expand(script).splitlines() if not x.startswith("pip install")]
        step_env = {k: expand(str(v)) for k, v in (step.get("env") or {}).items()}
        done = box.sh("\n".join(lines), {**env, **step_env})
        out.append(Ran(step, done))
        if done.returncode != 0 and not step.get("continueOnError"):
            break
    return out


def pull_request(root: Path) -> Sandbox:
    """A pull request branch that removes the column msdyn_smsprovider from
    ``main``'s page (a breaking change), with generated/ rebuilt."""
    box = Sandbox(root, NEW, OLD)
    box.git(box.work, "switch", "-q", "-c", "feature")
    done = box.sh("./refresh-docs.sh && dvgen build -q")
    assert done.returncode == 0, done.stderr
    box.git(box.work, "commit", "-q", "-am", "an older page")
    return box


GITHUB = {"${{ github.token }}": "token", "${{ github.ref_name }}": "main"}


def test_the_github_check_runs_and_fails_on_a_breaking_change(tmp_path: Path) -> None:
    workflow = recipe("name: dataverse bindings")
    assert github_schema_errors("name: dataverse bindings") == []
    box = pull_request(tmp_path)
    macros = {
        **GITHUB,
        "${{ github.base_ref }}": "main",
        "${{ github.event.pull_request.number }}": "7",
    }
    ran = run_steps(
        box,
        workflow["jobs"]["dvgen"]["steps"],
        macros,
        {"GITHUB_STEP_SUMMARY": str(box.temp / "summary")},
    )
    codes = [r.done.returncode for r in ran if r.done]
    assert codes == [0, 0, 0, 1], [
        r.done.stderr for r in ran if r.done
    ]  # check, the comment, the annotations that fail the job
    (comment,) = box.calls()
    assert comment["args"][:3] == ["pr", "comment", "7"]
    assert "`column-removed`" in comment["body"] and "dvgen diff: 1 breaking" in comment["body"]
    assert (box.temp / "summary").read_text(encoding="utf-8") == comment["body"]
    annotations = ran[-1].done.stdout if ran[-1].done else ""
    assert annotations.startswith(
        "::error file=schema_docs/ce-omnichannel/msdyn_smsengagementctx.md,line="
    )


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_the_scheduled_regeneration_opens_a_pull_request_with_the_diff(
    tmp_path: Path, platform: str
) -> None:
    # main holds last week's page; the refresh brings the one that adds a column
    box = Sandbox(tmp_path, OLD, NEW)
    if platform == "github":
        steps = recipe("name: regenerate dataverse bindings")["jobs"]["regenerate"]["steps"]
        assert github_schema_errors("name: regenerate dataverse bindings") == []
        ran = run_steps(box, steps, GITHUB, {"RUNNER_TEMP": str(box.temp)})
    else:
        steps = recipe("# azure-pipelines/dvgen-regenerate.yml")["steps"]
        macros = {
            "$(Agent.TempDirectory)": str(box.temp),
            "$(Build.SourceBranchName)": "main",
            "$(System.AccessToken)": "token",
        }
        ran = run_steps(box, steps, macros, {})
    assert all(r.done.returncode == 0 for r in ran if r.done), [
        r.done.stderr for r in ran if r.done and r.done.returncode
    ]
    # the branch is on origin, with the new version
    message = box.git(box.origin, "log", "-1", "--format=%s", "dvgen/regenerate")
    assert message == "Dataverse bindings 1.1.0"
    shown = box.git(box.origin, "show", "dvgen/regenerate:generated/python/manifest.json")
    assert json.loads(shown)["package"]["version"] == "1.1.0"
    (call,) = box.calls()
    if platform == "github":
        assert call["tool"] == "gh" and call["args"][:2] == ["pr", "create"]
        assert call["args"][call["args"].index("--title") + 1] == "Dataverse bindings 1.1.0"
        body = call["body"]
    else:
        args = call["args"]
        assert call["tool"] == "az" and args[:3] == ["repos", "pr", "create"]
        assert args[args.index("--target-branch") + 1] == "main"
        body = args[args.index("--description") + 1]
        assert len(body) <= 4000
    assert "`column-added`" in body and "msdyn\\_smsprovider" in body
    # run again with nothing new: no pull request, no failure
    box.git(box.work, "switch", "-q", "main")
    box.refresh(None)
    log_before = box.calls()
    ran = run_steps(
        box, steps, GITHUB if platform == "github" else macros, {"RUNNER_TEMP": str(box.temp)}
    )
    assert all(r.done.returncode == 0 for r in ran if r.done)
    assert box.calls() == log_before and "nothing changed" in ran[-1].done.stdout  # type: ignore[union-attr]


def test_the_azure_check_publishes_test_results_and_fails_on_a_breaking_change(
    tmp_path: Path,
) -> None:
    pipeline = recipe("# azure-pipelines/dvgen-check.yml")
    assert pipeline["pr"] == {"branches": {"include": ["main"]}} and pipeline["trigger"] == "none"
    box = pull_request(tmp_path)
    macros = {
        "$(System.PullRequest.TargetBranchName)": "main",
        "$(Agent.TempDirectory)": str(box.temp),
    }
    ran = run_steps(box, pipeline["steps"], macros, {})
    codes = [(r.step.get("displayName"), r.done.returncode) for r in ran if r.done]
    assert codes == [
        ("install dvgen", 0),
        ("generated/ matches the docs", 0),
        ("the diff as test results", 1),  # continueOnError: the results still get published
        ("no breaking changes", 1),
    ]
    (publish,) = [r.step for r in ran if r.step.get("task") == "PublishTestResults@2"]
    assert publish["condition"] == "always()"
    results = Path(
        publish["inputs"]["testResultsFiles"].replace("$(Agent.TempDirectory)", str(box.temp))
    )
    xml = junitparser.JUnitXml.fromfile(str(results))
    (case,) = [c for suite in xml for c in suite]
    assert case.name == "column-removed: msdyn_smsengagementctx.msdyn_smsprovider"
    assert isinstance(case.result[0], junitparser.Failure)
    issues = agent_reads(ran[-1].done.stdout if ran[-1].done else "")
    assert issues[0]["properties"]["type"] == "error"
    assert issues[0]["properties"]["code"] == "column-removed"
