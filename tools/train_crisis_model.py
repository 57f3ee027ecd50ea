"""Train the crisis classifier (qc/crisis/learned.py) and write models/crisis-learned.json.gz and its model card.

Trained only on the crisis sets that are no longer blind: bench/data/crisis_{dev,blind,blind2}.jsonl and their
*_asr.jsonl transcripts. Label: ``set == "crisis"`` (urgent and possible alike). Every choice is made by grouped
cross-validation on those sets (an item and its ASR transcript always share a fold): the feature set and C by the
share of routine items over the threshold at >= 0.95 cross-validated crisis recall, then the threshold itself from
the chosen configuration's out-of-fold scores. Fixed seeds: the same data gives the same file, byte for byte.

    .venv/bin/python tools/train_crisis_model.py [--recall 0.95]

Needs scikit-learn (in the project's venv, through librosa); the product reads the file without it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.crisis.learned import MODEL_NAME, FeatureOptions, features, read_model, units  # noqa: E402

DATA = ROOT / "bench" / "data"
MODEL_FILE = ROOT / "models" / f"{MODEL_NAME}.json.gz"
CARD_FILE = ROOT / "models" / f"{MODEL_NAME}.card.json"
TRAINING_SETS = ("crisis_dev", "crisis_dev_asr", "crisis_blind", "crisis_blind_asr", "crisis_blind2", "crisis_blind2_asr")
FEATURE_SETS = {
    "chars": FeatureOptions(char_max=4, pinyin_max=0, word_max=0),
    "chars+pinyin": FeatureOptions(char_max=4, pinyin_max=2, word_max=0),
    "chars+pinyin+words": FeatureOptions(char_max=4, pinyin_max=2, word_max=2),
}
C_VALUES = (1.0, 10.0, 30.0)
FOLDS = 5
REPEATS = 2
SEED = 20261207
MIN_DF = 2


def load_training() -> list[dict]:
    rows = []
    for name in TRAINING_SETS:
        base = name.removesuffix("_asr")
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                rows.append({**item, "source": name, "group": f"{base}:{item['id']}"})
    return rows


def make_pipeline(options: FeatureOptions, c: float):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=lambda text: _features(text, options), min_df=MIN_DF, sublinear_tf=True,
                                  norm="l2", smooth_idf=True, lowercase=False)),
        ("lr", LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=SEED)),
    ])


_FEATURES: dict[tuple[str, FeatureOptions], list[str]] = {}


def _features(text: str, options: FeatureOptions) -> list[str]:
    key = (text, options)
    if key not in _FEATURES:
        _FEATURES[key] = features(text, options)
    return _FEATURES[key]


def threshold_for(scores: np.ndarray, labels: np.ndarray, recall: float) -> float:
    """The highest threshold at which at least ``recall`` of the crisis items score at or above it."""
    crisis = np.sort(scores[labels == 1])
    keep = int(np.ceil(recall * len(crisis)))
    return float(crisis[len(crisis) - keep])


def oof_scores(texts: list[str], labels: np.ndarray, groups: np.ndarray, options: FeatureOptions, c: float,
               repeat: int, min_units: int = 0) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    scores = np.zeros(len(texts))
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED + repeat)
    for train, test in folds.split(texts, labels, groups):
        model = make_pipeline(options, c).fit([texts[i] for i in train], labels[train])
        scores[test] = model.predict_proba([texts[i] for i in test])[:, 1]
    # As the product scores: utterances shorter than the shortest crisis item are not judged.
    return np.where(np.array([units(t) for t in texts]) >= min_units, scores, 0.0)


def figures(scores: np.ndarray, labels: np.ndarray, threshold: float, rows: list[dict]) -> dict:
    from sklearn.metrics import roc_auc_score

    raised = scores >= threshold
    crisis, routine = labels == 1, labels == 0

    def part(mask):
        c, r = mask & crisis, mask & routine
        return {"crisis": int(c.sum()), "recall": round(float(raised[c].mean()), 3) if c.any() else None,
                "routine": int(r.sum()), "false_positive_rate": round(float(raised[r].mean()), 3) if r.any() else None}

    by_lang = {lang: part(np.array([r["lang"] == lang for r in rows])) for lang in sorted({r["lang"] for r in rows})}
    by_form = {form: part(np.array([r["form"] == form for r in rows])) for form in sorted({r["form"] for r in rows})}
    asr = np.array([r["source"].endswith("_asr") for r in rows])
    return {"auc": round(float(roc_auc_score(labels, scores)), 4), "threshold": round(threshold, 4),
            **part(np.ones(len(rows), bool)), "typed": part(~asr), "asr": part(asr), "by_lang": by_lang, "by_form": by_form}


def select(texts, labels, groups, rows, recall: float, min_units: int) -> tuple[list[dict], dict]:
    grid = []
    for name, options in FEATURE_SETS.items():
        for c in C_VALUES:
            began = time.perf_counter()
            runs = [oof_scores(texts, labels, groups, options, c, r, min_units) for r in range(REPEATS)]
            per_repeat = [figures(s, labels, threshold_for(s, labels, recall), rows) for s in runs]
            entry = {"features": name, "C": c,
                     "false_positive_rate": round(float(np.mean([f["false_positive_rate"] for f in per_repeat])), 4),
                     "auc": round(float(np.mean([f["auc"] for f in per_repeat])), 4),
                     "threshold": round(float(np.mean([f["threshold"] for f in per_repeat])), 4),
                     "seconds": round(time.perf_counter() - began, 1), "_runs": runs}
            grid.append(entry)
            print(f"{name:22s} C={c:<5} routine over threshold {entry['false_positive_rate']:.3f}  AUC {entry['auc']:.4f}  "
                  f"threshold {entry['threshold']:.3f}  ({entry['seconds']} s)", flush=True)
    best = min(grid, key=lambda e: (e["false_positive_rate"], -e["auc"]))
    return grid, best


def write_model(pipeline, options: FeatureOptions, threshold: float, min_units: int) -> bytes:
    vectorizer, lr = pipeline.named_steps["tfidf"], pipeline.named_steps["lr"]
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    payload = {
        "model": MODEL_NAME, "kind": "tfidf-logistic-regression",
        "features": {"char_max": options.char_max, "pinyin_max": options.pinyin_max, "word_max": options.word_max},
        "terms": terms, "idf": [float(x) for x in vectorizer.idf_], "weights": [float(x) for x in lr.coef_[0]],
        "intercept": float(lr.intercept_[0]), "threshold": threshold, "min_units": min_units,
    }
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recall", type=float, default=0.95, help="Cross-validated crisis recall the threshold keeps.")
    args = parser.parse_args()
    import sklearn

    rows = load_training()
    texts = [r["text"] for r in rows]
    labels = np.array([1 if r["set"] == "crisis" else 0 for r in rows])
    groups = np.array([r["group"] for r in rows])
    # Whole caller turns only: the shortest crisis item the model learns from sets the least it judges.
    min_units = min(units(t) for t, y in zip(texts, labels) if y == 1)
    grid, best = select(texts, labels, groups, rows, args.recall, min_units)
    options = FEATURE_SETS[best["features"]]
    # The threshold: from the chosen configuration's out-of-fold scores, the mean over the repeats.
    per_repeat = [figures(s, labels, threshold_for(s, labels, args.recall), rows) for s in best["_runs"]]
    threshold = float(np.mean([f["threshold"] for f in per_repeat]))
    at_threshold = [figures(s, labels, threshold, rows) for s in best["_runs"]]
    curve = {str(r): round(float(np.mean([figures(s, labels, threshold_for(s, labels, r), rows)["false_positive_rate"]
                                          for s in best["_runs"]])), 4) for r in (0.8, 0.85, 0.9, 0.95, 0.97, 1.0)}

    final = make_pipeline(options, best["C"]).fit(texts, labels)
    blob = write_model(final, options, threshold, min_units)
    MODEL_FILE.write_bytes(blob)
    model = read_model(MODEL_FILE)
    judged = [i for i, t in enumerate(texts) if units(t) >= min_units]
    ours = np.array([model.score(texts[i]) for i in judged])
    drift = float(np.max(np.abs(ours - final.predict_proba([texts[i] for i in judged])[:, 1])))
    if drift > 1e-9:
        raise SystemExit(f"qc.crisis.learned scores differ from scikit-learn's by {drift}")
    card = {
        "model": MODEL_NAME, "file": MODEL_FILE.name, "sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob),
        "kind": "TF-IDF (sublinear tf, l2) + logistic regression (liblinear, class_weight balanced)",
        "label": "crisis (urgent or possible) vs routine, from each item's set field",
        "training_sets": {name: sum(1 for r in rows if r["source"] == name) for name in TRAINING_SETS},
        "items": len(rows), "crisis": int(labels.sum()), "routine": int((labels == 0).sum()), "groups": len(set(groups)),
        "terms": len(model.index), "min_units": min_units, "features": best["features"], "C": best["C"], "min_df": MIN_DF,
        "threshold": round(threshold, 6), "target_cv_recall": args.recall,
        "cv": {"scheme": f"StratifiedGroupKFold({FOLDS}) x {REPEATS} repeats, seeds {SEED}+repeat; groups: an item and its ASR transcript",
               "selection": "lowest routine share over the threshold at the target recall, then AUC",
               "at_threshold_per_repeat": at_threshold, "routine_fp_at_recall": curve,
               "grid": [{k: v for k, v in e.items() if k != "_runs"} for e in grid]},
        "scikit_learn": sklearn.__version__, "python_scorer_max_difference": drift,
    }
    CARD_FILE.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"chosen: {best['features']}, C={best['C']}, threshold {threshold:.4f}; wrote {MODEL_FILE} "
          f"({len(blob)} bytes, sha256 {card['sha256']}) and {CARD_FILE}")


if __name__ == "__main__":
    main()
