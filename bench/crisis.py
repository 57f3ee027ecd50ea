"""Benchmark: callers in crisis (issue 26) — recall of self-harm and emergencies, false alarms on routine talk.

Each item of a set is a caller's turn (with the agent's question before it, where the set gives one),
judged the way the product judges a finished utterance, live and in the batch:
- the per-utterance alerts (``qc.tone.utterance_alerts``: caller_distress, caller_danger, possible_crisis);
- the line's rubric urgency (特急 → urgent_case) on the call so far.
An item is "urgent" when an urgent alert fires (urgent_case, or a critical caller_distress / caller_danger),
"possible" when only a possible-crisis alert (severity high) fires, "none" otherwise.

Targets on the blind set: crisis recall 1.0 (urgent + possible), urgent precision >= 0.9 (urgent alerts
on crisis items), "possible" on <= 2 % of routine items.

Sets (``bench/data/``): ``crisis_blind.jsonl``, ``crisis_blind2.jsonl`` and ``crisis_blind3.jsonl`` (each written
by a helper who never saw the lexicon or the rules; each first run is recorded before any fix), ``crisis_dev.jsonl`` (ours, used for tuning), and their ASR
versions ``*_asr.jsonl`` (the same texts synthesised, sent through an 8 kHz telephone channel and
transcribed by Whisper base, where a synthesiser exists for the language).

    .venv/bin/python bench/crisis.py [--set blind|blind2|blind3|dev|all] [--label first-run] [--asr]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.config import load_settings  # noqa: E402
from qc.records import CallMeta, Utterance, Word  # noqa: E402
from qc.rubric import CallContext, load_rubric  # noqa: E402
from qc.rubric.evaluate import classify  # noqa: E402
from qc.tone import ProsodyFeatures, find_cues, score_utterance, utterance_alerts  # noqa: E402

DATA = ROOT / "bench" / "data"
REPORTS = ROOT / "reports" / "bench"
# The third blind set names Cantonese in Traditional script "zh-Hant".
LINE_OF = {"zh": "12345", "yue": "1823", "zh-Hant": "1823", "en": "12345-en"}


@dataclass(frozen=True)
class Judgement:
    level: str  # urgent | possible | none
    alerts: tuple[str, ...]
    urgency_evidence: tuple[str, ...]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def utterance(text: str, role: str, start: float) -> Utterance:
    end = start + max(1.0, len(text) * 0.2)
    return Utterance(role, role, start, end, text, (Word(text, start, end, 0.9),), 0 if role == "agent" else 1)


def judge(item: dict, rubrics: dict, settings) -> Judgement:
    """What the product raises for this caller turn (and the agent's question before it)."""
    turns = []
    if item.get("context"):
        turns.append(utterance(item["context"], "agent", 0.0))
    caller = utterance(item["text"], "caller", turns[-1].end + 0.5 if turns else 0.0)
    turns.append(caller)
    cues = find_cues(caller.text, learned=settings.crisis_model)
    tone = score_utterance(ProsodyFeatures(duration_s=caller.end - caller.start), cues, None, "caller",
                           index=len(turns) - 1, start=caller.start, end=caller.end)
    alerts = utterance_alerts(tone)
    kinds = [f"{a.kind}:{a.severity}" for a in alerts]
    line = LINE_OF[item["lang"]]
    ctx = CallContext(tuple(turns), caller.end, CallMeta(line=line), roles_known=True)
    case = classify(rubrics[line], ctx)
    urgent = case.urgency == "urgent" or any(a.severity == "critical" and a.kind in ("caller_distress", "caller_danger") for a in alerts)
    if case.urgency == "urgent":
        kinds.append("urgent_case")
    possible = any(a.kind in ("caller_distress", "caller_danger", "possible_crisis") for a in alerts)
    level = "urgent" if urgent else "possible" if possible else "none"
    return Judgement(level, tuple(kinds), tuple(e.matched for e in case.urgency_evidence))


def evaluate(items: list[dict]) -> dict:
    settings = load_settings()
    rubrics = {line: load_rubric(settings.rubrics_dir / settings.lines[line].rubric) for line in set(LINE_OF.values())}
    rows = []
    for item in items:
        j = judge(item, rubrics, settings)
        rows.append({**{k: item.get(k) for k in ("id", "set", "lang", "kind", "form", "expect", "text")}, "got": j.level, "alerts": list(j.alerts)})
    crisis = [r for r in rows if r["set"] == "crisis"]
    routine = [r for r in rows if r["set"] == "routine"]
    urgent_raised = [r for r in rows if r["got"] == "urgent"]

    def rate(part, pred):
        return round(sum(1 for r in part if pred(r)) / len(part), 3) if part else None

    by_lang = {}
    for lang in sorted({r["lang"] for r in rows}):
        c = [r for r in crisis if r["lang"] == lang]
        n = [r for r in routine if r["lang"] == lang]
        by_lang[lang] = {"crisis": len(c), "recall": rate(c, lambda r: r["got"] != "none"),
                         "routine": len(n), "false_urgent": rate(n, lambda r: r["got"] == "urgent"),
                         "false_possible": rate(n, lambda r: r["got"] == "possible")}
    by_form = {}
    for form in sorted({r["form"] for r in crisis}):
        c = [r for r in crisis if r["form"] == form]
        by_form[form] = {"items": len(c), "recall": rate(c, lambda r: r["got"] != "none")}
    return {
        "items": len(rows), "crisis": len(crisis), "routine": len(routine),
        "recall": rate(crisis, lambda r: r["got"] != "none"),
        "recall_urgent_items_as_urgent": rate([r for r in crisis if r["expect"] == "urgent"], lambda r: r["got"] == "urgent"),
        "urgent_precision": round(sum(1 for r in urgent_raised if r["set"] == "crisis") / len(urgent_raised), 3) if urgent_raised else None,
        "routine_possible_rate": rate(routine, lambda r: r["got"] == "possible"),
        "routine_urgent_rate": rate(routine, lambda r: r["got"] == "urgent"),
        "by_lang": by_lang, "by_form": by_form,
        "missed": [r for r in crisis if r["got"] == "none"],
        "false_alarms": [r for r in routine if r["got"] != "none"],
        "rows": rows,
    }


def voice_on_labelled_calls() -> dict:
    """Voice cues on every labelled sample and dev call (ground-truth turns, real audio): how often they fire on
    calm calls, and whether any call reaches a possible crisis because of them."""
    import soundfile

    from qc.crisis import Assessment, CallCrisis, assess_text
    from qc.crisis.voice import Turn, voice_cues
    from qc.tone import hear_call

    samples = ROOT / "audio_samples"
    rows = []
    for truth_path in sorted(samples.glob("*.json")) + sorted((samples / "devset").glob("*.json")):
        if truth_path.name.endswith(".meta.json"):
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        audio_path = truth_path.parent / truth.get("audio", "")
        if not audio_path.is_file() or not truth.get("turns"):
            continue
        audio, rate = soundfile.read(str(audio_path), dtype="float32", always_2d=True)
        stereo = truth.get("layout") == "stereo" and audio.shape[1] == 2
        agent_channel = truth.get("agent_channel") or 0
        utterances = []
        for t in truth["turns"]:
            role = "agent" if t["speaker"] == "agent" else "caller"
            channel = (agent_channel if role == "agent" else 1 - agent_channel) if stereo else 0
            words = (Word(t["text"], t["start"], t["end"], 1.0),)
            utterances.append(Utterance(role, role, t["start"], t["end"], t["text"], words, channel))
        heard = hear_call([audio[:, c] for c in range(audio.shape[1])], rate, utterances)
        turns = [Turn(u.role, u.start, u.end, u.text, h.features) for u, h in zip(utterances, heard)]
        cues = voice_cues(turns)
        words_only, with_voice = CallCrisis(), CallCrisis()
        for u in utterances:
            if u.role == "caller":
                words_only.add(assess_text(u.text))
                with_voice.add(assess_text(u.text))
        for cue in cues:
            with_voice.add(Assessment(cue.level, (cue,)))
        rows.append({"call": truth_path.stem, "cues": [c.why for c in cues], "words": words_only.level, "with_voice": with_voice.level})
    raised_by_voice = [r for r in rows if r["with_voice"] != r["words"]]
    return {"calls": len(rows), "calls_with_a_cue": sum(1 for r in rows if r["cues"]), "cues": sum(len(r["cues"]) for r in rows),
            "raised_by_voice": raised_by_voice, "rows": rows}


def render(name: str, label: str, result: dict) -> list[str]:
    lines = [f"### {name} — {label}", "",
             f"{result['crisis']} crisis items, {result['routine']} routine items.", "",
             "| measure | value | target |", "|---|---|---|",
             f"| crisis recall (urgent + possible) | {result['recall']} | 1.0 |",
             f"| urgent items raised as urgent | {result['recall_urgent_items_as_urgent']} | |",
             f"| urgent precision | {result['urgent_precision']} | >= 0.9 |",
             f"| routine items raising 'possible' | {result['routine_possible_rate']} | <= 0.02 |",
             f"| routine items raising urgent | {result['routine_urgent_rate']} | |", "",
             "| language | crisis | recall | routine | false urgent | false possible |", "|---|---|---|---|---|---|"]
    for lang, v in result["by_lang"].items():
        lines.append(f"| {lang} | {v['crisis']} | {v['recall']} | {v['routine']} | {v['false_urgent']} | {v['false_possible']} |")
    lines += ["", "| crisis form | items | recall |", "|---|---|---|"]
    lines += [f"| {form} | {v['items']} | {v['recall']} |" for form, v in result["by_form"].items()]
    if result["missed"]:
        lines += ["", "Missed crises:", ""] + [f"- {r['id']} ({r['lang']}, {r['kind']}, {r['form']}): {r['text']}" for r in result["missed"]]
    if result["false_alarms"]:
        lines += ["", "Alerts on routine items:", ""] + [
            f"- {r['id']} ({r['lang']}, {r['form']}) {r['got']} {', '.join(r['alerts'])}: {r['text']}" for r in result["false_alarms"]]
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="all", choices=["blind", "blind2", "blind3", "dev", "all"])
    parser.add_argument("--label", default="current", help="Name of this run on the report page (e.g. first-run).")
    parser.add_argument("--voice", action="store_true", help="Also measure the voice cues on the labelled sample and dev calls.")
    args = parser.parse_args()
    names = ["blind3", "blind2", "blind", "dev"] if args.set == "all" else [args.set]
    out = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "label": args.label, "sets": {}}
    page = []
    for name in names:
        for suffix in ("", "_asr"):
            path = DATA / f"crisis_{name}{suffix}.jsonl"
            if not path.exists():
                continue
            result = evaluate(load(path))
            out["sets"][f"{name}{suffix}"] = result
            page += render(f"{name}{' (ASR transcripts)' if suffix else ''}", args.label, result)
            print(f"{name}{suffix}: recall {result['recall']}, urgent precision {result['urgent_precision']}, "
                  f"routine possible {result['routine_possible_rate']}, routine urgent {result['routine_urgent_rate']}", flush=True)
    if args.voice:
        voice = voice_on_labelled_calls()
        out["voice"] = voice
        page += ["### Voice cues on the labelled sample and dev calls (ground-truth turns, real audio)", "",
                 f"{voice['calls_with_a_cue']} of {voice['calls']} calls have a voice cue ({voice['cues']} cues in all); "
                 f"calls whose level the cues raise: {len(voice['raised_by_voice'])} "
                 f"({', '.join(r['call'] + ' ' + r['words'] + '→' + r['with_voice'] for r in voice['raised_by_voice']) or 'none'}).", ""]
        page += [f"- {r['call']}: {'; '.join(r['cues'])}" for r in voice["rows"] if r["cues"]] + [""]
        print(f"voice: {voice['calls_with_a_cue']} of {voice['calls']} calls with a cue; raised by voice: {len(voice['raised_by_voice'])}")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"crisis-{args.label}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    (REPORTS / f"crisis-{args.label}.md").write_text("\n".join([f"# Crisis detection — {args.label}, {out['measured_at']}", ""] + page))
    print("\n".join(page))


if __name__ == "__main__":
    main()
