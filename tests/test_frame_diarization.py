"""Frame-level mono diarization on pyannote.audio: the real segmentation-3.0 weights shipped in models/."""

from pathlib import Path

import numpy as np
import pytest
from pyannote.core import Segment, SlidingWindow, SlidingWindowFeature, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

from qc.audio.decode import decode, mixdown, probe
from qc.config import AudioLimits
from qc.speakers.windows import Diarization, SpeakerTurn, diarize
from qc.evaluation import turns_annotation
from qc.speakers.frames import FrameDiarization, assign_local_speakers, frame_pipeline, refine
from qc.models import load_registry, segmentation_model, shipped_model_file
from qc.speakers.embedding import SpeakerEmbedder
from tests.conftest import SAMPLES, ground_truth

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def embedder():
    return SpeakerEmbedder(MODELS)


@pytest.fixture(scope="module")
def pipeline():
    return frame_pipeline(MODELS, 2)


def _der(turns, name: str, duration: float) -> float:
    reference = turns_annotation([(t["start"], t["end"], t["speaker"]) for t in ground_truth(name)["turns"]])
    hypothesis = turns_annotation([(t.start, t.end, t.speaker) for t in turns])
    return DiarizationErrorRate(collar=0.25)(reference, hypothesis, uem=Timeline([Segment(0, duration)]))


def _overlap_s(turns) -> float:
    return turns_annotation([(t.start, t.end, t.speaker) for t in turns]).get_overlap().duration()


REAL = "en_mono_16k_pyannote_sample"


@pytest.fixture(scope="module")
def real_clip(embedder, pipeline):
    """The real clip: (duration, signal, window diarization, frame diarization)."""
    audio = decode(probe(SAMPLES / f"{REAL}.flac"), AudioLimits())
    signal = mixdown(audio.channels)
    windows = diarize(signal, embedder, 0.4)
    return audio.duration_s, signal, windows, refine(signal, windows, pipeline)


def test_real_clip_turns_at_frame_resolution_beat_window_turns(real_clip):
    duration, _, windows, refined = real_clip
    assert refined.resolved and {t.speaker for t in refined.turns} == {"S1", "S2"}
    assert refined.voices is windows.voices  # who is who is unchanged; only when
    before, after = _der(windows.turns, REAL, duration), _der(refined.turns, REAL, duration)
    assert after < before and after < 0.08, (before, after)


def test_real_clip_overlap_is_heard_where_both_talk(real_clip):
    _, _, windows, refined = real_clip
    assert _overlap_s(windows.turns) < 0.5  # window turns never overlap (beyond rounding)
    found = turns_annotation([(t.start, t.end, t.speaker) for t in refined.turns]).get_overlap()
    truth = turns_annotation([(t["start"], t["end"], t["speaker"]) for t in ground_truth(REAL)["turns"]]).get_overlap()
    assert found.duration() > 0.5
    assert found.crop(truth).duration() > 0.5 * found.duration()  # mostly where both really talk


def test_one_voice_is_returned_as_it_was(embedder, pipeline):
    audio = decode(probe(SAMPLES / "zh_stereo_8k_no_greeting.wav"), AudioLimits())
    agent_only = audio.channels[0]
    windows = diarize(agent_only, embedder, 0.25)
    assert not windows.resolved
    assert refine(agent_only, windows, pipeline) is windows  # no second speaker invented


def test_a_call_shorter_than_one_chunk(pipeline):
    rng = np.random.default_rng(0)
    t = np.arange(4 * 16000) / 16000
    voiced = (np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)) * 0.2
              + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
    windows = Diarization(True, (SpeakerTurn(0.2, 1.8, "S1"), SpeakerTurn(2.2, 3.8, "S2")), 0.3)
    refined = refine(voiced, windows, pipeline)
    assert refined.turns
    assert all(0.0 <= turn.start < turn.end <= 4.0 + 1e-6 for turn in refined.turns)
    assert {turn.speaker for turn in refined.turns} <= {"S1", "S2"}


def _segmentation(active: np.ndarray) -> SlidingWindowFeature:
    """One chunk of 100 frames (10 s), local speakers as columns."""
    return SlidingWindowFeature(active[None].astype(np.float32), SlidingWindow(start=0.0, duration=10.0, step=1.0))


FRAMES = SlidingWindow(start=0.0, duration=0.1, step=0.1)


def test_a_local_speaker_heard_as_both_voices_is_split_along_the_window_turns():
    active = np.zeros((100, 3))
    active[:, 0] = 1.0  # segmentation merged two alike voices into one local speaker
    turns = (SpeakerTurn(0.0, 5.0, "S1"), SpeakerTurn(5.0, 10.0, "S2"))
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.9)
    assert clusters[0].tolist() == [0, 1, -2]
    assert data[0, :50, 0].sum() == 50 and data[0, 50:, 0].sum() == 0  # S1's half stays
    assert data[0, 50:, 1].sum() == 50 and data[0, :50, 1].sum() == 0  # S2's half moves to the free slot


def test_a_mostly_pure_local_speaker_keeps_its_frames():
    active = np.zeros((100, 3))
    active[:60, 0] = 1.0
    active[60:, 1] = 1.0
    turns = (SpeakerTurn(0.0, 5.5, "S1"), SpeakerTurn(5.5, 10.0, "S2"))  # windows place the change 0.5 s early
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.8)
    assert clusters[0].tolist() == [0, 1, -2]
    assert data[0, :60, 0].sum() == 60  # the frame-level change at 6.0 s wins over the windows' 5.5 s


def test_speech_the_windows_missed_takes_the_nearest_voice():
    active = np.zeros((100, 3))
    active[5:15, 0] = 1.0  # a quiet start the windows did not hear
    active[20:90, 1] = 1.0
    turns = (SpeakerTurn(2.0, 9.0, "S2"),)
    _, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.8)
    assert clusters[0].tolist() == [1, 1, -2]


def test_a_split_gives_each_unheard_edge_to_the_voice_heard_nearest_in_its_stretch():
    active = np.zeros((100, 3))
    active[0:40, 0] = 1.0  # one local speaker: the first person, a pause, then the second person's reply
    active[45:70, 0] = 1.0
    # The windows heard the reply only from 4.8 s: its first 0.3 s and the first person's last 0.5 s are unheard.
    turns = (SpeakerTurn(0.0, 3.5, "S1"), SpeakerTurn(4.8, 7.0, "S2"))
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95)
    assert clusters[0].tolist() == [0, 1, -2]
    assert data[0, 45:70, 1].sum() == 25 and data[0, 45:70, 0].sum() == 0  # the reply's start moves with it
    assert data[0, 0:40, 0].sum() == 40  # the first person's end, nearest their own voice, stays


def test_the_segmentation_weights_load_from_models_and_are_checked():
    entry = load_registry(MODELS)["pyannote-segmentation-3.0"]
    assert entry.file == "segmentation-3.0/pytorch_model.bin" and entry.licence.startswith("MIT")
    assert shipped_model_file("pyannote-segmentation-3.0", MODELS) == MODELS / entry.file
    model = segmentation_model(MODELS, 1)
    assert model.specifications.powerset and len(model.specifications.classes) == 3
    assert isinstance(frame_pipeline(MODELS, 2), FrameDiarization)


def test_a_long_turn_labelled_with_the_wrong_voice_is_placed_by_its_own_embedding(embedder, real_clip):
    from dataclasses import replace

    from qc.speakers.windows import place_turns_by_voice

    _, signal, _, refined = real_clip
    refined = place_turns_by_voice(signal, refined, embedder)
    longest = max(range(len(refined.turns)), key=lambda i: refined.turns[i].end - refined.turns[i].start)
    right = refined.turns[longest]
    wrong = SpeakerTurn(right.start, right.end, "S2" if right.speaker == "S1" else "S1")
    damaged = replace(refined, turns=refined.turns[:longest] + (wrong,) + refined.turns[longest + 1:])
    assert place_turns_by_voice(signal, damaged, embedder).turns[longest].speaker == right.speaker


def test_a_turn_talked_over_throughout_is_not_placed_by_its_embedding(embedder, real_clip):
    from dataclasses import replace

    from qc.speakers.windows import place_turns_by_voice

    _, signal, _, refined = real_clip
    refined = place_turns_by_voice(signal, refined, embedder)
    longest = max(range(len(refined.turns)), key=lambda i: refined.turns[i].end - refined.turns[i].start)
    right = refined.turns[longest]
    other = "S2" if right.speaker == "S1" else "S1"
    # The same wrong label as above, but now the other voice is heard over the whole turn: its embedding would
    # hear both people, so it does not decide.
    talked_over = (SpeakerTurn(right.start, right.end, other), SpeakerTurn(right.start - 0.1, right.end + 0.1, right.speaker))
    damaged = replace(refined, turns=refined.turns[:longest] + talked_over + refined.turns[longest + 1:])
    assert place_turns_by_voice(signal, damaged, embedder).turns[longest].speaker == other


def test_two_local_speakers_of_one_chunk_get_two_voices():
    active = np.zeros((100, 3))
    active[:70, 0] = 1.0
    active[75:85, 1] = 1.0  # a short reply the 1.5 s windows smoothed into the first voice's turn
    turns = (SpeakerTurn(0.0, 10.0, "S1"),)
    _, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.8)
    assert clusters[0].tolist() == [0, 1, -2]


def test_an_uncertain_stretch_stays_with_its_local_speaker():
    active = np.zeros((100, 3))
    active[5:45, 0] = 1.0  # one person: a short greeting, a pause, then more
    active[55:70, 1] = 1.0  # the other's short reply
    # The windows gave the greeting (0.5-1.1 s) to the other voice, but were unsure of it.
    turns = (SpeakerTurn(0.5, 1.1, "S2"), SpeakerTurn(1.5, 4.5, "S1"), SpeakerTurn(5.5, 7.0, "S2"))
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95, uncertain=((0.5, 1.1),))
    assert clusters[0].tolist() == [0, 1, -2]
    assert data[0, 5:45, 0].sum() == 40  # not split off
    # Without the doubt, the windows' label splits it off into the free slot as the other voice.
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95)
    assert clusters[0].tolist() == [0, 1, 1] and data[0, 5:11, 2].sum() > 0


def test_a_local_speaker_heard_only_in_uncertain_stretches_takes_their_voice():
    active = np.zeros((100, 3))
    active[10:20, 0] = 1.0
    active[30:90, 1] = 1.0
    turns = (SpeakerTurn(1.0, 2.0, "S2"), SpeakerTurn(3.0, 9.0, "S1"))
    _, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95, uncertain=((1.0, 2.0),))
    assert clusters[0].tolist() == [1, 0, -2]


def test_a_chunk_where_the_segmentation_hears_two_people_is_not_cut_along_the_window_turns():
    active = np.zeros((100, 3))
    active[0:45, 0] = 1.0  # two people, each heard for seconds: the segmentation told them apart
    active[50:95, 1] = 1.0
    # The windows hear the first person's last second as the other voice.
    turns = (SpeakerTurn(0.0, 3.5, "S1"), SpeakerTurn(3.5, 4.5, "S2"), SpeakerTurn(5.0, 9.5, "S2"))
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95)
    assert clusters[0].tolist() == [0, 1, -2]
    assert data[0, :45, 0].sum() == 45 and data[0, :, 2].sum() == 0
    # The same first person with the other one heard only briefly: a merge the windows must undo.
    active[60:95, 1] = 0.0
    data, clusters = assign_local_speakers(_segmentation(active), FRAMES, turns, min_purity=0.95)
    assert clusters[0].tolist() == [0, 1, 1] and data[0, 35:45, 2].sum() == 10
