"""The README is the manual: every `qc` command and every setting is documented there, and it stays short.

Like datasette's documentation tests: the commands are collected from the Typer app and the settings from the
pydantic models in ``qc/config.py``, so a new command or field fails here until the README names it.

* A command is documented when its full path (``qc users add``) appears in the README's text (whitespace
  collapsed, so a path wrapped across lines still counts).
* A setting is documented when it appears in the settings reference table: a table row whose first cell is the
  section (``top level``, `` `asr` ``, `` `lines.<id>` `` ...) and whose other cells name the fields in backticks.
  Nested models give dotted names (``web.db_wait_s``); a dict of models (``lines``) is documented as the dict
  itself plus its models' fields under ``<id>`` (``lines.<id>.rubric``).
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from qc.cli import app
from qc.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
MAX_LINES = 250
TOP_LEVEL = "top level"
FIELD = re.compile(r"`([a-z_][a-z0-9_]*)`")


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- commands


def command_paths(command, prefix: str = "qc") -> list[str]:
    """Every command and sub-command of a click command tree, as full paths.

    Groups are recognised by their ``commands`` mapping rather than by class: Typer ships its own copy of click
    (``typer._click``), whose groups are not ``click.Group`` instances.
    """
    paths = []
    subcommands = getattr(command, "commands", None)
    if isinstance(subcommands, dict):
        for name, sub in sorted(subcommands.items()):
            path = f"{prefix} {name}"
            paths.append(path)
            paths.extend(command_paths(sub, path))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def test_the_command_tree_was_collected():
    # The lazily registered web commands are there too (qc/cli/main.py's _register_web_commands).
    assert {"qc score", "qc nightly run", "qc users add", "qc serve", "qc live simulate", "qc report"} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS)
def test_command_is_documented(path: str):
    text = " ".join(readme_text().split())
    pattern = r"(?<![\w-])" + re.escape(path) + r"(?![\w-])"
    if not re.search(pattern, text):
        pytest.fail(f"`{path}` is a qc command but README.md never mentions it", pytrace=False)


# ---------------------------------------------------------------------------------------------- settings


def _models_in(annotation) -> list[type[BaseModel]]:
    """The BaseModel classes an annotation holds directly (``Model``, ``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _dict_value_models(annotation) -> list[type[BaseModel]]:
    """For ``dict[str, Model]`` (possibly optional): the model classes of its values."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _dict_value_models(arg)]
    if typing.get_origin(annotation) is dict:
        return _models_in(typing.get_args(annotation)[1])
    return []


def settings_fields(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Dotted names of every setting: a nested model's fields under its name, a dict of models' under ``<id>``."""
    names = []
    for name, info in model.model_fields.items():
        dotted = prefix + name
        nested = _models_in(info.annotation)
        if nested:
            for sub in nested:
                names.extend(settings_fields(sub, dotted + "."))
            continue
        names.append(dotted)
        for sub in _dict_value_models(info.annotation):
            names.extend(settings_fields(sub, dotted + ".<id>."))
    return sorted(set(names))


SETTINGS = settings_fields()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []


def documented_settings(text: str) -> set[str]:
    """Dotted names the README's settings table documents: each row's section, joined to each field it names.

    The settings table is the one whose header's first cell is "section"; other tables do not count.
    """
    documented = set()
    in_table = False
    for line in text.splitlines():
        cells = _cells(line)
        if not cells:
            in_table = False
            continue
        if cells[0] == "section":
            in_table = True
            continue
        if not in_table or len(cells) < 2:
            continue
        section = cells[0].replace("`", "").split("(")[0].strip()
        if section == TOP_LEVEL:
            prefix = ""
        elif re.fullmatch(r"[a-z_]+(\.<id>)?", section):
            prefix = section + "."
        else:
            continue
        for cell in cells[1:]:
            documented.update(prefix + field for field in FIELD.findall(cell))
    return documented


def test_the_settings_were_collected():
    assert {"db_path", "asr.model", "web.db_wait_s", "lines", "lines.<id>.rubric", "live.max_bad_frames"} <= set(SETTINGS)


@pytest.mark.parametrize("name", SETTINGS)
def test_setting_is_documented(name: str):
    if name not in documented_settings(readme_text()):
        pytest.fail(f"setting `{name}` (qc/config.py) is missing from README.md's settings table: add it to the row "
                    "of its section", pytrace=False)


def test_settings_table_names_only_real_settings():
    stale = sorted(documented_settings(readme_text()) - set(SETTINGS))
    if stale:
        pytest.fail(f"README.md's settings table names settings qc/config.py does not have: {', '.join(stale)}",
                    pytrace=False)


# ---------------------------------------------------------------------------------------------- length


def test_readme_is_at_most_250_lines():
    lines = len(readme_text().splitlines())
    if lines > MAX_LINES:
        pytest.fail(f"README.md has {lines} lines; the manual stays within {MAX_LINES} (move detail to docs/)",
                    pytrace=False)
