import math

import numpy as np
import pytest
import soundfile as sf

from qc.records import Word
from qc.tone.prosody import count_syllables, utterance_prosody
from tests.conftest import SAMPLES, silence, voice
from tests.tone_support import even_words, turn_clips


@pytest.mark.parametrize("name", ["zh_stereo_8k_caller_first_right_agent", "zh_stereo_16k_good"])
def test_real_speech_gives_sane_pitch_loudness_and_rate(name):
    for role in ("agent", "caller"):
        features = [utterance_prosody(clip, 16000, words) for clip, words in turn_clips(name, role)]
        measured = [f for f in features if f.f0_median_hz is not None]
        assert len(measured) >= len(features) - 1  # only a clip under 0.3 s may lack a pitch
        median_f0 = float(np.median([f.f0_median_hz for f in measured]))
        assert 80 <= median_f0 <= 350
        for f in measured:
            assert 60 < f.f0_median_hz < 400
            assert math.isfinite(f.loudness_dbfs) and -45 < f.loudness_dbfs < -3
            assert 0 < f.f0_range_st < 24
            assert 0.2 < f.voiced_fraction <= 1
        rates = [f.speaking_rate for f in features if f.speaking_rate]
        assert 2.0 < float(np.median(rates)) < 8.0  # Mandarin: 3-6 syllables a second


def test_native_8k_and_16k_agree_on_real_speech():
    data, rate = sf.read(str(SAMPLES / "zh_stereo_8k_caller_first_right_agent.flac"), dtype="float32")
    assert rate == 8000
    turn = data[int(24.68 * 8000) : int(31.66 * 8000), 1]  # the agent's longest turn, native 8 kHz
    clip16, _ = turn_clips("zh_stereo_8k_caller_first_right_agent", "agent")[3]
    at8k = utterance_prosody(turn, 8000)
    at16k = utterance_prosody(clip16, 16000)
    assert abs(12 * math.log2(at8k.f0_median_hz / at16k.f0_median_hz)) < 0.5
    assert at8k.loudness_dbfs == pytest.approx(at16k.loudness_dbfs, abs=0.5)


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("f0", [120.0, 240.0])
def test_harmonic_voice_pitch_is_found(rate, f0):
    features = utterance_prosody(voice(2.0, f0, rate=rate), rate)
    assert features.f0_median_hz == pytest.approx(f0, rel=0.03)
    assert features.voiced_fraction > 0.8
    assert features.hnr_db > 5


def test_four_times_the_amplitude_is_twelve_db_louder():
    clip, words = turn_clips("zh_stereo_16k_good", "agent")[1]
    quiet = utterance_prosody(0.2 * clip, 16000, words)
    loud = utterance_prosody(0.8 * clip, 16000, words)
    assert loud.loudness_dbfs - quiet.loudness_dbfs == pytest.approx(20 * math.log10(4), abs=0.5)
    assert loud.f0_median_hz == pytest.approx(quiet.f0_median_hz, rel=0.02)


def test_rates_and_pauses_come_from_word_times():
    words = (
        Word("您好", 0.0, 0.5, 1.0),
        Word("请问", 0.5, 1.0, 1.0),
        Word("有什么", 1.5, 2.0, 1.0),  # a 0.5 s pause before it
        Word("可以帮您", 2.0, 2.5, 1.0),
    )
    features = utterance_prosody(voice(2.5, 200), 16000, words)
    assert features.syllables == 11
    assert features.duration_s == pytest.approx(2.5)
    assert features.speaking_rate == pytest.approx(11 / 2.5)
    assert features.articulation_rate == pytest.approx(11 / 2.0)
    assert features.pause_ratio == pytest.approx(0.2)
    assert features.longest_pause_s == pytest.approx(0.5)


def test_short_gaps_between_words_are_not_pauses():
    words = (Word("你", 0.0, 0.4, 1.0), Word("好", 0.5, 0.9, 1.0))
    features = utterance_prosody(voice(1.0, 200), 16000, words)
    assert features.pause_ratio == 0.0 and features.articulation_rate == features.speaking_rate


@pytest.mark.parametrize(
    "text, syllables",
    [("你好", 2), ("hello world", 3), ("make", 1), ("table", 2), ("12345热线", 7), ("I'd like to", 3), ("", 0)],
)
def test_syllables(text, syllables):
    assert count_syllables(text) == syllables


@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.1, 0.29])
@pytest.mark.parametrize("rate", [8000, 16000])
def test_very_short_clips_give_no_pitch_and_no_crash(seconds, rate):
    words = (Word("好", 0.0, seconds, 1.0),) if seconds else ()
    features = utterance_prosody(voice(seconds, 200, rate=rate) if seconds else np.zeros(0, np.float32), rate, words)
    assert features.f0_median_hz is None and features.loudness_dbfs is None
    assert features.speaking_rate is None and features.articulation_rate is None


@pytest.mark.parametrize("signal", [np.zeros(16000, np.float32), silence(1.0)], ids=["digital", "line noise"])
def test_silence_has_no_pitch(signal):
    features = utterance_prosody(signal, 16000)
    assert features.f0_median_hz is None and features.loudness_dbfs is None
    assert features.voiced_fraction in (None, pytest.approx(0.0, abs=0.05))


def test_clipped_speech_still_measured_and_clipping_reported():
    clipped = np.clip(voice(2.0, 150, rate=8000, level=3.0), -1.0, 1.0)
    features = utterance_prosody(clipped, 8000)
    assert features.clipped_fraction > 0.1
    assert features.f0_median_hz == pytest.approx(150, rel=0.05)
    assert math.isfinite(features.loudness_dbfs) and features.loudness_dbfs < 0.5


def test_words_past_the_end_of_the_audio_do_not_crash():
    # The live path may get a transcript slightly ahead of the audio buffer.
    features = utterance_prosody(voice(1.0, 200), 16000, even_words("您好请问有什么可以帮您", 0.2, 3.0))
    assert features.duration_s == pytest.approx(0.8)
    assert features.f0_median_hz == pytest.approx(200, rel=0.03)


def test_noise_with_a_voice_is_mostly_voiced_noise_alone_is_not():
    rng = np.random.default_rng(3)
    noise = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    assert utterance_prosody(noise, 16000).voiced_fraction < 0.2
    assert utterance_prosody(voice(1.0, 180) + 0.1 * noise, 16000).voiced_fraction > 0.6
