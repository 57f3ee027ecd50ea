"""Mono diarization with the shipped CAM++ weights, scored against reference turns."""

from pathlib import Path

import numpy as np
import pytest

from qc.audio.decode import decode, mixdown, probe
from qc.config import AudioLimits
from qc.speakers.windows import Diarization, SpeakerTurn, diarize, resegment, solo_span, uncertain_spans, viterbi
from qc.evaluation import diarization_error_rate
from qc.speakers.embedding import SpeakerEmbedder
from tests.conftest import SAMPLES, ground_truth

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def embedder():
    return SpeakerEmbedder(MODELS)


def load(name, suffix=".flac"):
    audio = decode(probe(SAMPLES / f"{name}{suffix}"), AudioLimits())
    return audio, (0.25 if audio.narrowband else 0.4)


def reference(name):
    return [(t["start"], t["end"], t["speaker"]) for t in ground_truth(name)["turns"]]


def der(result: Diarization, name: str) -> float:
    return diarization_error_rate(reference(name), [(t.start, t.end, t.speaker) for t in result.turns])


def test_real_two_speaker_recording(embedder):
    audio, vad = load("en_mono_16k_pyannote_sample")
    result = diarize(audio.channels[0], embedder, vad)
    assert result.resolved
    assert {t.speaker for t in result.turns} == {"S1", "S2"}
    # Windows alone place turn changes to 0.75 s: 10.3 % at pyannote's 0.25 s collar (bench/diarization.py).
    assert der(result, "en_mono_16k_pyannote_sample") < 0.12


@pytest.mark.parametrize("name, suffix", [("zh_stereo_16k_good", ".flac"), ("zh_stereo_8k_no_greeting", ".wav")])
def test_two_similar_synthetic_voices_mixed_to_mono(embedder, name, suffix):
    audio, vad = load(name, suffix)
    result = diarize(mixdown(audio.channels), embedder, vad)
    assert result.resolved and der(result, name) < 0.25


def test_a_single_voice_is_not_split_in_two(embedder):
    audio, vad = load("zh_stereo_16k_good")
    result = diarize(audio.channels[0], embedder, vad)
    assert not result.resolved and "not separable" in result.reason


def test_too_little_speech(embedder):
    result = diarize(np.zeros(16000 * 3, dtype=np.float32), embedder)
    assert not result.resolved and "too little speech" in result.reason


def test_speaker_at_prefers_overlap_then_nearest():
    d = Diarization(True, (SpeakerTurn(0, 2, "S1"), SpeakerTurn(2.5, 4, "S2")), 0.5)
    assert d.speaker_at(1.5, 2.2) == "S1"
    assert d.speaker_at(2.2, 2.4) == "S2"  # in the gap, nearer to S2's turn start
    assert d.speaker_at(3.9, 4.5) == "S2"


def test_viterbi_pays_for_each_change_of_voice():
    # Window 2 leans to voice 1 by less than two changes cost; windows 5-7 lean to it by more.
    lean = np.array([0.5, 0.5, -0.15, 0.5, 0.5, -0.5, -0.5, -0.5])
    scores = np.stack([lean, -lean], axis=1) / 2
    assert viterbi(scores, 0.2).tolist() == [0, 0, 0, 0, 0, 1, 1, 1]
    assert viterbi(scores, 0.0).tolist() == [0, 0, 1, 0, 0, 1, 1, 1]


def test_resegment_relabels_a_lone_close_call_window():
    rng = np.random.default_rng(0)
    a, b = np.eye(8)[0], np.eye(8)[1]

    def unit(v):
        return v / np.linalg.norm(v)

    def near(v):
        return unit(v + 0.05 * rng.standard_normal(8))

    # Window 2, amid voice a, sounds like both (a turn change, a cough); clustering put it with b.
    between = unit(a + b)
    embeddings = np.stack([near(a), near(a), between, near(a), near(b), near(b), near(b)])
    labels = np.array([0, 0, 1, 0, 1, 1, 1])
    centroids = np.stack([unit(embeddings[labels == k].mean(axis=0)) for k in (0, 1)])
    assert int(np.argmax(centroids @ between)) == 1  # on its own, it stays with b
    assert resegment(embeddings, labels).tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_solo_span_is_the_longest_stretch_of_a_turn_no_other_turn_overlaps():
    turn = SpeakerTurn(10.0, 20.0, "S1")
    others = (turn, SpeakerTurn(8.0, 11.0, "S2"), SpeakerTurn(14.0, 15.0, "S2"), SpeakerTurn(19.5, 22.0, "S2"))
    assert solo_span(turn, others) == (15.0, 19.5)
    assert solo_span(turn, (turn,)) == (10.0, 20.0)
    covered = solo_span(turn, (turn, SpeakerTurn(9.0, 21.0, "S2")))
    assert covered[1] - covered[0] == 0.0


def test_uncertain_spans_are_what_only_unsure_windows_heard():
    windows = [(0.0, 1.5), (0.75, 2.25), (1.5, 3.0), (4.0, 4.5), (5.0, 6.5)]
    certain = np.array([True, False, False, False, True])
    assert uncertain_spans(windows, certain) == ((1.5, 3.0), (4.0, 4.5))


def test_a_third_voice_is_reported_and_two_voice_calls_are_not(embedder):
    two = decode(probe(SAMPLES / "zh_mono_8k_good.flac"), AudioLimits())
    assert diarize(two.channels[0], embedder, 0.25).third_voice_share is None
    # A call of two voices, then a third person (a real recording) joins for 25 s.
    call = decode(probe(SAMPLES / "zh_stereo_16k_good.flac"), AudioLimits())
    other = decode(probe(SAMPLES / "en_mono_16k_pyannote_sample.flac"), AudioLimits())
    joined = np.concatenate([(call.channels[0] + call.channels[1]) / 2, other.channels[0][: 16000 * 25]])
    result = diarize(joined, embedder, 0.4)
    assert result.resolved and result.third_voice_share is not None and result.third_voice_share > 0.15


def test_many_windows_are_embedded_in_bounded_batches_with_the_same_result(embedder):
    from qc.speakers import embedding as voiceprint

    audio, _ = load("en_mono_16k_pyannote_sample")
    windows = [(t, t + 1.5) for t in np.arange(0.0, 28.0, 0.2)][: voiceprint.MAX_BATCH * 2 + 3]
    assert len(windows) > voiceprint.MAX_BATCH * 2
    together = embedder.embed_windows(audio.channels[0], windows)
    alone = np.vstack([embedder.embed_windows(audio.channels[0], [w]) for w in windows[-3:]])
    assert np.allclose(together[-3:], alone, atol=1e-4)
    assert np.all(np.abs(np.linalg.norm(together, axis=1) - 1) < 1e-4)
