"""Finding recordings and reading what the recorder says about them (sidecars, manifests).

The values themselves are checked by ``qc.metadata``: here are the files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qc.audio.decode import AUDIO_SUFFIXES
from qc.errors import ConfigError
from qc.metadata import FIELDS, BadMetadata, meta_from_values
from qc.records import CallMeta

SIDECAR_SUFFIX = ".meta.json"


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
_MANIFEST_FIELDS = ("file",) + FIELDS
# Manifest rows are read as text; whatever a recorder puts beyond this is not a metadata value.
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def read_manifest(folder: Path) -> dict[str, CallMeta | BadMetadata]:
    """``manifest.csv`` of a recordings folder, by the relative path in its ``file`` column.

    A row with a bad value maps to its ``BadMetadata`` (that recording fails, the others are scored); a
    manifest whose header cannot be used raises ``BadMetadata`` for the whole folder.
    """
    import csv

    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    if path.stat().st_size > _MAX_MANIFEST_BYTES:
        raise BadMetadata(f"{path}: larger than {_MAX_MANIFEST_BYTES // 2**20} MB; is it a manifest?")
    out: dict[str, CallMeta | BadMetadata] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            unknown = set(columns) - set(_MANIFEST_FIELDS)
            if unknown or "file" not in columns:
                raise BadMetadata(f"{path}: columns must be among {', '.join(_MANIFEST_FIELDS)} (with 'file'); got {columns}")
            for number, row in enumerate(reader, start=2):
                name = (row.get("file") or "").strip()
                if not name:
                    continue
                if None in row:  # more cells than columns
                    out[name] = BadMetadata(f"{path}:{number}: more cells than the header has columns")
                    continue
                try:
                    out[name] = meta_from_values({k: v for k, v in row.items() if k != "file"}, f"{path}:{number}")
                except BadMetadata as exc:
                    out[name] = exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadMetadata(f"{path}: not a UTF-8 CSV file ({exc})") from None
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
    """Metadata from ``<stem>.meta.json`` next to the recording, over ``defaults``; BadMetadata names file and field."""
    meta = defaults or CallMeta()
    sidecar = sidecar_path(recording)
    if not sidecar.is_file():
        return meta
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadMetadata(f"{sidecar}: unreadable metadata ({exc})") from exc
    if not isinstance(data, dict):
        raise BadMetadata(f"{sidecar}: expected a JSON object of fields ({', '.join(FIELDS)}), not {type(data).__name__}")
    return meta_from_values(data, str(sidecar), meta)


def call_id_for(sha256: str | None, path: Path) -> str:
    """Calls are identified by content; a file with no content is identified by its path."""
    if sha256 and sha256 != hashlib.sha256(b"").hexdigest():
        return sha256[:24]
    return "p" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:23]
