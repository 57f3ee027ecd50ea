"""How a caller in crisis may sound, when no word says it: the caller's voice against their own start of the call.

Three cues, each only a weak sign (qc.crisis.assess): together with another weak sign (a second cue, a denial,
a tired word) they raise a possible crisis; they never raise an urgent one and never clear what the words
raised.
- silence after a question: the agent asks, the caller says nothing for a long while;
- low and slow: an utterance much quieter and slower than the caller's first ones;
- weeping-like: an unsteady, breathy voice (pitch jitter up, harmonics-to-noise down) against the caller's
  first utterances.

Thresholds are set on synthetic signals (tests/test_crisis_voice.py) and checked for false alarms on the
sample and dev calls (bench/crisis.py --voice); no recording of a real caller in crisis was available.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence

from qc.crisis.assess import Signal
from qc.tone.records import ProsodyFeatures

# The caller's own reference: their first few utterances long enough to measure.
REFERENCE_UTTERANCES = 2
MIN_MEASURED_S = 1.0
# An agent's question left unanswered this long.
SILENCE_AFTER_QUESTION_S = 6.0
# Low and slow: this much quieter (dB) and this much slower (share of the reference rate).
QUIETER_DB = 8.0
SLOWER = 0.65
# Weeping-like: pitch jitter at least this many times the reference's, and harmonics-to-noise this many dB lower.
JITTER_RATIO = 1.8
HNR_DROP_DB = 4.0

_QUESTION_ENDS = ("？", "?", "吗", "嗎", "呢", "咩", "未")


@dataclass(frozen=True)
class Turn:
    """What voice cues need of one utterance."""

    role: str  # agent | caller | unknown
    start: float
    end: float
    text: str
    features: ProsodyFeatures | None = None


def voice_cues(turns: Sequence[Turn]) -> list[Signal]:
    """The weak voice signs of crisis in a call (or the call so far), in time order."""
    return sorted(silences_after_questions(turns) + caller_voice_changes(turns), key=lambda s: s.start_s or 0.0)


def silences_after_questions(turns: Sequence[Turn]) -> list[Signal]:
    out = []
    ordered = sorted(turns, key=lambda t: t.start)
    for i, turn in enumerate(ordered):
        if turn.role != "agent" or not turn.text.strip().endswith(_QUESTION_ENDS):
            continue
        answer = next((t for t in ordered[i + 1:] if t.role != "agent"), None)
        next_agent = next((t for t in ordered[i + 1:] if t.role == "agent"), None)
        if answer is None or (next_agent is not None and next_agent.start < answer.start):
            continue  # unanswered, and the agent went on: a question the caller skipped, not a silence we can time
        gap = answer.start - turn.end
        if gap >= SILENCE_AFTER_QUESTION_S:
            out.append(_cue("silence after a question", f"{gap:.1f} s of silence after the agent asked “{turn.text.strip()[-20:]}”",
                            turn.end, answer.start))
    return out


def caller_voice_changes(turns: Sequence[Turn]) -> list[Signal]:
    caller = [t for t in sorted(turns, key=lambda t: t.start)
              if t.role != "agent" and t.features is not None and t.features.duration_s >= MIN_MEASURED_S]
    if len(caller) <= REFERENCE_UTTERANCES:
        return []
    reference, later = caller[:REFERENCE_UTTERANCES], caller[REFERENCE_UTTERANCES:]
    base = _reference(reference)
    out = []
    for turn in later:
        f = turn.features
        if _low_and_slow(f, base):
            out.append(_cue("low and slow", f"{base['loudness'] - f.loudness_dbfs:.0f} dB quieter and "
                            f"{f.speaking_rate / base['rate']:.0%} of the speed of the caller's first words", turn.start, turn.end))
        if _weeping_like(f, base):
            out.append(_cue("weeping-like voice", f"jitter {f.jitter / base['jitter']:.1f}x, HNR {base['hnr'] - f.hnr_db:.0f} dB "
                            "lower than the caller's first words", turn.start, turn.end))
    return out


def _reference(turns: Sequence[Turn]) -> dict[str, float]:
    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    return {
        "loudness": median(t.features.loudness_dbfs for t in turns),
        "rate": median(t.features.speaking_rate for t in turns),
        "jitter": median(t.features.jitter for t in turns),
        "hnr": median(t.features.hnr_db for t in turns),
    }


def _low_and_slow(f: ProsodyFeatures, base: dict) -> bool:
    if None in (f.loudness_dbfs, f.speaking_rate, base["loudness"], base["rate"]) or not base["rate"]:
        return False
    return base["loudness"] - f.loudness_dbfs >= QUIETER_DB and f.speaking_rate <= SLOWER * base["rate"]


def _weeping_like(f: ProsodyFeatures, base: dict) -> bool:
    if None in (f.jitter, f.hnr_db, base["jitter"], base["hnr"]) or not base["jitter"]:
        return False
    return f.jitter >= JITTER_RATIO * base["jitter"] and base["hnr"] - f.hnr_db >= HNR_DROP_DB


def _cue(name: str, why: str, start: float, end: float) -> Signal:
    return Signal("voice", "weak", "", f"{name}: {why}", start_s=round(start, 2), end_s=round(end, 2))
