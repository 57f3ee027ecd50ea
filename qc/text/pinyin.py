"""Tolerant phrase matching in pinyin space: Whisper writes homophones (咨询→资讯, 补办→不办, 工地→公帝).

Texts and phrases arrive already normalised (``qc.text.normalise.normalise_for_match``). An exact substring always
counts (score 1.0). Otherwise windows of the phrase's length, and of one syllable more or less, are compared
syllable by syllable on tone-less pinyin, with partial credit for the confusions of telephone Mandarin.
Tolerance is for Han characters only: letters, digits and characters pypinyin cannot read must be identical.
The cases it is held to are in qc/testing/pinyin_cases.py; its accuracy and speed in reports/bench/history.md.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "DEFAULT_THRESHOLD", "PhraseMatch", "best_match", "find_phrase", "build_index", "homophone_matches", "readings", "char_sound_classes", "sound_classes",
    "syllable_similarity",
]

# Between the weakest Whisper error in the case list (0.857, a syllable dropped from a 7-syllable phrase)
# and the strongest look-alike (0.833, 感谢您的来信 for 感谢您的来电).
DEFAULT_THRESHOLD = 0.85

# Syllable credits. A homophone stays below 1.0 so that a score of 1.0 always means the very characters.
HOMOPHONE = 0.95
ONE_CONFUSION = 0.8
TWO_CONFUSIONS = 0.65
# Only the initial or only the final is close: some evidence, never enough to carry a short phrase.
WEAK = 0.25
# An extra syllable inside the window costs half a syllable; a dropped one simply earns nothing.
INSERTION_COST = 0.5
# A letter or digit of the phrase that is not there sinks the window.
_LITERAL_MISMATCH = -1e6
_EPS = 1e-9

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")
_CONFUSABLE_INITIALS = frozenset(
    frozenset(pair) for pair in (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"), ("r", "l"))
)
_CONFUSABLE_FINALS = frozenset(
    frozenset(pair) for pair in (("an", "ang"), ("en", "eng"), ("in", "ing"), ("ian", "iang"), ("uan", "uang"))
)
# Coarse sound classes that merge every confusable pair: two syllables score above WEAK only when their
# classes are equal, which is what the prefilter relies on. n, l and r share a class (a superset is safe).
_INITIAL_CLASS = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "r": "l", "f": "h"}
_FINAL_CLASS = {"ang": "an", "eng": "en", "ing": "in", "iang": "ian", "uang": "uan"}


@dataclass(frozen=True)
class PhraseMatch:
    start: int  # char offset in the text searched (end exclusive)
    end: int
    score: float  # 1.0 = exact characters; <1.0 = pinyin similarity
    matched: str  # the text[start:end] that matched
    exact: bool


@dataclass(frozen=True)
class _Sounds:
    """A text's sounds, one entry per character."""

    syllables: tuple[str | None, ...]  # None where the character must match literally (not Han)
    keys: tuple[str, ...]  # coarse sound class for Han characters, the character itself otherwise


@dataclass(frozen=True)
class _Indexed:
    sounds: _Sounds
    # Offsets by sound class and, for Han characters, by the character too: the same character can be
    # read differently in the phrase and in the text (银行/行走) yet still counts as identical.
    positions: dict[str, array]  # treat as read-only


@dataclass(frozen=True)
class _Plan:
    """What a phrase needs at a threshold, worked out once."""

    sounds: _Sounds
    # (shift, fewest syllables that must share their sound class): 0 same length, +1 one syllable
    # inserted in the text, -1 one dropped. Shapes that cannot reach the threshold are left out.
    shapes: tuple[tuple[int, int], ...]
    anchors: int  # how many of the phrase's rarest syllables to look up in the text


def find_phrase(text: str, phrase: str, threshold: float = DEFAULT_THRESHOLD) -> list[PhraseMatch]:
    """All non-overlapping occurrences of `phrase` in `text`, in text order.

    Where candidate windows overlap, the best wins: exact before fuzzy, then the higher score, then the
    window of the phrase's own length, then the earlier one. Phrases with fewer than two Han characters
    match exactly only: one syllable in pinyin space matches far too much.
    """
    if not phrase:
        raise ValueError("a rubric phrase is empty: give at least one character to listen for")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"phrase-match threshold must be above 0 and at most 1, got {threshold}")
    candidates = _exact(text, phrase)
    plan = _plan(phrase, threshold)
    if plan is not None and len(text) >= 2:
        candidates += _fuzzy(text, phrase, plan, threshold, [m.start for m in candidates])
    if len(candidates) < 2:
        return candidates
    return _non_overlapping(candidates, len(phrase))


def homophone_matches(
    text: str, phrase: str, threshold: float = DEFAULT_THRESHOLD, index: _Indexed | None = None
) -> list[PhraseMatch]:
    """Only the non-exact (pinyin) matches, for callers that already know the phrase is not there as is.

    The fast path of rubric evaluation: no argument checks, no second exact search. ``index``: from
    ``build_index`` when the caller searches one text for many phrases.
    """
    plan = _plan(phrase, threshold)
    if plan is None or len(text) < 2:
        return []
    return _fuzzy(text, phrase, plan, threshold, [], index)


def best_match(text: str, phrase: str, threshold: float = DEFAULT_THRESHOLD) -> PhraseMatch | None:
    """The highest-scoring occurrence (the earliest among equals), or None."""
    matches = find_phrase(text, phrase, threshold)
    return min(matches, key=lambda m: (-m.score, m.start)) if matches else None


def char_sound_classes(text: str) -> tuple[str, ...]:
    """Each character's coarse sound class, read on its own (see ``sound_classes``)."""
    return tuple(_char_class(c) for c in text)


@lru_cache(maxsize=None)
def _char_class(char: str) -> str:
    syllable = _reading(char)
    return _key(syllable) if syllable != char and syllable.isascii() and syllable.isalpha() else char


def sound_classes(text: str) -> frozenset[str]:
    """The coarse sound classes of a text's characters (confusable initials and finals merged; the character
    itself where it is not Han), each read on its own: two texts that may sound alike share nearly all of
    them. For cheap pre-filters; a real comparison reads heteronyms in context."""
    return frozenset(_char_class(c) for c in text)


def syllable_similarity(a: str, b: str) -> float:
    """Similarity of two tone-less pinyin syllables, 0..1 (1.0 only when identical)."""
    return _syllable_similarity(a, b)


def _exact(text: str, phrase: str) -> list[PhraseMatch]:
    found, at = [], text.find(phrase)
    while at >= 0:
        found.append(PhraseMatch(at, at + len(phrase), 1.0, phrase, True))
        at = text.find(phrase, at + len(phrase))
    return found


# ---------------------------------------------------------------- sounds, cached per text and per phrase


def _split(syllable: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            return initial, syllable[len(initial):]
    return "", syllable


def _per_char(chunk: str) -> list[str]:
    return list(chunk)


@lru_cache(maxsize=None)
def _reading(char: str) -> str:
    """A character's most common reading, tone-less (the character itself when it has none)."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL, errors=_per_char)[0]


def _convert(text: str) -> _Sounds:
    from pypinyin import Style, lazy_pinyin

    # Whole-text conversion lets pypinyin's phrase dictionary pick heteronym readings from context.
    read = lazy_pinyin(text, style=Style.NORMAL, errors=_per_char)
    if len(read) != len(text):  # never seen; keep offsets right at the cost of context
        read = [_reading(c) for c in text]
    syllables: list[str | None] = []
    keys: list[str] = []
    for char, syllable in zip(text, read):
        if syllable != char and syllable.isascii() and syllable.isalpha():
            syllables.append(sys.intern(syllable))
            keys.append(_key(syllable))
        else:
            syllables.append(None)
            keys.append(char)
    return _Sounds(tuple(syllables), tuple(keys))


@lru_cache(maxsize=4096)
def _key(syllable: str) -> str:
    initial, final = _split(syllable)
    return sys.intern(_INITIAL_CLASS.get(initial, initial) + "|" + _FINAL_CLASS.get(final, final))


_phrase_sounds = lru_cache(maxsize=8192)(_convert)


# Rubrics search each utterance for phrase after phrase, so the cache must hold every utterance of a
# call; a 2,000-character text costs about 0.1 MB here, a 40-character utterance about 3 KB.
@lru_cache(maxsize=1024)
def _indexed(text: str) -> _Indexed:
    return _index(text, _convert(text))


def readings(text: str) -> tuple[str | None, ...]:
    """Tone-less pinyin per character, read in context (None for characters that are not Han).

    Cached per text: a transcript's utterances are read once, then joined for any search scope.
    """
    return _readings(text)


@lru_cache(maxsize=1 << 14)
def _readings(text: str) -> tuple[str | None, ...]:
    return _convert(text).syllables


def _from_readings(text: str, syllables: tuple[str | None, ...]) -> _Indexed:
    keys = tuple(_key(syl) if syl is not None else char for char, syl in zip(text, syllables))
    return _index(text, _Sounds(syllables, keys))


def build_index(text: str, syllables: tuple[str | None, ...]) -> _Indexed:
    """A search index of ``text`` from readings the caller already has; reuse it across phrases."""
    return _from_readings(text, syllables)


def _index(text: str, sounds: _Sounds) -> _Indexed:
    positions: dict[str, array] = {}
    for i, (key, syllable) in enumerate(zip(sounds.keys, sounds.syllables)):
        positions.setdefault(key, array("I")).append(i)
        if syllable is not None:
            positions.setdefault(text[i], array("I")).append(i)
    return _Indexed(sounds, positions)


@lru_cache(maxsize=65536)
def _syllable_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    ia, fa = _split(a)
    ib, fb = _split(b)
    initial_confused = ia != ib and frozenset((ia, ib)) in _CONFUSABLE_INITIALS
    final_confused = fa != fb and frozenset((fa, fb)) in _CONFUSABLE_FINALS
    initial_close = ia == ib or initial_confused
    final_close = fa == fb or final_confused
    if initial_close and final_close:
        return TWO_CONFUSIONS if initial_confused and final_confused else ONE_CONFUSION
    return WEAK if initial_close or final_close else 0.0


def _char_similarity(p_char: str, p_syllable: str | None, t_char: str, t_syllable: str | None) -> float:
    if p_char == t_char:
        return 1.0
    if p_syllable is None:
        return _LITERAL_MISMATCH
    if t_syllable is None:
        return 0.0
    s = _syllable_similarity(p_syllable, t_syllable)
    return HOMOPHONE if s == 1.0 else s


# ---------------------------------------------------------------- fuzzy windows


def _strong_needed(pairs: int, n: int, threshold: float, cost: float) -> int | None:
    """Fewest syllables that must share their sound class for `pairs` aligned ones to reach the threshold.

    A class-sharing syllable earns at most 1, any other at most WEAK; None when even a window of nothing
    but class-sharing syllables cannot get there.
    """
    if pairs < 2 or (pairs - cost) / n < threshold - _EPS:
        return None
    k = math.ceil((threshold * n + cost - pairs * WEAK) / (1.0 - WEAK) - _EPS)
    return max(k, 1)


@lru_cache(maxsize=16384)
def _plan(phrase: str, threshold: float) -> _Plan | None:
    sounds = _phrase_sounds(phrase)
    if threshold >= 1.0 or sum(1 for syllable in sounds.syllables if syllable is not None) < 2:
        return None
    n = len(phrase)
    # A dropped syllable must leave at least two behind (pairs >= 2): one syllable matches far too much.
    needed = (
        (0, _strong_needed(n, n, threshold, 0.0)),
        (+1, _strong_needed(n, n, threshold, INSERTION_COST)),
        (-1, _strong_needed(n - 1, n, threshold, 0.0)),
    )
    shapes = tuple((shift, k) for shift, k in needed if k is not None)
    if not shapes:
        return None
    # Pigeonhole: if k of the n phrase syllables must land on their class, any n - k + 1 of them include one
    # that does. Looking up the rarest ones makes the usual no-match case a few dict look-ups.
    return _Plan(sounds, shapes, n - min(k for _, k in shapes) + 1)


def _fuzzy(
    text: str, phrase: str, plan: _Plan, threshold: float, exact_starts: list[int], index: _Indexed | None = None
) -> list[PhraseMatch]:
    index = index or _indexed(text)
    t_syllables, t_keys, length = index.sounds.syllables, index.sounds.keys, len(text)
    p_syllables, p_keys, n = plan.sounds.syllables, plan.sounds.keys, len(phrase)
    positions = index.positions
    # Most phrases are not in most texts: give up as soon as too many syllables have no class-mate at all.
    absent = 0
    for j in range(n):
        if p_keys[j] not in positions and (p_syllables[j] is None or phrase[j] not in positions):
            absent += 1
            if absent >= plan.anchors:
                return []
    where = [
        (positions.get(p_keys[j], ()), positions.get(phrase[j], ()) if p_syllables[j] else ())
        for j in range(n)
    ]
    rarity = sorted(range(n), key=lambda j: len(where[j][0]) + len(where[j][1]))
    shifts = [shift for shift, _ in plan.shapes]
    starts: set[int] = set()
    for j in rarity[: plan.anchors]:
        for offsets in where[j]:
            for at in offsets:
                for shift in shifts:
                    # Phrase syllable j sits at s + j, or one further (+1) / one back (-1) after the gap.
                    starts.add(at - j - shift)
    if not starts:
        return []

    def plausible(s: int, shift: int, misses_allowed: int) -> bool:
        # Cheap necessary condition before any similarity is computed: enough syllables in class.
        misses = 0
        for j in rarity:
            at, key, char = s + j, p_keys[j], phrase[j]
            if 0 <= at < length and (t_keys[at] == key or text[at] == char):
                continue
            at += shift
            if shift and 0 <= at < length and (t_keys[at] == key or text[at] == char):
                continue
            misses += 1
            if misses > misses_allowed:
                return False
        return True

    diagonals: dict[int, list[float]] = {}

    def diagonal(s: int) -> list[float]:
        # Cumulative similarity of phrase[j] against text[s + j]; out-of-text positions earn nothing.
        if s not in diagonals:
            total, cum = 0.0, [0.0]
            for j in range(n):
                if 0 <= s + j < length:
                    total += _char_similarity(phrase[j], p_syllables[j], text[s + j], t_syllables[s + j])
                cum.append(total)
            diagonals[s] = cum
        return diagonals[s]

    def beside_exact(s: int, end: int) -> bool:
        # A window overlapping an exact occurrence would lose to it anyway; an exact start a overlaps
        # [s, end) when s - n < a < end.
        i = bisect_right(exact_starts, s - n)
        return i < len(exact_starts) and exact_starts[i] < end

    found = []
    for s in sorted(starts):
        for shift, k in plan.shapes:
            if not (0 <= s <= length - n - shift):
                continue
            if (exact_starts and beside_exact(s, s + n + shift)) or not plausible(s, shift, n - k):
                continue
            here = diagonal(s)
            if shift == 0:
                found.append((s, s + n, here[n] / n))
            elif shift == 1:
                # The extra character sits strictly inside the window (phrase[:g] on s, phrase[g:] on
                # s + 1) and must be a Han syllable: an extra digit or letter makes another number or word.
                after = diagonal(s + 1)
                gaps = [g for g in range(1, n) if t_syllables[s + g] is not None]
                if gaps:
                    best = max(here[g] + after[n] - after[g] for g in gaps)
                    found.append((s, s + n + 1, (best - INSERTION_COST) / n))
            else:
                # phrase[g] is dropped (phrase[:g] on s, phrase[g + 1:] on s - 1); only a Han syllable may go.
                before = diagonal(s - 1)
                best = max(here[g] + before[n] - before[g + 1] for g in range(n) if p_syllables[g] is not None)
                found.append((s, s + n - 1, best / n))
    return [
        # Capped so that rounding never turns a fuzzy score into the 1.0 reserved for exact characters.
        PhraseMatch(start, end, min(round(score, 4), 0.9999), text[start:end], False)
        for start, end, score in found
        if score >= threshold - _EPS and text[start:end] != phrase
    ]


def _non_overlapping(candidates: list[PhraseMatch], n: int) -> list[PhraseMatch]:
    ordered = sorted(candidates, key=lambda m: (not m.exact, -m.score, m.end - m.start != n, m.start))
    chosen: list[PhraseMatch] = []
    for m in ordered:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)
