"""The cache's entries are written by a thread of their own
(:class:`generator.engine.store.DiskStore`): the build never waits for the
file system unless the writer falls behind, and never holds more than a few
entries for it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from generator.engine import store as store_module
from generator.engine.store import LAYOUT, DiskStore


def test_every_entry_is_on_disk_once_saved(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "cache")
    for i in range(300):
        store.store(f"render/{i}", f"entry {i}")
    store.save(prune=True)
    root = tmp_path / "cache" / LAYOUT / "render"
    assert sorted(int(p.name) for p in root.iterdir()) == list(range(300))
    assert (root / "123").read_text(encoding="utf-8") == "entry 123"
    again = DiskStore(tmp_path / "cache")
    assert again.load("render/299") == "entry 299"


def test_the_writer_holds_a_few_entries_and_hands_them_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = threading.Event()
    real = store_module.write_atomic

    def slow(path: Path, text: str) -> None:
        go.wait(10)
        real(path, text)

    monkeypatch.setattr(store_module, "write_atomic", slow)
    store = DiskStore(tmp_path / "cache")
    many = store_module._PENDING + 20
    storing = threading.Thread(
        target=lambda: [store.store(f"pages/{i}", f"page {i}") for i in range(many)]
    )
    storing.start()
    storing.join(1)
    # the disk is slow: the build waits rather than hold every entry
    assert storing.is_alive() and len(store._pending) == store_module._PENDING
    # an entry not written yet is read from the writer's queue
    assert store.load("pages/3") == "page 3"
    assert not (tmp_path / "cache" / LAYOUT / "pages" / "3").exists()
    go.set()
    storing.join(10)
    store.save(prune=True)
    assert not store._pending
    assert len(list((tmp_path / "cache" / LAYOUT / "pages").iterdir())) == many


def test_a_cache_that_cannot_be_written_costs_nothing_but_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "write_atomic", full)
    store = DiskStore(tmp_path / "cache")
    store.store("pages/a", "a")
    store.save(prune=True)  # no error
    assert store.write is False and not store._pending
    store.store("pages/b", "b")  # nothing more is tried
    assert store.load("pages/b") is None
