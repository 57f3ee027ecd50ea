"""Judging a heard call: the writer's half of scoring, done once per call.

A worker hears a recording (``qc.pipeline.listen``): words, speakers, personal data, prosody. What a
call is judged on also needs the store's history: earlier calls from the same number about the same
problem (repeat callers) and the agent's tone baseline. ``judge`` takes both and applies tone and the
rubric once; ``qc rescore`` re-applies a rubric to stored calls through ``apply_rubric``, the same door.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol

from qc.config import Settings
from qc.records import Alert, CallMeta, CallResult, Evidence, Utterance
from qc.rubric import CallContext, Rubric, evaluate, load_rubric
from qc.rubric.cases import repeat_count, repeat_from_words
from qc.rubric.evaluate import RubricResult, classify
from qc.tone import AgentBaseline, HeardUtterance, ToneOptions, score_call_tone

# Call-level tone the rubric can test: ``measure: {name: agent_arousal, above: 0.8}``.
TONE_MEASURES = ("agent_arousal", "agent_negativity", "caller_distress", "caller_anger")


@dataclass(frozen=True)
class HeardCall:
    """What a worker learns from the recording alone: the call's words and speakers (``call``, not yet
    judged), and how each utterance sounded (``prosody``, one per utterance)."""

    call: CallResult
    prosody: tuple[HeardUtterance, ...] = ()


class CallHistory(Protocol):
    """What the store knows that a recording does not (``qc.store.Store`` is one)."""

    def prior_calls(self, caller_hash: str, case_type: str | None, started_at, call_id: str) -> int: ...

    def tone_baselines(self, agent_id: str | None, line: str | None) -> tuple[AgentBaseline | None, AgentBaseline | None]: ...


@dataclass(frozen=True)
class KnownHistory:
    """A history given outright: none (a call scored on its own), or baselines a test or benchmark sets."""

    prior: int | None = None
    agent_baseline: AgentBaseline | None = None
    team_baseline: AgentBaseline | None = None

    def prior_calls(self, caller_hash: str, case_type: str | None, started_at, call_id: str) -> int:
        return self.prior or 0

    def tone_baselines(self, agent_id: str | None, line: str | None) -> tuple[AgentBaseline | None, AgentBaseline | None]:
        return self.agent_baseline, self.team_baseline


NO_HISTORY = KnownHistory()


def rubric_for(line: str | None, settings: Settings) -> Rubric:
    _, config = settings.line(line)
    return load_rubric(settings.rubrics_dir / config.rubric)


def judge(heard: HeardCall, history: CallHistory, settings: Settings) -> CallResult:
    """The call scored: tone against the agent's baseline as it stood before this call, then the rubric
    with the call's repeat count and tone measures. A failed call passes through unchanged."""
    call = heard.call
    if call.status != "scored":
        return call
    began = time.perf_counter()
    rubric = rubric_for(call.meta.line, settings)
    duration = call.audio.duration_s if call.audio else 0.0
    roles_known = call.speakers_status != "unresolved"
    from_words = repeat_from_words(call.utterances)
    count = from_words
    if call.meta.caller_hash:
        # "The same problem" is the same case type, which the words decide before the history is read.
        words_only = CallContext(call.utterances, duration, call.meta, roles_known=roles_known, repeat_count=from_words,
                                 fuzzy_threshold=rubric.fuzzy_threshold)
        case_type = classify(rubric, words_only).case_type
        prior = history.prior_calls(call.meta.caller_hash, case_type, call.meta.started_at, call.call_id)
        count = repeat_count(prior, from_words)
    tones, call_tone, tone_alerts = (), None, ()
    measures: dict[str, float] = {}
    if len(heard.prosody) == len(call.utterances):
        own, team = history.tone_baselines(call.meta.agent_id, call.meta.line)
        tones, call_tone, tone_alerts = score_call_tone(call.utterances, heard.prosody, own, team,
                                                        options=ToneOptions(learned_crisis=settings.crisis_model))
        measures = {name: getattr(call_tone, name).value for name in TONE_MEASURES}
    judged = apply_rubric(rubric, call.utterances, duration, call.meta, roles_known=roles_known, repeat_count=count,
                          measures=measures)
    fields = judged.call_fields()
    fields["alerts"] = fields["alerts"] + tuple(_alert(a, call.utterances) for a in tone_alerts)
    seconds = {**call.stage_seconds, "judge": round(time.perf_counter() - began, 3)}
    return replace(call, tones=tones, call_tone=call_tone, stage_seconds=seconds, **fields)


def apply_rubric(rubric: Rubric, utterances: tuple[Utterance, ...], duration_s: float, meta: CallMeta, *, roles_known: bool,
                 repeat_count: int | None, measures: dict[str, float], pinyin=None) -> RubricResult:
    """The rubric over a call's (redacted) words: evidence quoted to inspectors carries no ID or phone number."""
    ctx = CallContext(utterances, duration_s, meta, roles_known=roles_known, repeat_count=repeat_count, measures=measures,
                      pinyin=pinyin)
    return evaluate(rubric, ctx)


def _alert(tone_alert, utterances: tuple[Utterance, ...]) -> Alert:
    said = utterances[tone_alert.utterance] if tone_alert.utterance is not None else None
    return Alert(tone_alert.kind, tone_alert.severity, tone_alert.start, f"{tone_alert.message_zh} / {tone_alert.message_en}",
                 tuple(Evidence(tone_alert.start, tone_alert.end, said.role if said else "unknown", word, said.text if said else "")
                       for word in tone_alert.evidence[:5]))
