"""The two seed pages, and the default build of schema_docs/, state what the pages say."""

from __future__ import annotations

from functools import cache

from generator.model import Table
from tests.helpers import (
    BASE_CONVERSATION,
    SCHEMA_DOCS,
    SEED_EXTENSION,
    SEED_LEGACY,
    build_tables,
    parse_one,
)


@cache
def sms() -> Table:
    parsed, _, _ = parse_one(SEED_LEGACY)
    assert parsed is not None
    return parsed.table


@cache
def extension() -> Table:
    parsed, _, _ = parse_one(SEED_EXTENSION)
    assert parsed is not None
    return parsed.table


@cache
def default_build() -> dict[str, Table]:
    tables, diags = build_tables(SCHEMA_DOCS)
    assert [d.format() for d in diags if d.level != "info"] == []
    return tables


def test_legacy_seed_table_properties() -> None:
    t = sms()
    assert (t.logical_name, t.schema_name) == ("msdyn_smsengagementctx", "msdyn_smsengagementctx")
    assert t.display_name == "SMS Engagement Context"
    assert t.display_collection_name == "SMS Engagement Contexts"
    assert t.entity_set_name == "msdyn_smsengagementctxes"
    assert t.primary_id_attribute == "msdyn_smsengagementctxid"
    assert t.primary_name_attribute == "msdyn_name"
    assert t.ownership_type == "UserOwned"
    assert t.is_bpf_entity is False
    assert t.description == "Stores context values for SMS"
    assert t.partial is False
    assert t.inferred == ()
    src = t.sources[0]
    assert (src.variant, src.date) == ("legacy-entity-reference", "2020-03-23")


def test_legacy_seed_mojibake_is_repaired() -> None:
    assert sms().added_by == "Omnichannel \u2013 SMS Solution"


def test_legacy_seed_every_column_with_type_and_section() -> None:
    t = sms()
    types = {a.logical_name: a.type for a in t.attributes}
    assert len(types) == 37
    writable = {a.logical_name for a in t.attributes if a.read_only is False}
    assert len(writable) == 16
    assert types["versionnumber"] == "BigInt"
    assert types["ownerid"] == "Owner"
    assert types["owneridtype"] == "EntityName"
    assert types["statecode"] == "State"
    assert types["msdyn_smsengagementctxid"] == "Uniqueidentifier"
    created = t.attribute("createdby")
    assert created is not None
    assert (created.read_only, created.valid_for_create, created.valid_for_update) == (
        True,
        False,
        False,
    )


def test_legacy_seed_limits_and_required_levels() -> None:
    t = sms()
    name = t.attribute("msdyn_name")
    assert name is not None
    assert (name.type, name.max_length, name.required_level, name.format) == (
        "String",
        100,
        "ApplicationRequired",
        "Text",
    )
    version = t.attribute("versionnumber")
    assert version is not None
    assert (version.min_value, version.max_value) == (-9223372036854775808, 9223372036854775807)
    tz = t.attribute("timezoneruleversionnumber")
    assert tz is not None
    assert (tz.min_value, tz.max_value, tz.format) == (-1, 2147483647, "None")
    migrated = t.attribute("overriddencreatedon")
    assert migrated is not None
    assert (migrated.format, migrated.date_time_behavior, migrated.valid_for_update) == (
        "DateOnly",
        "UserLocal",
        False,
    )
    owner = t.attribute("ownerid")
    assert owner is not None
    assert owner.targets == ("systemuser", "team")
    assert owner.added_by == "Active Solution Solution"


def test_legacy_seed_choices() -> None:
    t = sms()
    provider = t.attribute("msdyn_smsprovider")
    assert provider is not None
    assert provider.type == "Picklist"
    assert provider.added_by == "Omnichannel - SMS Patch Solution"
    assert [(o.value, o.label) for o in provider.options] == [
        (192350000, "TeleSign"),
        (192350001, "Twilio"),
    ]
    state = t.attribute("statecode")
    assert state is not None
    assert [(o.value, o.label, o.default_status, o.invariant_name) for o in state.options] == [
        (0, "Active", 1, "Active"),
        (1, "Inactive", 2, "Inactive"),
    ]
    status = t.attribute("statuscode")
    assert status is not None
    assert [(o.value, o.label, o.state) for o in status.options] == [
        (1, "Active", 0),
        (2, "Inactive", 1),
    ]


def test_legacy_seed_messages() -> None:
    msgs = {m.name: m for m in sms().messages}
    assert len(msgs) == 13
    update = msgs["Update"].web_api
    assert update is not None
    assert (update.kind, update.method, update.path) == (
        "http",
        "PATCH",
        "msdyn_smsengagementctxes({msdyn_smsengagementctxid})",
    )
    assert msgs["Create"].sdk_request == "Microsoft.Xrm.Sdk.Messages.CreateRequest"
    assert msgs["Create"].sdk_method == "Microsoft.Xrm.Sdk.IOrganizationService.Create"
    grant = msgs["GrantAccess"].web_api
    assert grant is not None
    assert (grant.kind, grant.name) == ("action", "GrantAccess")
    check = msgs["IsValidStateTransition"].web_api
    assert check is not None
    assert (check.kind, check.name) == ("function", "IsValidStateTransition")
    assert all(m.is_event is None for m in msgs.values())  # legacy pages do not say


def test_legacy_seed_relationship_is_named_only() -> None:
    (rel,) = sms().relationships.many_to_one
    assert rel.schema_name == "msdyn_msdyn_ocliveworkitem_msdyn_smsengagementctx_liveworkitemid"
    assert rel.referencing_entity == "msdyn_smsengagementctx"
    assert rel.referenced_entity is None  # the page gives no more than the name
    assert rel.added_by == "Active Solution Solution"


def test_extension_seed() -> None:
    t = extension()
    assert t.partial is True
    assert t.logical_name == "msdyn_ocliveworkitem"
    assert "logical_name" in t.inferred
    assert t.sources[0].extends == "/dynamics365/developer/reference/entities/msdyn_ocliveworkitem"
    msgs = t.messages
    assert len(msgs) == 18
    for m in msgs:
        assert m.name.startswith("CCaaS_")
        assert m.is_event is False
        assert m.web_api is not None
        assert (m.web_api.kind, m.web_api.name) == ("action", m.name)
    channel = t.attribute("msdyn_channel")
    assert channel is not None
    assert channel.type is None  # the extension page does not say
    labels = [o.label for o in channel.options]
    assert len(labels) == 16
    assert "Google's Business Messages" in labels and "Co-browse" in labels
    regarding = t.attribute("regardingobjectid")
    assert regarding is not None
    assert regarding.schema_name == "RegardingObjectId"
    assert len(regarding.targets) == 6
    assert len(t.relationships.many_to_one) == 7
    assert len(t.relationships.one_to_many) == 15
    voicemail = next(
        r for r in t.relationships.many_to_one if r.schema_name.endswith("_msdyn_routableobjectid")
    )
    assert voicemail.cascade["Delete"] == "RemoveLink"
    assert voicemail.referencing_entity_navigation_property_name == (
        "msdyn_routableobjectid_msdyn_ocvoicemail_msdyn_ocliveworkitem_msdyn_ocvoicemail"
    )


def test_default_build_merges_extension_into_base() -> None:
    tables = default_build()
    assert sorted(tables) == ["msdyn_ocliveworkitem", "msdyn_smsengagementctx"]
    conv = tables["msdyn_ocliveworkitem"]
    assert conv.partial is False
    assert conv.entity_set_name == "msdyn_ocliveworkitems"
    assert "logical_name" not in conv.inferred  # the base page states it
    channel = conv.attribute("msdyn_channel")
    assert channel is not None
    assert channel.type == "MultiSelectPicklist"  # from the base page
    assert len(channel.options) == 17  # 1 from the base, 16 from the extension
    assert set(channel.sources) == {
        "ce-developer/msdyn_ocliveworkitem.md",
        "ce-customer-service/msdyn_ocliveworkitem.md",
    }
    names = {m.name for m in conv.messages}
    assert {"Create", "CCaaS_AcceptCall"} <= names
    regarding = conv.attribute("regardingobjectid")
    assert regarding is not None
    assert "msdyn_timegroupdetail" in regarding.targets


def test_default_build_resolves_relationship_on_both_sides() -> None:
    tables = default_build()
    name = "msdyn_msdyn_ocliveworkitem_msdyn_smsengagementctx_liveworkitemid"
    (many,) = [
        r
        for r in tables["msdyn_smsengagementctx"].relationships.many_to_one
        if r.schema_name == name
    ]
    (one,) = [
        r for r in tables["msdyn_ocliveworkitem"].relationships.one_to_many if r.schema_name == name
    ]
    assert many == one
    assert many.referenced_entity == "msdyn_ocliveworkitem"
    assert many.referencing_attribute == "msdyn_liveworkitemid"
    assert many.referenced_attribute == "activityid"
    assert many.referenced_entity_navigation_property_name == name
    assert many.referencing_entity_navigation_property_name == "msdyn_liveworkitemid"
    assert set(many.inferred) == {
        "referenced_attribute",
        "referencing_entity_navigation_property_name",
    }
    assert set(many.sources) == {
        "ce-customer-service/msdyn_ocliveworkitem.md",
        "ce-omnichannel/msdyn_smsengagementctx.md",
    }


def test_virtual_name_columns_are_recognised() -> None:
    t = default_build()["msdyn_smsengagementctx"]
    virtual = {a.logical_name: (a.virtual.of, a.virtual.kind) for a in t.attributes if a.virtual}
    assert virtual["owneridname"] == ("ownerid", "name")
    assert virtual["owneridyominame"] == ("ownerid", "yominame")
    assert virtual["owneridtype"] == ("ownerid", "entity_type")
    assert virtual["createdbyyominame"] == ("createdby", "yominame")
    assert virtual["msdyn_liveworkitemidname"] == ("msdyn_liveworkitemid", "name")
    assert "msdyn_name" not in virtual and "msdyn_countrycode" not in virtual
    conv = default_build()["msdyn_ocliveworkitem"]
    assert conv.attribute("msdyn_customeridtype").virtual.of == "msdyn_customer"  # type: ignore[union-attr]


def test_base_conversation_page_alone() -> None:
    parsed, diags, _ = parse_one(BASE_CONVERSATION)
    assert parsed is not None
    assert [d for d in diags if d.level != "info"] == []
    t = parsed.table
    community = t.attribute("community")
    assert community is not None
    assert len(community.options) == 18
    state = t.attribute("statecode")
    assert state is not None
    assert (state.options[4].label, state.options[4].default_status) == ("Wrap-up (Deprecated)", 5)
    status = t.attribute("statuscode")
    assert status is not None
    assert [(o.value, o.state, o.transition_data) for o in status.options][:2] == [
        (1, 0, "None"),
        (2, 0, "None"),
    ]
    billed = t.attribute("isbilled")
    assert billed is not None
    assert [(o.value, o.label) for o in billed.options] == [(0, "No"), (1, "Yes")]
    assert billed.default_value is False
    messages = {m.name: m for m in t.messages}
    assert messages["Upsert"].is_event is False and messages["Create"].is_event is True
    assoc = messages["Associate"].web_api
    assert assoc is not None and assoc.kind == "associate"
    retain = messages["BulkRetain"]
    assert retain.inferred == ("web_api",)
