"""What ``dvgen diff`` compares: each side read into tables.

A side is a page (``*.md``), an org's ``$metadata`` (any file whose content
is CSDL), a model (``*.yaml``), a folder of these, a
build's output folder (its ``model/``), or ``git:REV`` / ``git:REV:PATH``: the
configured inputs (``schema_docs/``) at that revision of the current
repository, else the models in ``<output>/model/`` there. Pages are parsed
with this dvgen, so both sides of a diff are read by the same parser.

Anything that keeps a side from being read raises :class:`DiffInputError`;
a diff is never computed from half an input.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import yaml
from pydantic import ValidationError

from generator.config import Config
from generator.csdl.operations import merge_services
from generator.csdl.reader import is_csdl
from generator.csdl.tables import DocumentTables
from generator.deprecation import marked
from generator.diagnostics import Diagnostics
from generator.engine.runner import Runner
from generator.inputs import DOCUMENT_SUFFIXES, PAGE_SUFFIXES, collect, shown_path, skip_other_pages
from generator.manifests import (
    MANIFEST_NAME,
    DiskFolder,
    Folder,
    ManifestError,
    parse_manifest,
)
from generator.merge import merge_pages
from generator.model import Table
from generator.modelio import ModelError, load_table
from generator.output.write import MANIFEST
from generator.parse import ParsedPage
from generator.service import SERVICE_FILE, Service

MODEL_SUFFIXES = (".yaml", ".yml")
_GIT_TIMEOUT = 120


class DiffInputError(Exception):
    """A side of the diff that cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class _Blob:
    """One file of a side: how diagnostics name it, where changes point, its bytes."""

    shown_path: str
    location: str
    data: bytes
    source_path: str = ""
    named: bool = False  # named itself, not found in a folder, a glob or a revision


@dataclass(slots=True)
class Side:
    """One side of a diff: its tables, and each table's text for locating changes."""

    label: str
    tables: dict[str, Table] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    #: logical name -> (file as shown to the user, the file's lines)
    texts: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: what orgs' $metadata documents offer beside tables (none: no document)
    service: Service | None = None
    #: where a document declares a fact (a table, a column, a relationship),
    #: as :class:`~generator.csdl.tables.DocumentTables` keys it: (file, line)
    anchors: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)


def load_side(spec: str, config: Config, runner: Runner | None = None) -> Side:
    """Read ``spec`` (a path, or ``git:REV[:PATH]``) into a :class:`Side`;
    pages are parsed through ``runner`` (a build's cache reuses what it parsed)."""
    runner = runner or Runner()
    if spec.startswith("git:"):
        return _from_git(spec, config, runner)
    path = Path(spec)
    if not path.exists():
        raise DiffInputError(
            f"{spec}: no such file or folder (for a revision of this repository write git:{spec})"
        )
    manifest = path / MANIFEST_NAME if path.is_dir() else path
    if manifest.name == MANIFEST_NAME and manifest.is_file():
        blob = _file_blob(manifest)
        folder = DiskFolder(manifest.parent, blob.location.rpartition("/")[0])
        return _from_manifest(spec, blob, folder)
    if path.is_file():
        if path.suffix.lower() in MODEL_SUFFIXES:
            return _from_models(spec, [_file_blob(path)])
        if path.suffix.lower() in PAGE_SUFFIXES or _is_document(path):
            return _from_page_files(spec, path, runner)
        raise DiffInputError(
            f"{spec}: expected a page (*.md), an org's $metadata or a model (*.yaml)"
        )
    models = _model_folder(path)
    if models is not None:
        return _from_models(spec, [_file_blob(p) for p in models])
    readable = PAGE_SUFFIXES + DOCUMENT_SUFFIXES
    if not any(p.suffix.lower() in readable for p in path.rglob("*") if p.is_file()):
        raise DiffInputError(
            f"{spec}: holds no pages (*.md), no $metadata documents and no models (*.yaml)"
        )
    return _from_page_files(spec, path, runner)


def _is_document(path: Path) -> bool:
    with path.open("rb") as fh:
        return is_csdl(fh.read(4096))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DiffInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _file_blob(path: Path, shown: str | None = None, source_path: str = "") -> _Blob:
    shown = shown or path.as_posix()
    return _Blob(shown, shown, _read(path), source_path)


def _model_folder(folder: Path) -> list[Path] | None:
    """The model files of a folder of models, or of a build output's ``model/``;
    ``None`` for a folder of pages, even with YAML beside them (Microsoft's doc
    folders carry a ``toc.yml``)."""
    if (folder / MANIFEST).is_file() and (folder / "model").is_dir():
        folder = folder / "model"
    elif any(p.suffix.lower() in PAGE_SUFFIXES for p in folder.rglob("*") if p.is_file()):
        return None
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in MODEL_SUFFIXES)
    return found or None


def _service(f: _Blob, text: str) -> Service:
    """The service model a build wrote beside the tables' (``_service.yaml``)."""
    try:
        data = yaml.safe_load(text)
        return Service.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        words = " ".join(str(exc).split())[:200]
        raise DiffInputError(f"{f.shown_path}: not a service model: {words}") from None


def _from_models(label: str, files: list[_Blob]) -> Side:
    side = Side(label)
    seen: dict[str, str] = {}
    for f in files:
        try:
            text = f.data.decode("utf-8")
        except UnicodeDecodeError:
            raise DiffInputError(f"{f.shown_path}: not UTF-8 text") from None
        if PurePosixPath(f.shown_path).name == SERVICE_FILE:
            side.service = _service(f, text)
            continue
        try:
            table = marked(load_table(text, f.shown_path))  # flagged as a build flags it
        except ModelError as exc:
            raise DiffInputError(str(exc)) from None
        if table.logical_name in seen:
            other = seen[table.logical_name]
            raise DiffInputError(f"{f.shown_path}: table {table.logical_name} is also in {other}")
        seen[table.logical_name] = f.shown_path
        side.tables[table.logical_name] = table
        side.texts[table.logical_name] = (f.location, text.split("\n"))
    return side


def _from_manifest(label: str, f: _Blob, folder: Folder) -> Side:
    """A generated package's manifest: the schema its build recorded, read
    from the package's ``folder``."""
    try:
        found = parse_manifest(f.data, f.location, folder)
    except ManifestError as exc:
        raise DiffInputError(str(exc)) from None
    if found.tables is None:
        raise DiffInputError(
            f"{f.shown_path}: the package's manifest records no schema (a build by an older "
            "dvgen): build it again, or compare its docs instead"
        )
    side = Side(label, tables=found.tables, service=found.service, anchors=found.anchors)
    return side


def _from_page_files(label: str, path: Path, runner: Runner) -> Side:
    diags = Diagnostics()
    pages = collect([str(path)], Path.cwd(), diags)
    blobs = [replace(_file_blob(p.path, p.shown_path, p.source_path), named=p.named) for p in pages]
    return _from_pages(label, blobs, diags, runner)


def _from_pages(label: str, blobs: list[_Blob], diags: Diagnostics, runner: Runner) -> Side:
    """Parse and merge pages, as a build would."""
    side = Side(label, diagnostics=diags)
    parsed: list[ParsedPage] = []
    documents: list[DocumentTables] = []
    text_of: dict[str, tuple[str, list[str]]] = {}
    shown_paths: dict[str, str] = {}
    for b in blobs:
        shown_paths[b.source_path] = b.shown_path
        if is_csdl(b.data):
            doc = runner.document(b.data, b.source_path, b.shown_path, diags)
            if doc is not None:
                documents.append(doc)
                for key, line in doc.lines.items():
                    side.anchors.setdefault(key, (b.location, line))
            continue
        found = Diagnostics()
        page = runner.parse(b.data, b.source_path, b.shown_path, found)
        skip_other_pages(found, set() if b.named else {b.shown_path}, diags)
        if page is not None:
            parsed.append(page)
            lines = b.data.decode("utf-8", errors="replace").split("\n")
            text_of.setdefault(page.table.logical_name, (b.location, lines))
            if not page.extension:  # the base page is the one to point at
                text_of[page.table.logical_name] = (b.location, lines)
    side.tables = merge_pages(parsed, diags, shown_paths, documents=documents)
    if documents:
        side.service = merge_services([d.service for d in documents], diags, shown_paths)
    side.texts = {k: v for k, v in text_of.items() if k in side.tables}
    errors = [d for d in diags.sorted() if d.level == "error"]
    if errors:
        shown_errors = "\n".join(f"  {d.format()}" for d in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise DiffInputError(f"{label}: the pages have errors:\n{shown_errors}{more}")
    return side


# -- git ---------------------------------------------------------------------

_REV = re.compile(r"^[^\s:~^?*\[\\][^\s:?*\[\\]*$")


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        run = subprocess.run(
            ["git", "-C", str(root), *args],
            input=data,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise DiffInputError("git:...: git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise DiffInputError(f"git {args[0]} took longer than {_GIT_TIMEOUT} s") from None
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffInputError(f"git {args[0]} failed: {message[-1] if message else run.returncode}")
    return run.stdout


def _from_git(spec: str, config: Config, runner: Runner) -> Side:
    rev, _, inner = spec[len("git:") :].partition(":")
    if not rev or not _REV.match(rev) or rev.startswith("-"):
        raise DiffInputError(
            f"{spec}: expected git:REV or git:REV:PATH, with a branch, tag or commit"
        )
    try:
        top = Path(_git(config.base, "rev-parse", "--show-toplevel").decode().strip())
    except DiffInputError:
        raise DiffInputError(f"{spec}: {config.base} is not inside a git repository") from None
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except DiffInputError:
        raise DiffInputError(f"{spec}: {rev!r} is not a revision of this repository") from None
    if inner:
        roots = [inner.strip("/")]
        for candidate in (roots[0], f"{roots[0]}/{MANIFEST_NAME}"):
            if PurePosixPath(candidate).name == MANIFEST_NAME:
                try:
                    data = _git(top, "cat-file", "blob", f"{commit}:{candidate}")
                except DiffInputError:
                    continue
                folder = _GitFolder(top, commit, rev, str(PurePosixPath(candidate).parent))
                where = f"{rev}:{candidate}"
                return _from_manifest(spec, _Blob(where, where, data), folder)
    else:
        found = (_repo_path(config.base / i, top) for i in config.inputs if not _magic(i))
        roots = [r for r in found if r is not None]
    # (blob, path, source path): a folder's pages below it, as a build reads them
    pages = [
        (oid, path, _under(path, roots)) for oid, path in _ls(top, commit, roots, PAGE_SUFFIXES)
    ]
    if not inner:  # a glob input's pages, named by their file name as a build names them
        seen = {path for _, path, _ in pages}
        for pattern in (_repo_path(config.base / i, top) for i in config.inputs if _magic(i)):
            if pattern is None:
                continue
            matches = _glob(pattern)
            for oid, path in _ls(top, commit, [_fixed(pattern)], PAGE_SUFFIXES):
                if path not in seen and matches.fullmatch(path):
                    seen.add(path)
                    pages.append((oid, path, PurePosixPath(path).name))
    if pages:
        blobs = _cat(top, [(oid, path) for oid, path, _ in pages])
        diags = Diagnostics()
        items = [
            _Blob(f"{rev}:{path}", shown_path(top / path), blobs[oid], source)
            for oid, path, source in sorted(pages, key=lambda page: page[1])
        ]
        return _from_pages(spec, items, diags, runner)
    model_root = _repo_path(config.output_dir / "model", top) if not inner else roots[0]
    models = _ls(top, commit, [model_root] if model_root else [], MODEL_SUFFIXES)
    if models:
        blobs = _cat(top, models)
        return _from_models(
            spec,
            [_Blob(f"{rev}:{path}", shown_path(top / path), blobs[oid]) for oid, path in models],
        )
    wanted = ", ".join(f"{r}/" for r in roots) or "(nothing inside the repository)"
    raise DiffInputError(
        f"{spec}: {rev} has no pages under {wanted}"
        + ("" if inner else f" and no models under {model_root}/")
    )


class _GitFolder:
    """A package's folder at a revision (:class:`~generator.manifests.Folder`):
    its schema files read by one ``git cat-file --batch`` when first asked for."""

    def __init__(self, top: Path, commit: str, rev: str, root: str) -> None:
        self.top, self.commit, self.rev = top, commit, rev
        self.root = "" if root in ("", ".") else f"{root}/"
        self._blobs: dict[str, bytes] | None = None

    def shown(self, rel: str) -> str:
        return f"{self.rev}:{self.root}{rel}"

    def read(self, rel: str) -> bytes:
        if self._blobs is None:
            try:
                found = _ls(self.top, self.commit, [f"{self.root}schema"], (".json",))
                contents = _cat(self.top, found)
            except DiffInputError as exc:
                raise ManifestError(self.shown("schema"), None, str(exc)) from None
            self._blobs = {path: contents[oid] for oid, path in found}
        data = self._blobs.get(f"{self.root}{rel}")
        if data is None:
            raise ManifestError(self.shown(rel), None, f"not in the revision {self.rev}")
        return data


def _magic(spec: str) -> bool:
    return any(ch in spec for ch in "*?[")


def _fixed(pattern: str) -> str:
    """A glob's folders up to its first one with a wildcard ("." for none)."""
    parts = []
    for part in pattern.split("/"):
        if _magic(part):
            break
        parts.append(part)
    return "/".join(parts) or "."


def _glob(pattern: str) -> re.Pattern[str]:
    """``pattern`` as :mod:`glob` reads it (``*`` and ``?`` within one folder,
    ``**`` any number of folders, ``[...]`` a set), as a regular expression."""
    parts = pattern.split("/")
    out = []
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if part == "**" and not last:
            out.append("(?:[^/]+/)*")
            continue
        out.append(_glob_part(part) + ("" if last else "/"))
    return re.compile("".join(out))


def _glob_part(part: str) -> str:
    out, i = [], 0
    while i < len(part):
        ch = part[i]
        end = part.find("]", i + 2) if ch == "[" else -1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif end != -1:
            inner = part[i + 1 : end]
            negate = inner.startswith("!")
            body = inner[negate:].replace("\\", "\\\\").replace("^", "\\^")
            out.append("[" + ("^" if negate else "") + body + "]")  # ranges stay ranges
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _repo_path(path: Path, top: Path) -> str | None:
    try:
        rel = Path(os.path.abspath(path)).relative_to(top)
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else "."


def _under(path: str, roots: list[str]) -> str:
    """``path`` relative to the input root it was found under (as a folder build does)."""
    for root in roots:
        if root != "." and (path == root or path.startswith(root + "/")):
            return path[len(root) + 1 :] if path != root else PurePosixPath(path).name
    return path


def _ls(
    top: Path, commit: str, roots: list[str], suffixes: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(blob id, path) of every file under ``roots`` at ``commit`` ending in ``suffixes``."""
    if not roots:
        return []
    out = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *roots)
    found: list[tuple[str, str]] = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        _mode, kind, oid = meta.split()
        if kind == "blob" and path.lower().endswith(suffixes):
            found.append((oid, path))
    return sorted(found, key=lambda item: item[1])


def _cat(top: Path, blobs: list[tuple[str, str]]) -> dict[str, bytes]:
    """The content of every blob, read by one ``git cat-file --batch``."""
    request = "".join(f"{oid}\n" for oid, _ in blobs).encode()
    out = _git(top, "cat-file", "--batch", data=request)
    contents: dict[str, bytes] = {}
    pos = 0
    for want, path in blobs:
        end = out.find(b"\n", pos)
        head = out[pos:end].decode("utf-8", "replace").split() if end != -1 else []
        if len(head) != 3:  # "<oid> missing": a shallow or damaged clone
            raise DiffInputError(
                f"git has no content for {path} (blob {want}): the clone is shallow or "
                "damaged; fetch the revision whole (git fetch --unshallow) and run again"
            )
        oid, _kind, size = head
        start = end + 1
        contents[oid] = out[start : start + int(size)]
        pos = start + int(size) + 1
    return contents
