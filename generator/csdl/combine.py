"""A table the pages describe, combined with what an org's ``$metadata`` states.

The org decides the wire: the entity set, the key, each column's Edm type,
a lookup's targets and its navigation properties' names. The pages give
everything the org does not publish: labels, choices, descriptions,
required levels, limits, who added it. Where both state a wire fact and
they differ, the org's is kept and a warning names both places: the page,
and the document at the line it declares the fact on. Nothing is picked
silently.

A fact the pages left to a convention (``inferred``) and that the document
states stops being inferred (:func:`generator.overlay.merge_models` keeps the
stated value). Columns the pages describe and the org does not have are
kept (a page may describe a newer release), and listed in one note per table.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator import webapi
from generator.csdl.tables import DocumentTables
from generator.diagnostics import Diagnostics
from generator.model import Attribute, Relationship, Relationships, Table
from generator.overlay import merge_models


class _Place:
    """How a diagnostic names the page and the document."""

    def __init__(
        self, page: Table, doc: DocumentTables, shown_paths: Mapping[str, str], diags: Diagnostics
    ) -> None:
        self.doc, self.diags = doc, diags
        self.shown_doc = shown_paths.get(doc.source.path, doc.source.path)
        self.shown_paths = shown_paths
        self.page = page

    def page_of(self, sources: tuple[str, ...]) -> str:
        pages = [s for s in sources if s != self.doc.source.path] or [
            s.path for s in self.page.sources
        ]
        return self.shown_paths.get(pages[-1], pages[-1]) if pages else "the pages"

    def disagree(
        self, what: str, stated: object, kept: object, sources: tuple[str, ...], *key: str
    ) -> None:
        line = self.doc.line(*key)
        at = f"{self.shown_doc}:{line}" if line else self.shown_doc
        self.diags.warning(
            "DV402",
            f"{what} is {stated!r} on {self.page_of(sources)} but {kept!r} in the org's "
            f"$metadata ({at}); the org's is kept, as it is what the server sends",
            self.shown_doc,
            line,
        )


def combine(
    page: Table, org: Table, doc: DocumentTables, diags: Diagnostics, shown_paths: Mapping[str, str]
) -> Table:
    """``page`` (merged from the pages) with ``org`` (from ``doc``) over it."""
    place = _Place(page, doc, shown_paths, diags)
    name = page.logical_name
    sources = tuple(s.path for s in page.sources)
    for field in ("entity_set_name", "primary_id_attribute"):
        stated, kept = getattr(page, field), getattr(org, field)
        if (
            stated is not None
            and kept is not None
            and stated != kept
            and field not in page.inferred
        ):
            place.disagree(f"table {name}: {field}", stated, kept, sources, "table", name)
    attributes = []
    for attr in page.attributes:
        theirs = org.attribute(attr.logical_name)
        attributes.append(attr if theirs is None else _column(name, attr, theirs, place))
    missing = [
        a.logical_name
        for a in page.attributes
        if webapi.is_column(a) and org.attribute(a.logical_name) is None
    ]
    if missing:
        diags.info(
            "DV403",
            f"table {name}: the pages describe column(s) the org's $metadata does not have: "
            f"{', '.join(missing)}; they are kept, typed as the pages say",
            place.page_of(sources),
        )
    page = page.model_copy(update={"attributes": tuple(attributes)})
    org = org.model_copy(
        update={"relationships": _relationships(page.relationships, org.relationships, place)}
    )
    return merge_models(page, org)


def _column(table: str, attr: Attribute, org: Attribute, place: _Place) -> Attribute:
    """``attr`` ready to take ``org`` over it: where the wire type or the
    targets differ, the org's replace the page's (and are reported)."""
    what = f"column {table}.{attr.logical_name}"
    update: dict[str, object] = {}
    stated = webapi.implied_edm_type(attr)
    if (
        stated is not None
        and org.edm_type is not None
        and stated != org.edm_type
        and "type" not in attr.inferred
    ):
        place.disagree(
            f"{what}: the wire type",
            f"{stated} ({attr.type})",
            org.edm_type,
            attr.sources,
            "column",
            table,
            attr.logical_name,
        )
        update |= {"type": None, "date_time_behavior": None}
    if attr.targets and org.targets and set(attr.targets) != set(org.targets):
        place.disagree(
            f"{what}: the lookup's target list",
            list(attr.targets),
            list(org.targets),
            attr.sources,
            "column",
            table,
            attr.logical_name,
        )
        update["targets"] = ()
    return attr.model_copy(update=update) if update else attr


def _relationships(page: Relationships, org: Relationships, place: _Place) -> Relationships:
    """``org``'s relationships named as the pages name them: the document
    does not give a relationship's schema name, so one the pages describe
    (the same lookup, from the same table to the same table) takes theirs;
    its navigation properties' names are the org's."""
    known = {
        (r.referencing_entity, r.referencing_attribute, r.referenced_entity): r
        for r in page.many_to_one
    }
    renamed = []
    for r in org.many_to_one:
        mine = known.get((r.referencing_entity, r.referencing_attribute, r.referenced_entity))
        if mine is None:
            renamed.append(r)
            continue
        _navigation_names(mine, r, place)
        inferred = tuple(i for i in r.inferred if i != "schema_name")
        renamed.append(r.model_copy(update={"schema_name": mine.schema_name, "inferred": inferred}))
    names = {m.schema_name for m in page.many_to_many}
    many = tuple(
        m.model_copy(update={"inferred": ()}) if m.schema_name in names else m
        for m in org.many_to_many
    )
    return Relationships(many_to_one=tuple(renamed), many_to_many=many)


def _navigation_names(page: Relationship, org: Relationship, place: _Place) -> None:
    for field in (
        "referencing_entity_navigation_property_name",
        "referenced_entity_navigation_property_name",
    ):
        stated, kept = getattr(page, field), getattr(org, field)
        if stated and kept and stated != kept and field not in page.inferred:
            place.disagree(
                f"relationship {page.schema_name}: {field}",
                stated,
                kept,
                page.sources,
                "relationship",
                org.schema_name,
            )
