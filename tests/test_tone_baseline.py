import math

import numpy as np
import pytest

from qc.tone.baseline import (
    BaselinePolicy,
    feature_values,
    merge_baselines,
    team_baseline,
    update_baseline,
    zscores,
)
from qc.tone.records import AgentBaseline, ProsodyFeatures


def utterance(loudness: float, rate: float = 4.0, f0: float = 200.0) -> ProsodyFeatures:
    return ProsodyFeatures(duration_s=2.0, f0_median_hz=f0, loudness_dbfs=loudness, speaking_rate=rate, syllables=8)


def test_welford_matches_numpy():
    values = np.random.default_rng(0).normal(-20, 3, 200)
    baseline = update_baseline(AgentBaseline("a1"), [utterance(v) for v in values])
    stats = baseline.stats["loudness_db"]
    assert baseline.utterances == 200 and stats.count == 200
    assert stats.mean == pytest.approx(values.mean())
    assert stats.variance == pytest.approx(values.var(ddof=1))


def test_merging_equals_one_pass():
    values = np.random.default_rng(1).normal(-18, 2, 90)
    whole = update_baseline(AgentBaseline("a1"), [utterance(v) for v in values])
    left = update_baseline(AgentBaseline("a1"), [utterance(v) for v in values[:25]])
    right = update_baseline(AgentBaseline("a1"), [utterance(v) for v in values[25:]])
    merged = merge_baselines(left, right)
    assert merged.utterances == whole.utterances
    for name, stats in whole.stats.items():
        assert merged.stats[name].count == stats.count
        assert merged.stats[name].mean == pytest.approx(stats.mean)
        assert merged.stats[name].m2 == pytest.approx(stats.m2)


def test_round_trip_through_a_dict():
    baseline = update_baseline(AgentBaseline("a7"), [utterance(-20), utterance(-22, 5.0)])
    assert AgentBaseline.from_dict(baseline.to_dict()) == baseline


def test_unmeasured_and_nan_features_are_ignored():
    silent = ProsodyFeatures(duration_s=0.1)
    odd = ProsodyFeatures(duration_s=2.0, loudness_dbfs=float("nan"), speaking_rate=4.0, syllables=8)
    baseline = update_baseline(AgentBaseline("a1"), [silent, odd])
    assert baseline.utterances == 1
    assert "loudness_db" not in baseline.stats and baseline.stats["speaking_rate"].count == 1
    assert feature_values(silent) == {}


def test_pitch_is_compared_in_semitones():
    assert feature_values(utterance(-20, f0=200.0))["pitch_st"] == pytest.approx(12.0)


def _agent(n: int, loudness: float, agent_id: str = "a1") -> AgentBaseline:
    rng = np.random.default_rng(n)
    return update_baseline(AgentBaseline(agent_id), [utterance(loudness + rng.normal(0, 2)) for _ in range(n)])


def test_cold_start_uses_the_team_until_the_agent_has_enough_utterances():
    policy = BaselinePolicy(min_utterances=30)
    team = team_baseline([_agent(200, -25, "a2"), _agent(200, -15, "a3")])
    assert team.agent_id == "team" and team.utterances == 400
    new_agent = _agent(10, -5)
    z, source = zscores(utterance(-5), new_agent, team, policy)
    assert source == "team" and z["loudness_db"] > 2
    settled = _agent(60, -5)
    z, source = zscores(utterance(-5), settled, team, policy)
    assert source == "agent" and abs(z["loudness_db"]) < 1


def test_no_baseline_no_zscores():
    assert zscores(utterance(-20), None, None) == ({}, "none")
    assert zscores(utterance(-20), AgentBaseline("a1"), None) == ({}, "none")


def test_zscores_are_clipped_and_spread_has_a_floor():
    # An agent who always sounds exactly the same: std 0, so the floor (1.5 dB) decides.
    same = update_baseline(AgentBaseline("a1"), [utterance(-20.0)] * 40)
    z, _ = zscores(utterance(-17.0), same)
    assert z["loudness_db"] == pytest.approx(2.0)
    z, _ = zscores(utterance(10.0), same, policy=BaselinePolicy(z_clip=4.0))
    assert z["loudness_db"] == 4.0
    assert all(math.isfinite(v) for v in z.values())
