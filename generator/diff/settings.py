"""``[tool.dvgen.diff]``: ``fail-on`` and ``ignore``, read by the diff itself
(:mod:`generator.config` keeps the table as written). Every command checks
it, so a bad entry is exit 2 whichever command meets it first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from generator.config import Config, ConfigError, subtable
from generator.diff.ignore import IgnoreEntry, IgnoreError, entries_from_config

FailOn = Literal["breaking", "warning", "info", "never"]
FAIL_ON: tuple[FailOn, ...] = ("breaking", "warning", "info", "never")
_KNOWN = {"fail-on", "ignore"}


@dataclass(frozen=True, slots=True)
class DiffSettings:
    fail_on: FailOn = "breaking"
    ignore: tuple[IgnoreEntry, ...] = ()


def diff_settings(config: Config) -> DiffSettings:
    """The diff settings of ``config``; :class:`ConfigError` names a bad one."""
    section: Any = config.diff
    if section is None:
        return DiffSettings()
    where = f"{config.source}: [tool.dvgen].diff"
    section = subtable(section, where, _KNOWN)
    fail_on = section.get("fail-on", "breaking")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"{where} fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    try:
        ignore = tuple(entries_from_config(section.get("ignore", []), f"{where} ignore"))
    except IgnoreError as exc:
        raise ConfigError(str(exc)) from None
    return DiffSettings(fail_on, ignore)
