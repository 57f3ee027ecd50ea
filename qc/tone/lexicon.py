"""Words that show tone: lexicon phrases found in one utterance's text, with negation and near misses.

The lexicon lives in ``rubrics/lexicon/tone.yaml``; its header documents the classes and the matching
rules. Matching is on the text alone, so the live path can run it on each finished utterance.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError

from qc.errors import ConfigError
from qc.shipped import shipped_dir
from qc.text.normalise import to_script
from qc.tone.records import CueHit, TextCues

DEFAULT_LEXICON = shipped_dir("rubrics") / "lexicon" / "tone.yaml"
# Cue classes that come from the crisis lexicon (qc.crisis), never from this one.
CRISIS_CUES = frozenset({"distress", "danger"})

_CLAUSE_BREAK = "|"
_CLAUSE_PUNCTUATION = frozenset("，。！？；、,.!?;…:：\n")
_LATIN = re.compile(r"[a-z0-9']+")
_TOKEN = re.compile(r"[a-z0-9']+|[^\s|]")
_A_NOT_A = re.compile(r"(.)[不没]\1")


class _ClassSpec(BaseModel):
    description: str
    negation: Literal["keep", "dampen"]
    near_miss: Literal["demote", "drop"] = "drop"
    phrases: dict[str, list[str]]
    near_misses: list[str] = []


class _Negators(BaseModel):
    zh: list[str]
    en: list[str]
    window_chars: int = 3
    window_words: int = 3


class _LexiconFile(BaseModel):
    version: int
    negators: _Negators
    classes: dict[str, _ClassSpec]


@dataclass(frozen=True)
class _Phrase:
    cue: str
    phrase: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    phrases: tuple[_Phrase, ...]
    near_misses: dict[str, tuple[re.Pattern[str], ...]]
    negation: dict[str, str]  # class -> "keep" | "dampen"
    near_miss_policy: dict[str, str]  # class -> "demote" | "drop"
    negators_zh: tuple[str, ...]
    negators_en: frozenset[str]
    window_chars: int
    window_words: int

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.negation)


@lru_cache(maxsize=8)
def load_lexicon(path: Path | str = DEFAULT_LEXICON) -> Lexicon:
    path = Path(path)
    try:
        spec = _LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"tone lexicon {path} cannot be read: {exc}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"tone lexicon {path} is not valid: {exc}") from exc
    for name in CRISIS_CUES & spec.classes.keys():
        raise ConfigError(f"tone lexicon {path}: '{name}' belongs in the crisis lexicon (rubrics/lexicon/crisis.yaml), "
                          "which judges each mention in its sentence")
    phrases = tuple(
        _Phrase(name, normalised, phrase_pattern(normalised))
        for name, cls in spec.classes.items()
        for phrase in dict.fromkeys(p for group in cls.phrases.values() for p in group)
        if (normalised := normalise(phrase)[0].strip())
    )
    return Lexicon(
        phrases=phrases,
        near_misses={
            name: tuple(phrase_pattern(normalise(p)[0].strip()) for p in cls.near_misses)
            for name, cls in spec.classes.items()
        },
        negation={name: cls.negation for name, cls in spec.classes.items()},
        near_miss_policy={name: cls.near_miss for name, cls in spec.classes.items()},
        negators_zh=tuple(sorted({normalise(n)[0] for n in spec.negators.zh}, key=len, reverse=True)),
        negators_en=frozenset(normalise(n)[0] for n in spec.negators.en),
        window_chars=spec.negators.window_chars,
        window_words=spec.negators.window_words,
    )


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Matching form of a text (simplified, lower case, one space for any run of spaces or symbols,
    "|" at clause punctuation) and, where the script conversion kept the length, the index in the
    original text of every character."""
    simplified = to_script(text, "t2s")
    aligned = len(simplified) == len(text)
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(simplified):
        for folded in unicodedata.normalize("NFKC", char).lower().replace("\u2019", "'"):
            if folded in _CLAUSE_PUNCTUATION:
                folded = _CLAUSE_BREAK
            elif not (folded.isalnum() or folded == "'"):
                folded = " "
            if folded in (" ", _CLAUSE_BREAK) and out and out[-1] in (" ", _CLAUSE_BREAK):
                if folded == _CLAUSE_BREAK:
                    out[-1] = _CLAUSE_BREAK
                continue
            out.append(folded)
            origin.append(i)
    return "".join(out), origin if aligned else None


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    tokens = _TOKEN.findall(phrase)
    parts: list[str] = []
    for i, token in enumerate(tokens):
        latin = bool(_LATIN.fullmatch(token))
        if i:
            # ASR punctuation may fall inside a Chinese phrase; English words stay in one clause.
            parts.append(r"\s+" if latin and _LATIN.fullmatch(tokens[i - 1]) else r"[\s|]*")
        parts.append(rf"(?<![a-z0-9']){re.escape(token)}" if latin and i == 0 else re.escape(token))
    if tokens and _LATIN.fullmatch(tokens[-1]):
        parts.append(r"(?![a-z0-9'])")
    return re.compile("".join(parts))


def find_cues(text: str, lexicon: Lexicon | None = None, crisis: bool = True, learned: bool = False) -> TextCues:
    """Every lexicon phrase in ``text``: one hit per class and place (the longest phrase wins).

    With ``crisis``, the crisis lexicon's urgent and possible mentions come too, as distress (self-harm)
    and danger cues; a possible one is marked ``near_miss``. With ``learned`` too, the crisis classifier's
    verdict where the lexicon found nothing (``learned_crisis``).
    """
    lexicon = lexicon or load_lexicon()
    norm, origin = normalise(text)
    hits: list[CueHit] = crisis_cues(text, learned) if crisis else []
    for phrase in lexicon.phrases:
        for match in phrase.pattern.finditer(norm):
            start, end = match.span()
            near_spans = (m.span() for p in lexicon.near_misses[phrase.cue] for m in p.finditer(norm))
            near = any(_overlaps(start, end, span) for span in near_spans)
            if near and lexicon.near_miss_policy[phrase.cue] == "drop":
                continue
            hits.append(
                CueHit(
                    cue=phrase.cue,  # type: ignore[arg-type]
                    phrase=phrase.phrase,
                    matched=_original_slice(text, norm, origin, start, end),
                    start_char=origin[start] if origin else start,
                    end_char=origin[end - 1] + 1 if origin else end,
                    negated=_negated(norm[:start], lexicon),
                    near_miss=near,
                )
            )
    return TextCues(hits=_longest_per_place(hits))


def crisis_cues(text: str, learned: bool = False) -> list[CueHit]:
    """The crisis detector's urgent and possible signals in ``text``, as tone cues (weak ones are the call's business).
    Where the lexicon raised nothing and ``learned``, the crisis classifier may: recall first."""
    from qc.crisis import SELF_HARM, assess_text

    assessment = assess_text(text)
    if assessment.level not in ("urgent", "possible"):
        return learned_crisis_cues(text) if learned else []
    # Weak signs that together make a possible crisis ("我不是想死，我就是太累了") come as possible cues.
    kept = ("urgent", "possible", "weak") if assessment.level == "possible" else ("urgent", "possible")
    return [
        CueHit("distress" if s.kind == SELF_HARM else "danger", s.why, s.matched, s.start_char, s.end_char,
               near_miss=s.level != "urgent")
        for s in assessment.signals if s.level in kept
    ]


def learned_crisis_cues(text: str) -> list[CueHit]:
    """The crisis classifier's verdict as cues: the words that weighed most, when its score reaches its threshold."""
    from qc.crisis import learned

    model = learned.load()
    value = model.score(text)
    if value < model.threshold:
        return []
    return [CueHit("learned_crisis", f"crisis model {value:.2f}", words, start, end) for words, start, end in model.evidence(text)]


def dampened(hit: CueHit, lexicon: Lexicon | None = None) -> bool:
    """True when a negator weakens this hit (only for classes whose negation policy is "dampen")."""
    lexicon = lexicon or load_lexicon()
    return hit.negated and lexicon.negation.get(hit.cue) == "dampen"


def _negated(before: str, lexicon: Lexicon) -> bool:
    clause = before.rsplit(_CLAUSE_BREAK, 1)[-1]
    words = _LATIN.findall(clause)[-lexicon.window_words :]
    if any(w in lexicon.negators_en or w.endswith("n't") for w in words):
        return True
    # "是不是", "有没有": A-not-A questions, not negations.
    tail = _A_NOT_A.sub("", clause.replace(" ", ""))[-lexicon.window_chars :]
    return any(n in tail for n in lexicon.negators_zh)


def _overlaps(start: int, end: int, span: tuple[int, int]) -> bool:
    return start < span[1] and span[0] < end


def _original_slice(text: str, norm: str, origin: list[int] | None, start: int, end: int) -> str:
    if origin is None:
        return norm[start:end].replace(_CLAUSE_BREAK, " ").strip()
    return text[origin[start] : origin[end - 1] + 1]


def _longest_per_place(hits: list[CueHit]) -> tuple[CueHit, ...]:
    kept: list[CueHit] = []
    for hit in sorted(hits, key=lambda h: (h.start_char - h.end_char, h.start_char)):
        span = (hit.start_char, hit.end_char)
        if not any(k.cue == hit.cue and _overlaps(k.start_char, k.end_char, span) for k in kept):
            kept.append(hit)
    return tuple(sorted(kept, key=lambda h: (h.start_char, h.cue)))
