"""How an agent usually sounds, and how far one utterance is from that.

An agent is compared with their own history, never with a fixed threshold: a naturally loud or fast
agent is normal for themselves. Statistics are Welford running sums, so a baseline is updated one call
(or one utterance, on the live path) at a time, and the baselines of several workers merge exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from qc.tone.records import AgentBaseline, BaselineSource, ProsodyFeatures, RunningStats

TEAM_ID = "team"


def _pitch_st(f: ProsodyFeatures) -> float | None:
    return 12 * math.log2(f.f0_median_hz / 100.0) if f.f0_median_hz else None


def _answer_length(f: ProsodyFeatures) -> float | None:
    # Log scale: going from 20 to 5 syllables is as curt as going from 8 to 2.
    return math.log(f.syllables) if f.syllables > 0 else None


# Feature name -> how it is read from ProsodyFeatures. Pitch is compared in semitones, not Hz, so one
# standard deviation means the same for a low and a high voice.
BASELINE_FEATURES: dict[str, Callable[[ProsodyFeatures], float | None]] = {
    "pitch_st": _pitch_st,
    "pitch_range_st": lambda f: f.f0_range_st,
    "loudness_db": lambda f: f.loudness_dbfs,
    "loudness_range_db": lambda f: f.loudness_range_db,
    "speaking_rate": lambda f: f.speaking_rate,
    "articulation_rate": lambda f: f.articulation_rate,
    "pause_ratio": lambda f: f.pause_ratio,
    "answer_length": _answer_length,
    "voiced_fraction": lambda f: f.voiced_fraction,
    "hnr_db": lambda f: f.hnr_db,
}

# The smallest spread a z-score divides by. An agent who always sounds the same (or a baseline of a
# handful of utterances) would otherwise turn a barely audible change into a huge z.
MIN_STD: dict[str, float] = {
    "pitch_st": 1.0,
    "pitch_range_st": 1.5,
    "loudness_db": 1.5,
    "loudness_range_db": 1.5,
    "speaking_rate": 0.4,
    "articulation_rate": 0.4,
    "pause_ratio": 0.05,
    "answer_length": 0.3,
    "voiced_fraction": 0.05,
    "hnr_db": 1.0,
}


@dataclass(frozen=True)
class BaselinePolicy:
    # Below this many utterances an agent's own statistics are too thin and the team's are used.
    min_utterances: int = 30
    z_clip: float = 4.0  # one odd utterance (a cough into the microphone) must not dominate a call


DEFAULT_POLICY = BaselinePolicy()


def feature_values(features: ProsodyFeatures) -> dict[str, float]:
    """The baseline features this utterance has, leaving out the ones that could not be measured."""
    out = {}
    for name, read in BASELINE_FEATURES.items():
        value = read(features)
        if value is not None and math.isfinite(value):
            out[name] = float(value)
    return out


def update_stats(stats: RunningStats, value: float) -> RunningStats:
    count = stats.count + 1
    delta = value - stats.mean
    mean = stats.mean + delta / count
    return RunningStats(count, mean, stats.m2 + delta * (value - mean))


def merge_stats(a: RunningStats, b: RunningStats) -> RunningStats:
    """Chan et al.'s parallel combination: the same result as one pass over both samples."""
    if not a.count:
        return b
    if not b.count:
        return a
    count = a.count + b.count
    delta = b.mean - a.mean
    mean = a.mean + delta * b.count / count
    return RunningStats(count, mean, a.m2 + b.m2 + delta * delta * a.count * b.count / count)


def update_baseline(baseline: AgentBaseline, utterances: Iterable[ProsodyFeatures]) -> AgentBaseline:
    """The baseline with these utterances added; utterances with nothing measurable are skipped."""
    stats = dict(baseline.stats)
    added = 0
    for features in utterances:
        values = feature_values(features)
        if not values:
            continue
        added += 1
        for name, value in values.items():
            stats[name] = update_stats(stats.get(name, RunningStats()), value)
    return replace(baseline, utterances=baseline.utterances + added, stats=stats)


def merge_baselines(a: AgentBaseline, b: AgentBaseline, agent_id: str | None = None) -> AgentBaseline:
    names = a.stats.keys() | b.stats.keys()
    stats = {n: merge_stats(a.stats.get(n, RunningStats()), b.stats.get(n, RunningStats())) for n in sorted(names)}
    return AgentBaseline(agent_id or a.agent_id, a.utterances + b.utterances, stats)


def team_baseline(baselines: Iterable[AgentBaseline]) -> AgentBaseline:
    """All agents pooled: its spread includes the differences between agents, so cold-start z-scores
    are milder than an agent's own would be, which is the safe side."""
    team = AgentBaseline(TEAM_ID)
    for baseline in baselines:
        team = merge_baselines(team, baseline, TEAM_ID)
    return team


def zscores(
    features: ProsodyFeatures,
    baseline: AgentBaseline | None,
    team: AgentBaseline | None = None,
    policy: BaselinePolicy = DEFAULT_POLICY,
) -> tuple[dict[str, float], BaselineSource]:
    """Clipped z-score of every measurable feature against the agent's baseline, or the team's while
    the agent has fewer than ``policy.min_utterances`` utterances."""
    reference, source = _reference(baseline, team, policy)
    if reference is None:
        return {}, "none"
    out: dict[str, float] = {}
    for name, value in feature_values(features).items():
        stats = reference.stats.get(name)
        if stats is None or stats.count < 2 or stats.std is None:
            continue
        spread = max(stats.std, MIN_STD.get(name, 0.0))
        if spread <= 0:
            continue
        z = (value - stats.mean) / spread
        out[name] = max(-policy.z_clip, min(policy.z_clip, z))
    return out, source if out else "none"


def _reference(
    baseline: AgentBaseline | None, team: AgentBaseline | None, policy: BaselinePolicy
) -> tuple[AgentBaseline | None, BaselineSource]:
    if baseline is not None and baseline.utterances >= policy.min_utterances:
        return baseline, "agent"
    if team is not None and team.utterances >= 2:
        return team, "team"
    return None, "none"
