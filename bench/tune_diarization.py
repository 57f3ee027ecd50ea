"""Tune the frame diarization's hyper-parameters with pyannote.pipeline's Optimizer (TPE) on the dev calls.

Tuning set: the 24 dev calls (audio_samples/devset), mixed to mono, 8 kHz, two alike synthetic voices. The sample
calls and the real pyannote clip are left out: bench/diarization.py reports them as calls the values were not
tuned on. Objective: DER at collar 0.25 over the whole set (pyannote.metrics). Each call's window diarization
and segmentation are computed once; a trial only re-assigns and reconstructs. Writes
reports/bench/diarization_tuning.json; copy the best values into qc.speakers.frames.TUNED.

    .venv/bin/python bench/tune_diarization.py [iterations]
"""

from __future__ import annotations

import json
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
REPORTS = ROOT / "reports" / "bench"


def main(iterations: int = 60) -> None:
    warnings.filterwarnings("ignore")
    import numpy as np
    import torch
    from pyannote.core import Segment, Timeline
    from pyannote.pipeline import Optimizer

    from diarization import cases
    from qc.audio.decode import decode, mixdown, probe
    from qc.config import load_settings
    from qc.speakers.windows import diarize
    from qc.evaluation import turns_annotation
    from qc.speakers.frames import TUNED, frame_pipeline
    from qc.speakers.embedding import SpeakerEmbedder

    settings = load_settings()
    embedder = SpeakerEmbedder(settings.models_dir)
    pipeline = frame_pipeline(settings.models_dir, 2)
    files = []
    for name, _kind, path, truth in cases():
        if not name.startswith("devset/"):
            continue
        audio = decode(probe(path), settings.audio)
        signal = mixdown(audio.channels)
        windows = diarize(signal, embedder, settings.asr.vad_threshold_for(audio.narrowband))
        if not windows.resolved:
            continue
        reference = turns_annotation(((t["start"], t["end"], t["speaker"]) for t in truth["turns"]), uri=name)
        file = {"uri": name, "waveform": torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32)[None]),
                "sample_rate": 16000, "windows": windows, "annotation": reference,
                "annotated": Timeline([Segment(0.0, audio.duration_s)])}
        pipeline.segment(file)
        files.append(file)

    def der(params: dict) -> float:
        pipeline.instantiate(params)
        metric = pipeline.get_metric()
        for f in files:
            metric(f["annotation"], pipeline.apply(f), uem=f["annotated"])
        return abs(metric)

    start = der(dict(TUNED))
    optimizer = Optimizer(pipeline, seed=0)
    best = None
    for i, result in enumerate(optimizer.tune_iter(files, warm_start=dict(TUNED), show_progress=False)):
        best = result
        if i + 1 >= iterations:
            break
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tuning_set": f"{len(files)} dev calls (audio_samples/devset, mixed to mono)",
        "objective": "DER, collar 0.25 s, whole set (pyannote.metrics)",
        "iterations": iterations,
        "der_with_current_values": round(start, 4), "current_values": dict(TUNED),
        "best_loss": round(best["loss"], 4), "best_params": {k: round(v, 3) for k, v in best["params"].items()},
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "diarization_tuning.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
