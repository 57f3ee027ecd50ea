"""Benchmark: every per-call measure on one annotated set of calls, in one run (issue 22's blind evaluation).

For each call of the set, in turn (so machine load hits both sides alike):

* raw faster-whisper (Whisper base int8, beam 5, its default VAD, the call's language, both channels of a stereo
  call) — the baseline of bench/asr.py, timed;
* the whole pipeline (``qc.pipeline.score_call``, unredacted transcripts kept), timed wall-clock.

Then, per call and over the set:

* transcription: CER (Mandarin; Simplified, numbers as digits, no punctuation) or WER (English) of both, per
  channel on stereo calls against that speaker's turns, whole call on mono;
* rubric items on the ground-truth transcripts (rule errors only) and as the pipeline judged the call (what an
  inspector would see): agreement per item, case type, urgency precision/recall — the annotations as in
  bench/rubric.py;
* alerts: urgent calls that raised an urgent alert (urgent_case, or a critical caller_distress/caller_danger),
  or only a possible-crisis one; routine calls that raised any of them (false alarms);
* speakers: share of word time given the right role (qc.evaluation.word_role_accuracy);
* speed: pipeline seconds against raw decoding seconds on the same files, by layout.

Writes reports/bench/blind-<label>.{json,md}.

    .venv/bin/python bench/blind.py --set audio_samples/blindset --label first-run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import asr as asr_bench  # noqa: E402  (bench/asr.py: raw decoding and CER normalisation)
import rubric as rubric_bench  # noqa: E402  (bench/rubric.py: annotations → expected verdicts, tallies)

REPORTS = ROOT / "reports" / "bench"
URGENT_KINDS = {"urgent_case"}
CRISIS_KINDS = {"caller_distress", "caller_danger"}
POSSIBLE_KINDS = {"possible_crisis"}


def truth_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".meta.json"))


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def token_edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def errors(language: str, reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length): characters for Mandarin, words for English."""
    from qc.evaluation import edit_distance

    if language == "en":
        ref = words_of(reference)
        return token_edits(ref, words_of(hypothesis)), len(ref)
    ref = asr_bench.normalise(reference)
    return edit_distance(ref, asr_bench.normalise(hypothesis)), len(ref)


def channel_texts(truth: dict, utterances) -> list[str]:
    if truth["layout"] == "stereo":
        by_role = {r: "".join(u.text if truth["language"] != "en" else " " + u.text for u in utterances if u.role == r)
                   for r in ("agent", "caller")}
        return [by_role["agent" if ch == truth["agent_channel"] else "caller"] for ch in (0, 1)]
    return [(" " if truth["language"] == "en" else "").join(u.text for u in utterances)]


def transcript_errors(call: asr_bench.Call, texts: list[str]) -> tuple[int, int]:
    edits = length = 0
    joiner = " " if call.truth["language"] == "en" else ""
    for channel, hyp in enumerate(texts):
        role = call.role_of(channel, len(texts))
        reference = joiner.join(t["text"] for t in call.truth["turns"] if role is None or t["speaker"] == role)
        e, n = errors(call.truth["language"], reference, hyp)
        edits, length = edits + e, length + n
    return edits, length


def alert_outcome(alerts) -> str:
    kinds = {(a.kind, a.severity) for a in alerts}
    if any(k in URGENT_KINDS or (k in CRISIS_KINDS and s == "critical") for k, s in kinds):
        return "urgent"
    if any(k in CRISIS_KINDS | POSSIBLE_KINDS for k, _ in kinds):
        return "possible"
    return "none"


def verdict_row(name: str, truth: dict, verdicts, case) -> dict:
    return {
        "name": name,
        "expected": rubric_bench.expected(truth),
        "got": {v.item_id: v.verdict for v in verdicts},
        "case_type": (truth["annotations"]["case_type"], case.case_type),
        "urgency": (truth["annotations"]["urgency"], case.urgency),
    }


def measure(folder: Path, limit: int | None) -> dict:
    os.environ["QC_PRIVACY__KEEP_RAW_TRANSCRIPTS"] = "true"
    from qc.config import load_settings
    from qc.evaluation import word_role_accuracy
    from qc.judge import rubric_for
    from qc.pipeline import score_call
    from qc.records import CallMeta
    from qc.sources import read_meta

    settings = load_settings()
    model = asr_bench._model()
    # Warm-up outside the timings: model loading is paid once per process on both sides.
    warm = ROOT / "audio_samples" / "zh_stereo_8k_no_greeting.wav"
    score_call(warm, read_meta(warm), settings)
    calls, rows = [], {"transcripts": [], "pipeline": []}
    for path in truth_files(folder)[:limit]:
        truth = json.loads(path.read_text(encoding="utf-8"))
        call = asr_bench.Call(truth["name"], "blind", folder / truth["audio"], truth)
        language = truth.get("language", "zh")
        channels, _ = asr_bench.resampled_channels(call)
        began = time.perf_counter()
        raw = ["".join(s.text for s in model.transcribe(ch, language=language, beam_size=5, vad_filter=True)[0]) for ch in channels]
        raw_s = time.perf_counter() - began
        meta = read_meta(call.path)
        began = time.perf_counter()
        result = score_call(call.path, meta, settings)
        pipeline_s = time.perf_counter() - began
        utterances = result.raw_utterances or result.utterances
        ours = channel_texts(truth, utterances)
        raw_err, n = transcript_errors(call, raw)
        our_err, _ = transcript_errors(call, ours)
        words = [(w.text, w.start, w.end, u.role) for u in utterances for w in u.words]
        rubric = rubric_for(meta.line, settings)
        judged = rubric_bench.judge(rubric, rubric_bench.truth_utterances(truth), truth, CallMeta(line=meta.line))
        rows["transcripts"].append(verdict_row(call.name, truth, judged.verdicts, judged.case))
        if result.status == "scored":
            rows["pipeline"].append(verdict_row(call.name, truth, result.verdicts, result.case))
        entry = {
            "name": call.name, "language": language, "layout": truth["layout"], "line": meta.line,
            "duration": truth["duration"], "status": result.status, "failure": result.failure_reason,
            "raw_s": round(raw_s, 2), "pipeline_s": round(pipeline_s, 2), "speech_s": result.stage_seconds.get("speech"),
            "ref_len": n, "raw_errors": raw_err, "pipeline_errors": our_err,
            "raw_rate": round(raw_err / max(n, 1), 4), "pipeline_rate": round(our_err / max(n, 1), 4),
            "urgency": truth["annotations"]["urgency"], "alerts": sorted({a.kind for a in result.alerts}),
            "alert_outcome": alert_outcome(result.alerts),
            "role_accuracy": None if not words else round(word_role_accuracy(words, truth["turns"]) or 0.0, 4),
            "score": result.score,
        }
        calls.append(entry)
        print(f"  {call.name}: raw {entry['raw_s']} s, pipeline {entry['pipeline_s']} s, "
              f"error rate {entry['raw_rate']} → {entry['pipeline_rate']}, alerts {entry['alerts']}", file=sys.stderr)
    return {"calls": calls, "rubric": {mode: rubric_bench.tally(r) for mode, r in rows.items() if r}}


def summarise(calls: list[dict]) -> dict:
    out = {}
    for language in sorted({c["language"] for c in calls}):
        group = [c for c in calls if c["language"] == language]
        n = sum(c["ref_len"] for c in group)
        raw, ours = sum(c["raw_errors"] for c in group), sum(c["pipeline_errors"] for c in group)
        out[f"error_rate_{language}"] = {"unit": "words" if language == "en" else "characters", "calls": len(group),
                                         "raw": round(raw / n, 4), "hotline_qc": round(ours / n, 4),
                                         "ratio": round(ours / raw, 3) if raw else None}
    for layout in ("stereo", "mono"):
        group = [c for c in calls if c["layout"] == layout and c["status"] == "scored"]
        if group:
            raw_s, ours_s = sum(c["raw_s"] for c in group), sum(c["pipeline_s"] for c in group)
            out[f"speed_{layout}"] = {"calls": len(group), "audio_s": round(sum(c["duration"] for c in group), 1),
                                      "raw_s": round(raw_s, 1), "pipeline_s": round(ours_s, 1),
                                      "pipeline_vs_raw_speed": round(raw_s / ours_s, 3)}
    urgent = [c for c in calls if c["urgency"] == "urgent"]
    routine = [c for c in calls if c["urgency"] != "urgent"]
    out["alerts"] = {
        "urgent_calls": len(urgent),
        "urgent_alerted": sum(c["alert_outcome"] == "urgent" for c in urgent),
        "urgent_only_possible": sum(c["alert_outcome"] == "possible" for c in urgent),
        "urgent_missed": [c["name"] for c in urgent if c["alert_outcome"] == "none"],
        "routine_calls": len(routine),
        "routine_false_urgent": [c["name"] for c in routine if c["alert_outcome"] == "urgent"],
        "routine_false_possible": [c["name"] for c in routine if c["alert_outcome"] == "possible"],
    }
    roles = [c["role_accuracy"] for c in calls if c["role_accuracy"] is not None]
    out["role_accuracy_mean"] = round(sum(roles) / len(roles), 4) if roles else None
    out["failed"] = [f"{c['name']}: {c['failure']}" for c in calls if c["status"] != "scored"]
    return out


def markdown(report: dict) -> str:
    s = report["summary"]
    lines = [f"# Blind evaluation ({report['label']}) — {report['measured_at']}", "",
             f"Set: `{report['set']}`, {len(report['calls'])} calls; code at `{report['commit']}`. {report['note']}", "",
             "## Transcription (raw faster-whisper, Whisper base, beam 5, its VAD → hotline-qc, same run)", "",
             "| language | unit | calls | raw | hotline-qc | ratio (target ≤ 0.75) |", "|---|---|---|---|---|---|"]
    for key, v in s.items():
        if key.startswith("error_rate_"):
            lines.append(f"| {key[11:]} | {v['unit']} | {v['calls']} | {v['raw']} | {v['hotline_qc']} | {v['ratio']} |")
    lines += ["", "## Speed (same run, interleaved per call)", "", "| layout | calls | audio s | raw decode s | pipeline s | speed vs raw |",
              "|---|---|---|---|---|---|"]
    for layout in ("stereo", "mono"):
        if f"speed_{layout}" in s:
            v = s[f"speed_{layout}"]
            lines.append(f"| {layout} | {v['calls']} | {v['audio_s']} | {v['raw_s']} | {v['pipeline_s']} | {v['pipeline_vs_raw_speed']}× |")
    a = s["alerts"]
    lines += ["", "## Alerts", "",
              f"- Urgent calls: {a['urgent_calls']}; urgent alert on {a['urgent_alerted']}, only possible-crisis on "
              f"{a['urgent_only_possible']}, missed: {', '.join(a['urgent_missed']) or 'none'}.",
              f"- Routine calls: {a['routine_calls']}; false urgent alert on {len(a['routine_false_urgent'])} "
              f"({', '.join(a['routine_false_urgent']) or '–'}), possible-crisis on {len(a['routine_false_possible'])} "
              f"({', '.join(a['routine_false_possible']) or '–'}).",
              f"- Speakers: mean share of word time with the right role {s['role_accuracy_mean']}.", ""]
    if s["failed"]:
        lines += ["Failed calls: " + "; ".join(s["failed"]), ""]
    for mode, res in report["rubric"].items():
        title = "ground-truth transcripts (rule errors only)" if mode == "transcripts" else "the pipeline's own verdicts (ASR + speakers + rules)"
        lines += [f"## Rubric on {title}", "", "| item | judged | agreement | fail precision | fail recall | true fails | applicability errors |", "|---|---|---|---|---|---|---|"]
        judged = agree = 0
        for item, t in res["items"].items():
            lines.append(f"| {item} | {t['judged']} | {t['agreement']} | {t['fail_precision']} | {t['fail_recall']} | {t['true_fails']} | {t['applicability_errors']} |")
            if t["judged"]:
                judged += t["judged"]
                agree += round(t["agreement"] * t["judged"])
        lines += ["", f"Item agreement overall {round(agree / judged, 3) if judged else None} (target ≥ 0.97); case type accuracy "
                  f"{res['case_type_accuracy']} (target ≥ 0.9); urgent precision {res['urgent_precision']}, recall {res['urgent_recall']} (targets 1.0).", ""]
        if res["case_type_errors"]:
            lines += ["Case type errors: " + "; ".join(res["case_type_errors"]), ""]
        if res["disagreements"]:
            lines += ["Disagreements:", *[f"- {d}" for d in res["disagreements"]], ""]
    lines += ["## Per call", "", "| call | lang | layout | s | raw | hotline-qc | raw s | pipeline s | roles | alerts |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in report["calls"]:
        lines.append(f"| {c['name']} | {c['language']} | {c['layout']} | {c['duration']} | {c['raw_rate']} | {c['pipeline_rate']} | "
                     f"{c['raw_s']} | {c['pipeline_s']} | {c['role_accuracy']} | {', '.join(c['alerts']) or '–'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, required=True, help="folder of calls with <name>.json ground truth")
    parser.add_argument("--label", required=True, help="report name: blind-<label>.{json,md}")
    parser.add_argument("--note", default="", help="one line on the conditions (first run, after which fixes, machine load)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N calls (a smoke run)")
    args = parser.parse_args()
    folder = args.set if args.set.is_absolute() else ROOT / args.set
    measured = measure(folder, args.limit)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    report = {"label": args.label, "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "set": str(folder.relative_to(ROOT)) if folder.is_relative_to(ROOT) else str(folder), "commit": commit,
              "note": args.note, **measured, "summary": summarise(measured["calls"])}
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"blind-{args.label}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (REPORTS / f"blind-{args.label}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
