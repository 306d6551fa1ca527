"""The naming authority: input -> identifier tables, and scopes."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest

from generator.naming import TYPESCRIPT_RESERVED, Case, Scope, identifier, words
from tests.helpers import run_build


@pytest.mark.parametrize(
    ("text", "upper", "snake", "pascal", "camel"),
    [
        (
            "Google's Business Messages",
            "GOOGLES_BUSINESS_MESSAGES",
            "googles_business_messages",
            "GooglesBusinessMessages",
            "googlesBusinessMessages",
        ),
        ("Co-browse", "CO_BROWSE", "co_browse", "CoBrowse", "coBrowse"),
        ("1 Day", "N1_DAY", "n1_day", "N1Day", "n1Day"),
        ("N/A", "N_A", "n_a", "NA", "nA"),
        ("Livré", "LIVRE", "livre", "Livre", "livre"),
        (
            "Wrap-up (Deprecated)",
            "WRAP_UP_DEPRECATED",
            "wrap_up_deprecated",
            "WrapUpDeprecated",
            "wrapUpDeprecated",
        ),
        (
            "msdyn_ConversationSummaryField",
            "MSDYN_CONVERSATION_SUMMARY_FIELD",
            "msdyn_conversation_summary_field",
            "MsdynConversationSummaryField",
            "msdynConversationSummaryField",
        ),
        (
            "OwnerIdYomiName",
            "OWNER_ID_YOMI_NAME",
            "owner_id_yomi_name",
            "OwnerIdYomiName",
            "ownerIdYomiName",
        ),
        (
            "msdyn_casefieldsupdatedbyAI",
            "MSDYN_CASEFIELDSUPDATEDBY_AI",
            "msdyn_casefieldsupdatedby_ai",
            "MsdynCasefieldsupdatedbyAi",
            "msdynCasefieldsupdatedbyAi",
        ),
        (
            "Microsoft Teams",
            "MICROSOFT_TEAMS",
            "microsoft_teams",
            "MicrosoftTeams",
            "microsoftTeams",
        ),
        ("  spaced\tout  ", "SPACED_OUT", "spaced_out", "SpacedOut", "spacedOut"),
        (
            "CCaaS_AcceptCall",
            "CCAAS_ACCEPT_CALL",
            "ccaas_accept_call",
            "CcaasAcceptCall",
            "ccaasAcceptCall",
        ),
        ("TeleSign", "TELE_SIGN", "tele_sign", "TeleSign", "teleSign"),
    ],
)
def test_identifier_cases(text: str, upper: str, snake: str, pascal: str, camel: str) -> None:
    assert identifier(text, Case.UPPER) == upper
    assert identifier(text, Case.SNAKE) == snake
    assert identifier(text, Case.PASCAL) == pascal
    assert identifier(text, Case.CAMEL) == camel


@pytest.mark.parametrize(
    ("label", "member"),
    [
        ("Livré", "LIVRE"),
        ("Größe", "GROSSE"),
        ("Æsir", "AESIR"),
        ("Øre", "ORE"),
        ("Ça va", "CA_VA"),
        ("Ελληνικά", "ELLINIKA"),
        ("日本語", "RI_BEN_YU"),
        ("🙂", "SLIGHT_SMILE"),
    ],
)
def test_other_scripts_transliterate_predictably(label: str, member: str) -> None:
    assert identifier(label, Case.UPPER) == member


@pytest.mark.parametrize("text", ["", "!!!", "—", "\u200b"])
def test_nothing_left_falls_back_to_the_callers_name(text: str) -> None:
    assert identifier(text, Case.UPPER, fallback="value 192350000") == "VALUE_192350000"
    assert identifier(text, Case.SNAKE) == "value"


@pytest.mark.parametrize("word", ["class", "from", "type", "self", "None", "match", "lambda"])
def test_reserved_words_get_a_suffix_and_stay_valid(word: str) -> None:
    name = identifier(word, Case.PASCAL if word[0].isupper() else Case.SNAKE)
    assert name == word + "_"
    assert name.isidentifier() and not keyword.iskeyword(name)


def test_typescript_reserved_words() -> None:
    assert identifier("delete", Case.CAMEL, reserved=TYPESCRIPT_RESERVED) == "delete_"
    assert identifier("Delete", Case.PASCAL, reserved=TYPESCRIPT_RESERVED) == "Delete"


def test_scope_is_seeded_and_deduplicates_in_order() -> None:
    scope = Scope(taken={"field", "datetime"})
    assert scope.claim("field", Case.SNAKE) == "field_2"
    assert scope.claim("DateTime", Case.SNAKE) == "date_time"
    assert scope.claim("datetime", Case.SNAKE) == "datetime_2"
    assert scope.claim("Voice", Case.UPPER) == "VOICE"
    assert scope.claim("voice", Case.UPPER) == "VOICE_2"
    assert scope.claim("VOICE!", Case.UPPER) == "VOICE_3"
    assert "VOICE_2" in scope


def test_every_name_is_a_valid_identifier() -> None:
    samples = ["1 Day", "class", "🙂", "a\nb", '"""', "x' or 1=1", "Ünïcödé", "__init__", "_"]
    for text in samples:
        for case in Case:
            name = identifier(text, case)
            assert name.isidentifier(), (text, case, name)
            assert not keyword.iskeyword(name)


def test_words() -> None:
    assert words("HTTPServer2Go") == ["http", "server", "2", "go"]


def test_labels_stay_as_written_while_member_names_transliterate(tmp_path: Path) -> None:
    page = tmp_path / "t.md"
    page.write_text(
        "# t Entity Reference\n\n## Entity Properties\n\n|Property|Value|\n|-|-|\n"
        "|LogicalName|t|\n|PrimaryIdAttribute|tid|\n\n## Writable attributes\n\n"
        "### tid\n\n|Property|Value|\n|-|-|\n|LogicalName|tid|\n|Type|Uniqueidentifier|\n\n"
        "### etat\n\n|Property|Value|\n|-|-|\n|LogicalName|etat|\n|Type|Picklist|\n\n"
        "#### etat Options\n\n|Value|Label|\n|-|-|\n|1|Livré|\n|2|Größe|\n|3|Ελληνικά|\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_build(out, [page], "model", "python", "typescript")
    [etat] = [a for a in result.tables["t"].attributes if a.logical_name == "etat"]
    assert [o.label for o in etat.options] == ["Livré", "Größe", "Ελληνικά"]
    model = (out / "model" / "t.yaml").read_text(encoding="utf-8")
    python = (out / "python" / "dataverse_bindings" / "t.py").read_text(encoding="utf-8")
    typescript = (out / "typescript" / "src" / "t.ts").read_text(encoding="utf-8")
    for label in ("Livré", "Größe", "Ελληνικά"):
        assert label in model and f'"{label}"' in python and f'"{label}"' in typescript
    for member in ("LIVRE = 1", "GROSSE = 2", "ELLINIKA = 3"):
        assert member in python
    for member in ("Livre: 1", "Grosse: 2", "Ellinika: 3"):
        assert member in typescript
