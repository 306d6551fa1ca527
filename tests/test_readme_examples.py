"""The README's "Making the output your own" examples, run as they are
written: each settings block builds the seeds, the template example extends
dvgen's, and the clash message is the one a build prints."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.exits import EXIT_INPUT, EXIT_OK
from tests.helpers import ROOT, SCHEMA_DOCS

SMS = "msdyn_smsengagementctx"


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Making the output your own")
    return text[start : text.index("\n## ", start + 1)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", _section(), flags=re.MULTILINE | re.DOTALL)


def _project(root: Path, settings: str) -> Path:
    shutil.copytree(SCHEMA_DOCS, root / "docs")
    if not settings.lstrip().startswith("[tool.dvgen]"):
        settings = "[tool.dvgen]\n" + settings
    settings = settings.replace("[tool.dvgen]\n", '[tool.dvgen]\ninputs = ["docs"]\n', 1)
    (root / "pyproject.toml").write_text(settings, encoding="utf-8")
    return root


def _build(root: Path) -> int:
    return main(["build", "--config", str(root / "pyproject.toml"), "-q", "--no-cache"])


def test_the_section_has_its_examples() -> None:
    assert len(_blocks("toml")) == 3 and len(_blocks("jinja")) == 1 and len(_blocks("text")) == 1


def test_the_selection_example(tmp_path: Path) -> None:
    root = _project(tmp_path, _blocks("toml")[0])
    assert _build(root) == EXIT_OK
    assert sorted(p.stem for p in (root / "generated" / "model").glob("*.yaml")) == [SMS]


def test_the_naming_example(tmp_path: Path) -> None:
    root = _project(tmp_path, _blocks("toml")[1])
    assert _build(root) == EXIT_OK
    py = (root / "generated" / "python" / "dataverse_bindings" / f"{SMS}.py").read_text("utf-8")
    assert "class SmsEngagementContext(_runtime.Row):" in py
    assert "    customer_phone: str | None = None" in py
    assert "    TELESIGN = 192350000\n    TWILIO_INC = 192350001\n" in py
    assert "class MsdynSmsprovider(enum.IntEnum)" in py  # enum names are not class names
    conversation = root / "generated" / "python" / "dataverse_bindings" / "msdyn_ocliveworkitem.py"
    assert "class Conversation(_runtime.Row):" in conversation.read_text("utf-8")  # display
    index = (root / "generated" / "typescript" / "src" / "index.ts").read_text("utf-8")
    assert "export * as SmsEngagementContext from" in index


def test_the_template_example(tmp_path: Path) -> None:
    root = _project(tmp_path, _blocks("toml")[2])
    (template,) = _blocks("jinja")
    path = re.match(r"\{# (\S+):", template)
    assert path is not None
    (root / path.group(1)).parent.mkdir(parents=True)
    (root / path.group(1)).write_text(template, encoding="utf-8")
    assert _build(root) == EXIT_OK
    py = (root / "generated" / "python" / "dataverse_bindings" / f"{SMS}.py").read_text("utf-8")
    assert f'    def describe(self) -> str:\n        return "{SMS}"\n' in py


def test_the_clash_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shown,) = _blocks("text")
    entry = re.search(r"\[tool\.dvgen\.naming\.(\w+)\] (\"[^\"]+\") = (\"\w+\")", shown)
    assert entry is not None
    root = _project(tmp_path, f"[tool.dvgen.naming.{entry[1]}]\n{entry[2]} = {entry[3]}\n")
    capsys.readouterr()
    assert _build(root) == EXIT_INPUT
    err = capsys.readouterr().err
    assert shown.strip().split(": error: ", 1)[1] in err
