"""Agents' voiceprints: enrol from recordings, match a call's voices against them.

A voiceprint is the mean CAM++ embedding (``qc.speakers.embedding``) of an agent's speech, normalised.
Raw embeddings carry the recording chain as well as the voice, so enrol from recordings made by the same
recorder as the calls. The default threshold (``SpeakerConfig.voiceprint_threshold``) sits between same-voice
and different-voice scores (reports/bench/history.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np

from qc.audio.decode import decode, probe
from qc.config import Settings
from qc.speakers.windows import speech_regions, windows_over
from qc.errors import QCError
from qc.speakers.embedding import MODEL, SpeakerEmbedder


class EnrolmentError(QCError):
    """Recordings that cannot make a voiceprint, with the reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Voiceprint:
    agent_id: str
    vector: tuple[float, ...]
    speech_s: float
    files: int

    def similarity(self, embedding: np.ndarray) -> float:
        return round(float(np.asarray(self.vector, dtype=np.float32) @ _unit(embedding)), 4)


def speech_embedding(embedder: SpeakerEmbedder, signal: np.ndarray, regions: list[tuple[float, float]]) -> tuple[np.ndarray, float]:
    """The mean embedding of the speech in ``regions`` of 16 kHz ``signal``, and how much speech that was."""
    windows = windows_over(regions)
    if not windows:
        return np.zeros(192, dtype=np.float32), 0.0
    return _unit(embedder.embed_windows(signal, windows).mean(axis=0)), sum(b - a for a, b in regions)


def enrol(settings: Settings, agent_id: str, files: list[Path], channel: int | None = None) -> Voiceprint:
    """A voiceprint from recordings of the agent: their channel of stereo calls, or mono recordings of them alone."""
    from qc.sources import read_meta

    embedder = SpeakerEmbedder(settings.models_dir)
    vectors, weights = [], []
    for path in files:
        try:
            audio = decode(probe(path), settings.audio)
        except QCError as exc:
            raise EnrolmentError(f"{path}: {exc}") from exc
        if len(audio.channels) == 2:
            meta = read_meta(path)
            which = channel if channel is not None else meta.agent_channel
            if which is None:
                which = settings.line(meta.line)[1].agent_channel
            signal = audio.channels[which]
        else:
            signal = audio.channels[0]
        regions = speech_regions(signal, settings.asr.vad_threshold_for(audio.narrowband))
        vector, seconds = speech_embedding(embedder, signal, regions)
        if seconds > 0:
            vectors.append(vector)
            weights.append(seconds)
    total = float(sum(weights))
    if total < settings.speakers.min_enrolment_speech_s:
        raise EnrolmentError(
            f"only {total:.0f} s of speech in {len(files)} file(s): a voiceprint needs at least "
            f"{settings.speakers.min_enrolment_speech_s:.0f} s of the agent speaking"
        )
    mean = _unit(np.average(np.stack(vectors), axis=0, weights=weights))
    return Voiceprint(agent_id, tuple(round(float(x), 6) for x in mean), round(total, 1), len(files))


def save(con: duckdb.DuckDBPyConnection, print_: Voiceprint, actor: str = "cli") -> None:
    from qc.audit import record

    con.execute(
        "INSERT INTO agent_voiceprints VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET embedding = excluded.embedding, "
        "speech_s = excluded.speech_s, files = excluded.files, model = excluded.model, enrolled_at = excluded.enrolled_at",
        [print_.agent_id, list(print_.vector), print_.speech_s, print_.files, MODEL, datetime.now(timezone.utc).replace(tzinfo=None)],
    )
    record(con, actor, "agent.voiceprint", print_.agent_id, after={"speech_s": print_.speech_s, "files": print_.files})


def load_all(con: duckdb.DuckDBPyConnection) -> dict[str, Voiceprint]:
    rows = con.execute("SELECT agent_id, embedding, speech_s, files FROM agent_voiceprints WHERE model = ?", [MODEL]).fetchall()
    return {r[0]: Voiceprint(r[0], tuple(r[1]), r[2], r[3]) for r in rows}


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-8)
