"""Recorder metadata checked at the edge: each field coerced or refused, with the file and the field named."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from qc.metadata import BadMetadata, meta_from_values
from qc.records import CallMeta
from qc.sources import read_meta


def sidecar(tmp_path, values) -> tuple:
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"")
    (tmp_path / "call.meta.json").write_text(json.dumps(values) if not isinstance(values, str) else values, encoding="utf-8")
    return audio, tmp_path / "call.meta.json"


def test_a_number_where_text_belongs_becomes_text(tmp_path):
    audio, _ = sidecar(tmp_path, {"line": 12345, "agent_id": 17, "caller_hash": "ab12", "agent_channel": "1"})
    meta = read_meta(audio)
    assert (meta.line, meta.agent_id, meta.caller_hash, meta.agent_channel) == ("12345", "17", "ab12", 1)


@pytest.mark.parametrize("field, value, words", [
    ("started_at", "garbage", "not an ISO 8601 date and time"),
    ("started_at", 1732412345, "must be an ISO 8601 date and time as text"),
    ("agent_channel", 5, "must be 0 (left) or 1 (right)"),
    ("agent_channel", True, "not true/false"),
    ("agent_channel", "left", "must be 0 (left) or 1 (right)"),
    ("line", {"id": 1}, "must be text, not an object"),
    ("line", 12.5, "must be text, not a number"),
    ("agent_id", "A" * 65, "longer than 64 characters"),
    ("agent_id", "A1\nA2", "control characters"),
])
def test_a_bad_value_is_refused_naming_the_file_and_the_field(tmp_path, field, value, words):
    audio, path = sidecar(tmp_path, {field: value})
    with pytest.raises(BadMetadata) as caught:
        read_meta(audio)
    message = str(caught.value)
    assert message.startswith(f"{path}: field '{field}' = ") and words in message


def test_what_is_not_a_json_object_of_known_fields_is_refused(tmp_path):
    audio, path = sidecar(tmp_path, [1, 2])
    with pytest.raises(BadMetadata, match="expected a JSON object"):
        read_meta(audio)
    audio, path = sidecar(tmp_path, "{not json")
    with pytest.raises(BadMetadata, match="unreadable metadata"):
        read_meta(audio)
    audio, path = sidecar(tmp_path, {"line": "12345", "colour": "red"})
    with pytest.raises(BadMetadata, match="unknown field colour"):
        read_meta(audio)


def test_times_keep_the_recorders_wall_clock_and_blanks_keep_the_defaults():
    meta = meta_from_values({"started_at": "2026-11-24T09:12:00+08:00", "agent_id": "", "line": None}, "x",
                            CallMeta(agent_id="A9", line="12320"))
    assert meta.started_at == datetime(2026, 11, 24, 9, 12) and meta.started_at.tzinfo is None
    assert (meta.agent_id, meta.line) == ("A9", "12320")
    assert meta_from_values({}, "x").started_at is None
