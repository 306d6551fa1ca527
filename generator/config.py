"""``[tool.dvgen]`` in ``pyproject.toml``, read into a typed config.

Command-line flags override it: positional paths replace ``inputs``, ``-o``
replaces ``output``. Relative paths are relative to the folder holding the
``pyproject.toml`` (or the current folder when there is none).
"""

from __future__ import annotations

import keyword
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.overrides import Naming, NamingError, naming_from

if TYPE_CHECKING:
    from generator.render import Style

CACHE_ENV = "DVGEN_CACHE_DIR"
TARGETS = ("model", "python", "typescript", "odata")
DEFAULT_TARGETS = TARGETS
_NPM_NAME = re.compile(r"^(@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$")
_DISTRIBUTION = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9]*_?$")
#: a version both pip (PEP 440) and npm (semver) read alike
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


class ConfigError(Exception):
    """A ``[tool.dvgen]`` setting that cannot be used; the message says which."""


@dataclass(frozen=True, slots=True)
class Config:
    base: Path
    inputs: tuple[str, ...] = ("schema_docs",)
    output: str = "generated"
    targets: tuple[str, ...] = DEFAULT_TARGETS
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()  # publisher prefixes: only their tables, when given
    solutions: tuple[str, ...] = ()  # globs on a table's "Added by", when given
    python_package: str = "dataverse_bindings"
    python_distribution: str = "dataverse-bindings"
    typescript_package: str = "dataverse-bindings"
    cache: str | None = ".dvgen-cache"
    templates: str | None = None  # a folder of the project's own templates
    naming: Naming = field(default_factory=Naming)
    #: the packages' version outright; else derived from the schema (generator.versioning)
    version: str | None = None
    #: the packages' first version, when no previous build is there to follow
    version_start: str = "1.0.0"
    #: ``[tool.dvgen.diff]`` as written: ``dvgen diff`` reads it
    #: (:func:`generator.diff.settings.diff_settings`)
    diff: Any = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)

    @property
    def cache_dir(self) -> Path | None:
        """Where the incremental cache lives: ``DVGEN_CACHE_DIR`` when set (as
        CI systems like), else the ``cache`` setting; ``None`` for no cache."""
        if self.cache is None:
            return None
        folder = Path(os.environ.get(CACHE_ENV) or self.cache)
        return folder if folder.is_absolute() else self.base / folder

    @property
    def style(self) -> Style:
        """The templates and naming every render uses."""
        from generator.render import Style, Templates  # noqa: PLC0415 - jinja2, black: to render

        folder = None
        if self.templates is not None:
            path = Path(self.templates)
            folder = str((path if path.is_absolute() else self.base / path).resolve())
        return Style(Templates(folder), self.naming)

    @property
    def output_dir(self) -> Path:
        out = Path(self.output)
        return out if out.is_absolute() else self.base / out

    def with_overrides(self, inputs: list[str] | None, output: str | None) -> Config:
        cwd = Path.cwd()
        cfg = self
        if inputs:
            # paths typed on the command line are relative to where dvgen runs
            cfg = replace(
                cfg,
                inputs=tuple(str((cwd / p) if not Path(p).is_absolute() else p) for p in inputs),
            )
        if output:
            cfg = replace(
                cfg, output=str(cwd / output) if not Path(output).is_absolute() else output
            )
        return cfg


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None) -> Config:
    """The config from ``path`` (or the nearest ``pyproject.toml`` up from here)."""
    explicit = path is not None
    path = path or find_pyproject(Path.cwd())
    if path is None:
        return Config(base=Path.cwd())
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("tool", {}).get("dvgen")
    if section is None:
        if explicit:
            raise ConfigError(f"{path}: has no [tool.dvgen] table")
        return Config(base=Path.cwd())
    return _from_table(section, path)


def _from_table(section: Any, path: Path) -> Config:
    where = f"{path}: [tool.dvgen]"
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a table")
    known = {
        *("inputs", "output", "targets", "include", "exclude", "prefixes", "solutions", "cache"),
        *("python", "typescript", "diff", "templates", "naming", "version", "version-start"),
    }
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    cfg = Config(base=path.parent, source=str(path))
    values: dict[str, Any] = {}
    for key in ("inputs", "targets", "include", "exclude", "prefixes", "solutions"):
        if key in section:
            values[key] = _str_list(section[key], f"{where} {key}")
    for prefix in values.get("prefixes", ()):
        if not _PREFIX.match(prefix):
            raise ConfigError(
                f"{where} prefixes: {prefix!r} is not a publisher prefix (like msdyn_)"
            )
    if "output" in section:
        if not isinstance(section["output"], str) or not section["output"].strip():
            raise ConfigError(f"{where} output: expected a folder name")
        values["output"] = section["output"]
    if "cache" in section:
        cache = section["cache"]
        if cache is False:
            values["cache"] = None
        elif isinstance(cache, str) and cache.strip():
            values["cache"] = cache
        else:
            raise ConfigError(f"{where} cache: expected a folder name, or false for no cache")
    if "templates" in section:
        values["templates"] = _templates(section["templates"], path.parent, f"{where} templates")
    if "naming" in section:
        try:
            values["naming"] = naming_from(section["naming"], f"{path}: [tool.dvgen.naming]")
        except NamingError as exc:
            raise ConfigError(str(exc)) from None
    if "python" in section:
        values.update(_python_table(section["python"], f"{where}.python"))
    if "typescript" in section:
        values.update(_typescript_table(section["typescript"], f"{where}.typescript"))
    if "diff" in section:
        values["diff"] = section["diff"]
    for key, name in (("version", "version"), ("version-start", "version_start")):
        if key in section:
            value = section[key]
            if not isinstance(value, str) or not _VERSION.fullmatch(value):
                raise ConfigError(
                    f'{where} {key}: expected a version MAJOR.MINOR.PATCH such as "1.4.0" '
                    f"(got {value!r})"
                )
            values[name] = value
    for t in values.get("targets", ()):
        if t not in TARGETS:
            raise ConfigError(f"{where} targets: unknown target {t!r}; known: {', '.join(TARGETS)}")
    return replace(cfg, **values)


def _templates(value: Any, base: Path, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a folder name")
    folder = Path(value) if Path(value).is_absolute() else base / value
    if not folder.is_dir():
        raise ConfigError(f"{where}: {value!r} is not a folder ({folder} does not exist)")
    return value


def subtable(section: Any, where: str, known: set[str]) -> dict[str, Any]:
    """``section`` when it is a table of only ``known`` settings."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return section


def _python_table(section: Any, where: str) -> dict[str, str]:
    section = subtable(section, where, {"package", "distribution"})
    out: dict[str, str] = {}
    package = section.get("package")
    if package is not None:
        if not isinstance(package, str) or not package.isidentifier() or keyword.iskeyword(package):
            raise ConfigError(f"{where} package: {package!r} is not a Python package name")
        out["python_package"] = package
    dist = section.get("distribution")
    if dist is not None:
        if not isinstance(dist, str) or not _DISTRIBUTION.match(dist):
            raise ConfigError(f"{where} distribution: {dist!r} is not a valid distribution name")
        out["python_distribution"] = dist
    return out


def _typescript_table(section: Any, where: str) -> dict[str, str]:
    section = subtable(section, where, {"package"})
    package = section.get("package")
    if package is None:
        return {}
    if not isinstance(package, str) or len(package) > 214 or not _NPM_NAME.match(package):
        raise ConfigError(f"{where} package: {package!r} is not a valid npm package name")
    return {"typescript_package": package}


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)
