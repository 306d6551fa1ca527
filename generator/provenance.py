"""Where a build's sources came from, for the packages' ``manifest.json``.

Each source (a page or an org's ``$metadata``) is recorded by its path below
its docs root and its SHA-256. When its docs root is in a git checkout of
another repository than the output folder's (a docs checkout, a submodule),
also by its path there, the commit checked out, and whether the file differs
from it. In the output's own repository the commit that holds the package
holds its docs too, and is not made yet when dvgen builds, so nothing more is
recorded (as outside git). A source whose bytes are what the previous build
recorded keeps what was recorded then, so that a docs repository moving on
without touching the pages leaves the packages byte-identical.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.model import Table

_GIT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class _Checkout:
    top: Path
    commit: str | None  # None: nothing committed yet
    modified: frozenset[str]  # paths below ``top`` that differ from the commit


def sources(
    tables: Mapping[str, Table], config: Config, previous: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], ...]:
    """Every source of ``tables``, sorted by path: ``previous`` maps each path
    to what the previous build's manifest recorded for it."""
    found = sorted({(s.path, s.sha256) for t in tables.values() for s in t.sources})
    roots = _roots(config)
    recorded: dict[Path, _Checkout] | None = None  # the roots in another repository
    out = []
    for path, sha256 in found:
        entry: dict[str, Any] = {"path": path, "sha256": sha256}
        before = previous.get(path) or {}
        git = before.get("git")
        kept = isinstance(git, dict) and git.get("commit") and not git.get("modified")
        if before.get("sha256") == sha256 and kept:
            entry["git"] = git
        else:
            if recorded is None:
                recorded = _elsewhere(roots, _top(config.output_dir))
            root = next((r for r in roots if (r / path).is_file()), None) if recorded else None
            if root is not None and root in recorded:
                checkout = recorded[root]
                rel = (root / path).resolve().relative_to(checkout.top).as_posix()
                entry["git"] = {
                    "commit": checkout.commit,
                    "path": rel,
                    "modified": checkout.commit is None or rel in checkout.modified,
                }
        out.append(entry)
    return tuple(out)


def settings(config: Config) -> dict[str, Any]:
    """The settings that shaped a build's output, as the project wrote them
    (paths relative to the project, so two machines record the same)."""
    return {
        "inputs": [_relative(config, i) for i in config.inputs],
        "targets": list(config.targets),
        "include": list(config.include),
        "exclude": list(config.exclude),
        "prefixes": list(config.prefixes),
        "solutions": list(config.solutions),
        "python": {"package": config.python_package, "distribution": config.python_distribution},
        "typescript": {"package": config.typescript_package},
        "templates": _relative(config, config.templates) if config.templates else None,
    }


def _relative(config: Config, path: str) -> str:
    p = Path(path)
    full = p if p.is_absolute() else config.base / p
    try:
        shown = full.resolve().relative_to(config.base.resolve()).as_posix() or "."
    except ValueError:
        shown = p.name  # outside the project: its name only, never this machine's path
    # a name that is not UTF-8 (bytes the file system allows) cannot go into JSON as it is
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _roots(config: Config) -> list[Path]:
    out = []
    for i in config.inputs:
        p = Path(i) if Path(i).is_absolute() else config.base / i
        out.append(p if p.is_dir() else p.parent)
    return out


def _top(folder: Path) -> Path | None:
    """The top of the git checkout holding ``folder`` (or its nearest existing
    parent), or ``None``."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        return Path(_git(folder, env, "rev-parse", "--show-toplevel").strip()).resolve()
    except (OSError, subprocess.SubprocessError):
        return None


def _elsewhere(roots: list[Path], output: Path | None) -> dict[Path, _Checkout]:
    """The roots in a git checkout of another repository than ``output``'s
    (a page committed beside its package records nothing more: a build made
    before `git init` or the commit stays current), with their checkouts."""
    out = {}
    for root in dict.fromkeys(roots):
        top = _top(root)
        if top is not None and top != output and (checkout := _checkout(root, top)):
            out[root] = checkout
    return out


def _checkout(root: Path, top: Path) -> _Checkout | None:
    """The git checkout at ``top`` holding ``root``, or ``None`` (no git)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        status = _git(
            top, env, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", str(root)
        )
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        commit: str | None = _git(top, env, "rev-parse", "--verify", "-q", "HEAD").strip()
    except subprocess.CalledProcessError:
        commit = None  # nothing committed yet
    modified = set()
    entries = iter(status.split("\0"))
    for item in entries:
        if len(item) > 3:
            modified.add(item[3:])
            if item[0] in "RC":
                next(entries, None)  # a rename's second path: where it came from
    return _Checkout(top, commit, frozenset(modified))


def _git(where: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(where), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=_GIT_SECONDS,
        check=True,
    )
    return done.stdout
