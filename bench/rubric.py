"""Benchmark: rubric accuracy per item and re-scoring speed.

Accuracy on the annotated dev set (audio_samples/devset/*.json), two ways:
  * on the ground-truth transcripts (exact words and times): errors here are the rules' own;
  * on the pipeline's output (--asr: real Whisper, diarization): the difference is what ASR costs.
For every item: precision and recall of "fail" (the flag an inspector acts on), applicability errors;
case type accuracy; urgent-case precision and recall.
Speed: N stored calls (copies of the dev transcripts) re-scored from DuckDB with `qc rescore`'s code.

    .venv/bin/python bench/rubric.py [--asr] [--calls 2000] [--half all|tuning|reporting] [--label NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.config import load_settings  # noqa: E402
from qc.records import CallMeta, CallResult, Utterance, Word  # noqa: E402
from qc.rubric import CallContext, evaluate, load_rubric  # noqa: E402

DEVSET = ROOT / "audio_samples" / "devset"
REPORTS = ROOT / "reports" / "bench"
ITEMS = ("greeting", "confirm_details", "courtesy_words", "no_forbidden_words", "no_dead_air", "no_interrupting", "next_steps", "closing")


def truth_files() -> list[Path]:
    return sorted(p for p in DEVSET.glob("*.json") if not p.name.endswith(".meta.json"))


def dev_split(truths: dict[str, dict]) -> dict[str, str]:
    """Each dev call's half: "tuning" (rules may be changed looking at it) or "reporting" (figures only).

    The rule: within each annotated case type, calls in name order alternate tuning, reporting, tuning, ...;
    a case type with a single call gives it to tuning. Both halves hold every case type that has two calls.
    """
    by_type: dict[str, list[str]] = {}
    for name in sorted(truths):
        by_type.setdefault(truths[name]["annotations"]["case_type"], []).append(name)
    return {name: ("tuning" if k % 2 == 0 else "reporting") for names in by_type.values() for k, name in enumerate(names)}


def truth_utterances(truth: dict) -> tuple[Utterance, ...]:
    """Ground-truth turns as utterances, with word times spread evenly over each turn's characters."""
    out = []
    for turn in truth["turns"]:
        text, start, end = turn["text"], turn["start"], turn["end"]
        step = (end - start) / max(len(text), 1)
        words = tuple(Word(ch, round(start + i * step, 3), round(start + (i + 1) * step, 3), 1.0) for i, ch in enumerate(text))
        out.append(Utterance(turn["speaker"], turn["speaker"], start, end, text, words))
    return tuple(sorted(out, key=lambda u: u.start))


def expected(truth: dict) -> dict[str, str]:
    """What an inspector would conclude for each rubric item, from the annotations."""
    a = truth["annotations"]
    silence = a.get("long_silence")
    long_overlaps = [s for s in a.get("agent_interruptions") or [] if s["end"] - s["start"] >= 1.0]
    return {
        "greeting": a["greeting"],
        "confirm_details": a["confirm_details"],
        "courtesy_words": a["courtesy"],
        "no_forbidden_words": "fail" if a.get("forbidden_words") else "pass",
        "no_dead_air": "fail" if silence and not silence.get("announced") else "pass",
        "no_interrupting": "fail" if len(long_overlaps) >= 2 else "pass",
        "next_steps": a["next_steps"],
        "closing": a["closing"],
    }


def judge(rubric, utterances, truth: dict, meta: CallMeta, roles_known: bool = True):
    ctx = CallContext(utterances, truth["duration"], meta, roles_known=roles_known)
    return evaluate(rubric, ctx)


def asr_results(names: list[str]) -> dict[str, CallResult]:
    from qc.pipeline import score_call
    from qc.sources import read_meta

    settings = load_settings()
    out = {}
    for name in names:
        truth = json.loads((DEVSET / f"{name}.json").read_text(encoding="utf-8"))
        path = DEVSET / truth["audio"]
        out[name] = score_call(path, read_meta(path), settings)
        print(f"  asr {name}: {out[name].status} {out[name].score}", file=sys.stderr)
    return out


def tally(rows: list[dict]) -> dict:
    """Per item: fail-detection precision/recall, agreement, applicability errors."""
    table = {}
    for item in ITEMS:
        tp = fp = fn = agree = judged = na_err = 0
        for r in rows:
            want, got = r["expected"][item], r["got"].get(item)
            if want == "na" or got == "na":
                if want != got:
                    na_err += 1
                continue
            judged += 1
            agree += want == got
            tp += want == "fail" and got == "fail"
            fp += want == "pass" and got == "fail"
            fn += want == "fail" and got == "pass"
        table[item] = {
            "judged": judged, "agreement": round(agree / judged, 3) if judged else None,
            "fail_precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "fail_recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "true_fails": tp + fn, "applicability_errors": na_err,
        }
    case_ok = sum(r["case_type"][0] == r["case_type"][1] for r in rows)
    urgent_tp = sum(r["urgency"] == ("urgent", "urgent") for r in rows)
    urgent_fp = sum(r["urgency"] == ("normal", "urgent") for r in rows)
    urgent_fn = sum(r["urgency"] == ("urgent", "normal") for r in rows)
    return {
        "items": table,
        "case_type_accuracy": round(case_ok / len(rows), 3),
        "case_type_errors": [f"{r['name']}: {r['case_type'][0]}→{r['case_type'][1]}" for r in rows if r["case_type"][0] != r["case_type"][1]],
        "urgent_precision": round(urgent_tp / (urgent_tp + urgent_fp), 3) if urgent_tp + urgent_fp else None,
        "urgent_recall": round(urgent_tp / (urgent_tp + urgent_fn), 3) if urgent_tp + urgent_fn else None,
        "disagreements": [f"{r['name']}: {i} expected {r['expected'][i]} got {r['got'].get(i)}" for r in rows for i in ITEMS
                          if r["expected"][i] != r["got"].get(i)],
    }


def accuracy(use_asr: bool, half: str = "all") -> dict:
    settings = load_settings()
    rubric = load_rubric(settings.rubrics_dir / "12345.yaml")
    truths = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in truth_files()}
    split = dev_split(truths)
    truths = {name: t for name, t in truths.items() if half == "all" or split[name] == half}
    asr = asr_results(sorted(truths)) if use_asr else {}
    modes = {"transcripts": [], **({"asr": []} if use_asr else {})}
    for name, truth in truths.items():
        meta = CallMeta(line="12345")
        results = {"transcripts": judge(rubric, truth_utterances(truth), truth, meta)}
        if use_asr and asr[name].status == "scored":
            r = asr[name]
            results["asr"] = judge(rubric, r.utterances, truth, meta, roles_known=r.speakers_status != "unresolved")
        for mode, judged in results.items():
            modes[mode].append({
                "name": name,
                "expected": expected(truth),
                "got": {v.item_id: v.verdict for v in judged.verdicts},
                "case_type": (truth["annotations"]["case_type"], judged.case.case_type),
                "urgency": (truth["annotations"]["urgency"], judged.case.urgency),
            })
    return {mode: tally(rows) for mode, rows in modes.items() if rows}


def long_call(truths: list[dict], start: int, parts: int) -> tuple[Utterance, ...]:
    """``parts`` dev calls back to back: a 4-5 minute call, as hotline calls typically run."""
    out, offset = [], 0.0
    for k in range(parts):
        truth = truths[(start + k) % len(truths)]
        for u in truth_utterances(truth):
            words = tuple(Word(w.text, w.start + offset, w.end + offset, w.probability) for w in u.words)
            out.append(Utterance(u.speaker, u.role, u.start + offset, u.end + offset, u.text, words))
        offset += truth["duration"]
    return tuple(out)


def rescore_speed(n_calls: int, parts: int = 1) -> dict:
    from qc.rescore import rescore
    from qc.store import Store

    truths = [json.loads(p.read_text(encoding="utf-8")) for p in truth_files()]
    results = []
    for i in range(n_calls):
        results.append(CallResult(
            call_id=f"bench{i:06d}", path=f"/bench/{i}.wav", status="scored", meta=CallMeta(line="12345", agent_id="A1"),
            pipeline_version="bench", scored_at=datetime.now(timezone.utc), speakers_status="channels",
            utterances=long_call(truths, i, parts), rubric_id="12345", rubric_version="bench",
        ))
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(db_path=Path(tmp) / "bench.duckdb")
        with Store(settings.db_path) as store:
            store.write(results)
            # Cold: nothing about these texts may be cached from writing them.
            from qc.text import pinyin
            from qc.rubric.context import match_form

            pinyin._readings.cache_clear()
            match_form.cache_clear()
            began = time.perf_counter()
            load = store.calls_for_rescore("12345")
            load_s = time.perf_counter() - began
            summary = rescore(settings, line="12345")
    sample = results[: len(truths)]
    words = sum(len(u.words) for r in sample for u in r.utterances) / len(sample)
    return {
        "call_minutes": round(sum(t["duration"] for t in truths) / len(truths) * parts / 60, 1),
        "calls": summary.calls, "seconds": summary.seconds, "calls_per_second": summary.calls_per_second,
        "load_seconds": round(load_s, 2), "loaded": len(load), "words_per_call": round(words),
        "utterances_per_call": round(sum(len(r.utterances) for r in sample) / len(sample), 1),
        "note": "one process, single-threaded Python evaluation; load = reading calls+utterances from DuckDB",
    }


def markdown(report: dict) -> str:
    split = report.get("split", {})
    tuning = sorted(n for n, h in split.items() if h == "tuning")
    reporting = sorted(n for n, h in split.items() if h == "reporting")
    lines = [f"# Rubric benchmark — {report['measured_at']}", "", f"Dev set: {report['devset_calls']} annotated calls "
             "(audio_samples/devset), rubric 12345. A 'fail' is the flag an inspector acts on.", ""]
    if split:
        lines += [f"Calls measured: **{report.get('half', 'all')}**. Rules are tuned on the tuning half only "
                  f"(bench/rubric.py `dev_split`: within each case type, calls in name order alternate tuning, reporting).",
                  f"Tuning half ({len(tuning)}): {', '.join(tuning)}.", f"Reporting half ({len(reporting)}): {', '.join(reporting)}.", ""]
    for mode, res in report["accuracy"].items():
        lines += [f"## On {'ground-truth transcripts (rule errors only)' if mode == 'transcripts' else 'the pipeline output (ASR + diarization + rules)'}", "",
                  "| item | judged | agreement | fail precision | fail recall | true fails | applicability errors |", "|---|---|---|---|---|---|---|"]
        for item, t in res["items"].items():
            lines.append(f"| {item} | {t['judged']} | {t['agreement']} | {t['fail_precision']} | {t['fail_recall']} | {t['true_fails']} | {t['applicability_errors']} |")
        lines += ["", f"Case type accuracy {res['case_type_accuracy']}; urgent cases: precision {res['urgent_precision']}, recall {res['urgent_recall']}.", ""]
        if res["case_type_errors"]:
            lines += ["Case type errors: " + "; ".join(res["case_type_errors"]), ""]
        if res["disagreements"]:
            lines += ["Disagreements:", *[f"- {d}" for d in res["disagreements"]], ""]
    if report["rescore"]:
        lines += ["## Re-scoring speed (one core, from DuckDB, pinyin caches cleared)", ""]
    for s in report["rescore"]:
        lines.append(f"- {s['calls']} stored calls of ~{s['call_minutes']} min ({s['utterances_per_call']} utterances, ~{s['words_per_call']} "
                     f"words each) re-scored in {s['seconds']} s = **{s['calls_per_second']} calls/s**, of which {s['load_seconds']} s reading.")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asr", action="store_true", help="also run the whole pipeline on the dev audio (minutes)")
    parser.add_argument("--calls", type=int, default=2000, help="stored calls for the re-scoring speed test (0: skip it)")
    parser.add_argument("--half", default="all", choices=["all", "tuning", "reporting"], help="which dev calls to measure (see dev_split)")
    parser.add_argument("--label", default="", help="write rubric-<label>.json/.md instead of rubric.json/.md")
    args = parser.parse_args()
    truths = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in truth_files()}
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "devset_calls": len(truth_files()),
        "half": args.half,
        "split": dev_split(truths),
        "accuracy": accuracy(args.asr, args.half),
        "rescore": [rescore_speed(args.calls), rescore_speed(max(args.calls // 4, 1), parts=4)] if args.calls else [],
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = f"rubric-{args.label}" if args.label else "rubric"
    (REPORTS / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (REPORTS / f"{name}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
