"""Typed, immutable records that flow between the stages.

Stages never mutate a record: they return new ones (``dataclasses.replace``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from qc import PIPELINE_VERSION

if TYPE_CHECKING:
    from qc.tone.records import CallTone, UtteranceTone

Role = Literal["agent", "caller", "unknown"]
CallStatus = Literal["scored", "failed"]
VerdictValue = Literal["pass", "fail", "na"]
# How speakers were separated: by recorder channel, by diarization, or not at all.
SpeakersStatus = Literal["channels", "diarized", "unresolved"]


@dataclass(frozen=True)
class CallMeta:
    """What the recorder or the operator tells us about a call, beside the audio."""

    line: str | None = None
    agent_id: str | None = None
    caller_hash: str | None = None
    started_at: datetime | None = None
    agent_channel: int | None = None  # overrides the line's default for this recording
    # The logged-in agent's enrolled voiceprint (unit vector), attached by the batch from the store.
    agent_voiceprint: tuple[float, ...] | None = None


@dataclass(frozen=True)
class AudioInfo:
    """What the file header says, before any decoding."""

    path: str
    sha256: str
    size_bytes: int
    container: str
    sample_rate: int
    channels: int
    duration_s: float


class Word(NamedTuple):
    """One recognised word. A named tuple, not a dataclass: calls carry thousands of them and
    re-scoring rebuilds them from the database, where a frozen dataclass costs 5x more to create."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Utterance:
    """One speaker's stretch of speech, with the words that make it up."""

    speaker: str  # "ch0"/"ch1" for channel speakers, "S1"/"S2" for diarized ones
    role: Role
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    channel: int | None = None
    avg_logprob: float | None = None


@dataclass(frozen=True)
class Evidence:
    """Why a verdict came out as it did: where, who, which words."""

    start: float
    end: float
    role: Role
    matched: str
    text: str


@dataclass(frozen=True)
class Verdict:
    item_id: str
    title: str
    verdict: VerdictValue
    points: float
    max_points: float
    severity: str
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Alert:
    """Something a supervisor must hear about now: an urgent case, a critical failure."""

    kind: str  # "urgent_case" | "critical_fail" | tone: "agent_agitated", "caller_distress", ...
    severity: Literal["warning", "high", "critical"]
    start: float | None
    message: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class CaseInfo:
    """What the call is about (case type) and how urgent it is, with the words that decided."""

    case_type: str | None = None
    case_title: str | None = None
    case_evidence: tuple[Evidence, ...] = ()
    urgency: str = "normal"  # "urgent" = 特急
    urgency_title: str | None = None
    urgency_evidence: tuple[Evidence, ...] = ()
    repeat_count: int | None = None  # which call this is about the same problem (history or the caller's words)
    repeat_level: str | None = None  # "orange" (2nd call) | "red" (3rd or later)


@dataclass(frozen=True)
class PersonalData:
    """Where personal data was heard (never what it was): to mute playback audio and to audit."""

    kind: str  # cn_id, hk_id, mobile, landline, bank_card, email, plate, address, name
    utterance: int
    start: float | None
    end: float | None
    confidence: float


@dataclass(frozen=True)
class Correction:
    """A word the recogniser wrote, put right to a term of the line's vocabulary (qc.speech.correction)."""

    original: str
    replacement: str
    start: float  # seconds, the first changed word's start
    end: float  # and the last changed word's end
    probability: float  # the highest decoder probability among the words changed
    pinyin_distance: float  # 1 - sound similarity: 0 for a homophone of every character
    term: str  # the vocabulary term (or "幺" for a spoken digit)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Correction":
        return cls(**data)


@dataclass(frozen=True)
class CallResult:
    """Everything the pipeline learned about one recording, scored or failed."""

    call_id: str
    path: str
    status: CallStatus
    meta: CallMeta
    pipeline_version: str
    scored_at: datetime
    audio: AudioInfo | None = None
    failure_stage: str | None = None
    failure_reason: str | None = None
    warnings: tuple[str, ...] = ()
    layout: Literal["stereo", "mono"] | None = None
    language: str | None = None
    language_probability: float | None = None
    speakers_status: SpeakersStatus | None = None
    # Which rule decided who the agent is ("channel", "voiceprint", "opening words", "first voice") and how sure.
    role_rule: str | None = None
    role_confidence: float | None = None
    utterances: tuple[Utterance, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    rubric_id: str | None = None
    rubric_version: str | None = None
    score: float | None = None
    case: CaseInfo = CaseInfo()
    alerts: tuple[Alert, ...] = ()
    personal_data: tuple[PersonalData, ...] = ()
    # The unredacted utterances, only when the site keeps raw transcripts (privacy settings).
    raw_utterances: tuple[Utterance, ...] = ()
    # Words the recogniser wrote that were corrected to the line's vocabulary: (channel, correction).
    corrections: tuple[tuple[int | None, Correction], ...] = ()
    # Tone, scored by the writer against the agent's baseline (qc.judge).
    tones: tuple[UtteranceTone, ...] = ()
    call_tone: CallTone | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def flags(self) -> tuple[str, ...]:
        """Rubric items the call failed: what an inspector looks at first."""
        return tuple(v.item_id for v in self.verdicts if v.verdict == "fail")


def failed_result(
    call_id: str, path: Path, meta: CallMeta, stage: str, reason: str, info: AudioInfo | None = None,
    stage_seconds: dict[str, float] | None = None,
) -> CallResult:
    logging.getLogger("qc.pipeline").warning("%s: %s failed: %s", path, stage, reason)
    return CallResult(
        call_id=call_id,
        path=str(path),
        status="failed",
        meta=meta,
        pipeline_version=PIPELINE_VERSION,
        scored_at=datetime.now(timezone.utc),
        audio=info,
        failure_stage=stage,
        failure_reason=reason,
        stage_seconds=stage_seconds or {},
    )
