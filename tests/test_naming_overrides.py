"""Naming overrides (``[tool.dvgen.naming]``): per table, column and choice
value, the class-name and enum-member switches; overrides are used exactly,
wire names never change, a clash is an error naming both sides and the
setting's line, and an override that names nothing is a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build import generate
from generator.cli import main
from generator.config import ConfigError, load_config
from generator.exits import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from tests.helpers import SCHEMA_DOCS, assert_type_checks

SMS = "msdyn_smsengagementctx"
PY = f"python/dataverse_bindings/{SMS}.py"
TS = f"typescript/src/{SMS}.ts"

OVERRIDES = f"""
[tool.dvgen.naming.tables]
{SMS} = "SmsEngagementContext"

[tool.dvgen.naming.columns]
"{SMS}.msdyn_customerphonenumber" = "customer_phone"

[tool.dvgen.naming.choices]
"{SMS}.msdyn_smsprovider.192350000" = "TELESIGN"
"{SMS}.msdyn_smsprovider.Twilio" = "TWILIO_INC"
"""


def project(root: Path, naming: str) -> Path:
    shutil.copytree(SCHEMA_DOCS, root / "docs")
    (root / "pyproject.toml").write_text(
        f'[tool.dvgen]\ninputs = ["docs"]\ncache = false\n{naming}', encoding="utf-8"
    )
    return root


def build(root: Path, *extra: str) -> int:
    return main(["build", "--config", str(root / "pyproject.toml"), "-q", *extra])


def read(root: Path, path: str) -> str:
    return (root / "generated" / path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project(tmp_path_factory.mktemp("plain"), "")
    assert build(root) == EXIT_OK
    return root


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project(tmp_path_factory.mktemp("renamed"), OVERRIDES)
    assert build(root) == EXIT_OK
    return root


def test_a_table_column_and_choice_values_renamed_in_python(renamed: Path, plain: Path) -> None:
    py = read(renamed, PY)
    assert "class SmsEngagementContext(_runtime.Row):" in py
    assert "class MsdynSmsengagementctx" not in py
    assert "    customer_phone: str | None = None" in py
    assert '_runtime.Column("customer_phone", "msdyn_customerphonenumber", "str"' in py
    assert '    CUSTOMER_PHONE: Final = "msdyn_customerphonenumber"' in py
    assert "    TELESIGN = 192350000\n    TWILIO_INC = 192350001\n" in py
    assert '192350000: "TeleSign",' in py  # labels stay as the page gives them
    init = read(renamed, "python/dataverse_bindings/__init__.py")
    assert f'"{SMS}": ("{SMS}", "SmsEngagementContext"),' in init
    # only the names changed: the same classes, columns and members otherwise
    before = read(plain, PY).replace("MsdynSmsengagementctx", "SmsEngagementContext")
    for text in (before, py):
        assert text.count("_runtime.Column(") == 25
    assert _defs(before) == _defs(py)


def _defs(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.startswith(("class ", "def "))]


def test_the_same_overrides_in_typescript(renamed: Path) -> None:
    index = read(renamed, "typescript/src/index.ts")
    assert f'export * as SmsEngagementContext from "./{SMS}.js";' in index
    ts = read(renamed, TS)
    assert "  TELESIGN: 192350000,\n  TWILIO_INC: 192350001,\n" in ts
    assert '  customer_phone: "msdyn_customerphonenumber",' in ts
    # interface keys are wire names: untouched
    assert "  readonly msdyn_customerphonenumber?: string | null;" in ts


def test_wire_names_never_change(renamed: Path, plain: Path) -> None:
    for path in ("odata/$metadata.xml", f"model/{SMS}.yaml"):
        assert read(renamed, path) == read(plain, path)
    for name in (f'"{SMS}"', '"msdyn_smsengagementctxes"', '"msdyn_customerphonenumber"'):
        assert name in read(renamed, PY) and name in read(renamed, TS)


def test_renamed_bindings_pass_the_type_checkers(renamed: Path) -> None:
    out = renamed / "generated"
    assert_type_checks(out)


@pytest.mark.parametrize(
    ("switch", "python", "typescript"),
    [
        ('class-names = "display"', "class SmsEngagementContext(", "as SmsEngagementContext "),
        ('class-names = "logical"', "class MsdynSmsengagementctx(", "as MsdynSmsengagementctx "),
        ('enum-members = "pascal"', "    TeleSign = 192350000", "  TeleSign: 192350000"),
        ('enum-members = "upper"', "    TELE_SIGN = 192350000", "  TELE_SIGN: 192350000"),
    ],
)
def test_switches(tmp_path: Path, switch: str, python: str, typescript: str) -> None:
    root = project(tmp_path, f"\n[tool.dvgen.naming]\n{switch}\n")
    assert build(root) == EXIT_OK
    both = read(root, PY) + read(root, TS) + read(root, "typescript/src/index.ts")
    assert python in both and typescript in both


def test_the_schema_name_is_the_default(plain: Path) -> None:
    assert "class MsdynSmsengagementctx(_runtime.Row):" in read(plain, PY)
    assert "    TELE_SIGN = 192350000" in read(plain, PY)
    assert "  TeleSign: 192350000" in read(plain, TS)


@pytest.mark.parametrize(
    ("naming", "line", "words"),
    [
        (  # a column override takes another column's name
            f'\n[tool.dvgen.naming.columns]\n"{SMS}.msdyn_countrycode" = "owner_id"\n',
            6,
            f'"{SMS}.msdyn_countrycode" = "owner_id": owner_id is also column ownerid '
            "in the Python class MsdynSmsengagementctx",
        ),
        (  # a table override takes an enum's name
            f'\n[tool.dvgen.naming.tables]\n{SMS} = "Statecode"\n',
            6,
            "Statecode is also the enum of column statecode in the Python module of " + SMS,
        ),
        (  # two table overrides, one name
            "\n[tool.dvgen.naming.tables]\n"
            f'msdyn_ocliveworkitem = "Conversation"\n{SMS} = "Conversation"\n',
            7,
            f'{SMS}" = "Conversation": Conversation is also the namespace of table '
            'msdyn_ocliveworkitem ([tool.dvgen.naming.tables] "msdyn_ocliveworkitem"',
        ),
        (  # a choice override takes a name every enum defines
            f'\n[tool.dvgen.naming.choices]\n"{SMS}.statecode.0" = "label"\n',
            6,
            "label is also a name every generated enum defines in the Python enum Statecode",
        ),
        (  # a name TypeScript reserves
            f'\n[tool.dvgen.naming.tables]\n{SMS} = "Promise"\n',
            6,
            "Promise is also a reserved word in the TypeScript index",
        ),
    ],
    ids=["column", "table-vs-enum", "two-tables", "choice-vs-builtin", "reserved"],
)
def test_a_clash_names_both_sides_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], naming: str, line: int, words: str
) -> None:
    root = project(tmp_path, naming)
    capsys.readouterr()
    assert build(root) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"{root / 'pyproject.toml'}:{line}: error: " in err, err
    assert words in err and "[DV033]" in err
    assert not (root / "generated").exists()


def test_a_derived_name_never_quietly_steps_aside_for_an_override(tmp_path: Path) -> None:
    """Without the clash check the derived name would become ``owner_id_2``."""
    root = project(tmp_path, f'\n[tool.dvgen.naming.columns]\n"{SMS}.ownerid" = "created_by"\n')
    result = generate(load_config(root / "pyproject.toml"), write=False)
    [error] = [d for d in result.diagnostics if d.level == "error"]
    assert "created_by is also column createdby" in error.message
    assert result.files == {}


def test_an_override_that_names_nothing_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    naming = (
        "\n[tool.dvgen.naming.tables]\nmsdyn_nosuchtable = 'Nothing'\n"
        f'\n[tool.dvgen.naming.columns]\n"{SMS}.nosuchcolumn" = "nothing"\n'
        f'\n[tool.dvgen.naming.choices]\n"{SMS}.statecode.99" = "NOTHING"\n'
    )
    root = project(tmp_path, naming)
    capsys.readouterr()
    assert main(["build", "--config", str(root / "pyproject.toml")]) == EXIT_OK
    err = capsys.readouterr().err
    config = root / "pyproject.toml"
    assert f"{config}:6: warning: " in err and "the build has no table msdyn_nosuchtable" in err
    assert f"{config}:9: warning: " in err and f"{SMS} has no column nosuchcolumn" in err
    assert f"{config}:12: warning: " in err and "has no choice value or label '99'" in err
    assert err.count("[DV032]") == 3
    assert build(root, "--strict") == EXIT_INPUT


@pytest.mark.parametrize(
    ("naming", "words"),
    [
        ("[tool.dvgen.naming]\nclass-names = 'pretty'\n", "class-names: 'pretty' is not one of"),
        ("[tool.dvgen.naming]\nenum-members = 'snake'\n", "enum-members: 'snake' is not one of"),
        ("[tool.dvgen.naming]\nlabels = 1\n", "unknown setting(s) labels"),
        ("[tool.dvgen.naming.columns]\nnodot = 'x'\n", "'nodot' is not a table.column"),
        ("[tool.dvgen.naming.choices]\n'a.b' = 'x'\n", "'a.b' is not a table.column.value"),
        ("[tool.dvgen.naming.tables]\n'a b' = 'x'\n", "'a b' is not a logical name"),
        ("[tool.dvgen.naming.tables]\nt = 'Not a name'\n", "'Not a name' is not an identifier"),
        ("[tool.dvgen.naming.tables]\nt = 'class'\n", "'class' is a Python keyword"),
        ("[tool.dvgen.naming.tables]\nt = 3\n", "3 is not an identifier"),
    ],
)
def test_bad_naming_settings_are_configuration_errors(
    tmp_path: Path, naming: str, words: str
) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.dvgen]\n{naming}", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert words in str(caught.value) and str(config) in str(caught.value)
    assert main(["build", "--config", str(config), "-q"]) == EXIT_USAGE


def test_a_choice_label_with_dots_is_one_key(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        "[tool.dvgen.naming.choices]\n'a.b.Version 1.2' = 'V1_2'\n".replace(
            "[tool.dvgen.naming", "[tool.dvgen]\n[tool.dvgen.naming"
        ),
        encoding="utf-8",
    )
    assert dict(load_config(config).naming.choices) == {"a.b.Version 1.2": "V1_2"}


def test_an_edited_override_renders_again_through_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path, OVERRIDES)
    config = root / "pyproject.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("cache = false\n", ""))
    assert build(root) == EXIT_OK
    config.write_text(config.read_text(encoding="utf-8").replace("TWILIO_INC", "TWILIO_LTD"))
    assert build(root) == EXIT_OK
    assert "    TWILIO_LTD = 192350001" in read(root, PY)
