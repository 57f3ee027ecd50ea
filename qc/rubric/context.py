"""What rubric conditions look at: one call's utterances, derived once (texts, silences, overlaps, rates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from qc.records import CallMeta, Evidence, Utterance
from qc.rubric.schema import Window
from qc.text.normalise import normalise_for_match, to_script

# Silences shorter than this are the normal rhythm of a conversation, not "dead air".
MIN_GAP_S = 0.05
# Between utterances in a joined search text: not a letter, digit or Han character, so no phrase,
# exact or homophone, can match across it.
_SEPARATOR = "|"


@lru_cache(maxsize=1 << 16)
def match_form(text: str) -> str:
    """Rules compare Simplified, lower-case text without punctuation, whatever the line's script."""
    return normalise_for_match(to_script(text, "t2s"))


def stored_readings(text: str) -> str:
    """An utterance's pinyin as stored beside its transcript: one syllable per match-form character."""
    from qc.text.pinyin import readings

    return " ".join(r or "_" for r in readings(match_form(text)))


def parse_readings(stored: str | None, text: str) -> tuple[str | None, ...] | None:
    """The stored pinyin back as a tuple, or None when missing or out of step with the text."""
    if not stored:
        return None if match_form(text) else ()
    parts = tuple(None if p == "_" else p for p in stored.split(" "))
    return parts if len(parts) == len(match_form(text)) else None


@dataclass(frozen=True)
class PhraseHit:
    utterance: int
    start_char: int
    end_char: int
    phrase: str
    score: float


@dataclass(frozen=True, eq=False)
class CallContext:
    utterances: tuple[Utterance, ...]
    duration_s: float
    meta: CallMeta = CallMeta()
    roles_known: bool = True
    measures: dict[str, float] = field(default_factory=dict)
    repeat_count: int | None = None
    case_type: str | None = None
    urgency: str | None = None
    fuzzy_threshold: float = 0.85
    # Per utterance, the pinyin of its match-form text, when stored with the transcript (re-scoring
    # then needs no pinyin conversion at all); computed on demand otherwise.
    pinyin: tuple[tuple[str | None, ...], ...] | None = None

    # -- texts -----------------------------------------------------------------------------------
    @cached_property
    def texts(self) -> tuple[str, ...]:
        return tuple(match_form(u.text) for u in self.utterances)

    def _word_offsets(self, index: int) -> list[tuple[int, int, float, float]]:
        """(first char, end char, start s, end s) of every word of an utterance in the normalised text."""
        offset, spans = 0, []
        for w in self.utterances[index].words:
            n = len(match_form(w.text))
            if n:
                spans.append((offset, offset + n, w.start, w.end))
            offset += n
        return spans

    def span_times(self, index: int, start_char: int, end_char: int) -> tuple[float, float]:
        """Times of the words covering characters [start_char, end_char) of utterance ``index``."""
        u = self.utterances[index]
        covering = [(s, e) for a, b, s, e in self._word_offsets(index) if a < end_char and b > start_char]
        if not covering:
            return round(u.start, 2), round(u.end, 2)
        return round(float(covering[0][0]), 2), round(float(covering[-1][1]), 2)

    def evidence(self, hit: PhraseHit) -> Evidence:
        u = self.utterances[hit.utterance]
        start, end = self.span_times(hit.utterance, hit.start_char, hit.end_char)
        matched = self.texts[hit.utterance][hit.start_char : hit.end_char]
        label = hit.phrase if matched == match_form(hit.phrase) else f"{hit.phrase} (heard “{matched}”)"
        return Evidence(start=start, end=end, role=u.role, matched=label, text=u.text)

    @cached_property
    def _scopes(self) -> dict[tuple[int, ...], tuple[str, list[int], object | None]]:
        return {}

    def _joined(self, scope: tuple[int, ...]) -> tuple[str, list[int]]:
        """The scope's texts joined by a separator, and where each utterance starts in it."""
        if scope not in self._scopes:
            starts, at = [], 0
            for i in scope:
                starts.append(at)
                at += len(self.texts[i]) + len(_SEPARATOR)
            self._scopes[scope] = (_SEPARATOR.join(self.texts[i] for i in scope), starts, None)
        text, starts, _ = self._scopes[scope]
        return text, starts

    def _pinyin_index(self, scope: tuple[int, ...]) -> object:
        """The scope's pinyin search index, from each utterance's reading in context (cached per text)."""
        text, starts, index = self._scopes[scope]
        if index is None:
            from qc.text.pinyin import build_index, readings

            syllables: list[str | None] = []
            for k, i in enumerate(scope):
                if k:
                    syllables.append(None)  # the separator
                syllables.extend(self.pinyin[i] if self.pinyin else readings(self.texts[i]))
            index = build_index(text, tuple(syllables))
            self._scopes[scope] = (text, starts, index)
        return index

    def find_in(self, scope: tuple[int, ...], phrase: str, fuzzy: bool, threshold: float | None = None) -> PhraseHit | None:
        """The phrase in the scope: exact (``fuzzy`` False) or the best homophone (``fuzzy`` True).

        One search over the scope's joined texts instead of one per utterance: rubrics re-score
        thousands of calls a second, and most phrases are not in a call at all.
        """
        wanted = match_form(phrase)
        if not scope or not wanted:
            return None
        text, starts = self._joined(scope)
        if not fuzzy:
            pos = text.find(wanted)
            return self._hit_at(scope, starts, pos, pos + len(wanted), phrase, 1.0) if pos >= 0 else None
        from qc.text.pinyin import homophone_matches
        from qc.text.words import sound_alike_threshold

        needed = sound_alike_threshold(wanted, threshold or self.fuzzy_threshold)
        matches = homophone_matches(text, wanted, needed, self._pinyin_index(scope))
        for m in sorted(matches, key=lambda m: (-m.score, m.start)):
            if _SEPARATOR not in m.matched:
                hit = self._hit_at(scope, starts, m.start, m.end, phrase, m.score)
                if self._keeps_to_words(hit, wanted):
                    return hit
        return None

    def _keeps_to_words(self, hit: PhraseHit, wanted: str) -> bool:
        """A sound-alike counts only on whole words of its own utterance (qc.text.words)."""
        from qc.text.words import keeps_to_words

        return keeps_to_words(self.texts[hit.utterance], hit.start_char, hit.end_char, wanted)

    @staticmethod
    def _hit_at(scope: tuple[int, ...], starts: list[int], a: int, b: int, phrase: str, score: float) -> PhraseHit:
        from bisect import bisect_right

        k = bisect_right(starts, a) - 1
        return PhraseHit(scope[k], a - starts[k], b - starts[k], phrase, score)

    def find(self, index: int, phrase: str, fuzzy: bool, threshold: float | None = None) -> PhraseHit | None:
        text, wanted = self.texts[index], match_form(phrase)
        if not wanted:
            return None
        pos = text.find(wanted)
        if pos >= 0:
            return PhraseHit(index, pos, pos + len(wanted), phrase, 1.0)
        if fuzzy:
            from qc.text.pinyin import find_phrase
            from qc.text.words import keeps_to_words, sound_alike_threshold

            needed = sound_alike_threshold(wanted, threshold or self.fuzzy_threshold)
            matches = [m for m in find_phrase(text, wanted, needed) if keeps_to_words(text, m.start, m.end, wanted)]
            if matches:
                match = min(matches, key=lambda m: (-m.score, m.start))
                return PhraseHit(index, match.start, match.end, phrase, match.score)
        return None

    def find_all(self, index: int, phrase: str, fuzzy: bool, threshold: float | None = None) -> list[PhraseHit]:
        """Every occurrence of the phrase in utterance ``index``: exact ones, then (``fuzzy``) sound-alikes on words."""
        text, wanted = self.texts[index], match_form(phrase)
        if not wanted:
            return []
        hits, at = [], text.find(wanted)
        while at >= 0:
            hits.append(PhraseHit(index, at, at + len(wanted), phrase, 1.0))
            at = text.find(wanted, at + len(wanted))
        if fuzzy:
            from qc.text.pinyin import homophone_matches
            from qc.text.words import keeps_to_words, sound_alike_threshold

            needed = sound_alike_threshold(wanted, threshold or self.fuzzy_threshold)
            hits += [PhraseHit(index, m.start, m.end, phrase, m.score) for m in homophone_matches(text, wanted, needed)
                     if keeps_to_words(text, m.start, m.end, wanted)]
        return hits

    def in_context(self, hit: PhraseHit, context: str) -> bool:
        """Whether the words of ``hit`` count in ``context`` (real, happening), by the crisis lexicon's frames around
        them in the utterance as said (with its punctuation): the same judgement as the crisis detector's."""
        from qc.crisis import in_context

        text = self.utterances[hit.utterance].text
        span = _original_span(text, self.texts[hit.utterance], hit.start_char, hit.end_char)
        return True if span is None else in_context(text, *span, context)  # cannot place it: recall first

    # -- scope -----------------------------------------------------------------------------------
    def scope(self, by: str, within: Window) -> list[int]:
        """Indices of the utterances of ``by`` inside the window, in time order."""
        chosen = [i for i, u in enumerate(self.utterances) if self.is_role(u, by)]
        w = within
        if w.first_turns:
            return chosen[: w.first_turns]
        if w.last_turns:
            return chosen[-w.last_turns :]
        start, end = self.window_bounds(w)
        return [i for i in chosen if self.utterances[i].start < end and self.utterances[i].end > start]

    def window_bounds(self, w: Window) -> tuple[float, float]:
        d = self.duration_s
        if w.first_seconds:
            return 0.0, w.first_seconds
        if w.last_seconds:
            return d - w.last_seconds, d
        if w.first_percent:
            return 0.0, d * w.first_percent / 100
        if w.last_percent:
            return d * (1 - w.last_percent / 100), d
        return 0.0, d

    def is_role(self, u: Utterance, by: str) -> bool:
        if by == "either":
            return True
        # Speakers unresolved: any voice may be the agent's (the verdict's reason says so).
        return u.role == by or (not self.roles_known and u.role == "unknown")

    # -- conversation measures -------------------------------------------------------------------
    @cached_property
    def silences(self) -> tuple[tuple[float, float], ...]:
        """Gaps in which nobody speaks, between the first and the last speech of the call."""
        spans = sorted((u.start, u.end) for u in self.utterances)
        gaps, reach = [], None
        for start, end in spans:
            if reach is not None and start - reach > MIN_GAP_S:
                gaps.append((round(reach, 2), round(start, 2)))
            reach = end if reach is None else max(reach, end)
        return tuple(gaps)

    def interruptions(self, by: str, min_overlap: float) -> list[tuple[Utterance, Utterance, float]]:
        """(interrupter, interrupted, seconds of overlap): ``by`` starts while the other side speaks."""
        other = "caller" if by == "agent" else "agent"
        mine = [u for u in self.utterances if u.role == by]
        theirs = [u for u in self.utterances if u.role == other]
        found = []
        for u in mine:
            for v in theirs:
                if v.start < u.start < v.end:
                    overlap = min(u.end, v.end) - u.start
                    if overlap >= min_overlap:
                        found.append((u, v, round(overlap, 2)))
                        break
        return found

    def speaking_time(self, by: str) -> float:
        return sum(u.end - u.start for u in self.utterances if u.role == by)

    def speech_rate(self, by: str) -> float | None:
        """Characters (Han) plus words (other scripts) per minute of the speaker's own talk time."""
        seconds = self.speaking_time(by)
        if seconds < 1.0:
            return None
        units = sum(_units(u.text) for u in self.utterances if u.role == by)
        return round(units * 60.0 / seconds, 1)

    def talk_ratio(self, by: str) -> float | None:
        total = sum(u.end - u.start for u in self.utterances)
        return round(self.speaking_time(by) / total, 3) if total > 0 else None

    def agent_said_before(self, t: float, phrases: tuple[str, ...], seconds: float) -> PhraseHit | None:
        for i, u in enumerate(self.utterances):
            if self.is_role(u, "agent") and t - seconds <= u.end <= t + 0.5:
                for phrase in phrases:
                    hit = self.find(i, phrase, fuzzy=True)
                    if hit:
                        return hit
        return None


def _original_span(text: str, matched_form: str, start: int, end: int) -> tuple[int, int] | None:
    """Characters [start, end) of an utterance's match form, as offsets in its text (None when they cannot be placed)."""
    simplified = to_script(text, "t2s")
    if len(simplified) != len(text) or end <= start:
        return None
    origin = [i for i, ch in enumerate(simplified) for _ in normalise_for_match(ch)]
    if len(origin) != len(matched_form) or end > len(origin):
        return None
    return origin[start], origin[end - 1] + 1


def _units(text: str) -> int:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    other = len([w for w in "".join(ch if not ("\u4e00" <= ch <= "\u9fff") else " " for ch in text).split() if any(c.isalnum() for c in w)])
    return han + other
