"""Benchmark: transcription accuracy on the dev set under decoding configurations.

Character error rate (after script, punctuation and spoken-digit normalisation) of the whole
pipeline's transcript against the ground truth of the 24 dev calls (audio_samples/devset, 8 kHz),
per configuration: the baseline, then the line's vocabulary as faster-whisper hotwords, then as the
initial prompt. Writes reports/bench/asr.{json,md}.

    .venv/bin/python bench/asr.py [--configs off hotwords prompt]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEVSET = ROOT / "audio_samples" / "devset"
REPORTS = ROOT / "reports" / "bench"


def measure(vocabulary: str) -> dict:
    from qc.config import load_settings
    from qc.evaluation import edit_distance, normalise_for_cer
    from qc.pipeline import score_call
    from qc.sources import read_meta

    settings = load_settings()
    settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"vocabulary": vocabulary})})
    errors = chars = 0
    per_call = {}
    began = time.perf_counter()
    for truth_path in sorted(p for p in DEVSET.glob("*.json") if not p.name.endswith(".meta.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        path = DEVSET / truth["audio"]
        result = score_call(path, read_meta(path), settings)
        call_errors = call_chars = 0
        roles = ("agent", "caller") if truth["layout"] == "stereo" else (None,)
        for role in roles:
            ref = normalise_for_cer("".join(t["text"] for t in truth["turns"] if role is None or t["speaker"] == role))
            # Stored transcripts are redacted: compare on the raw words the recogniser produced.
            utts = result.raw_utterances or result.utterances
            hyp = normalise_for_cer("".join(u.text for u in utts if role is None or u.role == role))
            call_errors += edit_distance(ref, hyp)
            call_chars += len(ref)
        per_call[truth_path.stem] = round(call_errors / max(call_chars, 1), 3)
        errors += call_errors
        chars += call_chars
    return {"vocabulary": vocabulary, "cer": round(errors / chars, 4), "seconds": round(time.perf_counter() - began, 1), "per_call": per_call}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="*", default=["off", "hotwords", "prompt"])
    args = parser.parse_args()
    import os

    os.environ["QC_PRIVACY__KEEP_RAW_TRANSCRIPTS"] = "true"
    runs = [measure(c) for c in args.configs]
    base = runs[0]["cer"]
    report = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "runs": runs}
    lines = [f"# Transcription benchmark — {report['measured_at']}", "",
             "24 dev calls (audio_samples/devset), 8 kHz, Whisper base int8 beam 5, whole pipeline; CER after script, "
             "punctuation and spoken-digit normalisation, stereo calls per channel.", "",
             "| vocabulary | CER | vs first | seconds |", "|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['vocabulary']} | {r['cer']:.4f} | {100 * (r['cer'] - base) / base:+.1f} % | {r['seconds']} |")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "asr.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (REPORTS / "asr.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
