"""Tone in the batch pipeline: heard by the worker, scored by the writer against the agent's baseline,
stored per utterance and per call, folded into the baseline once, kept through re-scoring."""

from __future__ import annotations

import json

import pytest

from qc.judge import KnownHistory, judge
from qc.records import CallMeta
from qc.sources import read_meta
from qc.store import Store
from qc.tone import AgentBaseline, update_baseline
from tests.conftest import SAMPLES, ground_truth, hear

pytestmark = pytest.mark.model
NAME = "zh_stereo_8k_agitated_distress"


@pytest.fixture(scope="module")
def heard(tmp_path_factory, model_cache):
    from qc.config import load_settings

    settings = load_settings(db_path=tmp_path_factory.mktemp("tone") / "qc.duckdb", model_cache_dir=model_cache)
    path = SAMPLES / f"{NAME}.flac"
    return settings, hear(path, read_meta(path, CallMeta()), settings)


def _turn_of(utterance, truth) -> int | None:
    """The ground-truth turn an utterance lies in (most overlap, same speaker)."""
    best, index = 0.0, None
    for i, turn in enumerate(truth["turns"]):
        overlap = min(utterance.end, turn["end"]) - max(utterance.start, turn["start"])
        if turn["speaker"] == utterance.role and overlap > best:
            best, index = overlap, i
    return index


def test_worker_hears_every_utterance(heard):
    _, worker = heard
    result = worker.call
    assert result.status == "scored" and len(worker.prosody) == len(result.utterances)
    agent = [h.features for h, u in zip(worker.prosody, result.utterances) if u.role == "agent" and h.features.loudness_dbfs is not None]
    assert agent and all(-45 < f.loudness_dbfs < 0 for f in agent)


def test_agitated_turns_deviate_from_the_agents_usual_voice_and_raise_alerts(heard):
    settings, worker = heard
    result = worker.call
    truth = ground_truth(NAME)
    agitated = set(truth["tone"]["agitated_agent_turns"])
    calm = [h.features for h, u in zip(worker.prosody, result.utterances)
            if u.role == "agent" and _turn_of(u, truth) not in agitated]
    # This agent's usual voice: their calm turns, as if heard over many earlier calls.
    usual = update_baseline(AgentBaseline("A007"), calm * 8)
    scored = judge(worker, KnownHistory(agent_baseline=usual), settings)
    by_turn = {}
    for u, t in sorted(zip(scored.utterances, scored.tones), key=lambda ut: ut[0].end - ut[0].start):
        if u.role == "agent" and u.end - u.start >= 1.0:
            by_turn[_turn_of(u, truth)] = t  # the turn's longest utterance (a recogniser may split off a word)
    for turn in agitated:
        assert by_turn[turn].zscores["loudness_db"] >= 2.0, turn
        assert by_turn[turn].arousal is not None and by_turn[turn].arousal > 0.5, turn
    assert max(t.arousal or 0 for i, t in by_turn.items() if i not in agitated) < min(by_turn[i].arousal for i in agitated)
    kinds = {a.kind for a in scored.alerts}
    assert {"agent_agitated", "caller_distress"} <= kinds
    assert scored.call_tone.agent_arousal.value > 0.5 and scored.call_tone.caller_distress.value >= 0.9


def test_a_naturally_loud_agent_is_not_flagged(heard):
    settings, worker = heard
    result = worker.call
    truth = ground_truth(NAME)
    agitated = set(truth["tone"]["agitated_agent_turns"])
    loud = [h.features for h, u in zip(worker.prosody, result.utterances) if u.role == "agent" and _turn_of(u, truth) in agitated]
    # An agent who always sounds like the agitated turns: those turns are their normal.
    usual = update_baseline(AgentBaseline("A007"), loud * 12)
    scored = judge(worker, KnownHistory(agent_baseline=usual), settings)
    assert "agent_agitated" not in {a.kind for a in scored.alerts}


def test_tone_is_stored_folded_into_the_baseline_once_and_survives_rescoring(heard):
    from qc.rescore import rescore

    settings, worker = heard
    result = worker.call
    with Store(settings.db_path) as store:
        own, team = store.tone_baselines("A007", "12345")
        assert (own, team) == (None, None)
        scored = judge(worker, store, settings)
        store.write([scored])
        store.write([scored])  # the same call again: replaced, not counted twice
        rows = store.con.execute("SELECT count(*), count(arousal) FROM utterance_tone WHERE call_id = ?", [result.call_id]).fetchone()
        assert rows[0] == len(result.utterances)
        baseline = json.loads(store.con.execute("SELECT baseline FROM agent_baselines WHERE agent_id = 'A007'").fetchone()[0])
        agent_utterances = sum(1 for u in result.utterances if u.role == "agent")
        assert baseline["utterances"] == agent_utterances
        assert store.con.execute("SELECT count(*) FROM agent_baselines WHERE agent_id = 'line:12345'").fetchone()[0] == 1
        call = store.con.execute("SELECT caller_distress FROM calls WHERE call_id = ?", [result.call_id]).fetchone()
        assert call[0] >= 0.9
        tone_alerts = store.con.execute("SELECT count(*) FROM alerts WHERE call_id = ? AND kind = 'caller_distress'",
                                        [result.call_id]).fetchone()[0]
        assert tone_alerts >= 1
        rescore(settings, line="12345")
        after = store.con.execute("SELECT count(*) FROM alerts WHERE call_id = ? AND kind = 'caller_distress'", [result.call_id]).fetchone()[0]
        assert after == tone_alerts
        assert store.con.execute("SELECT count(*) FROM alerts WHERE call_id = ? AND kind = 'urgent_case'", [result.call_id]).fetchone()[0] == 1
        own, _ = store.tone_baselines("A007", "12345")
        assert own is not None and own.utterances == agent_utterances


def test_a_rubric_can_judge_the_agents_tone(heard, tmp_path):
    """An item on the tone measures is judged by the writer once tone exists, and again on re-scoring."""
    import shutil

    import yaml

    from qc.rescore import rescore

    settings, worker = heard
    result = worker.call
    rubrics = tmp_path / "rubrics"
    shutil.copytree(settings.rubrics_dir, rubrics)
    rubric = yaml.safe_load((rubrics / "12345.yaml").read_text(encoding="utf-8"))
    rubric["version"] = rubric["version"] + "-tone"
    rubric["items"].append({"id": "composure", "title": "情绪平稳 / Stays composed", "points": 10,
                            "check": {"not": {"measure": {"name": "agent_arousal", "above": 0.6}}}})
    (rubrics / "12345.yaml").write_text(yaml.safe_dump(rubric, allow_unicode=True, sort_keys=False), encoding="utf-8")
    settings = settings.model_copy(update={"rubrics_dir": rubrics, "db_path": tmp_path / "qc.duckdb"})
    truth = ground_truth(NAME)
    agitated = set(truth["tone"]["agitated_agent_turns"])
    calm = [h.features for h, u in zip(worker.prosody, result.utterances) if u.role == "agent" and _turn_of(u, truth) not in agitated]
    usual = update_baseline(AgentBaseline("A007"), calm * 8)

    assert not result.verdicts and not result.tones  # the worker hears; only the writer judges
    judged = judge(worker, KnownHistory(agent_baseline=usual), settings)
    composure = next(v for v in judged.verdicts if v.item_id == "composure")
    assert composure.verdict == "fail" and "agent_arousal" in composure.reason
    with Store(settings.db_path) as store:
        store.write([judged])
        rescore(settings, line="12345")
        assert store.con.execute("SELECT verdict FROM rule_hits WHERE item_id = 'composure'").fetchone()[0] == "fail"
