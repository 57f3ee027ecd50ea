"""Benchmark: the crisis classifier (qc/crisis/learned.py) alone, the lexicon alone, and both as the product runs them.

For each item of a crisis set (bench/crisis.py's format), judged the way bench/crisis.py judges it:
- classifier: its score at or over the model's threshold;
- lexicon: the product with ``crisis_model`` off (urgent / possible / none);
- union: the product with crisis_model on (lexicon, and the classifier's possible_crisis where the lexicon raised nothing).
Recall on crisis items, the share of routine items raising "possible" (or over the threshold), per language and form;
the classifier's cost per utterance.

    .venv/bin/python bench/crisis_learned.py FILE.jsonl [FILE.jsonl ...] [--label first-run]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crisis import LINE_OF, judge, load  # noqa: E402

from qc.config import load_settings  # noqa: E402
from qc.crisis import learned  # noqa: E402
from qc.rubric import load_rubric  # noqa: E402

REPORTS = ROOT / "reports" / "bench"
LANG = {"zh-Hant": "yue"}


def rate(rows, pred) -> float | None:
    return round(sum(1 for r in rows if pred(r)) / len(rows), 3) if rows else None


def auc(rows) -> float | None:
    pos = [r["score"] for r in rows if r["set"] == "crisis"]
    neg = [r["score"] for r in rows if r["set"] == "routine"]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def measures(rows) -> dict:
    crisis = [r for r in rows if r["set"] == "crisis"]
    routine = [r for r in rows if r["set"] == "routine"]
    return {
        "crisis": len(crisis), "routine": len(routine),
        "classifier_recall": rate(crisis, lambda r: r["over"]), "classifier_routine_over": rate(routine, lambda r: r["over"]),
        "lexicon_recall": rate(crisis, lambda r: r["lexicon"] != "none"),
        "lexicon_routine_possible": rate(routine, lambda r: r["lexicon"] == "possible"),
        "union_recall": rate(crisis, lambda r: r["union"] != "none"),
        "union_routine_possible": rate(routine, lambda r: r["union"] == "possible"),
        "union_routine_urgent": rate(routine, lambda r: r["union"] == "urgent"),
    }


def evaluate(items: list[dict]) -> dict:
    on, off = load_settings(crisis_model=True), load_settings(crisis_model=False)
    rubrics = {line: load_rubric(on.rubrics_dir / on.lines[line].rubric) for line in set(LINE_OF.values())}
    model = learned.load()
    rows = []
    for item in items:
        item = {**item, "lang": LANG.get(item["lang"], item["lang"])}
        value = model.score(item["text"])
        rows.append({**{k: item.get(k) for k in ("id", "set", "lang", "kind", "form", "expect", "text")},
                     "score": round(value, 4), "over": value >= model.threshold,
                     "lexicon": judge(item, rubrics, off).level, "union": judge(item, rubrics, on).level})
    urgent = [r for r in rows if r["union"] == "urgent"]
    return {
        "threshold": model.threshold, "items": len(rows), "auc": auc(rows), **measures(rows),
        "union_urgent_precision": round(sum(r["set"] == "crisis" for r in urgent) / len(urgent), 3) if urgent else None,
        "by_lang": {lang: measures([r for r in rows if r["lang"] == lang]) for lang in sorted({r["lang"] for r in rows})},
        "by_form": {form: measures([r for r in rows if r["form"] == form]) for form in sorted({r["form"] for r in rows})},
        "by_kind": {kind: measures([r for r in rows if r["kind"] == kind and r["set"] == "crisis"])
                    for kind in sorted({r["kind"] for r in rows if r["set"] == "crisis"})},
        "latency": latency([r["text"] for r in rows], model, rubrics, items),
        "rows": rows,
    }


def latency(texts: list[str], model, rubrics, items) -> dict:
    """Per utterance: the classifier's score alone (features and weights), and bench/crisis.py's whole judgement
    with the classifier on and off, on the same items in the same run (the machine is shared: compare ratios)."""
    model.score(texts[0])
    per = []
    for _ in range(3):
        for text in texts:
            began = time.perf_counter()
            model.score(text)
            per.append(time.perf_counter() - began)
    out = {"score_median_ms": round(statistics.median(per) * 1000, 3),
           "score_p95_ms": round(sorted(per)[int(0.95 * len(per))] * 1000, 3)}
    for name, enabled in (("judge_with_model_ms", True), ("judge_without_model_ms", False)):
        settings = load_settings(crisis_model=enabled)
        began = time.perf_counter()
        for item in items:
            # A fresh text each time: the lexicon caches its verdict per text.
            judge({**item, "lang": LANG.get(item["lang"], item["lang"]), "text": item["text"] + f" {name}"}, rubrics, settings)
        out[name] = round((time.perf_counter() - began) / len(items) * 1000, 3)
    return out


def labelled_calls() -> dict:
    """The project's labelled sample and dev calls (ground-truth caller turns, everyday hotline talk with greetings,
    thanks and farewells): caller turns and calls on which the product raises a possible crisis, classifier on and off.
    The crisis calls (dev22-24, file names with "urgent") are counted apart."""
    from qc.tone import ProsodyFeatures, find_cues, score_utterance, utterance_alerts

    samples = ROOT / "audio_samples"
    out = {}
    for enabled in (False, True):
        calls = turns = turns_raised = calls_raised = 0
        examples = []
        for path in sorted(samples.glob("*.json")) + sorted((samples / "devset").glob("*.json")):
            truth = json.loads(path.read_text(encoding="utf-8")) if not path.name.endswith(".meta.json") else {}
            if not truth.get("turns") or "urgent" in path.stem:
                continue
            calls += 1
            raised_here = False
            for turn in truth["turns"]:
                if turn["speaker"] == "agent":
                    continue
                turns += 1
                tone = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues(turn["text"], learned=enabled), None, "caller")
                if any(a.kind == "possible_crisis" for a in utterance_alerts(tone)):
                    turns_raised += 1
                    raised_here = True
                    examples.append(f"{path.stem}: {turn['text']}")
            calls_raised += raised_here
        out["with_model" if enabled else "without_model"] = {
            "calls": calls, "calls_raising_possible": calls_raised, "caller_turns": turns, "turns_raising_possible": turns_raised,
            "examples": examples}
    return out


def render(name: str, result: dict) -> list[str]:
    lines = [f"### {name}", "", (f"{result['crisis']} crisis items, {result['routine']} routine items; classifier AUC "
                                 f"{result['auc']}, threshold {result['threshold']:.4f}."), "",
             "| | crisis recall | routine raising possible |", "|---|---|---|",
             f"| classifier alone (score ≥ threshold) | {result['classifier_recall']} | {result['classifier_routine_over']} |",
             f"| lexicon alone (product, crisis_model off) | {result['lexicon_recall']} | {result['lexicon_routine_possible']} |",
             f"| lexicon OR classifier (product, crisis_model on) | {result['union_recall']} | {result['union_routine_possible']} |", "",
             (f"With crisis_model on: routine raising urgent {result['union_routine_urgent']}, urgent precision "
              f"{result['union_urgent_precision']}."), "",
             "| language | crisis | classifier recall | lexicon recall | union recall | routine | classifier over | lexicon possible | union possible |",
             "|---|---|---|---|---|---|---|---|---|"]
    for lang, v in result["by_lang"].items():
        lines.append(f"| {lang} | {v['crisis']} | {v['classifier_recall']} | {v['lexicon_recall']} | {v['union_recall']} | "
                     f"{v['routine']} | {v['classifier_routine_over']} | {v['lexicon_routine_possible']} | {v['union_routine_possible']} |")
    lines += ["", "| form | crisis | classifier recall | lexicon recall | union recall | routine | classifier over | union possible |",
              "|---|---|---|---|---|---|---|---|"]
    for form, v in result["by_form"].items():
        lines.append(f"| {form} | {v['crisis']} | {v['classifier_recall']} | {v['lexicon_recall']} | {v['union_recall']} | "
                     f"{v['routine']} | {v['classifier_routine_over']} | {v['union_routine_possible']} |")
    lines += ["", "| crisis kind | items | classifier recall | lexicon recall | union recall |", "|---|---|---|---|---|"]
    lines += [f"| {k} | {v['crisis']} | {v['classifier_recall']} | {v['lexicon_recall']} | {v['union_recall']} |"
              for k, v in result["by_kind"].items()]
    t = result["latency"]
    lines += ["", (f"Cost per utterance: classifier score median {t['score_median_ms']} ms, p95 {t['score_p95_ms']} ms; "
                   f"the whole per-utterance judgement {t['judge_with_model_ms']} ms with the classifier, "
                   f"{t['judge_without_model_ms']} ms without (same run, shared machine)."), ""]
    missed = [r for r in result["rows"] if r["set"] == "crisis" and r["union"] == "none"]
    if missed:
        lines += ["Missed by both:", ""] + [f"- {r['id']} ({r['lang']}, {r['kind']}, {r['form']}, score {r['score']}): {r['text']}"
                                            for r in missed] + [""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--label", default="current")
    parser.add_argument("--calls", action="store_true", help="Also count possible crises raised on the labelled sample and dev calls.")
    args = parser.parse_args()
    out = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "label": args.label,
           "model_sha256": json.loads((ROOT / "models" / "crisis-learned.card.json").read_text())["sha256"], "sets": {}}
    page = []
    for path in args.files:
        name = path.stem.removeprefix("crisis_")
        result = evaluate(load(path))
        out["sets"][name] = result
        page += render(f"{name} — {args.label}", result)
        print(f"{name}: classifier recall {result['classifier_recall']} over-threshold routine {result['classifier_routine_over']}; "
              f"lexicon {result['lexicon_recall']}/{result['lexicon_routine_possible']}; union {result['union_recall']}/"
              f"{result['union_routine_possible']}", flush=True)
    if args.calls:
        calls = out["calls"] = labelled_calls()
        page += ["### Labelled sample and dev calls (everyday calls, ground-truth caller turns)", "",
                 "| | calls | calls raising possible_crisis | caller turns | turns raising possible_crisis |", "|---|---|---|---|---|"]
        page += [f"| {k.replace('_', ' ')} | {v['calls']} | {v['calls_raising_possible']} | {v['caller_turns']} | {v['turns_raising_possible']} |"
                 for k, v in calls.items()]
        page += ["", "Turns raising it with the classifier:", ""] + [f"- {e}" for e in calls["with_model"]["examples"]] + [""]
        print(f"labelled calls: {calls}", flush=True)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"crisis-learned-{args.label}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    (REPORTS / f"crisis-learned-{args.label}.md").write_text("\n".join(page))
    print("\n".join(page))


if __name__ == "__main__":
    main()
