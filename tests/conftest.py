"""Shared fixtures: synthesised audio for unit tests, the real samples and weights for integration tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import pipelines  # noqa: F401 - sets Prefect's offline defaults before any Prefect server starts
import pytest
import soundfile as sf

from qc.config import Settings, load_settings

SAMPLES = Path(__file__).resolve().parents[1] / "audio_samples"


def voice(seconds: float, f0: float, rate: int = 16000, level: float = 0.2, seed: int = 0) -> np.ndarray:
    """A crude voiced sound: harmonics of f0 with a syllable-rate envelope and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    vibrato = f0 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(vibrato) / rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t) ** 2
    out = wave * envelope + 0.01 * rng.standard_normal(len(t))
    return (level * out / np.max(np.abs(out))).astype(np.float32)


def silence(seconds: float, rate: int = 16000, level: float = 0.0005, seed: int = 1) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * rate))).astype(np.float32)


def write(path: Path, data: np.ndarray, rate: int, subtype: str | None = None) -> Path:
    sf.write(str(path), data, rate, subtype=subtype)
    return path


_HEARD: dict[tuple, object] = {}


def hear(path: Path, meta, settings: Settings):
    """``qc.pipeline.listen`` once per test session for each recording content, metadata and set-up.

    Recognition is most of a test's time and many tests judge the same sample call; the judgement
    (``qc.judge.judge``) is cheap and each test does its own. A copy of a sample elsewhere is the same
    call (calls are identified by content) and is heard again only in its path.
    """
    from dataclasses import replace

    from qc.audio.decode import file_sha256
    from qc.judge import HeardCall
    from qc.pipeline import listen

    key = (file_sha256(path) if path.is_file() and path.stat().st_size else str(path), repr(meta),
           settings.model_dump_json(exclude={"db_path", "web"}))
    if key not in _HEARD:
        _HEARD[key] = listen(path, meta, settings)
    heard: HeardCall = _HEARD[key]  # type: ignore[assignment]
    return replace(heard, call=replace(heard.call, path=str(path)))


def scored(path: Path, meta, settings: Settings, history=None):
    """A sample call heard (once per session, ``hear``) and judged now, as ``qc.pipeline.score_call`` does."""
    from qc.judge import NO_HISTORY, judge

    return judge(hear(path, meta, settings), history or NO_HISTORY, settings)


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    """Query the store read-only through this process's database (the one the code under test uses)."""
    from qc.store import database

    with database(db).cursor(write=False) as cur:
        return cur.execute(sql, list(params)).fetchall()


def ground_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A fresh cache per test session: the suite exercises assembling and checksumming the weights.
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    return load_settings(db_path=tmp_path / "qc.duckdb", model_cache_dir=model_cache)


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server and database for the whole session (starting one takes seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def prefect_run(run_id: str) -> tuple[str, list[str]]:
    """A flow run's name and its artifacts' markdown, read back from the Prefect API it ran on."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        name = client.read_flow_run(UUID(run_id)).name
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)])))
    return name, [a.data for a in artifacts]
