"""Where the engine keeps what it made, between builds: nowhere
(:class:`NoStore`, ``--no-cache``) or ``.dvgen-cache/`` (:class:`DiskStore`).

A store holds text entries by a relative name (``pages/<digest>``); what an
entry means, and its key, are the runner's business. Each entry is written as
soon as it is made (a large build never holds them all), and at the end of a
successful build every entry it did not use is deleted, so the folder holds
one build's worth. It is data, never code (no pickle): a damaged or foreign
entry is ignored and recomputed. dvgen writes and deletes only in a folder of
its own (:mod:`generator.engine.folder`), and deletes the folders of other
layouts (``v1/``...) only when they hold nothing but its entries.
"""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from generator.cache_entries import write_atomic
from generator.engine.folder import CACHEDIR_TAG, our_layout
from generator.timing import CLOCK

CACHE_DIR = ".dvgen-cache"
LAYOUT = "v2"  # entries of another layout are deleted by the next build
KINDS = ("pages", "merged", "render", "documents")
_PENDING = 64  # entries waiting for the writer thread, at most


class Store(Protocol):
    #: whether entries are kept at all (else the runner skips making them)
    keeps: bool

    def load(self, rel: str) -> str | None: ...

    def store(self, rel: str, text: str) -> None: ...

    def save(self, *, prune: bool) -> None: ...


class NoStore:
    """Nothing kept: every page is parsed and every table rendered."""

    keeps = False

    def load(self, rel: str) -> str | None:
        del rel
        return None

    def store(self, rel: str, text: str) -> None:
        del rel, text

    def save(self, *, prune: bool) -> None:
        del prune


class DiskStore:
    """The entries in ``folder`` (a folder of dvgen's own); ``write=False``
    reads without writing (``build --check``)."""

    keeps = True

    def __init__(self, folder: Path, *, write: bool = True) -> None:
        self.folder = folder
        self.root = folder / LAYOUT
        self.write = write
        self._prepared = False
        self._used: set[str] = set()
        self._writer: ThreadPoolExecutor | None = None
        self._pending: dict[str, str] = {}  # handed to the writer, not written yet
        self._lock = threading.Lock()
        self._room = threading.BoundedSemaphore(_PENDING)

    def load(self, rel: str) -> str | None:
        self._used.add(rel)
        with self._lock:
            pending = self._pending.get(rel)
        if pending is not None:
            return pending
        with CLOCK.stage("cache"):
            try:
                return (self.root / rel).read_text(encoding="utf-8")
            except (OSError, ValueError):
                return None

    def store(self, rel: str, text: str) -> None:
        """Hand an entry to the writer thread now (its file system calls
        overlap the build's work), with at most a few waiting, so a large
        build never holds them all."""
        self._used.add(rel)
        if not self.write:
            return
        with CLOCK.stage("cache"):
            if self._writer is None:
                try:
                    self._prepare()
                except OSError:
                    self.write = False  # a cache that cannot be written costs speed, never a build
                    return
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="dvgen-cache")
            self._room.acquire()  # waits while the writer is behind
            with self._lock:
                self._pending[rel] = text
            self._writer.submit(self._write, rel, text)

    def _write(self, rel: str, text: str) -> None:
        try:
            if self.write:
                write_atomic(self.root / rel, text)
        except OSError:
            self.write = False  # a cache that cannot be written costs speed, never a build
        finally:
            with self._lock:
                if self._pending.get(rel) is text:
                    del self._pending[rel]
            self._room.release()

    def flush(self) -> None:
        """Wait until every entry handed over is written."""
        if self._writer is not None:
            with CLOCK.stage("cache"):
                self._writer.shutdown(wait=True)
            self._writer = None

    def save(self, *, prune: bool) -> None:
        """Write what is still waiting; with ``prune``, delete the entries this
        build did not use (a failed build keeps them: the next one needs them)."""
        self.flush()
        if not self.write or not prune:
            return
        try:
            for other in self.folder.glob("v*"):
                layout = other.name[1:].isdigit() and other != self.root
                if layout and not other.is_symlink() and our_layout(other):
                    shutil.rmtree(other, ignore_errors=True)  # another dvgen's layout
            for kind in KINDS:
                folder = self.root / kind
                for path in folder.iterdir() if folder.is_dir() else ():
                    if f"{kind}/{path.name}" not in self._used:
                        path.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written costs speed, never a build

    def _prepare(self) -> None:
        for kind in KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(CACHEDIR_TAG, encoding="utf-8")
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by dvgen: never commit the cache\n*\n", encoding="utf-8")
        self._prepared = True
