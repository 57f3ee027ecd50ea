"""How urgent a caller's words are: each mention's level from its frames, and a call's level so far.

Levels: ``urgent`` (the duty supervisor now), ``possible`` (a person should listen), ``weak`` (not enough
alone: a denial, a figure of speech; two of them, or one with a voice cue, make a possible crisis).
Recall first: a mention of self-harm about the caller is never dropped, only weakened.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from qc.crisis.lexicon import DEFAULT_CRISIS_LEXICON, SELF_HARM, CrisisLexicon, load_crisis_lexicon
from qc.crisis.match import Mention, find_mentions, frames_around

LEVEL_RANK = {"none": 0, "weak": 1, "possible": 2, "urgent": 3}
# Weak signals that together make a possible crisis (two denials, a denial and a voice cue, ...).
WEAK_TO_POSSIBLE = 2


@dataclass(frozen=True)
class Signal:
    """One reason to think the caller is in crisis, with the words (or the voice) behind it."""

    kind: str  # self_harm, fire, ..., or voice
    level: str  # urgent | possible | weak
    matched: str  # the words heard ("" for a voice cue)
    why: str  # in words: the phrase and the frames that decided the level
    start_char: int = 0
    end_char: int = 0
    by_sound: bool = False
    start_s: float | None = None  # for a voice cue: when, in the call
    end_s: float | None = None
    mood: bool = False  # a tired or lonely word: never a possible crisis with only others of its kind


@dataclass(frozen=True)
class Assessment:
    level: str  # none | weak | possible | urgent
    signals: tuple[Signal, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.kind for s in self.signals if s.level == self.level))

    def only(self, kinds: tuple[str, ...] | None) -> "Assessment":
        """The same words, counting only the signals of ``kinds`` (all when None)."""
        if kinds is None:
            return self
        signals = tuple(s for s in self.signals if s.kind in kinds)
        return Assessment(_level(signals), signals)


def assess_text(text: str, lexicon: CrisisLexicon | None = None) -> Assessment:
    """The crisis level of one caller utterance, from its words alone."""
    if lexicon is None:
        return _assess_default(text)
    signals = tuple(s for m in find_mentions(text, lexicon) if (s := _signal(m)) is not None)
    return Assessment(_level(signals), signals)


@lru_cache(maxsize=8192)
def _assess_default(text: str) -> Assessment:
    # The tone cues, the rubric's urgency and the live path each ask about the same utterance.
    return assess_text(text, load_crisis_lexicon(DEFAULT_CRISIS_LEXICON))


def _signal(m: Mention) -> Signal | None:
    level = mention_level(m)
    if level == "none":
        return None
    frames = ", ".join(sorted(m.frames)) or "no frame"
    how = " (by sound)" if m.by_sound else ""
    return Signal(m.kind, level, m.matched, f"“{m.phrase}”{how}: {m.strength} phrase, {frames}", m.start, m.end, m.by_sound,
                  mood=m.strength == "weak")


def mention_level(m: Mention) -> str:
    """The level one mention gives, from the lexicon's strength and the frames around it."""
    if m.kind == SELF_HARM:
        if m.near_miss or "reported" in m.frames:
            return "weak" if m.near_miss else "none"
        if m.strength == "weak" or m.frames & {"negated", "all_clear"}:
            return "weak"  # "我没有想自杀", "好累", "学校已经处理了": heard, kept, not enough alone
        if "hypothetical" in m.frames:
            return "possible"  # "要是我不在了，他们会好过点": a conditional is how ideation is often said
        if "past" in m.frames:
            return "possible" if m.strength == "urgent" else "weak"
        if "relayed" in m.frames and "now" not in m.frames:
            return "possible"  # "我儿子说他不想活了": someone close may be at risk; a person should listen
        return m.strength
    if not happening(m.frames) or m.near_miss:
        return "none"
    if "now" in m.frames:
        return "urgent"
    if "relayed" in m.frames:
        return "possible"  # "佢話隔籬著火": passed on by someone, not heard happening; a person should listen
    return "urgent" if m.strength == "urgent" else "possible"


# Frames that say a mention is not real: a hypothetical, a denial, hearsay, or about a thing, not a person.
NOT_REAL = frozenset({"negated", "hypothetical", "reported", "not_about_people"})
# And those that say it is real but not happening now: the past, over, a complaint that recurs.
NOT_NOW = frozenset({"past", "past_sentence", "all_clear", "habitual"})


def happening(frames: frozenset[str]) -> bool:
    """Whether a mention with these frames may be happening now."""
    return not frames & (NOT_REAL | NOT_NOW)


def in_context(text: str, start: int, end: int, context: str, lexicon: CrisisLexicon | None = None) -> bool:
    """Whether the words at [start, end) of ``text`` count in ``context`` (a rubric's ``said``): ``real``, not framed
    as a hypothetical, a denial or hearsay ("如果水管爆了谁出钱"); ``happening``, real and not the past, over or
    recurring either (what urgency needs). The frames are the crisis detector's (rubrics/lexicon/crisis.yaml)."""
    frames = frames_around(text, start, end, lexicon or load_crisis_lexicon(DEFAULT_CRISIS_LEXICON))
    return happening(frames) if context == "happening" else not frames & NOT_REAL


def _level(signals) -> str:
    if not signals:
        return "none"
    top = max(signals, key=lambda s: LEVEL_RANK[s.level]).level
    if top == "weak" and _weak_signs_add_up([s for s in signals if s.level == "weak"]):
        return "possible"
    return top


def _weak_signs_add_up(weak: list[Signal]) -> bool:
    """Weak signs make a possible crisis when one of them names self-harm (a denial, a figure of speech) and another
    sign comes with it, or when the voice says so twice or with a word. Tired and lonely words together do not:
    "吵得孩子睡不着，我真是受够了" is a noise complaint."""
    voice = [s for s in weak if s.kind == "voice"]
    named = [s for s in weak if s.kind != "voice" and not s.mood]
    words = [s for s in weak if s.kind != "voice"]
    return (bool(named) and len(weak) >= WEAK_TO_POSSIBLE) or (bool(voice) and bool(words)) or len(voice) >= WEAK_TO_POSSIBLE


@dataclass
class CallCrisis:
    """A call's crisis level as its caller's utterances arrive (live), or all at once (batch)."""

    level: str = "none"
    signals: list[Signal] = field(default_factory=list)

    def add(self, assessment: Assessment) -> str:
        """Take in one utterance's assessment; return the call's new level when it rose, else ''."""
        before = self.level
        self.signals.extend(assessment.signals)
        self.level = max(_level(tuple(self.signals)), assessment.level, before, key=LEVEL_RANK.__getitem__)
        return self.level if LEVEL_RANK[self.level] > LEVEL_RANK[before] else ""

    def add_voice(self, cue: Signal) -> str:
        return self.add(Assessment(cue.level, (replace(cue, kind="voice"),)))


def assess_call(texts: list[str], lexicon_path: Path | str = DEFAULT_CRISIS_LEXICON) -> CallCrisis:
    """The crisis level of a whole call from its caller's utterances (the batch)."""
    lexicon = load_crisis_lexicon(lexicon_path)
    call = CallCrisis()
    for text in texts:
        call.add(assess_text(text, lexicon))
    return call
