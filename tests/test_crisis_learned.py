"""The crisis classifier beside the lexicon (qc/crisis/learned.py): the shipped model file, its verdicts, how it
raises possible_crisis in the batch and live, and the switch that turns it off."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime

import numpy as np
import pytest

from qc.crisis import assess_text, learned
from qc.errors import ModelUnavailable
from qc.models import shipped_model_file
from qc.records import Utterance, Word
from qc.shipped import shipped_dir
from qc.tone import (
    HeardUtterance,
    ProsodyFeatures,
    ToneOptions,
    find_cues,
    score_call_tone,
    score_utterance,
    utterance_alerts,
)

MODELS = shipped_dir("models")

# Written for these tests (in no bench set): the lexicon hears nothing in them, the callers are in crisis.
UNLISTED_CRISIS = "这些年拖累家里太多了，我想好了，明天早上他们醒来就都结束了。"
ROUTINE = "你好，我想问一下燃气费能不能在网上交，上个月的账单还没收到。"


def heard_(seconds: float) -> HeardUtterance:
    return HeardUtterance(ProsodyFeatures(duration_s=seconds))


def caller(text: str, start: float = 0.0) -> Utterance:
    return Utterance("caller", "caller", start, start + 3.0, text, (Word(text, start, start + 3.0, 0.9),), 1)


def test_the_model_loads_from_models_with_its_checksum(tmp_path):

    model = learned.load()
    assert 0.0 < model.threshold < 1.0 and len(model.index) > 1000
    card = json.loads((MODELS / "crisis-learned.card.json").read_text(encoding="utf-8"))
    assert card["threshold"] == pytest.approx(model.threshold, abs=1e-6)
    # A copy whose file changed by one term fails the registry's checksum.
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(MODELS / "registry.yaml", models / "registry.yaml")
    with gzip.open(MODELS / "crisis-learned.json.gz", "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    raw["intercept"] += 1.0
    with gzip.open(models / "crisis-learned.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(raw, handle)
    with pytest.raises(ModelUnavailable, match="checksum"):
        shipped_model_file("crisis-learned", models)


def test_an_unlisted_crisis_scores_over_the_threshold_and_routine_talk_does_not():
    model = learned.load()
    assert assess_text(UNLISTED_CRISIS).level in ("none", "weak")  # the lexicon alone misses it
    assert learned.score(UNLISTED_CRISIS) >= model.threshold
    assert learned.score(ROUTINE) < model.threshold
    # Script does not matter: the Traditional form scores the same as the Simplified one.
    from qc.text.normalise import to_script

    assert learned.score(to_script(UNLISTED_CRISIS, "s2hk")) == pytest.approx(learned.score(UNLISTED_CRISIS), abs=0.02)


def test_the_alert_is_a_possible_crisis_quoting_the_words_that_weighed_most():
    cues = find_cues(UNLISTED_CRISIS, learned=True)
    hits = cues.of("learned_crisis")
    assert hits and all(UNLISTED_CRISIS[h.start_char:h.end_char] == h.matched for h in hits)
    tone = score_utterance(ProsodyFeatures(duration_s=3.0), cues, None, "caller")
    (alert,) = [a for a in utterance_alerts(tone) if a.kind == "possible_crisis"]
    assert alert.severity == "high" and set(alert.evidence) == {h.matched for h in hits}
    assert not [a for a in utterance_alerts(score_utterance(ProsodyFeatures(duration_s=3.0), find_cues(ROUTINE, learned=True), None, "caller"))
                if a.kind in ("possible_crisis", "caller_distress", "caller_danger")]
    # The agent's own words are not the caller's state.
    agent = score_utterance(ProsodyFeatures(duration_s=3.0), cues, None, "agent")
    assert not [a for a in utterance_alerts(agent) if a.kind == "possible_crisis"]


def test_the_lexicon_comes_first_and_urgent_stays_with_the_rules():
    cues = find_cues("我不想活了，药都准备好了", learned=True)
    assert not cues.of("learned_crisis")
    kinds = {(a.kind, a.severity) for a in utterance_alerts(score_utterance(ProsodyFeatures(duration_s=3.0), cues, None, "caller"))}
    assert ("caller_distress", "critical") in kinds


def test_the_batch_raises_it_and_the_switch_turns_it_off(monkeypatch):
    from qc.config import load_settings

    utterances = [caller("你好，我想问一下社保卡丢了怎么补办。"), caller(UNLISTED_CRISIS, 4.0)]
    sounds = [heard_(3.0), heard_(3.0)]
    _, _, on = score_call_tone(utterances, sounds, None, options=ToneOptions(learned_crisis=True))
    assert [(a.kind, a.severity, a.utterance) for a in on if a.kind == "possible_crisis"] == [("possible_crisis", "high", 1)]
    _, _, off = score_call_tone(utterances, sounds, None)
    assert not [a for a in off if a.kind == "possible_crisis"]
    assert not find_cues(UNLISTED_CRISIS).of("learned_crisis")
    assert load_settings().crisis_model is False  # off unless a site turns it on
    monkeypatch.setenv("QC_CRISIS_MODEL", "true")
    assert load_settings().crisis_model is True


def test_judge_follows_the_setting():
    from qc.config import load_settings
    from qc.judge import NO_HISTORY, HeardCall, judge
    from qc.records import AudioInfo, CallMeta, CallResult

    utterances = (Utterance("agent", "agent", 0.0, 2.0, "您好，12345热线，请问有什么可以帮您？", (Word("您好", 0.0, 2.0, 0.9),), 0),
                  caller(UNLISTED_CRISIS, 3.0))
    call = CallResult("c-learned", "x.flac", "scored", CallMeta(line="12345"), "test", datetime.now(UTC),
                      AudioInfo("x.flac", "0" * 64, 1, "flac", 8000, 2, 6.0), utterances=utterances)
    words = HeardCall(call, (heard_(2.0), heard_(3.0)))
    on = judge(words, NO_HISTORY, load_settings(crisis_model=True))
    off = judge(words, NO_HISTORY, load_settings())
    assert "possible_crisis" in {a.kind for a in on.alerts}
    assert "possible_crisis" not in {a.kind for a in off.alerts}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_live_path_raises_it_too(enabled):
    from qc.config import load_settings
    from qc.live.call import LiveCall
    from qc.live.endpointing import Segment
    from qc.live.protocol import LiveStart
    from qc.rubric import load_rubric

    settings = load_settings(crisis_model=enabled)
    _, line = settings.line("12345")
    call = LiveCall(LiveStart(call_id="c-learned", agent_id="A1", line="12345", sample_rate=8000, channels=2), line,
                    load_rubric(settings.rubrics_dir / "12345.yaml"), settings, None)

    def transcribe(channel, segment):
        return caller(UNLISTED_CRISIS, segment.start_s)

    call._transcribe = transcribe  # the words as the recogniser would give them: the test is about what follows
    audio = (0.1 * np.sin(np.arange(16000) / 8000 * 2 * np.pi * 200)).astype(np.float32)
    raised = [(a.kind, a.severity) for a in call.analyse(1, Segment(0.0, 2.0, audio), 100.0)]
    assert (("possible_crisis", "high") in raised) is enabled
