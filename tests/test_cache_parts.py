"""$metadata's cached parts (generator/targets/odata_parts.py): whatever changed between
two builds, a document made from the last build's parts is byte for byte the
document made from nothing, with the same diagnostics, and only the entity
types whose elements changed are rendered again."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from generator.build import generate
from generator.config import Config
from generator.diagnostics import Diagnostics
from generator.model import Table
from generator.targets.odata import METADATA, metadata_files, reads_hold
from generator.targets.odata_parts import SHARDS, StoredParts, shard_of
from tests.helpers import copy_pages

SMS = "msdyn_smsengagementctx"
CONVERSATION = "msdyn_ocliveworkitem"

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "Microsoft.Dynamics.CRM."
Tables = dict[str, Table]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """The 49-page project's tables, merged."""
    root = copy_pages(tmp_path_factory.mktemp("pages"))
    config = Config(base=root, inputs=("schema_docs", "corpus"), targets=("model",), cache=None)
    result = generate(config, write=False)
    assert not result.failed(strict=False) and len(result.tables) > 30
    return result.tables


def _shown_paths(tables: Tables) -> dict[str, str]:
    return {s.path: f"shown/{s.path}" for t in tables.values() for s in t.sources}


def _digest(table: Table) -> str:
    return hashlib.sha256(table.model_dump_json().encode()).hexdigest()


def fresh(tables: Tables) -> tuple[bytes, list[str]]:
    """The document and diagnostics with no parts kept."""
    diags = Diagnostics()
    document = metadata_files(tables, diags, _shown_paths(tables))[METADATA]
    return document, [d.format() for d in diags]


Shards = list[str | None]


def kept(tables: Tables, shards: Shards) -> tuple[bytes, list[str], list[str], dict[int, str]]:
    """The document and diagnostics made from ``shards`` (as kept), the
    entity types it rendered, and the shards to write back."""
    rendered: list[str] = []
    shown_paths = _shown_paths(tables)
    parts = StoredParts(
        shards, _digest, shown_paths, {v: k for k, v in shown_paths.items()}, rendered.append
    )
    diags = Diagnostics()
    document = metadata_files(tables, diags, shown_paths, parts)[METADATA]
    return document, [d.format() for d in diags], rendered, parts.dump(prune=True)


NONE: Shards = [None] * SHARDS


def updated(shards: Shards, written: dict[int, str]) -> Shards:
    return [written.get(i, text) for i, text in enumerate(shards)]


def _first(tables: Tables) -> Shards:
    return updated(NONE, kept(tables, NONE)[3])


def pieces(shards: Shards) -> set[str]:
    """The digests of the pieces the shards hold."""
    return {
        digest
        for text in shards
        if text is not None
        for digest in json.loads(text.partition("\n")[0])["pieces"]
    }


def edit(tables: Tables, name: str, **update: object) -> Tables:
    return {**tables, name: tables[name].model_copy(update=update)}


def test_a_first_build_renders_every_type_and_matches_a_fresh_document(tables: Tables) -> None:
    document, diags, rendered, written = kept(tables, NONE)
    assert (document, diags) == fresh(tables)
    assert set(tables) - {"crmbaseentity"} <= set(rendered)  # every table's type, and more
    assert len(written) > SHARDS // 2  # spread out
    assert pieces(updated(NONE, written)) == {_digest(t) for t in tables.values()}


def test_an_unchanged_build_renders_nothing_and_writes_nothing(tables: Tables) -> None:
    document, diags, rendered, written = kept(tables, _first(tables))
    assert (document, diags) == fresh(tables)
    assert diags  # the kept pieces' diagnostics are replayed, naming their pages
    assert any(d.startswith("shown/") for d in diags)
    assert rendered == []
    assert written == {}


def test_a_changed_description_rerenders_that_type_alone(tables: Tables) -> None:
    """And rewrites only the shards it touches: the old piece's (pruned), the
    new piece's and the block's."""
    changed = edit(tables, SMS, description="Changed.")
    document, diags, rendered, written = kept(changed, _first(tables))
    assert (document, diags) == fresh(changed)
    assert rendered == [SMS]
    touched = {shard_of(_digest(tables[SMS])), shard_of(_digest(changed[SMS])), shard_of(SMS)}
    assert set(written) == touched


def test_a_renamed_entity_set_rerenders_the_types_that_bind_to_it(tables: Tables) -> None:
    """And no others: a type with no entity set binds nothing (some tables
    point at Conversation but have no set of their own)."""
    changed = edit(tables, CONVERSATION, entity_set_name="conversations")
    document, diags, rendered, _ = kept(changed, _first(tables))
    assert (document, diags) == fresh(changed)
    binding = f"{EDM}NavigationPropertyBinding[@Target='conversations']"
    binders = {
        s.get("EntityType", "").removeprefix(NS)
        for s in ET.fromstring(document).iter(f"{EDM}EntitySet")
        if s.find(binding) is not None
    }
    assert SMS in binders  # its lookup to Conversation
    assert sorted(rendered) == sorted(binders | {CONVERSATION})


def test_a_changed_primary_id_remakes_the_pieces_that_read_it(tables: Tables) -> None:
    """SMS's lookup reads Conversation's key for its referential constraint:
    a new key name must reach SMS's piece, though SMS's own page is unchanged."""
    first = _first(tables)
    text = first[shard_of(_digest(tables[SMS]))]
    assert text is not None
    sets, ids = json.loads(text.partition("\n")[0])["pieces"][_digest(tables[SMS])]["reads"]
    assert ids[CONVERSATION] == "activityid"
    changed = edit(tables, CONVERSATION, primary_id_attribute="conversationid")
    assert reads_hold((sets, ids), tables) and not reads_hold((sets, ids), changed)
    document, diags, rendered, _ = kept(changed, first)
    assert (document, diags) == fresh(changed)
    assert SMS in rendered


def test_a_table_that_left_becomes_a_referenced_type(tables: Tables) -> None:
    changed = {k: v for k, v in tables.items() if k != CONVERSATION}
    document, diags, rendered, _ = kept(changed, _first(tables))
    assert (document, diags) == fresh(changed)
    assert CONVERSATION in rendered  # now declared by convention, keyed <name>id


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short: the sizes do not add up
        lambda text: "{" + text,  # header is not JSON
        lambda text: text.replace('"sizes":[', '"sizes":[-1,', 1),  # header does not validate
    ],
)
def test_a_damaged_shard_is_ignored(tables: Tables, damage: Callable[[str], str]) -> None:
    first = _first(tables)
    i = shard_of(SMS)
    text = first[i]
    assert text is not None and '"sizes":[' in text
    shards = [damage(text) if j == i else t for j, t in enumerate(first)]
    document, diags, rendered, written = kept(tables, shards)
    assert (document, diags) == fresh(tables)
    assert SMS in rendered
    assert i in written  # written whole again


def test_a_failed_build_keeps_the_parts_it_did_not_use(tables: Tables) -> None:
    first = _first(tables)
    fewer = {k: v for k, v in tables.items() if k != SMS}
    shown_paths = _shown_paths(fewer)

    def after(prune: bool) -> set[str]:
        parts = StoredParts(first, _digest, shown_paths, {v: k for k, v in shown_paths.items()})
        metadata_files(fewer, Diagnostics(), shown_paths, parts)
        return pieces(updated(first, parts.dump(prune=prune)))

    assert _digest(tables[SMS]) not in after(prune=True)
    assert _digest(tables[SMS]) in after(prune=False)
