"""Benchmark: personal-data detection, precision and recall per kind (issue 8).

Three labelled sets:
  * bench/data/pii_sentences.jsonl: hand-written hotline sentences (Mandarin, Hong Kong Cantonese, English),
    spoken and written digit forms and adversarial near-misses, split into dev and test. The test half was
    labelled before the detector was ever run on it, but its first-run misses were then fixed, so it is no
    longer blind.
  * bench/data/pii_heldout.jsonl (split "heldout"): 188 further sentences written 2026-11-26 after those fixes,
    without reading the detector's rules, with ID and card check digits generated (GB 11643, HKID, Luhn) and
    labels checked before the detector was first run on them; 60 % hold an ID, phone or card number, 55 are
    near-misses tagged by type (near_miss:order, :invalid_check, :date, ...). The detector was never tuned on
    it: this is the unbiased figure, and fixing its misses makes it another tuned set. One label was added
    after the first run: the name 孙 in ho-012 (好的孙先生), which the labeller had missed and the detector found.
  * the sample calls' reference transcripts (audio_samples/*.json, audio_samples/devset/*.json), labelled
    by hand per turn in bench/data/pii_sample_labels.json (phones, ID numbers, names). A sample call with no
    entry there is not scored and is named in the report (and on stderr) until it is labelled.

A finding matches a label when the kind agrees and the two spans overlap by at least half of their union;
each label and each finding is matched at most once. Per kind the kinds are strict (a mobile found as a
landline is a miss and a false finding); the issue's target is read per group (ID, phone, bank card),
where mobile/landline and mainland/Hong Kong ID are one group each.

    .venv/bin/python bench/pii.py
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.pii import KINDS, PiiOptions, detect_pii, detect_pii_text  # noqa: E402
from qc.records import Utterance  # noqa: E402

SENTENCES = ROOT / "bench" / "data" / "pii_sentences.jsonl"
HELDOUT = ROOT / "bench" / "data" / "pii_heldout.jsonl"
HELDOUT_TITLE = "Held-out 1 (written 2026-11-26; its misses were then fixed by category, so no longer blind)"
HELDOUT2 = ROOT / "bench" / "data" / "pii_heldout2.jsonl"
HELDOUT2_TITLE = ("Held-out 2 (written 2026-11-26 by someone who never saw the detector or the other lists; its first run "
                  "gave ID recall 0.898, and its five ID misses were then fixed by category, so no longer blind)")
HELDOUT3 = ROOT / "bench" / "data" / "pii_heldout3.jsonl"
HELDOUT3_TITLE = ("Held-out 3 (302 sentences written 2026-11-26 by someone who never saw the detector or the other lists, "
                  "after the fixes for held-out 2; its one blind run gave ID P 1.000 R 0.991, phone P 0.962 R 0.962, "
                  "card P 1.000 R 0.889; its misses were then fixed by category (咭 for a card, 'landline', "
                  "括號入面係, 'triple eight' in a number read out), so it is no longer blind)")
SAMPLE_LABELS = ROOT / "bench" / "data" / "pii_sample_labels.json"
SAMPLES = ROOT / "audio_samples"
REPORTS = ROOT / "reports" / "bench"
MIN_IOU = 0.5
# The target: recall >= 0.98 for ID, phone and bank card numbers with precision >= 0.95.
TARGET_RECALL, TARGET_PRECISION = 0.98, 0.95
GROUPS: dict[str, tuple[str, ...]] = {"ID": ("cn_id", "hk_id"), "phone": ("mobile", "landline"), "bank card": ("bank_card",)}
SAMPLE_GROUPS: dict[str, tuple[str, ...]] = {
    "phone": GROUPS["phone"], "id": GROUPS["ID"], "card": GROUPS["bank card"], "name": ("name",)}

Span = tuple[str, int, int]  # kind (or group), start, end


# ---------------------------------------------------------------- matching


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


# Characters of a labelled number that may stay when it is redacted: separators and fillers, not digits.
_SEPARATORS = set(" \t,，、。.-–—·()（）嗯哦")


def fully_covered(text: str, span: tuple[int, int], found: list[Span]) -> bool:
    """Every digit (or letter) of a labelled number lies under some finding, of any kind: redaction leaves
    nothing of it. Stricter than the overlap rule, which passes a finding that covers 9 of 11 digits."""
    return all(any(f[1] <= i < f[2] for f in found) for i in range(*span) if text[i] not in _SEPARATORS)


def match(gold: list[Span], found: list[Span]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs (gold index, found index) matched greedily by overlap, best first; then unmatched gold and found."""
    candidates = sorted(((iou(g[1:], f[1:]), gi, fi) for gi, g in enumerate(gold) for fi, f in enumerate(found)
                         if g[0] == f[0] and iou(g[1:], f[1:]) >= MIN_IOU), reverse=True)
    used_g, used_f, pairs = set(), set(), []
    for _, gi, fi in candidates:
        if gi not in used_g and fi not in used_f:
            used_g.add(gi), used_f.add(fi), pairs.append((gi, fi))
    return pairs, [i for i in range(len(gold)) if i not in used_g], [i for i in range(len(found)) if i not in used_f]


def locate(text: str, spans: list[dict], where: str) -> list[Span]:
    """Character offsets of labelled span texts; a text labelled twice takes its next occurrence."""
    out, taken = [], defaultdict(int)
    for s in spans:
        at, seen = -1, 0
        while True:
            at = text.find(s["text"], at + 1)
            if at < 0:
                raise ValueError(f"{where}: labelled text {s['text']!r} is not in {text!r} "
                                 f"(or is labelled more times than it occurs)")
            if seen == taken[s["text"]]:
                break
            seen += 1
        taken[s["text"]] += 1
        out.append((s["kind"], at, at + len(s["text"])))
    return out


class Tally:
    """True positives, false findings and misses per key, with the examples behind the errors."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
        self.covered: dict[str, int] = defaultdict(int)
        self.errors: list[dict] = []

    def add(self, where: str, text: str, gold: list[Span], found: list[Span], keys=None, everything=None) -> None:
        """``everything``: all findings in the text, of any kind, for the coverage count."""
        for k in keys or ():
            self.counts[k]  # a kind with no labels and no findings still gets its row
        for kind, a, b in gold:
            self.covered[kind] += fully_covered(text, (a, b), found if everything is None else everything)
        pairs, missed, extra = match(gold, found)
        for gi, _ in pairs:
            self.counts[gold[gi][0]]["tp"] += 1
        for gi in missed:
            kind, a, b = gold[gi]
            self.counts[kind]["fn"] += 1
            near = [f"{f[0]}:{text[f[1]:f[2]]}" for f in found if iou((a, b), f[1:]) > 0]
            self.errors.append({"where": where, "error": "missed", "kind": kind, "span": text[a:b], "text": text,
                                "found_instead": near})
        for fi in extra:
            kind, a, b = found[fi]
            self.counts[kind]["fp"] += 1
            self.errors.append({"where": where, "error": "false", "kind": kind, "span": text[a:b], "text": text})

    def rows(self, keys) -> list[dict]:
        return [_row(k, self.counts[k], self.covered[k]) for k in keys if k in self.counts]

    def total(self, keys, name: str) -> dict:
        c = {x: sum(self.counts[k][x] for k in keys if k in self.counts) for x in ("tp", "fp", "fn")}
        return _row(name, c, sum(self.covered[k] for k in keys))


def _row(key: str, c: dict[str, int], covered: int) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    return {"kind": key, "labelled": tp + fn, "found": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None, "fully_covered": covered}


# ---------------------------------------------------------------- the sentence set


def load_sentences(path: Path = SENTENCES, splits: tuple[str, ...] = ("dev", "test")) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("split") not in splits or row.get("region") not in ("cn", "hk"):
            raise ValueError(f"{path.name} line {n}: split must be {'/'.join(splits)} and region cn/hk, "
                             f"got {row.get('split')!r}, {row.get('region')!r}")
        unknown = {s["kind"] for s in row["spans"]} - set(KINDS)
        if unknown:
            raise ValueError(f"{path.name} line {n}: unknown kinds {sorted(unknown)}")
        row.setdefault("id", f"line{n}")
        row["gold"] = locate(row["text"], row["spans"], f"{path.name} line {n}")
        rows.append(row)
    return rows


def score_sentences(rows: list[dict], split: str) -> dict:
    by_kind, by_group = Tally(), Tally()
    group_of = {k: g for g, kinds in GROUPS.items() for k in kinds}
    near_misses = near_miss_hit = 0
    fp_sentences: list[str] = []
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"sentences": 0, "with_a_finding": 0})
    for row in (r for r in rows if r["split"] == split):
        found = [(s.kind, s.start_char, s.end_char) for s in detect_pii_text(row["text"], PiiOptions(region=row["region"]))]
        by_kind.add(row["id"], row["text"], row["gold"], found, keys=[g[0] for g in row["gold"]])
        by_group.add(row["id"], row["text"], [(group_of[k], a, b) for k, a, b in row["gold"] if k in group_of],
                     [(group_of[k], a, b) for k, a, b in found if k in group_of], everything=found)
        if not row["spans"]:
            near_misses += 1
            kinds_of = [t.split(":", 1)[1] for t in row.get("tags", []) if t.startswith("near_miss:")] or ["untyped"]
            for t in kinds_of:
                by_type[t]["sentences"] += 1
                by_type[t]["with_a_finding"] += bool(found)
            if found:
                near_miss_hit += 1
                fp_sentences.append(row["id"])
    kinds = [k for k in KINDS if k in by_kind.counts]
    groups = [by_group.total((g,), g) for g in GROUPS]
    numbers = by_group.total(tuple(GROUPS), "ID + phone + card")
    return {
        "sentences": sum(1 for r in rows if r["split"] == split),
        "near_miss_sentences": near_misses,
        "near_miss_sentences_with_a_finding": near_miss_hit,
        "near_miss_by_type": dict(by_type),
        "per_kind": by_kind.rows(kinds),
        "all_kinds": by_kind.total(kinds, "all kinds"),
        "groups": groups,
        "numbers": numbers,
        "target": target(groups),
        "errors": by_kind.errors,
    }


def target(groups: list[dict]) -> dict:
    verdicts = {g["kind"]: (g["recall"] or 0) >= TARGET_RECALL and (g["precision"] or 0) >= TARGET_PRECISION for g in groups}
    return {"met": all(verdicts.values()), "per_group": verdicts}


# ---------------------------------------------------------------- the sample calls


def sample_calls() -> list[Path]:
    paths = sorted(SAMPLES.glob("*.json")) + sorted((SAMPLES / "devset").glob("*.json"))
    return [p for p in paths if not p.name.endswith(".meta.json")]


def score_samples() -> dict:
    labels = json.loads(SAMPLE_LABELS.read_text(encoding="utf-8"))
    group_of = {k: g for g, kinds in SAMPLE_GROUPS.items() for k in kinds}
    tally = Tally()
    unscored: list[dict] = []
    unlabelled: list[str] = []
    calls = 0
    for group in SAMPLE_GROUPS:
        tally.counts[group]  # a row even when nothing is labelled or found: "no ID found" is a result
    for path in sample_calls():
        if path.stem not in labels:
            # Not scored, and said so loudly in the report, rather than stopping the whole benchmark: a sample
            # call added after the labels were written must not block the sentence sets from being measured.
            print(f"WARNING: {SAMPLE_LABELS.name} has no entry for sample call {path.stem}: not scored; "
                  "label it (an empty list if it holds nothing)", file=sys.stderr)
            unlabelled.append(path.stem)
            continue
        calls += 1
        turns = json.loads(path.read_text(encoding="utf-8"))["turns"]
        utts = [Utterance(t["speaker"], t["speaker"] if t["speaker"] in ("agent", "caller") else "unknown",
                          t["start"], t["end"], t["text"]) for t in turns]
        found = detect_pii(utts, PiiOptions(region="cn"), with_times=False)
        for i, turn in enumerate(turns):
            gold = locate(turn["text"], [x for x in labels[path.stem] if x["turn"] == i], f"{path.stem} turn {i}")
            here = [s for s in found if s.utterance_index == i]
            scored = [(group_of[s.kind], s.start_char, s.end_char) for s in here if s.kind in group_of]
            unscored += [{"where": f"{path.stem}#{i}", "kind": s.kind, "span": s.text}
                         for s in here if s.kind not in group_of]
            tally.add(f"{path.stem}#{i}", turn["text"], gold, scored, keys=[g[0] for g in gold],
                      everything=[(s.kind, s.start_char, s.end_char) for s in here])
    return {"calls": calls, "unlabelled_calls": unlabelled, "per_group": tally.rows(SAMPLE_GROUPS),
            "numbers": tally.total(("phone", "id", "card"), "ID + phone + card"),
            "errors": tally.errors, "unscored_findings": unscored}


# ---------------------------------------------------------------- report


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _table(rows: list[dict], first: str = "kind") -> list[str]:
    out = [f"| {first} | labelled | found | TP | FP | FN | precision | recall | fully covered |",
           "|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r['kind']} | {r['labelled']} | {r['found']} | {r['tp']} | {r['fp']} | {r['fn']} | {_fmt(r['precision'])} "
            f"| {_fmt(r['recall'])} | {r['fully_covered']}/{r['labelled']} |" for r in rows]
    return out


def _verdict(name: str, r: dict) -> str:
    per = ", ".join(f"{g['kind']} P {_fmt(g['precision'])} R {_fmt(g['recall'])} "
                    f"({g['tp']}/{g['found']} found, {g['tp']}/{g['labelled']} labelled) "
                    f"{'met' if r['target']['per_group'][g['kind']] else 'NOT met'}" for g in r["groups"])
    return f"**Target on {name}: {'met' if r['target']['met'] else 'not met'}** — {per}.\n"


def _split_section(title: str, r: dict, near_miss_types: bool = False) -> list[str]:
    lines = [f"## {title}, {r['near_miss_sentences']} near-misses "
             f"({r['near_miss_sentences_with_a_finding']} with a false finding)", "", "Per kind (strict kinds):", ""]
    lines += _table(r["per_kind"] + [r["all_kinds"]])
    lines += ["", "Target groups (mobile/landline one group, mainland/HK ID one group):", ""]
    lines += _table(r["groups"] + [r["numbers"]], "group")
    if near_miss_types:
        lines += ["", "Near-misses by type (sentences with nothing personal in them):", "",
                  "| type | sentences | with a finding |", "|---|---|---|"]
        lines += [f"| {t} | {c['sentences']} | {c['with_a_finding']} |" for t, c in sorted(r["near_miss_by_type"].items())]
    lines += ["", f"Errors ({len(r['errors'])}):", ""]
    lines += [f"- {e['where']} {e['error']} {e['kind']} `{e['span']}`"
              + (f" (found instead: {', '.join(e['found_instead'])})" if e.get("found_instead") else "")
              + f" — {e['text']}" for e in r["errors"]] or ["- none"]
    lines.append("")
    return lines


def markdown(report: dict) -> str:
    s = report["sentences"]
    lines = [f"# PII detection benchmark — {report['measured_at']}", "",
             f"Labelled sentences: {s['total']} ({s['dev']['sentences']} dev, {s['test']['sentences']} test; "
             f"{s['near_misses']} adversarial near-misses with nothing personal in them), bench/data/pii_sentences.jsonl. "
             "Match: same kind, overlap ≥ 50% of the union of the labelled and detected spans; one finding per label.", "",
             f"Target (issue 8): recall ≥ {TARGET_RECALL} and precision ≥ {TARGET_PRECISION} for ID, phone and "
             "bank card numbers, each group on its own.", "",
             "**The test split is no longer blind.** Its first run (2026-11-26) gave ID P 1.000 R 0.895, phone "
             "P 1.000 R 0.949, card P 1.000 R 1.000 (all three R 0.940); three general fixes followed (a "
             "service number like 1823 inside a phone number, fillers and full stops between digit groups, "
             "括號 in Hong Kong IDs). Held-out list 1 (bench/data/pii_heldout.jsonl) was then written and run once "
             "(ID R 0.737, phone R 0.746, card R 0.938); its misses were fixed by category (fillers, spaced and "
             "English digits, country codes, 雙, spoken HKIDs, spelt surnames …) on new dev sentences, so it is no "
             "longer blind either. Held-out list 2 (bench/data/pii_heldout2.jsonl), written "
             "by someone who saw neither the detector nor the other lists, first ran at ID R 0.898; its five ID misses "
             "were fixed by category. Held-out list 3 (bench/data/pii_heldout3.jsonl), written "
             "the same way after those fixes, gave the last unbiased figure on its one blind run: ID P 1.000 R 0.991 "
             "(target met), phone P 0.962 R 0.962 and card P 1.000 R 0.889 (not met); its misses were then fixed "
             "by category.", "",
             "Labelling: a name is every mention of a person's name (a surname with a title, 王先生 → 王; "
             "a surname spelt out, 弓长张, again); an address is a home or household precise to a street number "
             "or a unit/room, not a junction, an estate alone or a floor; line numbers (12345), 工号, "
             "order/ticket/tracking numbers, dates, prices, partial "
             "numbers (尾号) and company hotlines (400…) are not personal. 'fully covered': labelled spans whose every "
             "digit/letter lies under some finding of any kind (what redaction leaves intact is what leaks).", ""]
    h, h2, h3 = report["heldout"], report["heldout2"], report["heldout3"]
    lines += [_verdict(f"held-out set 3 ({h3['sentences']} sentences, {HELDOUT3.relative_to(ROOT)}; blind run before its "
                       "fixes: ID R 0.991, phone P 0.962 R 0.962, card R 0.889)", h3),
              _verdict(f"held-out set 2 ({h2['sentences']} sentences; first run before its fixes: ID R 0.898)", h2),
              _verdict(f"held-out set 1 ({h['sentences']} sentences; first run before the fixes: ID R 0.737, phone R 0.746, "
                       "card R 0.938, P 1.000)", h),
              _verdict("the test split (no longer blind)", s["test"]), ""]
    lines += _split_section(f"{HELDOUT3_TITLE}: {h3['sentences']} sentences", h3, near_miss_types=True)
    lines += _split_section(f"{HELDOUT2_TITLE}: {h2['sentences']} sentences", h2, near_miss_types=True)
    lines += _split_section(f"{HELDOUT_TITLE}: {h['sentences']} sentences", h, near_miss_types=True)
    for split in ("test", "dev"):
        lines += _split_section(f"{split.capitalize()} split: {s[split]['sentences']} sentences", s[split])
    c = report["samples"]
    lines += [f"## Sample calls: reference transcripts of {c['calls']} calls", "",
              "Hand labels in bench/data/pii_sample_labels.json (phones, ID numbers, names per turn); groups as above, "
              "region cn. Findings of other kinds (addresses, plates, e-mail) are listed, not scored.", ""]
    if c["unlabelled_calls"]:
        lines += [f"**Not scored: {len(c['unlabelled_calls'])} sample call(s) with no entry in "
                  f"bench/data/pii_sample_labels.json** ({', '.join(c['unlabelled_calls'])}): label them "
                  "(an empty list if they hold nothing).", ""]
    lines += _table(c["per_group"] + [c["numbers"]], "group")
    lines += ["", f"Errors ({len(c['errors'])}):", ""]
    lines += [f"- {e['where']} {e['error']} {e['kind']} `{e['span']}`"
              + (f" (found instead: {', '.join(e['found_instead'])})" if e.get("found_instead") else "")
              + f" — {e['text']}" for e in c["errors"]] or ["- none"]
    lines += ["", f"Unscored findings ({len(c['unscored_findings'])}):", ""]
    lines += [f"- {u['where']} {u['kind']} `{u['span']}`" for u in c["unscored_findings"]] or ["- none"]
    return "\n".join(lines) + "\n"


def main() -> int:
    rows = load_sentences()
    heldout = load_sentences(HELDOUT, ("heldout",))
    heldout2 = load_sentences(HELDOUT2, ("heldout2",))
    heldout3 = load_sentences(HELDOUT3, ("heldout3",))
    report = {
        "measured_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "match": f"same kind, overlap >= {MIN_IOU} of the union",
        "target": {"recall": TARGET_RECALL, "precision": TARGET_PRECISION, "groups": GROUPS},
        "sentences": {"total": len(rows), "near_misses": sum(1 for r in rows if not r["spans"]),
                      "dev": score_sentences(rows, "dev"), "test": score_sentences(rows, "test")},
        "heldout": {"title": HELDOUT_TITLE, "file": str(HELDOUT.relative_to(ROOT)), **score_sentences(heldout, "heldout")},
        "heldout2": {"title": HELDOUT2_TITLE, "file": str(HELDOUT2.relative_to(ROOT)), **score_sentences(heldout2, "heldout2")},
        "heldout3": {"title": HELDOUT3_TITLE, "file": str(HELDOUT3.relative_to(ROOT)), **score_sentences(heldout3, "heldout3")},
        "samples": score_samples(),
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (REPORTS / "pii.md").write_text(text, encoding="utf-8")
    (REPORTS / "pii.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
