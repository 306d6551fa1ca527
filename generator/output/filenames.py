"""Rules for the names of files dvgen writes, whatever the system reads them:
no name Windows reserves for a device. (The names themselves come from
:mod:`generator.naming`.)"""

from __future__ import annotations

#: Names Windows reserves for devices: no file may be called one, whatever
#: its extension or case. A table's logical name names its files, so a page
#: that gives one of these is refused at parse time, not when writing.
DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    # COM0/LPT0 and the superscript digits are reserved in current Windows too
    | {
        f"{port}{n}"
        for port in ("com", "lpt")
        for n in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]
    }
)


def is_device_name(name: str) -> bool:
    """Whether a file named ``name`` (any extension) cannot exist on Windows,
    which also ignores trailing dots and spaces."""
    return name.split(".", maxsplit=1)[0].rstrip(" .").lower() in DEVICE_NAMES
