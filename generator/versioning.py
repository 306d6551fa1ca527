"""The version of the generated packages, derived from the schema.

A package vendored into another repository, or published to an index, needs
a version that says what changed in *the schema*, not in dvgen. The previous
build in the output folder is the baseline: its packages' ``manifest.json``
(:mod:`generator.manifests`) gives the version, a digest of the code and the
schema it was generated from. The tables are compared with ``dvgen diff``'s
rules, and the worst change picks the bump:

* ``major``: a breaking change;
* ``minor``: an addition, or a change that can alter behaviour (a warning);
* ``patch``: documentation only (a description or display name), or the
  generated code changed while the schema did not (a newer dvgen, other
  settings or templates);
* ``none``: nothing changed, so a rebuild writes the same bytes.

``[tool.dvgen] version`` sets the version outright; ``version-start`` is the
first version (``1.0.0`` unless set), taken when there is no baseline. A
manifest that records no schema cannot be compared: then any change to the
code is taken as breaking, and the reason says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from generator.diff.compare import Change, compare
from generator.diff.operations import compare_services
from generator.diff.rules import RANK, RULES
from generator.manifests import ManifestError, Unversioned, read_manifest
from generator.model import Table
from generator.service import Service

VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
DEFAULT_START = "1.0.0"
Bump = Literal["first", "set", "none", "patch", "minor", "major"]
_ORDER: tuple[Bump, ...] = ("none", "patch", "minor", "major")


class VersionError(Exception):
    """The previous build cannot be read as a baseline: ``file`` and ``line``
    say where (``line`` may be ``None``)."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


def rule_bump(rule: str) -> Bump:
    """What a change of ``rule`` asks of the version."""
    r = RULES[rule]
    if r.severity == "breaking":
        return "major"
    if r.severity == "info" and r.why == "documentation only":
        return "patch"
    return "minor"


def bumped(version: str, bump: Bump) -> str:
    """``version`` after ``bump`` (``none``, ``first`` and ``set`` keep it)."""
    m = VERSION.fullmatch(version)
    if m is None:
        raise ValueError(f"not a version: {version}")
    major, minor, patch = (int(p) for p in m.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version


@dataclass(frozen=True, slots=True)
class Previous:
    """What the previous build in the output folder left to compare with."""

    version: str | None = None
    code_sha256: str | None = None
    #: the schema its manifest recorded (``None``: none), and the service model
    tables: Mapping[str, Table] | None = None
    service: Service | None = None
    #: what its manifest recorded of each source, by path
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the release its manifest recorded: the one that made its version
    release: Release | None = None
    #: the tables it recorded as this build has them (not read, not in ``tables``)
    same: frozenset[str] = frozenset()
    #: of those, each one whose schema file is as recorded: the file, and its SHA-256
    kept: Mapping[str, bytes] = field(default_factory=dict)
    kept_sha256: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Release:
    """The version this build writes, and why."""

    version: str
    previous: str | None
    bump: Bump
    why: tuple[str, ...]
    changes: tuple[Change, ...] = ()

    def recorded(self, previous: Previous) -> Release:
        """What the manifest records: this release, or (unchanged) the one
        that made the version, so that a rebuild writes the same bytes."""
        if self.bump == "none" and previous.release is not None:
            return previous.release
        return self

    def summary(self) -> str:
        """``1.2.0 (minor, from 1.1.0: 3 additions)``, for the build's notes."""
        if self.bump in ("first", "set"):
            return f"{self.version} ({'; '.join(self.why)})"
        head = "unchanged" if self.bump == "none" else f"{self.bump}, from {self.previous}"
        return f"{self.version} ({head}: {'; '.join(self.why)})"


def decide(
    previous: Previous,
    tables: Mapping[str, Table],
    service: Service | None,
    code_sha256: str,
    *,
    configured: str | None = None,
    start: str = DEFAULT_START,
) -> Release:
    """The version of packages holding ``tables`` (and ``service``) whose code
    digests to ``code_sha256``, after ``previous``."""
    if configured is not None:  # whatever came before: so the same whatever the history
        return Release(configured, None, "set", ("set by [tool.dvgen] version",))
    if previous.version is None or VERSION.fullmatch(previous.version) is None:
        return Release(start, None, "first", ("the first version: no previous build to follow",))
    if previous.tables is None:
        if previous.code_sha256 == code_sha256:
            return Release(previous.version, previous.version, "none", ("the code is the same",))
        why = "the previous build recorded no schema to compare with"
        return _release(previous.version, "major", (f"{why}: any change is taken as breaking",))
    changed = {n: t for n, t in tables.items() if n not in previous.same}
    changes = compare(previous.tables, changed)
    if previous.service is not None or service is not None:
        # the packages' operations: a document dropped removes every one of them
        changes = [*changes, *compare_services(previous.service or Service(), service or Service())]
    changes.sort(key=Change.sort_key)
    if not changes:
        if previous.code_sha256 == code_sha256:
            return Release(previous.version, previous.version, "none", ("no change",))
        why = "the schema is the same, the generated code is not (dvgen, its settings or templates)"
        return _release(previous.version, "patch", (why,))
    bump = max((rule_bump(c.rule) for c in changes), key=_ORDER.index)
    return _release(previous.version, bump, _reasons(changes), tuple(changes))


def _release(
    version: str, bump: Bump, why: tuple[str, ...], changes: tuple[Change, ...] = ()
) -> Release:
    return Release(bumped(version, bump), version, bump, why, changes)


#: how each bump's changes are counted, one and many
LABELS = {
    "major": ("breaking change", "breaking changes"),
    "minor": ("addition or behaviour change", "additions or behaviour changes"),
    "patch": ("documentation change", "documentation changes"),
}


def _reasons(changes: list[Change]) -> tuple[str, ...]:
    """One reason per kind of bump the changes ask for, worst first:
    ``2 breaking changes (column-removed t.c, table-removed u)``."""
    out = []
    for bump in ("major", "minor", "patch"):
        these = sorted(
            (c for c in changes if rule_bump(c.rule) == bump),
            key=lambda c: (RANK[c.severity], c.rule, c.subject),
        )
        if these:
            shown = ", ".join(f"{c.rule} {c.subject}" for c in these[:3])
            more = f", and {len(these) - 3} more" if len(these) > 3 else ""
            label = LABELS[bump][len(these) != 1]
            out.append(f"{len(these)} {label} ({shown}{more})")
    return tuple(out)


# -- the previous build --------------------------------------------------------------


def read_previous(
    out: Path, manifests: list[str], models: Mapping[str, str] | None = None
) -> Previous:
    """The baseline in the output folder ``out``: the first of ``manifests``
    (paths below ``out``) that exists; the tables it records with the model
    digests ``models`` gives are not read (see
    :func:`~generator.manifests.parse_manifest`). Raises
    :class:`VersionError` for one that cannot be read."""
    for rel in manifests:
        path = out / rel
        if not path.is_file():
            continue
        try:
            found = read_manifest(path, path.as_posix(), anchors=False, reuse=models)
        except Unversioned:
            return Previous()  # an older dvgen's build: this one is the first version
        except ManifestError as exc:
            raise VersionError(exc.file, exc.line, exc.message) from None
        package = found.package
        return Previous(
            package["version"],
            package.get("code_sha256"),
            found.tables,
            found.service,
            found.sources,
            _recorded(package),
            found.same,
            found.kept,
            found.kept_sha256,
        )
    return Previous()


def _recorded(package: Mapping[str, Any]) -> Release | None:
    """The release a manifest's ``package`` block records, if it is whole."""
    bump, why, before = package.get("bump"), package.get("why"), package.get("previous")
    if bump not in ("first", "set", "none", "patch", "minor", "major") or not isinstance(why, list):
        return None
    if before is not None and not isinstance(before, str):
        return None
    return Release(package["version"], before, bump, tuple(str(w) for w in why))
