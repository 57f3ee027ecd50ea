"""Tone of a whole call: each utterance's audio and words through prosody, lexicon and scoring.

The live path calls the same pieces one finished utterance at a time (``utterance_tone``), keeping
the caller's running in-call baseline and the alert cool-down state itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from qc.records import Utterance, Word
from qc.tone.baseline import BaselinePolicy, update_baseline
from qc.tone.lexicon import Lexicon, find_cues, load_lexicon
from qc.tone.model import EmotionModel
from qc.tone.prosody import DEFAULT_OPTIONS as DEFAULT_PROSODY
from qc.tone.prosody import ProsodyOptions, utterance_prosody
from qc.tone.records import AgentBaseline, CallTone, ProsodyFeatures, ToneAlert, UtteranceTone
from qc.tone.score import (
    CRISIS_ALERTS, DEFAULT_OPTIONS, ToneOptions, accumulated_crisis_alert, alerts, score_call, score_utterance,
)

# A caller is compared with their own earlier utterances in the call once there are this many.
CALLER_MIN_UTTERANCES = 3
# Audio kept either side of an utterance so the pitch tracker sees its edges.
CONTEXT_S = 0.1
MODEL_MIN_SECONDS = 1.0


@dataclass(frozen=True)
class HeardUtterance:
    """What the audio of one utterance gives tone scoring: its prosody (and a plugged-in model's scores).

    Measured where the audio is (a worker), scored later where the baselines are (the writer).
    """

    features: ProsodyFeatures
    model_scores: dict[str, float] | None = None


def hear_utterance(
    utterance: Utterance,
    signal: np.ndarray,
    sample_rate: int,
    *,
    model: EmotionModel | None = None,
    prosody: ProsodyOptions = DEFAULT_PROSODY,
) -> HeardUtterance:
    """Prosody of one utterance. ``signal`` is its speaker's channel (or the mono mix) for the whole
    call, timed like the utterance's words."""
    first = max(0, int((utterance.start - CONTEXT_S) * sample_rate))
    last = min(len(signal), int((utterance.end + CONTEXT_S) * sample_rate))
    clip = signal[first:last]
    offset = first / sample_rate
    words = utterance.words or (Word(utterance.text, utterance.start, utterance.end, 1.0),)
    shifted = tuple(Word(w.text, w.start - offset, w.end - offset, w.probability) for w in words)
    features = utterance_prosody(clip, sample_rate, shifted, prosody)
    scores = model.predict(clip, sample_rate) if model is not None and len(clip) >= MODEL_MIN_SECONDS * sample_rate else None
    return HeardUtterance(features, scores)


def hear_call(signals: Sequence[np.ndarray], sample_rate: int, utterances: Sequence[Utterance], *,
              model: EmotionModel | None = None, prosody: ProsodyOptions = DEFAULT_PROSODY) -> tuple[HeardUtterance, ...]:
    """Every utterance's prosody. ``signals`` are the call's channels: an utterance with a channel
    takes that one, one without (mono, diarized) takes the first."""
    return tuple(
        hear_utterance(u, signals[u.channel if u.channel is not None and u.channel < len(signals) else 0], sample_rate,
                       model=model, prosody=prosody)
        for u in utterances
    )


def utterance_tone(
    utterance: Utterance,
    signal: np.ndarray,
    sample_rate: int,
    baseline: AgentBaseline | None,
    *,
    team: AgentBaseline | None = None,
    index: int = 0,
    lexicon: Lexicon | None = None,
    model: EmotionModel | None = None,
    options: ToneOptions = DEFAULT_OPTIONS,
    prosody: ProsodyOptions = DEFAULT_PROSODY,
    in_call: AgentBaseline | None = None,
) -> UtteranceTone:
    """Tone of one utterance (the live path): hear it, then score it against ``baseline`` (and
    ``in_call``, the speaker's earlier utterances in this call)."""
    heard = hear_utterance(utterance, signal, sample_rate, model=model, prosody=prosody)
    return _score(utterance, heard, baseline, team, index, lexicon or load_lexicon(), options, in_call)


def _score(utterance: Utterance, heard: HeardUtterance, baseline: AgentBaseline | None, team: AgentBaseline | None,
           index: int, lexicon: Lexicon, options: ToneOptions, in_call: AgentBaseline | None = None) -> UtteranceTone:
    return score_utterance(
        heard.features,
        find_cues(utterance.text, lexicon, learned=options.learned_crisis and utterance.role != "agent"),
        baseline,
        utterance.role,
        team=team,
        index=index,
        start=utterance.start,
        end=utterance.end,
        model_scores=heard.model_scores,
        options=options,
        in_call=in_call,
    )


def score_call_tone(
    utterances: Sequence[Utterance],
    heard: Sequence[HeardUtterance],
    agent_baseline: AgentBaseline | None,
    team_baseline: AgentBaseline | None = None,
    *,
    lexicon: Lexicon | None = None,
    options: ToneOptions = DEFAULT_OPTIONS,
) -> tuple[tuple[UtteranceTone, ...], CallTone, list[ToneAlert]]:
    """Tone of every utterance, of the call, and the call's alerts (after the cool-down).

    Agents are scored against ``agent_baseline`` as it was before this call; fold the call in
    afterwards with ``update_baseline(agent_baseline, [t.features for t in tones if t.role == "agent"])``.
    """
    lexicon = lexicon or load_lexicon()
    caller_policy = BaselinePolicy(CALLER_MIN_UTTERANCES, options.baseline_policy.z_clip)
    caller_options = replace(options, baseline_policy=caller_policy)
    # Callers have no history: each non-agent speaker is compared with their own earlier utterances.
    in_call: dict[str, AgentBaseline] = {}
    tones: list[UtteranceTone] = []
    for index, (utterance, sound) in enumerate(zip(utterances, heard)):
        if utterance.role == "agent":
            earlier = in_call.get("agent", AgentBaseline("agent"))
            tone = _score(utterance, sound, agent_baseline, team_baseline, index, lexicon, options, earlier)
            in_call["agent"] = update_baseline(earlier, [tone.features])
        else:
            own = in_call.get(utterance.speaker, AgentBaseline(utterance.speaker))
            tone = _score(utterance, sound, own, None, index, lexicon, caller_options)
            if tone.baseline_source != "none":
                tone = replace(tone, baseline_source="in_call")
            in_call[utterance.speaker] = update_baseline(own, [tone.features])
        tones.append(tone)
    raised = alerts(tones, options)
    return tuple(tones), score_call(tones, options), raised + _call_crisis(utterances, tones, raised)


def _call_crisis(utterances: Sequence[Utterance], tones: Sequence[UtteranceTone], raised: list[ToneAlert]) -> list[ToneAlert]:
    """A possible crisis from weak signs spread over the call (the caller's words and voice), when no
    utterance raised one: the same rule as the live path's."""
    from qc.crisis import LEVEL_RANK, Assessment, CallCrisis, assess_text
    from qc.crisis.voice import Turn, voice_cues

    if any(a.kind in CRISIS_ALERTS for a in raised):
        return []
    call = CallCrisis()
    for u in utterances:
        if u.role != "agent":
            call.add(assess_text(u.text))
    turns = [Turn(u.role, u.start, u.end, u.text, t.features) for u, t in zip(utterances, tones)]
    for cue in voice_cues(turns):
        call.add(Assessment(cue.level, (cue,)))
    if LEVEL_RANK[call.level] < LEVEL_RANK["possible"]:
        return []
    words = [s.matched or s.why.split(":")[0] for s in call.signals]
    starts = [s.start_s for s in call.signals if s.start_s is not None] + [
        u.start for u in utterances if u.role != "agent" and any(s.matched and s.matched in u.text for s in call.signals)]
    start = min(starts) if starts else utterances[0].start
    return [accumulated_crisis_alert(words, start, utterances[-1].end, len(utterances) - 1)]


def analyse_call_tone(
    signals: Sequence[np.ndarray],
    sample_rate: int,
    utterances: Sequence[Utterance],
    agent_baseline: AgentBaseline | None,
    team_baseline: AgentBaseline | None = None,
    *,
    lexicon: Lexicon | None = None,
    model: EmotionModel | None = None,
    options: ToneOptions = DEFAULT_OPTIONS,
    prosody: ProsodyOptions = DEFAULT_PROSODY,
) -> tuple[tuple[UtteranceTone, ...], CallTone, list[ToneAlert]]:
    """Hear and score a whole call in one go (``hear_call`` then ``score_call_tone``)."""
    heard = hear_call(signals, sample_rate, utterances, model=model, prosody=prosody)
    return score_call_tone(utterances, heard, agent_baseline, team_baseline, lexicon=lexicon, options=options)
