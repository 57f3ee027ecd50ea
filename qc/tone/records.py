"""Typed, immutable records of tone and emotion: per utterance, per call, per agent.

Numbers that could not be measured (an utterance too short, no voiced frame, no words) are None,
never NaN, so they survive JSON and SQL unchanged and nobody averages a NaN by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from qc.records import Role

# learned_crisis: the crisis classifier (qc.crisis.learned) over words the crisis lexicon did not flag.
CueClass = Literal["anger", "impatience", "abuse", "politeness", "distress", "danger", "fear", "sadness", "learned_crisis"]
AlertKind = Literal["agent_agitated", "agent_impatient_words", "caller_distress", "caller_danger", "possible_crisis", "caller_anger"]
AlertSeverity = Literal["warning", "high", "critical"]
# Where an utterance's z-scores came from: the agent's own history, the team's while the agent's is
# too short, the caller's earlier utterances in this call, or nowhere (no z-scores at all).
BaselineSource = Literal["agent", "team", "in_call", "none"]


@dataclass(frozen=True)
class ProsodyFeatures:
    """How one utterance sounded. Rates count syllables: one per CJK character, vowel groups in English."""

    duration_s: float  # first word's start to last word's end (the whole clip without words)
    f0_median_hz: float | None = None
    f0_range_st: float | None = None  # p90 - p10 of voiced frames, in semitones
    loudness_dbfs: float | None = None  # RMS over voiced frames
    loudness_range_db: float | None = None  # p90 - p10 of frame levels over voiced frames
    syllables: int = 0
    speaking_rate: float | None = None  # syllables per second over the whole utterance
    articulation_rate: float | None = None  # syllables per second of word time, pauses left out
    pause_ratio: float | None = None  # share of the utterance spent in pauses between words
    longest_pause_s: float | None = None
    voiced_fraction: float | None = None
    jitter: float | None = None  # mean frame-to-frame period change / mean period (frame-level, not cycle-level)
    shimmer_db: float | None = None  # mean frame-to-frame level change over voiced frames
    hnr_db: float | None = None  # harmonics-to-noise ratio from the autocorrelation at the pitch period
    clipped_fraction: float = 0.0  # samples at full scale: loudness is capped when this is high


@dataclass(frozen=True)
class CueHit:
    """One lexicon phrase found in an utterance's text."""

    cue: CueClass
    phrase: str  # the lexicon's phrase (simplified script)
    matched: str  # the words as they stand in the utterance
    start_char: int
    end_char: int
    negated: bool = False  # a negator stands just before ("我不是投诉你")
    near_miss: bool = False  # a documented figure of speech ("跳楼价"): distress kept, severity lowered


@dataclass(frozen=True)
class TextCues:
    hits: tuple[CueHit, ...] = ()

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(h.cue for h in self.hits)

    def of(self, cue: str, *, include_negated: bool = True) -> tuple[CueHit, ...]:
        return tuple(h for h in self.hits if h.cue == cue and (include_negated or not h.negated))

    def words(self, cue: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.matched for h in self.of(cue)))


@dataclass(frozen=True)
class UtteranceTone:
    """Tone of one utterance against its speaker's baseline. arousal and negativity are 0..1."""

    index: int  # position of the utterance in the call
    role: Role
    start: float
    end: float
    features: ProsodyFeatures
    cues: TextCues
    zscores: dict[str, float] = field(default_factory=dict)  # baseline feature name -> clipped z
    baseline_source: BaselineSource = "none"
    arousal: float | None = None  # None when no z-score could be computed
    negativity: float = 0.0
    reasons: tuple[str, ...] = ()  # plain words, English; alerts carry the Chinese
    model_scores: dict[str, float] = field(default_factory=dict)  # an optional EmotionModel's output
    # Against the agent's own earlier utterances in this call: what a cold-start (team) comparison must
    # agree with before it raises an agitation alert, so a voice unlike the team's is not flagged.
    in_call_zscores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ToneMeasure:
    """One call-level number (0..1) and the utterances that drove it (indices into the call)."""

    value: float = 0.0
    drivers: tuple[int, ...] = ()


@dataclass(frozen=True)
class CallTone:
    agent_arousal: ToneMeasure = ToneMeasure()
    agent_negativity: ToneMeasure = ToneMeasure()
    caller_distress: ToneMeasure = ToneMeasure()
    caller_anger: ToneMeasure = ToneMeasure()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToneAlert:
    kind: AlertKind
    severity: AlertSeverity
    start: float
    end: float
    message_zh: str
    message_en: str
    evidence: tuple[str, ...] = ()  # the words (or the deviations) that raised it
    utterance: int | None = None


@dataclass(frozen=True)
class RunningStats:
    """Welford's running mean and variance of one feature: exact, mergeable, one pass."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    @property
    def variance(self) -> float | None:
        return self.m2 / (self.count - 1) if self.count > 1 else None

    @property
    def std(self) -> float | None:
        variance = self.variance
        return variance**0.5 if variance is not None else None


@dataclass(frozen=True)
class AgentBaseline:
    """How one agent (or the whole team, agent_id "team") usually sounds, feature by feature."""

    agent_id: str
    utterances: int = 0
    stats: dict[str, RunningStats] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "agent_id": self.agent_id,
            "utterances": self.utterances,
            "stats": {name: [s.count, s.mean, s.m2] for name, s in self.stats.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> AgentBaseline:
        stats = {name: RunningStats(int(c), float(m), float(m2)) for name, (c, m, m2) in data.get("stats", {}).items()}
        return cls(agent_id=str(data["agent_id"]), utterances=int(data.get("utterances", 0)), stats=stats)
