"""A plug-in point for a speech-emotion model. None ships: without one, tone comes from prosody and words.

A model is an ONNX file that takes a mono float32 waveform shaped [1, samples] and returns one score
per label, with a JSON sidecar beside it (``model.onnx`` -> ``model.json``)::

    {"labels": ["neutral", "angry", "sad", "happy"], "sample_rate": 16000, "outputs": "logits"}

``outputs`` is "logits" (softmax is applied) or "probabilities" (used as they are).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from qc.errors import ConfigError, ModelUnavailable


@runtime_checkable
class EmotionModel(Protocol):
    def predict(self, signal: np.ndarray, sample_rate: int) -> dict[str, float]:
        """Probability of each label for one utterance's audio."""
        ...


class _Sidecar(BaseModel):
    labels: list[str] = Field(min_length=2)
    sample_rate: int = Field(16000, gt=0)
    outputs: Literal["logits", "probabilities"] = "logits"


@dataclass(frozen=True)
class OnnxEmotionModel:
    path: str
    labels: tuple[str, ...]
    sample_rate: int
    outputs: str
    threads: int = 1

    def predict(self, signal: np.ndarray, sample_rate: int) -> dict[str, float]:
        from qc.audio.decode import resample
        from qc.models import onnx_session

        waveform = resample(np.asarray(signal, dtype=np.float32).reshape(-1), sample_rate, self.sample_rate)
        session = onnx_session(self.path, self.threads)
        name = session.get_inputs()[0].name
        try:
            scores = np.asarray(session.run(None, {name: waveform[None, :]})[0], dtype=np.float64).reshape(-1)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelUnavailable(
                f"emotion model {self.path} failed on a {len(waveform)}-sample input: {exc}"
            ) from exc
        if scores.size != len(self.labels):
            raise ModelUnavailable(
                f"emotion model {self.path} gives {scores.size} scores but its sidecar names {len(self.labels)} labels"
            )
        if self.outputs == "logits":
            scores = np.exp(scores - scores.max())
            scores /= scores.sum()
        return {label: float(p) for label, p in zip(self.labels, scores)}


def load_emotion_model(path: Path | str | None, threads: int = 1) -> EmotionModel | None:
    """The ONNX emotion model at ``path`` with its JSON sidecar, or None when no path is configured."""
    if path is None or str(path) == "":
        return None
    model_path = Path(path)
    sidecar_path = model_path.with_suffix(".json")
    if not model_path.is_file():
        raise ModelUnavailable(f"emotion model file not found: {model_path}")
    if not sidecar_path.is_file():
        raise ModelUnavailable(
            f"emotion model {model_path} has no sidecar {sidecar_path.name} naming its labels and sample rate"
        )
    try:
        sidecar = _Sidecar.model_validate(json.loads(sidecar_path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise ConfigError(f"emotion model sidecar {sidecar_path} is not valid: {exc}") from exc
    from qc.models import onnx_session

    try:
        onnx_session(str(model_path), threads)
    except Exception as exc:  # onnxruntime raises its own untyped errors on a bad file
        raise ModelUnavailable(f"emotion model {model_path} is not a loadable ONNX model: {exc}") from exc
    return OnnxEmotionModel(str(model_path), tuple(sidecar.labels), sidecar.sample_rate, sidecar.outputs, threads)
