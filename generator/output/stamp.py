"""``build --check`` with nothing to do, without rendering anything.

A build (and a check that found the output current) leaves a *stamp* in the
cache folder: a digest of everything its output depends on (dvgen's code and
templates, the libraries that shape the bytes, the settings, the project's
templates, every input page's path and bytes, the folder dvgen ran in) and
the SHA-256 of every file it wrote, with the diagnostics it printed. A later
``build --check`` whose digest is the same, and whose output folder still
holds exactly those files, is up to date: it prints the same diagnostics and
says so, at about the cost of reading the pages and the output once, with
no parser, renderer or formatter imported. Anything else (a changed page, an
edited output file, no cache, a damaged stamp) takes the full check.

Only the standard library and dvgen's light modules are imported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.config import Config
from generator.diagnostics import Diagnostic, Diagnostics
from generator.engine.fingerprint import code_fingerprint
from generator.engine.folder import foreign
from generator.inputs import collect
from generator.output.write import MANIFEST, manifest_bytes, read_manifest

#: The libraries whose versions change the bytes dvgen writes.
SHAPING = ("black", "Jinja2", "markdown-it-py", "PyYAML", "pydantic", "anyascii", "ftfy", "orjson")
_MAX_STAMP = 64 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - 15 ms

    out = []
    for name in SHAPING:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=?")
    return ",".join(out)


def _tree_digest(folder: Path, h: hashlib._Hash) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())


def inputs_digest(config: Config, *, strict: bool) -> str | None:
    """The digest of everything the output of ``config`` depends on; ``None``
    when an input cannot be read as it is (the full check says why)."""
    h = hashlib.sha256()
    h.update(code_fingerprint().encode())
    h.update(_versions().encode() + sys.version.encode())
    h.update(repr(config).encode() + repr(strict).encode())
    h.update(os.getcwd().encode(errors="surrogateescape"))
    try:
        if config.templates is not None:
            folder = Path(config.templates)
            _tree_digest(folder if folder.is_absolute() else config.base / folder, h)
        diags = Diagnostics()
        for page in collect(config.inputs, config.base, diags):
            h.update(b"\0" + page.source_path.encode() + b"\0" + page.shown_path.encode())
            h.update(hashlib.sha256(page.path.read_bytes()).digest())
        for d in diags.items:
            h.update(json.dumps(d.to_dict(), sort_keys=True).encode())
    except (OSError, ValueError):
        return None
    return h.hexdigest()


def _path(config: Config) -> Path | None:
    """Where the stamp of ``config``'s output folder lives (one per folder)."""
    cache = config.cache_dir
    if cache is None or not cache.is_dir() or foreign(cache):
        return None
    out = str(config.output_dir.resolve()).encode(errors="surrogateescape")
    return cache / "stamps" / f"{hashlib.sha256(out).hexdigest()}.json"


def digest_before(config: Config, *, strict: bool) -> str | None:
    """:func:`inputs_digest`, taken before a build reads its inputs: a page
    edited while the build runs then leaves the stamp stale, never wrongly
    current. ``None`` without a cache (no stamp is kept)."""
    if config.cache_dir is None:
        return None
    return inputs_digest(config, strict=strict)


def record(
    config: Config,
    digest: str | None,
    files: Mapping[str, bytes],
    shown: Iterable[Diagnostic],
    unchanged: Iterable[str] = (),
) -> None:
    """Stamp the output folder as holding ``files`` and their manifest (as
    the commit wrote them, hashed from memory), made from inputs whose digest
    :func:`digest_before` took. The files the commit found ``unchanged`` keep
    the hash the last stamp gave them, when it gave one (an unchanged
    rebuild hashed its whole output again; a hash gone wrong meanwhile costs
    the next check its quick path, never a wrong answer, since that check
    hashes the files again). A stamp that cannot be written costs the next
    check its quick path, never a build."""
    path = _path(config)
    if path is None or digest is None:
        return
    written = {**files, MANIFEST: manifest_bytes(files)}
    before = _stamped(path) if unchanged else {}
    kept = {rel: before[rel] for rel in unchanged if rel in before and rel in written}
    hashes = {
        rel: kept.get(rel) or hashlib.sha256(data).hexdigest() for rel, data in written.items()
    }
    stamp = {"inputs": digest, "files": hashes, "diagnostics": [d.to_dict() for d in shown]}
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return


def _stamped(path: Path) -> dict[str, str]:
    """Each file's hash as the stamp at ``path`` gives it (none when it is
    missing, too large or damaged)."""
    try:
        if path.stat().st_size > _MAX_STAMP:
            return {}
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {
        rel: h
        for rel, h in files.items()
        if isinstance(h, str) and _SHA256.fullmatch(h) is not None
    }


def up_to_date(config: Config, *, strict: bool) -> tuple[list[Diagnostic], int] | None:
    """The diagnostics to print, and the number of files a build writes, when
    the output folder is provably what a build of ``config`` writes; ``None``
    when that takes the full check."""
    path = _path(config)
    if path is None:
        return None
    try:
        if path.stat().st_size > _MAX_STAMP:
            return None
        stamp = json.loads(path.read_text(encoding="utf-8"))
        if stamp["inputs"] != inputs_digest(config, strict=strict):
            return None
        out = config.output_dir
        files: dict[str, str] = stamp["files"]
        if read_manifest(out) | {MANIFEST} != set(files):
            return None  # a file a build would remove, or one it lost
        for rel, digest in files.items():
            target = out / rel
            if target.is_symlink() or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                return None
        return [Diagnostic(**d) for d in stamp["diagnostics"]], len(files) - 1
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
