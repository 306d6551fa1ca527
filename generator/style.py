"""What a project's settings change in the rendered files, and nothing else:
its own templates (``templates``, :class:`generator.render.Templates`) and its
naming (``[tool.dvgen.naming]``, :class:`generator.overrides.Naming`).

One :class:`Style` goes with every render, to the worker processes too; its
:meth:`Style.fingerprint` is part of every render's cache key, so a changed
template or override renders again what it reaches, and nothing is parsed
again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from generator.overrides import Naming
from generator.render import Templates


@dataclass(frozen=True, slots=True)
class Style:
    templates: Templates = field(default_factory=Templates)
    naming: Naming = field(default_factory=Naming)

    def fingerprint(self) -> str:
        h = hashlib.sha256(self.templates.fingerprint().encode())
        h.update(b"\0" + self.naming.describe().encode())
        return h.hexdigest()


#: dvgen's own templates and naming.
DEFAULT = Style()
