"""A trained text classifier beside the crisis lexicon: callers in crisis in words no list has seen (issue 26).

Linear model (logistic regression) over TF-IDF of what an utterance says, read three ways so the same words match in
Simplified and Traditional script and through Whisper's homophones:
- characters, 1 to 4 in a row, after OpenCC t2s folding, NFKC and lower case (punctuation and spaces become one space);
- toneless pinyin syllables of the Han characters, 1 and 2 in a row ("安眠要" reads like "安眠药");
- English words, 1 and 2 in a row.

The model is a gzip'd JSON file in ``models/`` (terms, idf, weights, the decision threshold), trained by
``tools/train_crisis_model.py`` and checksummed in ``models/registry.yaml`` (loaded through ``qc.models``, once per
process). Scoring is plain Python: no pickle, no scikit-learn at run time. The figures are in
``reports/bench/crisis-learned.md``.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qc.errors import ModelUnavailable

MODEL_NAME = "crisis-learned"
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class FeatureOptions:
    char_max: int = 4
    pinyin_max: int = 2  # 0: no pinyin features
    word_max: int = 2  # 0: no English word features


@dataclass(frozen=True)
class LearnedModel:
    options: FeatureOptions
    index: dict[str, int]  # term -> column
    idf: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float  # a score at or above it raises a possible crisis
    # Shorter utterances are not judged (score 0): the model learned from whole caller turns, none shorter than this,
    # and reads "好的" or "谢谢你" like the farewells of a caller in crisis.
    min_units: int = 0

    def score(self, text: str) -> float:
        if units(text) < self.min_units:
            return 0.0
        return _sigmoid(self._margin(text)[0])

    def evidence(self, text: str, top: int = 2) -> tuple[tuple[str, int, int], ...]:
        """The words of ``text`` that pushed its score up most, as they stand there: (words, start, end)."""
        _, contributions = self._margin(text)
        # Han characters, or whole English words: a fragment of a word ("ing") quotes nothing.
        ranked = sorted((c, t[2:] if t.startswith("w:") else t.strip()) for t, c in contributions.items()
                        if c > 0 and (t.startswith("w:") or (not t.startswith("p:") and not t.strip().isascii())))
        # Found in the text char by char: folding keeps one character for one (t2s, lower case) where it matters here.
        folded = "".join(fold(c)[:1] or " " for c in text)
        picked: list[tuple[str, int, int]] = []
        for _, term in reversed(ranked):
            at = folded.find(term)
            if len(term) < 2 or (" " in term and not term.isascii()) or at < 0 \
                    or any(at < end and start < at + len(term) for _, start, end in picked):
                continue
            picked.append((text[at:at + len(term)], at, at + len(term)))
            if len(picked) == top:
                break
        return tuple(picked) or ((text[:12], 0, min(len(text), 12)),)

    def _margin(self, text: str) -> tuple[float, dict[str, float]]:
        counts = Counter(t for t in features(text, self.options) if t in self.index)
        values = {t: (1.0 + math.log(n)) * self.idf[self.index[t]] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        contributions = {t: v / norm * self.weights[self.index[t]] for t, v in values.items()}
        return self.intercept + sum(contributions.values()), contributions


def fold(text: str) -> str:
    """One script and one form: NFKC, lower case, Traditional → Simplified, punctuation and spaces as one space."""
    from qc.text.normalise import to_script

    text = to_script(unicodedata.normalize("NFKC", text).lower(), "t2s")
    return _NON_WORD.sub(" ", text).strip()


def units(text: str) -> int:
    """How much an utterance says: its Han characters plus its other words."""
    folded = fold(text)
    return len(_HAN.findall(folded)) + len(_LATIN_WORD.findall(_HAN.sub(" ", folded)))


def features(text: str, options: FeatureOptions = FeatureOptions()) -> list[str]:
    """Every term the model reads in ``text`` (with repeats: their counts matter)."""
    folded = fold(text)
    out: list[str] = []
    padded = f" {folded} "
    for n in range(1, options.char_max + 1):
        out.extend(padded[i:i + n] for i in range(len(padded) - n + 1) if padded[i:i + n] != " ")
    if options.pinyin_max:
        for run in _HAN_RUN.findall(folded):
            syllables = _pinyin(run)
            for n in range(1, options.pinyin_max + 1):
                out.extend("p:" + " ".join(syllables[i:i + n]) for i in range(len(syllables) - n + 1))
    if options.word_max:
        words = _LATIN_WORD.findall(folded)
        for n in range(1, options.word_max + 1):
            out.extend("w:" + " ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return out


@lru_cache(maxsize=4096)
def _pinyin(run: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(run, style=Style.NORMAL, errors=lambda chunk: list(chunk)))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def read_model(path: Path) -> LearnedModel:
    """A model file as ``tools/train_crisis_model.py`` writes it."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            raw = json.load(handle)
        terms = raw["terms"]
        return LearnedModel(FeatureOptions(**raw["features"]), {t: i for i, t in enumerate(terms)}, tuple(raw["idf"]),
                            tuple(raw["weights"]), float(raw["intercept"]), float(raw["threshold"]),
                            int(raw.get("min_units", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailable(f"{MODEL_NAME}: {path} is not a crisis model file ({exc})") from exc


@lru_cache(maxsize=2)
def load(models_dir: Path | None = None) -> LearnedModel:
    """The shipped model, checked against the registry's sha256 and read once per process."""
    from qc.models import shipped_model_file
    from qc.shipped import shipped_dir

    return read_model(shipped_model_file(MODEL_NAME, models_dir or shipped_dir("models")))


def score(text: str) -> float:
    """How likely the shipped model finds it that a caller saying ``text`` is in crisis (0..1)."""
    return load().score(text)
