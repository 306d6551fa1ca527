"""Template overrides: a project's ``templates`` folder replaces built-in
templates by name, or extends one (``dvgen/<name>``) and replaces one block;
its files are part of the render cache key; its failures are the project's
errors, named by file and line; and every variable a template receives is
documented in ``templates/README.md``."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

import generator.render
from generator.cli import main
from generator.exits import EXIT_OK, EXIT_USAGE
from generator.render import Templates
from generator.resources import templates_root
from tests.helpers import FIXTURES, SCHEMA_DOCS, TEMPLATES, assert_type_checks, run_build

SMS = "msdyn_smsengagementctx"
PY_MODULE = f"python/dataverse_bindings/{SMS}.py"
TS_MODULE = f"typescript/src/{SMS}.ts"

#: Extends the built-in Python table template and adds one method to each row class.
PY_EXTENDS = '''{% extends "dvgen/python/table.py.jinja" %}
{% block row_class_body %}

    def describe(self) -> str:
        """Which table this row is of."""
        return {{ t.logical_name }}
{% endblock %}
'''
#: Extends the built-in TypeScript table template: one more export, and a
#: comment before each enum that keeps the built-in enum (``super()``).
TS_EXTENDS = """{% extends "dvgen/typescript/table.ts.jinja" %}
{% block enum %}

// enum {{ e.name }}: {{ e.members | length }} value(s)
{{- super() }}
{% endblock %}
{% block module_end %}

/** The table's logical name, upper-cased by the project's template. */
export const LOGICAL_NAME_UPPER = {{ t.logical_name | upper }};
{% endblock %}
"""


def project(root: Path, files: dict[str, str]) -> Path:
    """A project with the seeds, a ``pyproject.toml`` naming ``mine/`` as its
    templates folder, and ``files`` in it."""
    shutil.copytree(SCHEMA_DOCS, root / "docs")
    for name, text in files.items():
        path = root / "mine" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "mine").mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[tool.dvgen]\ninputs = ["docs"]\ntemplates = "mine"\n', encoding="utf-8"
    )
    return root


def build(root: Path, *extra: str) -> int:
    return main(["build", "--config", str(root / "pyproject.toml"), "-q", *extra])


def added_lines(before: str, after: str) -> list[str]:
    """The non-blank lines ``after`` adds to ``before``; fails when it removes any."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert [d for d in diff if d.startswith("- ") and d.strip() != "-"] == []
    return [d[2:] for d in diff if d.startswith("+ ") and d[2:].strip()]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds built with dvgen's own templates."""
    root = project(tmp_path_factory.mktemp("plain"), {})
    assert build(root, "--no-cache") == EXIT_OK
    return root / "generated"


def test_one_python_and_one_typescript_template_extended(tmp_path: Path, plain: Path) -> None:
    root = project(
        tmp_path,
        {"python/table.py.jinja": PY_EXTENDS, "typescript/table.ts.jinja": TS_EXTENDS},
    )
    assert build(root, "--no-cache") == EXIT_OK
    out = root / "generated"
    python = (out / PY_MODULE).read_text(encoding="utf-8")
    assert added_lines((plain / PY_MODULE).read_text(encoding="utf-8"), python) == [
        "    def describe(self) -> str:",
        '        """Which table this row is of."""',
        f'        return "{SMS}"',
    ]
    typescript = (out / TS_MODULE).read_text(encoding="utf-8")
    added = added_lines((plain / TS_MODULE).read_text(encoding="utf-8"), typescript)
    assert "// enum Statecode: 2 value(s)" in added
    assert added[-1] == f'export const LOGICAL_NAME_UPPER = "{SMS.upper()}";'
    # everything else is the built-in output; the other files are untouched
    for path in ("python/dataverse_bindings/__init__.py", "typescript/src/index.ts"):
        assert (out / path).read_bytes() == (plain / path).read_bytes()
    # what the templates added is checked by the real tools
    assert_type_checks(out)


def test_a_whole_file_replaced_and_copied_files_too(tmp_path: Path, plain: Path) -> None:
    root = project(
        tmp_path,
        {
            "python/README.md.jinja": "# {{ distribution_text }}\n\n{{ count }} table(s).\n",
            "typescript/tsconfig.json": '{"compilerOptions": {"strict": true}}\n',
        },
    )
    assert build(root, "--no-cache") == EXIT_OK
    out = root / "generated"
    readme = (out / "python" / "README.md").read_text(encoding="utf-8")
    assert readme == "# dataverse-bindings\n\n2 table(s).\n"
    tsconfig = (out / "typescript" / "tsconfig.json").read_text(encoding="utf-8")
    assert tsconfig == '{"compilerOptions": {"strict": true}}\n'
    assert (out / PY_MODULE).read_bytes() == (plain / PY_MODULE).read_bytes()


def test_an_edited_copied_file_is_read_again_by_the_next_build(tmp_path: Path) -> None:
    """Two builds in one process (a test run, a tool calling ``generate``)
    each copy the project's runtime as it is at the time."""
    root = project(tmp_path, {"python/_runtime.py": "# first\n"})
    assert build(root, "--no-cache") == EXIT_OK
    runtime = root / "generated" / "python" / "dataverse_bindings" / "_runtime.py"
    assert runtime.read_text(encoding="utf-8") == "# first\n"
    (root / "mine" / "python" / "_runtime.py").write_text("# second\n", encoding="utf-8")
    assert build(root, "--no-cache") == EXIT_OK
    assert runtime.read_text(encoding="utf-8") == "# second\n"


def test_an_edited_template_renders_again_through_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path, {"python/table.py.jinja": PY_EXTENDS})
    assert build(root) == EXIT_OK
    template = root / "mine" / "python" / "table.py.jinja"
    template.write_text(PY_EXTENDS.replace("Which table", "The table"), encoding="utf-8")
    assert build(root) == EXIT_OK  # with the cache of the first build
    assert "The table this row is of." in (root / "generated" / PY_MODULE).read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("{% extends 'dvgen/python/table.py.jinja' %}\n{% block header %}{{ t. }}", ":2:", ""),
        ("line one\n{{ t.no_such_field }}\n", ":2:", "no_such_field"),
        ("{% include 'python/missing.jinja' %}\n", "", "missing.jinja"),
        ("def broken(:\n", "", "does not parse"),
    ],
    ids=["syntax", "undefined", "missing", "not-python"],
)
def test_a_broken_template_is_the_projects_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, words: str
) -> None:
    root = project(tmp_path, {"python/table.py.jinja": text})
    (root / "generated").mkdir()
    (root / "generated" / "keep.txt").write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert build(root) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "table.py.jinja" in err and where in err and words in err
    assert "nothing was written" in err
    assert [p.name for p in (root / "generated").iterdir()] == ["keep.txt"]


def test_a_missing_templates_folder_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {})
    shutil.rmtree(root / "mine")
    assert build(root) == EXIT_USAGE
    assert "templates: 'mine' is not a folder" in capsys.readouterr().err


def test_the_built_in_templates_stay_reachable_by_prefix(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "README.md.jinja").write_text("mine", encoding="utf-8")
    env = generator.render.environment(str(tmp_path))
    assert env.get_template("python/README.md.jinja").render() == "mine"
    builtin = env.get_template("dvgen/python/README.md.jinja")
    assert builtin.filename == str(templates_root() / "python" / "README.md.jinja")
    assert templates_root() == TEMPLATES  # an editable install reads the project's own


# -- the documented variables ---------------------------------------------------------


def documented() -> dict[str, set[str]]:
    """Each template's variables as ``templates/README.md`` lists them: the
    ``### <template>`` sections' ``- `name` ...`` items."""
    text = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    fields: set[str] = set()
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        names, _, body = section.partition("\n")
        items = _names(re.findall(r"^- (.*?):", body, flags=re.MULTILINE))
        # a view "as above" has the fields the previous section listed
        fields = _names(re.findall(r"^  - (.*?):", body, flags=re.MULTILINE)) or fields
        for name in re.findall(r"`([^`]+\.jinja)`", names):
            out[name] = items | {f"t.{f}" for f in fields if "t" in items}
    return out


def _names(heads: list[str]) -> set[str]:
    return {n for head in heads for n in re.findall(r"`([a-z_]+)`", head)}


def test_every_variable_a_template_receives_is_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: dict[str, set[str]] = {}
    real = Templates.render

    def spy(self: Templates, name: str, /, **context: object) -> str:
        keys = received.setdefault(name, set())
        for key, value in context.items():
            keys.add(key)
            if key == "t":  # a view: its fields and properties
                keys.update(
                    f"t.{a}"
                    for a in dir(value)
                    if not a.startswith("_") and not callable(getattr(value, a))
                )
        return real(self, name, **context)

    monkeypatch.setattr(Templates, "render", spy)
    org = FIXTURES / "orgs" / "full" / "davidmoten-odata-client_v9.1-online_2020-09-01.xml"
    run_build(tmp_path / "out", [SCHEMA_DOCS, org], "python", "typescript", "odata")
    docs = documented()
    built_in = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.jinja")}
    macros = {"python/code.jinja", "typescript/code.jinja"}  # imported, never rendered
    assert set(received) == built_in - macros and built_in == set(docs)
    for name, keys in sorted(received.items()):
        assert keys == docs[name], name
    env = generator.render.environment()
    for name in sorted(macros):
        defined = {m for m in vars(env.get_template(name).module) if not m.startswith("_")}
        assert defined == docs[name], name
