"""Benchmark: mono diarization — DER, speaker confusion, role accuracy and speed.

Sets: the real English two-speaker clip from the pyannote.audio wheel; mono mixes of the stereo sample
and dev calls (two similar synthetic voices, 8 kHz, short turns); the mono dev calls. DER (missed +
false alarm + confusion over reference speech) at collar 0 and 0.25 s, from the diarizer's turns.
Role accuracy: the share of reference speech time whose transcript words the whole pipeline gave
the right role (agent / caller), on the calls recorded mono. Writes reports/bench/diarization.{json,md}.

    .venv/bin/python bench/diarization.py
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT / "reports" / "bench"
SAMPLES = ROOT / "audio_samples"


def cases() -> list[tuple[str, str, Path, dict]]:
    out = []
    for folder, group in ((ROOT / "audio_samples", "samples"), (ROOT / "audio_samples" / "devset", "devset")):
        for truth_path in sorted(p for p in folder.glob("*.json") if not p.name.endswith(".meta.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            kind = "real" if "pyannote" in truth_path.stem else ("mono" if truth["layout"] == "mono" else "stereo mixed to mono")
            out.append((f"{group}/{truth_path.stem}", kind, folder / truth["audio"], truth))
    return out


def role_accuracy(result, truth: dict) -> float | None:
    """Share of reference agent/caller speech time covered by words of the right role."""
    right = total = 0.0
    words = [(w.start, w.end, u.role) for u in (result.raw_utterances or result.utterances) for w in u.words]
    for turn in truth["turns"]:
        if turn["speaker"] not in ("agent", "caller"):
            return None
        for start, end, role in words:
            overlap = min(end, turn["end"]) - max(start, turn["start"])
            if overlap > 0:
                total += overlap
                right += overlap if role == turn["speaker"] else 0.0
    return right / total if total else None


def enrolled_voiceprints(settings) -> dict:
    """The agents' voices enrolled from stereo calls that are not in the mono set: the dev set's agent and the samples'."""
    from qc.enrolment import enrol

    return {
        "dev": enrol(settings, "dev-agent", [SAMPLES / "devset" / "dev01_social_card.flac", SAMPLES / "devset" / "dev02_housing_fund.flac"]),
        "samples": enrol(settings, "sample-agent", [SAMPLES / "zh_stereo_8k_no_greeting.wav",
                                                     SAMPLES / "zh_stereo_8k_caller_first_right_agent.flac"]),
    }


def _rounded(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _mean(values: list) -> float | None:
    kept = [v for v in values if v is not None]
    return round(float(np.mean(kept)), 3) if kept else None


def main() -> None:
    from qc.audio import decode, mixdown, probe
    from qc.config import load_settings
    from qc.diarization import diarize
    from qc.evaluation import diarization_error_rate
    from qc.pipeline import score_call
    from qc.sources import read_meta
    from qc.voiceprint import SpeakerEmbedder

    settings = load_settings()
    embedder = SpeakerEmbedder(settings.models_dir)
    prints = enrolled_voiceprints(settings)
    rows = []
    for name, kind, path, truth in cases():
        audio = decode(probe(path), settings.audio)
        signal = mixdown(audio.channels)
        began = time.perf_counter()
        result = diarize(signal, embedder, settings.asr.vad_threshold_for(audio.narrowband))
        seconds = time.perf_counter() - began
        ref = [(t["start"], t["end"], t["speaker"]) for t in truth["turns"]]
        hyp = [(t.start, t.end, t.speaker) for t in result.turns]
        row = {
            "call": name, "set": kind, "rate_khz": audio.source_rate // 1000, "resolved": result.resolved,
            "der_collar_0": round(diarization_error_rate(ref, hyp, collar=0.0), 3) if result.resolved else None,
            "der_collar_025": round(diarization_error_rate(ref, hyp, collar=0.25), 3) if result.resolved else None,
            "rtf": round(seconds / audio.duration_s, 4),
        }
        if kind == "mono":
            row["role_accuracy"] = _rounded(role_accuracy(score_call(path, read_meta(path), settings), truth))
            # The same call once its agent has enrolled a voiceprint (from other calls of that voice).
            voice = prints["dev" if path.parent.name == "devset" else "samples"]
            meta = replace(read_meta(path), agent_voiceprint=voice.vector)
            scored = score_call(path, meta, settings)
            row["role_accuracy_voiceprint"] = _rounded(role_accuracy(scored, truth))
            row["role_rule_voiceprint"] = scored.role_rule
        rows.append(row)
        print(json.dumps(row))

    def summary(kind: str) -> dict:
        chosen = [r for r in rows if r["set"] == kind]
        resolved = [r for r in chosen if r["resolved"]]
        roles = [r["role_accuracy"] for r in chosen if r.get("role_accuracy") is not None]
        return {
            "calls": len(chosen), "resolved": len(resolved),
            "der_collar_0": round(float(np.mean([r["der_collar_0"] for r in resolved])), 3) if resolved else None,
            "der_collar_025": round(float(np.mean([r["der_collar_025"] for r in resolved])), 3) if resolved else None,
            "role_accuracy": round(float(np.mean(roles)), 3) if roles else None,
            "role_accuracy_voiceprint": _mean([r.get("role_accuracy_voiceprint") for r in chosen]),
            "rtf": round(float(np.mean([r["rtf"] for r in chosen])), 4),
        }

    sets = {kind: summary(kind) for kind in ("real", "stereo mixed to mono", "mono")}
    report = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sets": sets, "calls": rows}
    lines = [f"# Diarization benchmark — {report['measured_at']}", "",
             "CAM++ (ONNX) window embeddings + clustering, 2 speakers, one core's worth of onnxruntime. DER: missed + "
             "false alarm + confusion over reference speech (unresolved calls, reported as one voice, are left out of "
             "the DER mean and counted separately). RTF: diarization seconds per audio second.", "",
             "| set | calls | resolved | DER collar 0 | DER collar 0.25 | role accuracy | with enrolled voiceprint | RTF |",
             "|---|---|---|---|---|---|---|---|"]
    for kind, s in sets.items():
        lines.append(f"| {kind} | {s['calls']} | {s['resolved']} | {s['der_collar_0']} | {s['der_collar_025']} | {s['role_accuracy']} | "
                     f"{s['role_accuracy_voiceprint']} | {s['rtf']} |")
    lines += ["", "Per call:", "", "| call | set | kHz | resolved | DER 0 | DER 0.25 | roles | RTF |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['call']} | {r['set']} | {r['rate_khz']} | {r['resolved']} | {r['der_collar_0']} | {r['der_collar_025']} | "
                     f"{r.get('role_accuracy', '-')} | {r['rtf']} |")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "diarization.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (REPORTS / "diarization.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:10]))


if __name__ == "__main__":
    main()
