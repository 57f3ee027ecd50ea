"""Reading rubric YAML with line numbers, so every error can name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qc.errors import ConfigError

Location = tuple[str | int, ...]


class RubricError(ConfigError):
    """A rubric file is invalid; the message names file, line and field."""


def load_with_lines(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse YAML and return (data, {path of keys/indexes: 1-based line})."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RubricError(f"rubric file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise RubricError(f"{path} is a folder: give a rubric file (e.g. {path / '12345.yaml'})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"cannot read the rubric {path}: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise RubricError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    lines: dict[Location, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, here: Location, lines: dict[Location, int]) -> None:
    lines[here] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = here + (key.value,)
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, here + (index,), lines)


def line_of(lines: dict[Location, int], location: Location) -> int | None:
    """The line of the deepest known prefix of ``location``."""
    for cut in range(len(location), -1, -1):
        if location[:cut] in lines:
            return lines[location[:cut]]
    return None


def error(path: Path, lines: dict[Location, int], location: Location, message: str) -> RubricError:
    line = line_of(lines, location)
    where = ".".join(str(p) for p in location) or "(top level)"
    return RubricError(f"{path}{f':{line}' if line else ''}: {where}: {message}")
