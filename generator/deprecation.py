"""Which columns, choice values and tables the docs mark deprecated.

Microsoft has no deprecation property on these pages; it marks deprecation in
text. A name (display name or choice label) is deprecated when it carries the
word ``Deprecated`` anywhere (``Wrap-up (Deprecated)``); a description is
when it opens with it (``Deprecated: use ...``, ``[Deprecated] ...``) or says
so (``This column is deprecated``, ``has been deprecated``).

``dvgen diff`` reads this to downgrade the removal of something already
deprecated from breaking to warning: users were told.
"""

from __future__ import annotations

import re

_IN_NAME = re.compile(r"\bdeprecated\b", re.IGNORECASE)
_IN_DESCRIPTION = re.compile(
    r"^\W*deprecated\b|\b(?:is|are|was|were|been|now)\s+deprecated\b", re.IGNORECASE
)


def is_deprecated(name: str | None, description: str | None = None) -> bool:
    """True when ``name`` or ``description`` marks the item deprecated."""
    return bool(
        (name and _IN_NAME.search(name)) or (description and _IN_DESCRIPTION.search(description))
    )
