"""The emotion-model plug-in. The ``onnx`` package is not installed, so the tiny test model is written
as protobuf bytes by hand (field numbers from onnx.proto)."""

import json
import struct

import numpy as np
import pytest

from qc.errors import ConfigError, ModelUnavailable
from qc.tone.model import EmotionModel, load_emotion_model
from tests.conftest import voice


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _bytes(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _str(field: int, text: str) -> bytes:
    return _bytes(field, text.encode())


def _tensor_type(shape: list[int | str]) -> bytes:
    dims = b"".join(_bytes(1, _str(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    return _bytes(1, _int(1, 1) + _bytes(2, dims))  # elem_type FLOAT = 1


def _value_info(name: str, shape: list[int | str]) -> bytes:
    return _str(1, name) + _bytes(2, _tensor_type(shape))


def _initializer(name: str, dims: list[int], values: list[float]) -> bytes:
    raw = struct.pack(f"<{len(values)}f", *values)
    return b"".join(_int(1, d) for d in dims) + _int(2, 1) + _str(8, name) + _bytes(9, raw)  # FLOAT, raw_data


def _node(op: str, inputs: list[str], outputs: list[str], attributes: bytes = b"") -> bytes:
    return b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs) + _str(4, op) + attributes


def tiny_emotion_onnx() -> bytes:
    """logits = [10 * peak |waveform|, 1.0]: a loud clip reads "angry", a quiet one "neutral"."""
    axes = _bytes(5, _str(1, "axes") + _int(8, 1) + _int(20, 7))  # INTS
    keepdims = _bytes(5, _str(1, "keepdims") + _int(3, 1) + _int(20, 2))  # INT
    concat_axis = _bytes(5, _str(1, "axis") + _int(3, 1) + _int(20, 2))
    graph = (
        _bytes(1, _node("Abs", ["waveform"], ["magnitude"]))
        + _bytes(1, _node("ReduceMax", ["magnitude"], ["peak"], axes + keepdims))
        + _bytes(1, _node("Mul", ["peak", "scale"], ["scaled"]))
        + _bytes(1, _node("Concat", ["scaled", "bias"], ["logits"], concat_axis))
        + _str(2, "tiny_emotion")
        + _bytes(5, _initializer("scale", [1], [10.0]))
        + _bytes(5, _initializer("bias", [1, 1], [1.0]))
        + _bytes(11, _value_info("waveform", [1, "samples"]))
        + _bytes(12, _value_info("logits", [1, 2]))
    )
    return _int(1, 7) + _str(2, "hotline-qc-test") + _bytes(7, graph) + _bytes(8, _str(1, "") + _int(2, 13))


def write_model(tmp_path, sidecar: dict | str | None, model: bytes | None = None):
    path = tmp_path / "emotion.onnx"
    path.write_bytes(tiny_emotion_onnx() if model is None else model)
    if sidecar is not None:
        text = sidecar if isinstance(sidecar, str) else json.dumps(sidecar)
        (tmp_path / "emotion.json").write_text(text, encoding="utf-8")
    return path


def test_no_model_configured_is_none():
    assert load_emotion_model(None) is None
    assert load_emotion_model("") is None


def test_a_tiny_onnx_model_loads_and_predicts(tmp_path):
    model = load_emotion_model(write_model(tmp_path, {"labels": ["angry", "neutral"], "sample_rate": 8000}))
    assert isinstance(model, EmotionModel)
    loud = model.predict(voice(1.0, 200, level=0.8), 16000)  # resampled to the model's 8 kHz
    quiet = model.predict(voice(1.0, 200, level=0.01), 16000)
    assert set(loud) == {"angry", "neutral"}
    assert sum(loud.values()) == pytest.approx(1.0)
    assert loud["angry"] > 0.9 and quiet["neutral"] > 0.6


def test_probabilities_are_passed_through(tmp_path):
    model = load_emotion_model(write_model(tmp_path, {"labels": ["angry", "neutral"], "outputs": "probabilities"}))
    scores = model.predict(np.full(1600, 0.5, np.float32), 16000)
    assert scores == pytest.approx({"angry": 5.0, "neutral": 1.0})


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelUnavailable, match="not found"):
        load_emotion_model(tmp_path / "nope.onnx")


def test_missing_sidecar(tmp_path):
    with pytest.raises(ModelUnavailable, match="sidecar"):
        load_emotion_model(write_model(tmp_path, None))


@pytest.mark.parametrize("sidecar", ["{not json", {"labels": ["only-one"]}, {"labels": ["a", "b"], "outputs": "raw"}])
def test_invalid_sidecar(tmp_path, sidecar):
    with pytest.raises(ConfigError, match="sidecar"):
        load_emotion_model(write_model(tmp_path, sidecar))


def test_a_file_that_is_not_onnx(tmp_path):
    with pytest.raises(ModelUnavailable, match="not a loadable ONNX model"):
        load_emotion_model(write_model(tmp_path, {"labels": ["a", "b"]}, model=b"certainly not protobuf"))


def test_labels_that_do_not_fit_the_output(tmp_path):
    model = load_emotion_model(write_model(tmp_path, {"labels": ["angry", "neutral", "sad"]}))
    with pytest.raises(ModelUnavailable, match="3 labels"):
        model.predict(voice(0.5, 200), 16000)
