"""dvgen's own files at run time: the built-in templates and the files it
copies as they are into generated packages (runtimes, ``tsconfig.json``).

They live in the project's top-level ``templates/`` and ship inside the
package as ``generator.templates`` (``pyproject.toml`` maps the folder
there), so a wheel, an sdist, a git URL, pipx, pre-commit's environment and
an editable checkout all find them the same way: through the import system.

A file that is not there is a broken installation, never the user's input or
output folder: :class:`BrokenInstall` names the path dvgen looked for.
"""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path

import generator

PACKAGE = "generator.templates"


#: Every file dvgen ships in its templates folder (``tests/test_packaging.py``
#: holds this to the folder): a template by one of these names that cannot be
#: found is a broken installation, even when a project's template asked for it.
SHIPPED = frozenset(
    {
        "odata/entity_set.xml.jinja",
        "odata/entity_type.xml.jinja",
        "odata/metadata.xml.jinja",
        "python/README.md.jinja",
        "python/__init__.py.jinja",
        "python/_runtime.py",
        "python/code.jinja",
        "python/operations.py.jinja",
        "python/pyproject.toml.jinja",
        "python/sdk.py",
        "python/table.py.jinja",
        "typescript/README.md.jinja",
        "typescript/code.jinja",
        "typescript/index.ts.jinja",
        "typescript/operations.ts.jinja",
        "typescript/package.json.jinja",
        "typescript/runtime.ts",
        "typescript/table.ts.jinja",
        "typescript/tsconfig.json",
    }
)


class BrokenInstall(Exception):
    """A file dvgen ships is missing or unreadable: dvgen's installation is
    incomplete (the message names the path it looked for)."""


@cache
def templates_root() -> Path:
    """The folder holding dvgen's own templates, as installed."""
    expected = Path(generator.__file__).resolve().parent / "templates"
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise BrokenInstall(
            f"dvgen's templates are not installed: no package {PACKAGE} (looked for {expected})"
        ) from None
    if not isinstance(root, Path) or not root.is_dir():
        raise BrokenInstall(f"dvgen's templates are not a folder on disk: {root}")
    return root


def builtin_path(name: str) -> Path:
    """Where dvgen's own file ``name`` (``python/_runtime.py``) is installed."""
    return templates_root() / name


@cache
def read_builtin(name: str) -> bytes:
    """dvgen's own file ``name``, read once: the same bytes every build."""
    path = builtin_path(name)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BrokenInstall(missing(path, exc)) from None


def missing(path: Path, exc: OSError | None = None) -> str:
    """The sentence for a file dvgen ships that could not be read."""
    why = f" ({exc.strerror})" if exc is not None and exc.strerror else ""
    return f"dvgen's own file {path} is missing or unreadable{why}"
