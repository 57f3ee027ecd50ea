"""Homophone correction in pinyin space, against the line's vocabulary, only where the decoder was unsure.

Whisper base on 8 kHz calls writes hotline words as other words that sound alike (咨询→资讯, 补办→不办,
话务员→花务员, 公积金→工基金). After decoding, a stretch of words whose tone-less pinyin is close to a
vocabulary term (with the confusions of telephone and southern Mandarin) is replaced by the term, but only
when the decoder's own probability for the characters that would change is low: a word Whisper is sure of
is never "fixed". Digits read with 幺 but heard as 要 inside a spoken number are put back the same way.

Every change is returned as a ``Correction`` (what, where, how sure the decoder was, how far apart the
sounds were), so the pipeline can store and show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from qc.records import Correction, Word
from qc.text.pinyin import readings, syllable_similarity

__all__ = ["Correction", "CorrectionOptions", "Corrector"]

# Same syllable, other character: the homophone Whisper picked. Below 1.0 so a score of 1.0 always
# means the very characters.
HOMOPHONE = 0.95
# Confusions of the telephone band (the energy above 3.4 kHz that tells s from x and sh, or f from h,
# is cut) and of unaspirated/aspirated pairs under μ-law noise, beyond the accent pairs that
# qc.text.pinyin already credits (zh/z, ch/c, sh/s, n/l, f/h, r/l, an/ang, en/eng, in/ing ...).
TELEPHONE = 0.7
# Pairs are of pypinyin's strict initials and finals (yu -> "" + "v"); the accent pairs are repeated so
# that one accent and one telephone confusion in a syllable still count.
_CLOSE_INITIALS = frozenset(frozenset(p) for p in (
    ("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"), ("r", "l"),
    ("b", "p"), ("d", "t"), ("g", "k"), ("j", "q"), ("j", "zh"), ("q", "ch"), ("x", "sh"), ("x", "s"), ("s", "f"),
))
_CLOSE_FINALS = frozenset(frozenset(p) for p in (
    ("an", "ang"), ("en", "eng"), ("in", "ing"), ("ian", "iang"), ("uan", "uang"),
    ("i", "v"), ("u", "v"), ("en", "in"), ("eng", "ing"), ("uen", "ong"), ("vn", "iong"), ("ei", "en"), ("e", "ei"),
))
_PUNCTUATION = "，。？！、,.?!:;：；\"'“”"
_DIGIT_CHARS = frozenset("0123456789零〇洞幺一二两三四五六七八九")
# Words for 幺 ("yao", the phone's 1) that Whisper writes inside spoken numbers.
_YAO_HOMOPHONES = frozenset("要腰妖邀药摇遥")
# Fewest digits around a 要 before it is read as part of a number ("要三八" yes, "要三个" no).
_MIN_DIGITS_AROUND_YAO = 2


@dataclass(frozen=True)
class CorrectionOptions:
    """Tuned on the 24 dev calls (bench/asr.py); see reports/bench/asr.md."""

    # The decoder's probability for each word that would change must be below this where the change
    # keeps every sound (a homophone: the decoder only picked another character for the syllable) ...
    max_probability: float = 0.7
    # ... and below this where a sound changes too (telephone or accent confusions: 机驻证 -> 居住证).
    max_probability_near: float = 0.35
    # Mean per-character sound similarity of the stretch and the term (1.0 = same characters).
    min_similarity: float = 0.85
    # Put 幺 back where Whisper wrote 要 inside a spoken number.
    spoken_one: bool = True
    # A stretch must start and end where the decoder's words do: one that cuts a decoded word
    # (以保 out of 可以保) is a different word that happens to sound alike.
    whole_words: bool = True


@dataclass(frozen=True)
class _Term:
    text: str
    syllables: tuple[str, ...]


class Corrector:
    """Holds a line's vocabulary; ``correct`` is pure and safe across threads."""

    def __init__(self, terms: Iterable[str], options: CorrectionOptions | None = None):
        self.options = options or CorrectionOptions()
        self.terms = tuple(_prepare(t) for t in dict.fromkeys(terms))
        self.terms = tuple(t for t in self.terms if t is not None)
        # Candidate windows are found from the term's first two syllables, looked up by every syllable
        # close to them; filled lazily, one entry per syllable heard.
        self._by_syllable: dict[str, list[tuple[_Term, int]]] = {}
        for term in self.terms:
            for j in range(min(2, len(term.syllables))):
                self._by_syllable.setdefault(term.syllables[j], []).append((term, j))
        self._near: dict[str, tuple[tuple[_Term, int], ...]] = {}
        self._exact = tuple(sorted({t.text for t in self.terms}, key=len, reverse=True))

    def correct(self, words: Sequence[Word]) -> tuple[tuple[Word, ...], tuple[Correction, ...]]:
        """The words with vocabulary homophones put right, and what was changed."""
        words = tuple(words)
        if not words:
            return words, ()
        text = "".join(w.text for w in words)
        owner = [i for i, w in enumerate(words) for _ in w.text]
        syllables = readings(text)
        protected = self._protected(text)
        edges = _word_edges(words) if self.options.whole_words else None
        found: list[tuple[float, int, int, str, float]] = []  # (similarity, start, end, term, probability)
        seen: set[tuple[int, str]] = set()
        for pos, syllable in enumerate(syllables):
            for term, j in self._candidates(syllable) if syllable else ():
                start = pos - j
                if (start, term.text) in seen:
                    continue
                seen.add((start, term.text))
                if edges is not None and not (start in edges and start + len(term.text) in edges):
                    continue
                hit = self._window(text, syllables, owner, words, protected, start, term)
                if hit is not None:
                    found.append(hit)
        if self.options.spoken_one:
            found += _spoken_ones(text, owner, words, self.options.max_probability)
        return _apply(words, text, owner, _non_overlapping(found))

    def _candidates(self, heard: str) -> tuple[tuple[_Term, int], ...]:
        if heard not in self._near:
            self._near[heard] = tuple(
                hit for syllable, hits in self._by_syllable.items() if _similarity(syllable, heard) >= 0.5 for hit in hits
            )
        return self._near[heard]

    def _protected(self, text: str) -> set[int]:
        """Characters inside an exact vocabulary term: already right, never rewritten."""
        kept: set[int] = set()
        for term in self._exact:
            at = text.find(term)
            while at >= 0:
                kept.update(range(at, at + len(term)))
                at = text.find(term, at + 1)
        return kept

    def _window(self, text, syllables, owner, words, protected, start, term):
        n = len(term.text)
        if start < 0 or start + n > len(text) or text[start : start + n] == term.text:
            return None
        total, changed, homophone = 0.0, [], True
        for j in range(n):
            at = start + j
            if text[at] == term.text[j]:
                total += 1.0
                continue
            if syllables[at] is None or at in protected:
                return None
            s = _similarity(term.syllables[j], syllables[at])
            if s < 0.5:  # one syllable far off: a different word, however close the rest
                return None
            total += s
            changed.append(at)
            homophone = homophone and s == HOMOPHONE
        similarity = total / n
        if similarity < self.options.min_similarity:
            return None
        probability = max(words[owner[at]].probability for at in changed)
        if probability >= (self.options.max_probability if homophone else self.options.max_probability_near):
            return None
        return (similarity, start, start + n, term.text, probability)


def _word_edges(words: Sequence[Word]) -> set[int]:
    """Character offsets where a decoded word starts or ends (punctuation and spaces do not count)."""
    edges, at = {0}, 0
    for w in words:
        core = w.text.strip().rstrip(_PUNCTUATION)
        lead = len(w.text) - len(w.text.lstrip())
        edges.update((at, at + lead, at + lead + len(core), at + len(w.text)))
        at += len(w.text)
    return edges


def _prepare(term: str) -> _Term | None:
    term = term.strip()
    syllables = readings(term)
    # Pinyin tolerance is for Han words of two characters or more: one syllable matches far too much,
    # and digits or letters must be heard as they are.
    if len(term) < 2 or any(s is None for s in syllables):
        return None
    return _Term(term, tuple(syllables))  # type: ignore[arg-type]


@lru_cache(maxsize=1 << 16)
def _similarity(a: str, b: str) -> float:
    if a == b:
        return HOMOPHONE
    accent = syllable_similarity(a, b)
    if accent >= 0.5:
        return accent
    ia, fa = _parts(a)
    ib, fb = _parts(b)
    initial = ia == ib or frozenset((ia, ib)) in _CLOSE_INITIALS
    final = fa == fb or frozenset((fa, fb)) in _CLOSE_FINALS
    return TELEPHONE if initial and final else accent


@lru_cache(maxsize=4096)
def _parts(syllable: str) -> tuple[str, str]:
    from pypinyin.contrib.tone_convert import to_finals, to_initials

    return to_initials(syllable), to_finals(syllable)


def _spoken_ones(text: str, owner: list[int], words: Sequence[Word], max_probability: float):
    """要 (and other "yao" characters) inside a spoken number: the phone's 幺."""
    found = []
    for at, char in enumerate(text):
        if char not in _YAO_HOMOPHONES:
            continue
        before = _digits_run(text, at, -1)
        after = _digits_run(text, at, +1)
        if after == 0 or before + after < _MIN_DIGITS_AROUND_YAO:
            continue
        probability = words[owner[at]].probability
        if probability < max_probability:
            found.append((HOMOPHONE, at, at + 1, "幺", probability))
    return found


def _digits_run(text: str, at: int, step: int) -> int:
    """How many digits (or other yao characters) stand next to ``at`` in direction ``step``."""
    count, i = 0, at + step
    while 0 <= i < len(text) and (text[i] in _DIGIT_CHARS or text[i] in _YAO_HOMOPHONES):
        count += 1
        i += step
    return count


def _non_overlapping(found):
    chosen: list[tuple[float, int, int, str, float]] = []
    for hit in sorted(found, key=lambda h: (-h[0], -(h[2] - h[1]), h[1])):
        if all(hit[2] <= c[1] or hit[1] >= c[2] for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h[1])


def _apply(words: tuple[Word, ...], text: str, owner: list[int], hits) -> tuple[tuple[Word, ...], tuple[Correction, ...]]:
    if not hits:
        return words, ()
    chars = list(text)
    corrections = []
    for similarity, start, end, term, probability in hits:
        first, last = owner[start], owner[end - 1]
        corrections.append(Correction(
            original=text[start:end], replacement=term, start=words[first].start, end=words[last].end,
            probability=round(probability, 4), pinyin_distance=round(1.0 - similarity, 4), term=term,
        ))
        chars[start:end] = list(term)  # same length: offsets stay valid
    out, at = [], 0
    for w in words:
        out.append(w._replace(text="".join(chars[at : at + len(w.text)])))
        at += len(w.text)
    return tuple(out), tuple(corrections)
