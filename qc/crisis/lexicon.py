"""The crisis lexicon (``rubrics/lexicon/crisis.yaml``), checked and compiled once per process.

The file's header says what each part means; this module turns it into patterns: every phrase in its
matching form (see ``qc.tone.lexicon.normalise``), the pairs, the frames around a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from qc.errors import ConfigError
from qc.shipped import shipped_dir
from qc.tone.lexicon import normalise, phrase_pattern

DEFAULT_CRISIS_LEXICON = shipped_dir("rubrics") / "lexicon" / "crisis.yaml"
SELF_HARM = "self_harm"
Strength = Literal["urgent", "possible", "weak"]
FRAMES = ("hypothetical", "past", "negated", "reported", "relayed", "now", "all_clear", "habitual")


class _Words(BaseModel):
    zh: list[str] = []
    yue: list[str] = []
    en: list[str] = []

    def all(self) -> list[str]:
        return list(dict.fromkeys(self.zh + self.yue + self.en))


# Where a frame's markers count, around a mention (qc.crisis.match.frames_around says each in words).
Scope = Literal["clause_before", "clause", "sentence_before", "sentence_before_and_clause", "sentence", "utterance"]
AfterScope = Literal["clause_after", "clause_and_next_after"]


class _Frame(_Words):
    # Markers that frame a mention from after it ("着火了的话", "着火以后").
    after: list[str] = []
    scope: Scope = "clause"
    after_scope: AfterScope = "clause_after"
    # Only the last characters (Chinese) or words (English) of the scope count: a negation is right before.
    within_chars: int | None = Field(None, ge=1)
    within_words: int | None = Field(None, ge=1)


class _Pair(BaseModel):
    a: list[str] = Field(min_length=1)
    b: list[str] = Field(min_length=1)
    within: int = Field(6, ge=1, le=30)
    strength: Literal["urgent", "possible"] = "possible"
    across_clauses: bool = False  # the two may be a comma apart ("药我已经买回来了，就搁在桌子上")


class _Situation(BaseModel):
    title: str
    urgent: list[str] = Field(min_length=1)
    possible: list[str] = []
    pairs: list[_Pair] = []
    near_misses: list[str] = []
    # Things that, named earlier in the mention's clause, make it about them, not a person ("钥匙锁在房间里").
    not_about: list[str] = []


class _SelfHarm(BaseModel):
    urgent: _Words
    possible: _Words
    weak: _Words = _Words()
    pairs: list[_Pair] = []
    near_misses: list[str] = []


class _Frames(BaseModel):
    hypothetical: _Frame
    past: _Frame
    negated: _Frame
    reported: _Frame
    now: _Frame
    relayed: _Frame = _Frame()
    all_clear: _Frame = _Frame()
    habitual: _Frame = _Frame()


class _CrisisFile(BaseModel):
    version: int
    frames: _Frames
    self_harm: _SelfHarm
    emergencies: dict[str, _Situation]


@dataclass(frozen=True)
class Phrase:
    kind: str  # self_harm, or an emergency's id (fire, gas, ...)
    strength: Strength
    text: str  # matching form
    pattern: re.Pattern[str]
    han: int  # Han characters in it: sound-alike matching needs three or more


@dataclass(frozen=True)
class Pair:
    kind: str
    a: tuple[re.Pattern[str], ...]
    b: tuple[re.Pattern[str], ...]
    within: int
    strength: Strength = "possible"
    across_clauses: bool = False


@dataclass(frozen=True)
class Frame:
    before: tuple[re.Pattern[str], ...]
    after: tuple[re.Pattern[str], ...]
    scope: str = "clause"
    after_scope: str = "clause_after"
    within_chars: int | None = None
    within_words: int | None = None


@dataclass(frozen=True)
class CrisisLexicon:
    phrases: tuple[Phrase, ...]
    pairs: tuple[Pair, ...]
    near_misses: dict[str, tuple[re.Pattern[str], ...]]  # kind -> figures of speech that contain its phrases
    not_about: dict[str, tuple[re.Pattern[str], ...]]  # kind -> things whose mishaps are not this emergency
    frames: dict[str, Frame]
    titles: dict[str, str]  # kind -> title for people
    # Look-ups that keep an utterance with no crisis word cheap: phrases by their first character (Chinese) or
    # word (English); pair words likewise, as (pair index, side, pattern); phrases fit for sound-alike matching
    # by the sound classes they hold, and how many of them a sound-alike must share.
    by_first: dict[str, tuple[int, ...]]
    pair_words_by_first: dict[str, tuple[tuple[int, str, re.Pattern[str]], ...]]
    sound_index: dict[str, tuple[int, ...]]
    sound_needed: dict[int, int]


@lru_cache(maxsize=4)
def load_crisis_lexicon(path: Path | str = DEFAULT_CRISIS_LEXICON) -> CrisisLexicon:
    path = Path(path)
    try:
        spec = _CrisisFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"crisis lexicon {path} cannot be read: {exc}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"crisis lexicon {path} is not valid: {exc}") from exc
    if SELF_HARM in spec.emergencies:
        raise ConfigError(f"crisis lexicon {path}: '{SELF_HARM}' is not an emergency's name")
    phrases: list[Phrase] = []
    for strength in ("urgent", "possible", "weak"):
        phrases += _phrases(SELF_HARM, strength, getattr(spec.self_harm, strength).all())  # type: ignore[arg-type]
        for kind, situation in spec.emergencies.items():
            phrases += _phrases(kind, strength, getattr(situation, strength, []))  # type: ignore[arg-type]
    kinds_and_pairs = [(SELF_HARM, p) for p in spec.self_harm.pairs] + [(k, p) for k, s in spec.emergencies.items() for p in s.pairs]
    spec_pairs = [p for _, p in kinds_and_pairs]
    pairs = tuple(Pair(kind, _patterns(p.a), _patterns(p.b), p.within, p.strength, p.across_clauses) for kind, p in kinds_and_pairs)
    frames = {name: _frame(getattr(spec.frames, name)) for name in FRAMES}
    titles = {SELF_HARM: "轻生风险 / Self-harm risk"} | {kind: s.title for kind, s in spec.emergencies.items()}
    near_misses = {SELF_HARM: _patterns(spec.self_harm.near_misses)} | {
        kind: _patterns(situation.near_misses) for kind, situation in spec.emergencies.items()}
    by_first: dict[str, list[int]] = {}
    for i, phrase in enumerate(phrases):
        by_first.setdefault(first_key(phrase.text), []).append(i)
    pair_words: dict[str, list[tuple[int, str, re.Pattern[str]]]] = {}
    for i, spec_pair in enumerate(spec_pairs):
        for side, words in (("a", spec_pair.a), ("b", spec_pair.b)):
            for text in dict.fromkeys(t for w in words if (t := match_form(w)[0].strip())):
                pair_words.setdefault(first_key(text), []).append((i, side, crisis_pattern(text)))
    sound_index, sound_needed = _sound_index(phrases)
    not_about = {kind: _patterns(situation.not_about) for kind, situation in spec.emergencies.items()}
    return CrisisLexicon(tuple(phrases), pairs, near_misses, not_about, frames, titles, {k: tuple(v) for k, v in by_first.items()},
                         {k: tuple(v) for k, v in pair_words.items()}, sound_index, sound_needed)


_CLITIC = re.compile(r"(?<=[a-z])'(s|re|ll|ve|d|m)\b")


def match_form(text: str) -> tuple[str, list[int] | None]:
    """``qc.tone.lexicon.normalise``, with English clitics set apart ("water's" -> "water s", the same length):
    "the water's rising" holds the word "water"."""
    norm, origin = normalise(text)
    return _CLITIC.sub(lambda m: " " + m.group(1), norm), origin


def _frame(spec: _Frame) -> Frame:
    return Frame(_patterns(spec.all()), _patterns(spec.after), spec.scope, spec.after_scope, spec.within_chars, spec.within_words)


def _phrases(kind: str, strength: Strength, words: list[str]) -> list[Phrase]:
    out = []
    seen: set[str] = set()
    for word in words:
        text = match_form(word)[0].strip()
        if text and text not in seen:
            seen.add(text)
            out.append(Phrase(kind, strength, text, crisis_pattern(text), sum(1 for c in text if _is_han(c))))
    return out


def _patterns(words: list[str]) -> tuple[re.Pattern[str], ...]:
    texts = dict.fromkeys(t for w in words if (t := match_form(w)[0].strip()))
    return tuple(crisis_pattern(t) for t in texts)


def crisis_pattern(text: str) -> re.Pattern[str]:
    """``phrase_pattern``, where an English phrase's last word may also take an s ("the waters up to my knees")."""
    pattern = phrase_pattern(text)
    if _LATIN_WORD.fullmatch(text.split()[-1]) and pattern.pattern.endswith("(?![a-z0-9'])") and not text.endswith("s"):
        return re.compile(pattern.pattern[: -len("(?![a-z0-9'])")] + "s?(?![a-z0-9'])")
    return pattern


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0002ffff"


def _sound_index(phrases: list[Phrase]) -> tuple[dict[str, tuple[int, ...]], dict[int, int]]:
    from qc.text.pinyin import sound_classes

    by_class: dict[str, list[int]] = {}
    needed: dict[int, int] = {}
    for i, phrase in enumerate(phrases):
        if phrase.han < 3 or phrase.han != len(phrase.text):
            continue
        classes = sound_classes(phrase.text)
        # At similarity 0.85 (qc.text.pinyin) a sound-alike of 3-4 syllables keeps every syllable's class;
        # a longer one may lose one.
        needed[i] = len(classes) if phrase.han <= 4 else max(2, len(classes) - 1)
        for c in classes:
            by_class.setdefault(c, []).append(i)
    return {c: tuple(ix) for c, ix in by_class.items()}, needed


_LATIN_WORD = re.compile(r"[a-z0-9']+")


def first_key(text: str) -> str:
    """What a phrase starts with, as the text is scanned: its first word (English) or character."""
    text = text.strip()
    word = _LATIN_WORD.match(text)
    return word.group() if word else text[:1]
