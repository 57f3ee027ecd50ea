"""Finding recordings and what the recorder says about them (sidecar metadata)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from qc.audio import AUDIO_SUFFIXES
from qc.errors import ConfigError
from qc.records import CallMeta

SIDECAR_SUFFIX = ".meta.json"
_SIDECAR_FIELDS = {"line", "agent_id", "caller_hash", "started_at", "agent_channel"}


class MissingPath(ConfigError):
    """A path given on the command line does not exist."""


def discover(paths: list[Path]) -> list[Path]:
    """Audio files under the given files and folders, sorted, each once."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise MissingPath(f"no such file or folder: {path}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in AUDIO_SUFFIXES:
                    found[child.resolve()] = None
        else:
            # A file named explicitly is tried whatever its suffix: the decoder decides.
            found[path.resolve()] = None
    return list(found)


MANIFEST_NAME = "manifest.csv"
_MANIFEST_FIELDS = ("file", "line", "agent_id", "caller_hash", "started_at", "agent_channel")


def read_manifest(folder: Path) -> dict[str, CallMeta]:
    """``manifest.csv`` of a recordings folder: file (relative path), line, agent_id, caller_hash, started_at, agent_channel."""
    import csv

    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    out: dict[str, CallMeta] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or ()) - set(_MANIFEST_FIELDS)
        if unknown or "file" not in (reader.fieldnames or ()):
            raise ConfigError(f"{path}: columns must be among {', '.join(_MANIFEST_FIELDS)} (with 'file'); got {reader.fieldnames}")
        for number, row in enumerate(reader, start=2):
            try:
                out[row["file"]] = CallMeta(
                    line=row.get("line") or None,
                    agent_id=row.get("agent_id") or None,
                    caller_hash=row.get("caller_hash") or None,
                    started_at=datetime.fromisoformat(row["started_at"]) if row.get("started_at") else None,
                    agent_channel=int(row["agent_channel"]) if row.get("agent_channel") else None,
                )
            except ValueError as exc:
                raise ConfigError(f"{path}:{number}: {exc}") from exc
    return out


def still_being_written(path: Path, settle_seconds: float, now: float | None = None) -> bool:
    """A recording modified in the last ``settle_seconds`` may still be growing: leave it for the next run."""
    import time

    try:
        return (now or time.time()) - path.stat().st_mtime < settle_seconds
    except OSError:
        return True


def sidecar_path(recording: Path) -> Path:
    return recording.with_name(recording.stem + SIDECAR_SUFFIX)


def read_meta(recording: Path, defaults: CallMeta | None = None) -> CallMeta:
    """Metadata from ``<stem>.meta.json`` next to the recording, over ``defaults``."""
    meta = defaults or CallMeta()
    sidecar = sidecar_path(recording)
    if not sidecar.is_file():
        return meta
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{sidecar}: unreadable metadata ({exc})") from exc
    unknown = set(data) - _SIDECAR_FIELDS
    if unknown:
        raise ConfigError(f"{sidecar}: unknown fields {sorted(unknown)} (allowed: {sorted(_SIDECAR_FIELDS)})")
    if "started_at" in data and data["started_at"]:
        data["started_at"] = datetime.fromisoformat(data["started_at"])
    return replace(meta, **{k: v for k, v in data.items() if v is not None})


def call_id_for(sha256: str | None, path: Path) -> str:
    """Calls are identified by content; a file with no content is identified by its path."""
    if sha256 and sha256 != hashlib.sha256(b"").hexdigest():
        return sha256[:24]
    return "p" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:23]
