"""The rubric file format, validated with errors that name the file and the field."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from qc.errors import ConfigError


class Window(BaseModel):
    """Where in the call an item looks: the first or last N seconds (none = whole call)."""

    first_seconds: float | None = Field(None, gt=0)
    last_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_side(self) -> "Window":
        if self.first_seconds and self.last_seconds:
            raise ValueError("give first_seconds or last_seconds, not both")
        return self


class RubricItem(BaseModel):
    model_config = {"extra": "forbid"}

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    points: float = Field(gt=0)
    severity: Literal["normal", "critical"] = "normal"
    role: Literal["agent", "caller", "either"] = "agent"
    window: Window = Window()
    require: list[list[str]] = Field(min_length=1)

    @model_validator(mode="after")
    def _non_empty_groups(self) -> "RubricItem":
        if any(not group or any(not p.strip() for p in group) for group in self.require):
            raise ValueError("every require group needs at least one non-empty phrase")
        return self


class Rubric(BaseModel):
    model_config = {"extra": "forbid"}

    id: str
    title: str
    version: str
    line: str | None = None
    language: str | None = None
    items: list[RubricItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Rubric":
        ids = [item.id for item in self.items]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate item ids: {', '.join(sorted(dupes))}")
        return self


@lru_cache(maxsize=16)
def load_rubric(path: Path) -> Rubric:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"rubric file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Rubric(**(data or {}))
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"{path}: {_explain(exc)}") from exc


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            parts.append(f"{where}: {err['msg']}")
        return "; ".join(parts)
    return str(exc)
