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
