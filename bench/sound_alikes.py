"""Benchmark: sound-alike (pinyin) phrase matches where nobody said the phrase, and the Whisper errors still found.

False matches: every phrase the three rubrics match by sound (``said``, ``near``, ``sequence``; lists expanded),
searched the way a rubric searches a caller's or agent's utterance (``CallContext.find_in``), in a large text of
ordinary hotline speech: the 24 dev calls' ground-truth turns (audio_samples/devset), the sentences of
bench/data/pii_sentences.jsonl, and the routine items of bench/data/crisis_dev.jsonl (zh and yue). These texts are
written correctly, so a sound-alike found in them is a false match by definition; a sentence holding the phrase's
own characters is left out for that phrase.

Hits kept: the Whisper errors of qc/testing/pinyin_cases.py (CASES, positives) searched the same way.

    .venv/bin/python bench/sound_alikes.py [--label before] [--rubrics DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.records import Utterance, Word  # noqa: E402
from qc.rubric import CallContext, load_rubric  # noqa: E402
from qc.rubric import schema as s  # noqa: E402
from qc.rubric.context import match_form  # noqa: E402

DATA = ROOT / "bench" / "data"
DEVSET = ROOT / "audio_samples" / "devset"
REPORTS = ROOT / "reports" / "bench"
RUBRICS = ("12345.yaml", "1823.yaml", "12320.yaml")


def rubric_phrases(rubrics_dir: Path = ROOT / "rubrics") -> dict[str, frozenset[str]]:
    """Every phrase a rubric may match by sound (two Han characters or more), in match form, with the other
    phrases of its list (variants of one another: "有什么可以帮你" heard in "有什么可以帮您" is no false match)."""
    groups: list[tuple[str, ...]] = []

    def walk(node) -> None:
        if isinstance(node, s.SaidSpec):
            if node.fuzzy:
                groups.append(node.phrases)
            return
        if isinstance(node, s.NearSpec):
            groups.extend((node.a, node.b))
            return
        if isinstance(node, tuple):
            for x in node:
                walk(x)
            return
        for name in getattr(type(node), "model_fields", {}) or {}:
            walk(getattr(node, name))

    for name in RUBRICS:
        rubric = load_rubric(rubrics_dir / name)
        walk((rubric.items, rubric.case_types, rubric.urgency))
    mates: dict[str, set[str]] = {}
    for group in groups:
        forms = {match_form(x) for x in group}
        for form in forms:
            if sum("\u4e00" <= c <= "\u9fff" for c in form) >= 2:
                mates.setdefault(form, set()).update(forms)
    return {p: frozenset(m) for p, m in mates.items()}


def ordinary_speech() -> list[tuple[str, str]]:
    """(source, sentence) of ordinary hotline speech, none of it misrecognised."""
    out = []
    for path in sorted(DEVSET.glob("dev*.json")):
        if not path.name.endswith(".meta.json"):
            out += [(f"devset/{path.stem}", t["text"]) for t in json.loads(path.read_text(encoding="utf-8"))["turns"]]
    for line in (DATA / "pii_sentences.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(("pii_sentences", json.loads(line)["text"]))
    for line in (DATA / "crisis_dev.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line) if line.strip() else None
        if item and item["set"] == "routine" and item["lang"] in ("zh", "yue"):
            out.append((f"crisis_dev routine {item['lang']}", item["text"]))
    return out


def find(text: str, phrase: str):
    u = Utterance("caller", "caller", 0.0, 1.0, text, (Word(text, 0.0, 1.0, 1.0),))
    return CallContext((u,), 1.0).find_in((0,), phrase, fuzzy=True, threshold=0.85)


def _exact_spans(norm: str, phrases) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(p)) for p in phrases for m in re.finditer(re.escape(p), norm)]


def false_matches(phrases: dict[str, frozenset[str]], sentences) -> dict:
    found, searched, variants, by_length = [], 0, 0, Counter()
    for source, text in sentences:
        norm = match_form(text)
        for phrase, mates in phrases.items():
            if phrase in norm:
                continue
            searched += 1
            hit = find(text, phrase)
            if hit is not None:
                heard = norm[hit.start_char:hit.end_char]
                if any(a < hit.end_char and hit.start_char < b for a, b in _exact_spans(norm, mates)):
                    variants += 1  # a variant of the phrase said as such
                    continue
                found.append({"source": source, "phrase": phrase, "heard": heard, "score": round(hit.score, 3), "text": text})
                by_length[len(phrase)] += 1
    return {"sentences": len(sentences), "characters": sum(len(t) for _, t in sentences), "phrases": len(phrases),
            "searches": searched, "false_matches": len(found), "variants_of_a_phrase_said": variants, "by_phrase_length": dict(sorted(by_length.items())),
            "matches": found}


def whisper_errors_kept() -> dict:
    from qc.testing.pinyin_cases import CASES

    positives = [(t, p) for t, p, should in CASES if should and p not in t]
    missed = [f"{p} in {t}" for t, p in positives if find(t, p) is None]
    negatives = [(t, p) for t, p, should in CASES if not should]
    wrong = [f"{p} in {t}" for t, p in negatives if find(t, p) is not None]
    return {"whisper_errors": len(positives), "found": len(positives) - len(missed), "missed": missed,
            "look_alikes": len(negatives), "look_alikes_matched": wrong}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--rubrics", type=Path, default=ROOT / "rubrics", help="the rubrics whose phrases to search for")
    args = parser.parse_args()
    phrases, sentences = rubric_phrases(args.rubrics), ordinary_speech()
    report = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "label": args.label,
              "rubrics": str(args.rubrics.resolve().relative_to(ROOT)) if args.rubrics.resolve().is_relative_to(ROOT) else str(args.rubrics),
              "sources": dict(Counter(src.split("/")[0] for src, _ in sentences)),
              "ordinary_speech": false_matches(phrases, sentences), "kept": whisper_errors_kept()}
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"sound-alikes-{args.label}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    o, k = report["ordinary_speech"], report["kept"]
    print(f"{args.label}: {o['false_matches']} false matches in {o['searches']} searches ({o['sentences']} sentences, "
          f"{o['characters']} chars, {o['phrases']} phrases; by phrase length {o['by_phrase_length']}); "
          f"(+{o['variants_of_a_phrase_said']} variants of a phrase said); Whisper errors found {k['found']}/{k['whisper_errors']}, look-alikes matched {len(k['look_alikes_matched'])}/{k['look_alikes']}")
    for m in o["matches"]:
        print(f"  {m['phrase']} ← {m['heard']} ({m['score']}) [{m['source']}] {m['text']}")
    for m in k["missed"]:
        print(f"  missed: {m}")


if __name__ == "__main__":
    main()
