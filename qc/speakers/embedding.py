"""Speaker embeddings (CAM++ zh/en via onnxruntime): who a stretch of speech sounds like.

Features are computed once per call (``qc.speakers.fbank``) and sliced per window, then every window is
embedded in one batched run. Used by diarization now; agent voiceprint enrolment builds on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qc.speakers.fbank import kaldi_fbank
from qc.models import onnx_session, shipped_model_file

MODEL = "campplus-zh-en"
FRAMES_PER_SECOND = 100
MIN_FRAMES = 10  # the exported graph needs >= 3 frames; under 0.1 s there is no voice to describe
MAX_BATCH = 64  # windows per onnxruntime run


class SpeakerEmbedder:
    def __init__(self, models_dir: Path, threads: int = 1):
        path = shipped_model_file(MODEL, models_dir)
        self.session = onnx_session(str(path), threads)
        self.input = self.session.get_inputs()[0].name

    def embed_windows(self, audio: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
        """One L2-normalised 192-dim embedding per (start, end) window of 16 kHz ``audio``."""
        fbank = kaldi_fbank(audio, 16000, num_mel_bins=80)
        by_length: dict[int, list[int]] = {}
        slices = []
        for i, (start, end) in enumerate(windows):
            a = int(start * FRAMES_PER_SECOND)
            b = min(len(fbank), max(int(end * FRAMES_PER_SECOND), a + MIN_FRAMES))
            feats = fbank[a:b]
            # CAM++ was trained on features with the mean of each bin removed per utterance.
            slices.append(feats - feats.mean(axis=0, keepdims=True))
            by_length.setdefault(len(feats), []).append(i)
        out = np.zeros((len(windows), 192), dtype=np.float32)
        for length, indices in by_length.items():
            if length < 3:
                continue
            # Bounded batches: CAM++'s activations grow with the batch (an hour in one batch took 17 GB).
            for at in range(0, len(indices), MAX_BATCH):
                chosen = indices[at:at + MAX_BATCH]
                batch = np.stack([slices[i] for i in chosen]).astype(np.float32)
                out[chosen] = self.session.run(None, {self.input: batch})[0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-8)
