"""What a recorder says about a recording, checked field by field before anything uses it.

Recorders write metadata beside the audio (a ``<name>.meta.json`` sidecar, a ``manifest.csv`` row) or
an operator gives it on the command line. Every value is converted to the type the pipeline uses or
refused with a message that names the file and the field: a number where text belongs (``"line":
12345``) becomes text, a channel that is not 0 or 1 or a time that is not a time is refused. A
refused value fails that one recording; the rest of the batch is scored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from qc.errors import ConfigError
from qc.records import CallMeta

FIELDS = ("line", "agent_id", "caller_hash", "started_at", "agent_channel")
# Longest value kept per text field: identifiers, not documents.
_MAX_TEXT = {"line": 32, "agent_id": 64, "caller_hash": 128}


class BadMetadata(ConfigError):
    """One recording's metadata holds a value that cannot be used; the message says where and why."""


def meta_from_values(values: Mapping[str, object], where: str, base: CallMeta | None = None) -> CallMeta:
    """``base`` with the given fields replaced by their checked values; BadMetadata names ``where`` and the field."""
    unknown = sorted(str(k) for k in values if k not in FIELDS)
    if unknown:
        raise BadMetadata(f"{where}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                          f"(allowed: {', '.join(FIELDS)})")
    checked: dict[str, object] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        try:
            checked[name] = _PARSERS[name](name, value)
        except ValueError as exc:
            raise BadMetadata(f"{where}: field '{name}' = {_shown(value)}: {exc}") from None
    return replace(base or CallMeta(), **checked)


def _text(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"must be text, not {_json_type(value)}")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be blank")
    if len(text) > _MAX_TEXT[name]:
        raise ValueError(f"longer than {_MAX_TEXT[name]} characters")
    if any(ord(c) < 32 for c in text):
        raise ValueError("holds control characters")
    return text


def _started_at(name: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 date and time as text (2026-11-24T09:12:00), not {_json_type(value)}")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("not an ISO 8601 date and time (2026-11-24T09:12:00)") from None
    # The wall-clock time the recorder wrote is what inspectors read; an offset, if given, is dropped.
    return when.replace(tzinfo=None)


def _agent_channel(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("must be 0 (left) or 1 (right), not true/false")
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    if isinstance(value, int) and value in (0, 1):
        return value
    raise ValueError("must be 0 (left) or 1 (right)")


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "line": _text, "agent_id": _text, "caller_hash": _text, "started_at": _started_at, "agent_channel": _agent_channel,
}


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", float: "a number", int: "a number", bool: "true/false"}.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
