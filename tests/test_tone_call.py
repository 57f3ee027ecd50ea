from dataclasses import replace

import numpy as np

from qc.records import Utterance, Word
from qc.tone import (
    AgentBaseline,
    BaselinePolicy,
    ToneOptions,
    analyse_call_tone,
    cool_down,
    update_baseline,
    utterance_alerts,
    utterance_tone,
)
from tests.conftest import voice
from tests.tone_support import sample_call

OPTIONS = ToneOptions(baseline_policy=BaselinePolicy(min_utterances=10))


def agent_baseline_from(*names: str) -> AgentBaseline:
    baseline = AgentBaseline("a1")
    for name in names:
        channels, utterances = sample_call(name)
        tones, _, _ = analyse_call_tone(channels, 16000, utterances, None)
        baseline = update_baseline(baseline, [t.features for t in tones if t.role == "agent"])
    return baseline


def test_impatient_agent_call_end_to_end():
    channels, utterances = sample_call("zh_stereo_8k_no_greeting")
    baseline = agent_baseline_from("zh_stereo_16k_good", "zh_stereo_8k_caller_first_right_agent")
    tones, call, alerts = analyse_call_tone(channels, 16000, utterances, baseline, options=OPTIONS)
    assert [t.index for t in tones] == list(range(len(utterances)))
    assert all(t.baseline_source == "agent" for t in tones if t.role == "agent")
    # Callers are compared with their own earlier turns once they have three.
    assert [t.baseline_source for t in tones if t.role == "caller"][:4] == ["none", "none", "none", "in_call"]
    assert [(a.kind, a.evidence) for a in alerts] == [("agent_impatient_words", ("行了，就这样",))]
    assert call.agent_negativity.drivers == (10,)
    assert call.caller_distress.value == 0.0
    # This agent speaks faster than the polite agent on the same baseline (the samples' README says so).
    polite_channels, polite_utterances = sample_call("zh_stereo_8k_caller_first_right_agent")
    polite = analyse_call_tone(polite_channels, 16000, polite_utterances, baseline, options=OPTIONS)[0]
    assert mean_rate_z(tones) > mean_rate_z(polite) + 0.5


def mean_rate_z(tones) -> float:
    return float(np.mean([t.zscores["articulation_rate"] for t in tones if t.role == "agent"]))


def test_a_polite_call_raises_nothing():
    channels, utterances = sample_call("zh_stereo_8k_caller_first_right_agent")
    baseline = agent_baseline_from("zh_stereo_16k_good", "zh_stereo_8k_caller_first_right_agent")
    _, call, alerts = analyse_call_tone(channels, 16000, utterances, baseline, options=OPTIONS)
    assert alerts == []
    assert call.agent_negativity.value == 0.0 and call.caller_anger.value == 0.0


def test_live_path_one_utterance_at_a_time_matches_the_batch():
    channels, utterances = sample_call("zh_stereo_8k_no_greeting")
    baseline = agent_baseline_from("zh_stereo_16k_good")
    batch, _, batch_alerts = analyse_call_tone(channels, 16000, utterances, None, baseline, options=OPTIONS)
    last: dict = {}
    live_alerts = []
    earlier = []  # the agent's utterances so far in the call, as the live path keeps them
    for index, utterance in enumerate(utterances):
        if utterance.role != "agent":
            continue
        signal = channels[utterance.channel]
        tone = utterance_tone(utterance, signal, 16000, None, team=baseline, index=index, options=OPTIONS,
                              in_call=update_baseline(AgentBaseline("agent"), earlier))
        earlier.append(tone.features)
        assert tone == batch[index]
        raised, last = cool_down(utterance_alerts(tone, OPTIONS), last, OPTIONS.cooldown_s)
        live_alerts += raised
    assert live_alerts == [a for a in batch_alerts if a.kind.startswith("agent")]


def test_mono_call_and_distress_from_an_unknown_speaker():
    mono = np.concatenate([voice(2.0, 220), np.zeros(8000, np.float32), voice(2.0, 180, seed=4)])
    utterances = (
        Utterance("S1", "unknown", 0.0, 2.0, "你好，我不想活了", (Word("你好", 0.0, 0.6, 1.0), Word("我不想活了", 0.8, 2.0, 1.0))),
        Utterance("S2", "unknown", 2.5, 4.5, "您先别着急，慢慢说"),
    )
    tones, call, alerts = analyse_call_tone((mono,), 16000, utterances, None)
    assert [(a.kind, a.severity, a.start) for a in alerts] == [("caller_distress", "critical", 0.0)]
    assert call.caller_distress.drivers == (0,)
    assert tones[1].features.f0_median_hz is not None and abs(tones[1].features.f0_median_hz - 180) < 6


def test_utterances_at_the_edges_of_the_audio_do_not_crash():
    signal = voice(1.0, 200)
    utterances = (
        Utterance("ch0", "agent", 0.0, 0.1, "嗯", channel=0),
        Utterance("ch0", "agent", 0.9, 1.5, "好的", channel=0),  # runs past the end
        Utterance("ch1", "caller", 3.0, 4.0, "喂", channel=1),  # a channel the call does not have
    )
    tones, _, alerts = analyse_call_tone((signal,), 16000, utterances, None)
    assert len(tones) == 3 and alerts == []
    assert tones[0].features.f0_median_hz is None and tones[2].features.f0_median_hz is None


def test_scores_do_not_depend_on_the_order_baselines_were_built():
    a = agent_baseline_from("zh_stereo_16k_good", "zh_stereo_8k_caller_first_right_agent")
    b = agent_baseline_from("zh_stereo_8k_caller_first_right_agent", "zh_stereo_16k_good")
    for name, stats in a.stats.items():
        assert abs(stats.mean - b.stats[name].mean) < 1e-9
    channels, utterances = sample_call("zh_stereo_8k_no_greeting")
    first = analyse_call_tone(channels, 16000, utterances, a, options=OPTIONS)[0]
    second = analyse_call_tone(channels, 16000, utterances, replace(b, agent_id="a1"), options=OPTIONS)[0]
    assert [round(t.arousal or 0, 6) for t in first] == [round(t.arousal or 0, 6) for t in second]
