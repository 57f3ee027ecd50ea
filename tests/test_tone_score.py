from functools import lru_cache

import numpy as np
import pytest

from qc.records import Word
from qc.tone.baseline import BaselinePolicy, update_baseline
from qc.tone.lexicon import find_cues
from qc.tone.prosody import utterance_prosody
from qc.tone.records import AgentBaseline, ProsodyFeatures, TextCues, ToneAlert
from qc.tone.score import ToneOptions, alerts, cool_down, score_call, score_utterance, utterance_alerts
from tests.conftest import voice
from tests.tone_support import turn_clips

# The sample calls hold 13 agent turns: enough for a baseline in these tests.
OPTIONS = ToneOptions(baseline_policy=BaselinePolicy(min_utterances=10))
AGENT_CALLS = ("zh_stereo_16k_good", "zh_stereo_8k_caller_first_right_agent")


def agent_clips():
    return [clip for name in AGENT_CALLS for clip in turn_clips(name, "agent")]


@lru_cache(maxsize=4)
def real_baseline(gain: float) -> AgentBaseline:
    features = [utterance_prosody(gain * clip, 16000, words) for clip, words in agent_clips()]
    return update_baseline(AgentBaseline(f"agent-x{gain}"), features)


def faster(clip: np.ndarray, words: tuple[Word, ...], factor: float) -> tuple[np.ndarray, tuple[Word, ...]]:
    """The same speech, ``factor`` times faster at the same pitch and level."""
    import librosa

    stretched = librosa.effects.time_stretch(clip, rate=factor)
    # The phase vocoder loses a few dB: put the level back so only the pace changes.
    stretched *= np.sqrt(np.mean(clip**2) / np.mean(stretched**2))
    return stretched, tuple(Word(w.text, w.start / factor, w.end / factor, 1.0) for w in words)


def agent_tone(features: ProsodyFeatures, baseline: AgentBaseline):
    return score_utterance(features, TextCues(), baseline, "agent", start=10.0, options=OPTIONS)


def test_louder_and_faster_than_own_baseline_is_agitated():
    clip, words = agent_clips()[2]
    fast_clip, fast_words = faster(clip, words, 1.4)
    tone = agent_tone(utterance_prosody(0.8 * fast_clip, 16000, fast_words), real_baseline(0.2))
    assert tone.baseline_source == "agent"
    assert tone.zscores["loudness_db"] >= 2 and tone.zscores["articulation_rate"] >= 2
    assert tone.arousal > 0.8
    kinds = [a.kind for a in utterance_alerts(tone, OPTIONS)]
    assert kinds == ["agent_agitated"]
    alert = utterance_alerts(tone, OPTIONS)[0]
    assert "语速过快" in alert.message_zh and "音量升高" in alert.message_zh
    assert "faster" in alert.message_en and "louder" in alert.message_en.lower()


def test_the_same_utterance_at_the_agents_usual_level_and_pace_raises_nothing():
    clip, words = agent_clips()[2]
    tone = agent_tone(utterance_prosody(0.2 * clip, 16000, words), real_baseline(0.2))
    assert tone.baseline_source == "agent"
    assert abs(tone.zscores["loudness_db"]) < 1.5
    assert utterance_alerts(tone, OPTIONS) == []


def test_a_naturally_loud_agent_speaking_fast_is_not_agitated_but_a_quiet_one_is():
    clip, words = agent_clips()[2]
    fast_clip, fast_words = faster(clip, words, 1.4)
    fast = utterance_prosody(0.8 * fast_clip, 16000, fast_words)
    loud_agent = agent_tone(fast, real_baseline(0.8))
    quiet_agent = agent_tone(fast, real_baseline(0.2))
    assert abs(loud_agent.zscores["loudness_db"]) < 1.5
    assert [a.kind for a in utterance_alerts(loud_agent, OPTIONS)] == []
    assert [a.kind for a in utterance_alerts(quiet_agent, OPTIONS)] == ["agent_agitated"]


def test_raised_pitch_against_a_low_voiced_baseline():
    history = [utterance_prosody(voice(2.0, f0, seed=i), 16000) for i, f0 in enumerate(np.linspace(110, 130, 12))]
    baseline = update_baseline(AgentBaseline("low"), history)
    high = agent_tone(utterance_prosody(voice(2.0, 240, seed=99), 16000), baseline)
    usual = agent_tone(utterance_prosody(voice(2.0, 120, seed=98), 16000), baseline)
    assert high.zscores["pitch_st"] >= 3
    assert abs(usual.zscores["pitch_st"]) < 1
    assert high.arousal > usual.arousal


def test_no_baseline_means_no_agitation_alert_but_words_still_count():
    features = ProsodyFeatures(duration_s=2.0, loudness_dbfs=-3.0, speaking_rate=9.0, syllables=18)
    tone = score_utterance(features, find_cues("你听不懂吗？"), None, "agent")
    assert tone.baseline_source == "none" and tone.arousal is None
    assert [a.kind for a in utterance_alerts(tone)] == ["agent_impatient_words"]
    assert tone.negativity >= 0.6


def test_abuse_from_an_agent_is_high():
    tone = score_utterance(ProsodyFeatures(duration_s=1.0), find_cues("神经病"), None, "agent")
    (alert,) = utterance_alerts(tone)
    assert alert.kind == "agent_impatient_words" and alert.severity == "high" and alert.evidence == ("神经病",)


def test_negated_anger_weighs_less():
    plain = score_utterance(ProsodyFeatures(duration_s=1.0), find_cues("我要投诉你"), None, "caller")
    negated = score_utterance(ProsodyFeatures(duration_s=1.0), find_cues("我不是投诉你"), None, "caller")
    assert 0 < negated.negativity < plain.negativity
    assert [a.kind for a in utterance_alerts(plain)] == ["caller_anger"]
    assert utterance_alerts(negated) == []


def test_caller_distress_is_critical_and_worded_for_the_supervisor():
    tone = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("我真的不想活了"), None, "caller", start=31.0, end=33.0)
    (alert,) = utterance_alerts(tone)
    assert alert.kind == "caller_distress" and alert.severity == "critical"
    assert "轻生" in alert.message_zh and "self-harm" in alert.message_en and "supervisor" in alert.message_en
    assert alert.evidence == ("不想活",) and (alert.start, alert.end) == (31.0, 33.0)


def test_a_denial_with_tiredness_raises_a_possible_crisis():
    tone = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("我不是想死，我就是太累了"), None, "caller")
    (alert,) = utterance_alerts(tone)
    assert (alert.kind, alert.severity) == ("possible_crisis", "high") and "可能" in alert.message_zh


def test_possible_danger_is_a_possible_crisis_and_danger_now_is_critical():
    smell = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("楼道里有一股焦味"), None, "caller")
    fire = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("楼道里着火了"), None, "caller")
    assert [(a.kind, a.severity) for a in utterance_alerts(smell)] == [("possible_crisis", "high")]
    assert [(a.kind, a.severity) for a in utterance_alerts(fire)] == [("caller_danger", "critical")]


def test_distress_on_the_agent_side_is_still_raised():
    tone = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("您是说想自杀吗"), None, "agent")
    assert ("caller_distress", "high") in [(a.kind, a.severity) for a in utterance_alerts(tone)]


def test_danger_is_critical():
    tone = score_utterance(ProsodyFeatures(duration_s=2.0), find_cues("我家煤气泄漏了"), None, "caller")
    assert [(a.kind, a.severity) for a in utterance_alerts(tone)] == [("caller_danger", "critical")]


def test_emotion_model_output_raises_negativity():
    features = ProsodyFeatures(duration_s=2.0)
    calm = score_utterance(features, TextCues(), None, "caller", model_scores={"neutral": 0.9, "angry": 0.1})
    angry = score_utterance(features, TextCues(), None, "caller", model_scores={"neutral": 0.1, "angry": 0.9})
    assert angry.negativity > calm.negativity + 0.3


def _alert(kind: str, start: float, severity: str = "warning") -> ToneAlert:
    return ToneAlert(kind, severity, start, start + 1, "zh", "en")


def test_cool_down_holds_back_repeats_of_a_kind():
    repeats = [_alert("agent_agitated", 10), _alert("agent_agitated", 20), _alert("agent_agitated", 75)]
    raised, last = cool_down(repeats, {}, 60)
    assert [a.start for a in raised] == [10, 75]
    assert last["agent_agitated"].start == 75


def test_cool_down_lets_a_more_severe_alert_through_and_keeps_kinds_apart():
    candidates = [
        _alert("agent_agitated", 10),
        _alert("agent_agitated", 15, "high"),
        _alert("agent_impatient_words", 16),
    ]
    raised, _ = cool_down(candidates, {}, 60)
    assert raised == candidates


def test_cool_down_continues_from_the_live_paths_state():
    _, last = cool_down([_alert("caller_anger", 100)], {}, 60)
    raised, _ = cool_down([_alert("caller_anger", 130)], last, 60)
    assert raised == []


def test_distress_is_never_cooled_down():
    earlier = {"caller_distress": _alert("caller_distress", 10, "critical")}
    repeats = [_alert("caller_distress", 11, "critical"), _alert("caller_distress", 12, "high")]
    raised, _ = cool_down(repeats, earlier, 600)
    assert len(raised) == 2


def said(text: str, role: str = "caller", index: int = 0, start: float = 0.0):
    return score_utterance(ProsodyFeatures(duration_s=1.0), find_cues(text), None, role, index=index, start=start)


def test_call_scores_name_the_utterances_that_drove_them():
    tones = [
        said("您好，请问有什么可以帮您", "agent", 0),
        said("你们这些人什么态度", "caller", 1),
        said("你听不懂吗", "agent", 2),
        said("我真的活不下去了", "caller", 3),
    ]
    call = score_call(tones)
    assert call.caller_distress.value == 1.0 and call.caller_distress.drivers == (3,)
    assert call.caller_anger.drivers == (1,) and call.caller_anger.value > 0.5
    assert call.agent_negativity.drivers == (2,)
    assert call.agent_arousal.value == 0.0  # no baseline, no arousal
    assert [a.kind for a in alerts(tones)] == ["caller_anger", "agent_impatient_words", "caller_distress"]


def test_curt_answers_across_a_call_are_a_call_level_reason():
    usual = [ProsodyFeatures(duration_s=3.0, syllables=n) for n in range(10, 30)]
    baseline = update_baseline(AgentBaseline("a1"), usual)
    curt = ProsodyFeatures(duration_s=0.6, syllables=2)
    tones = [score_utterance(curt, TextCues(), baseline, "agent", index=i, options=OPTIONS) for i in range(4)]
    assert any("shorter" in r for r in score_call(tones).reasons)
    assert not score_call(tones[:2]).reasons  # two answers are not a pattern


def test_alerts_are_cooled_down_in_call_order():
    tones = [said("投诉你", "caller", 0, start=50.0), said("投诉你", "caller", 1, start=5.0)]
    assert [a.start for a in alerts(tones)] == [5.0]


@pytest.mark.parametrize("role", ["caller", "unknown"])
def test_angry_caller_with_raised_voice_is_high(role):
    earlier = [
        ProsodyFeatures(duration_s=2.0, loudness_dbfs=-25.0 + i % 3, speaking_rate=4.0 + 0.1 * (i % 3),
                        f0_median_hz=200.0 + i % 3, syllables=8)
        for i in range(6)
    ]
    in_call = update_baseline(AgentBaseline("c"), earlier)
    shouting = ProsodyFeatures(duration_s=2.0, loudness_dbfs=-12.0, speaking_rate=6.0, f0_median_hz=280.0, syllables=12)
    options = ToneOptions(baseline_policy=BaselinePolicy(min_utterances=3))
    tone = score_utterance(shouting, find_cues("你们什么态度"), in_call, role, options=options)
    assert [(a.kind, a.severity) for a in utterance_alerts(tone)] == [("caller_anger", "high")]
    calm = score_utterance(earlier[0], find_cues("你们什么态度"), in_call, role, options=options)
    assert [(a.kind, a.severity) for a in utterance_alerts(calm)] == [("caller_anger", "warning")]
