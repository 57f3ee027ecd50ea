"""Mono diarization at frame resolution, on pyannote.audio: when each voice starts, stops and overlaps.

``qc.speakers.windows`` decides who is who: CAM++ embeddings of 1.5 s windows, centred on the call and split in
two. That holds when the two voices are alike, where pyannote's own pipeline fails (its segmentation puts two
alike voices under one local speaker, and clustering cannot undo it: see ../shared/DESIGN.md and
reports/bench/history.md). But windows place a turn change only to the nearest 0.75 s, miss quiet starts and
ends, and never hear two people at once.

So this is pyannote's ``SpeakerDiarization`` with its embedding-and-clustering step replaced:

1. segmentation-3.0 over 10 s chunks every ``step`` seconds (``pyannote.audio.Inference``): up to three
   local speakers per chunk, a frame every ~17 ms, overlap included;
2. the number of people speaking in each frame (``speaker_count``), at most two;
3. each local speaker of each chunk takes the voice (S1 or S2) that the window turns give most of its frames;
   one whose frames are split between both voices (less than ``min_purity`` from one: the segmentation
   merged two alike voices) is cut along the window turns into a free local slot (frames no window heard,
   such as a turn's quiet first syllables, go with the voice heard nearest in the same stretch of activity,
   not with the local speaker's majority); two local speakers the
   segmentation did tell apart in one chunk get different voices (pyannote's cannot-link constraint).
   A chunk where the segmentation already hears two people, each for ``TWO_PEOPLE_HEARD_S`` or more, is
   not cut at all: there the segmentation told the voices apart itself, and short stretches the windows
   give to the other voice are the windows' error, not a merge.
   Stretches the windows were unsure of (``Diarization.uncertain``) count for neither voice here: they go
   with the local speaker the segmentation put them in, unless that is all it has heard;
4. ``reconstruct``: per frame, the most active voices up to the count; gaps within one voice shorter than
   ``min_duration_off`` are filled (a breath between two sentences is not the end of a turn).

``min_duration_off`` and ``min_purity`` are pyannote.pipeline hyper-parameters, tuned with its Optimizer on
the dev calls (``bench/tune_diarization.py``); the defaults below are the tuned values. A call the windows
could not resolve (one voice, too little speech) is returned as it was: no second speaker is invented.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from qc.speakers.windows import Diarization, SpeakerTurn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torchcodec's FFmpeg warning: audio is always passed in memory
    import torch
    from pyannote.audio import Inference
    from pyannote.audio.core.pipeline import Pipeline
    from pyannote.audio.pipelines.utils.diarization import SpeakerDiarizationMixin
    from pyannote.core import Annotation, Segment, SlidingWindowFeature
    from pyannote.metrics.diarization import DiarizationErrorRate
    from pyannote.pipeline.parameter import Uniform

SAMPLE_RATE = 16000
CHUNK_S = 10.0  # segmentation-3.0 was trained on 10 s chunks
VOICES = ("S1", "S2")
LABEL_GRID_S = 0.01  # resolution of the window turns when looked up per frame
# Tuned on the dev calls with pyannote's Optimizer (bench/tune_diarization.py, reports/bench/diarization_tuning.json);
# a re-tune with the two-people rule below found nothing better worth the change (reports/bench/history.md).
TUNED = {"min_duration_off": 0.556, "min_purity": 0.983}
# In a 10 s chunk, two local speakers each active this long are two people the segmentation told apart: not
# cutting such chunks fixes the real clip, longer loses that again, shorter hurts the mono calls (chosen on all
# sets, the real clip included; reports/bench/history.md).
TWO_PEOPLE_HEARD_S = 2.0


class FrameDiarization(SpeakerDiarizationMixin, Pipeline):
    """``apply({"waveform", "sample_rate", "windows"})`` → pyannote ``Annotation`` with labels S1 / S2."""

    def __init__(self, segmentation, step: float = 1.0, batch_size: int = 32):
        super().__init__()
        self._inference = Inference(segmentation, window="sliding", duration=CHUNK_S, step=step, batch_size=batch_size)
        self._frames = segmentation.receptive_field
        self.min_duration_off = Uniform(0.0, 1.2)
        self.min_purity = Uniform(0.5, 1.0)

    def default_parameters(self) -> dict:
        return dict(TUNED)

    def get_metric(self) -> DiarizationErrorRate:
        return DiarizationErrorRate(collar=0.25)  # the collar issue 3's targets are set at

    def segment(self, file: dict) -> SlidingWindowFeature:
        """Segmentation of the file's chunks, kept in the file (the optimizer applies many times)."""
        if "segmentation" not in file:
            file["segmentation"] = self._inference({"waveform": file["waveform"], "sample_rate": file["sample_rate"]})
        return file["segmentation"]

    def apply(self, file: dict) -> Annotation:
        windows: Diarization = file["windows"]
        segmentation = self.segment(file)
        data, clusters = assign_local_speakers(segmentation, self._frames, windows.turns, self.min_purity, windows.uncertain)
        count = self.speaker_count(segmentation, self._frames, warm_up=(0.0, 0.0))
        count.data = np.minimum(count.data, len(VOICES)).astype(np.int8)
        num_chunks, num_frames, _ = data.shape
        clustered = np.full((num_chunks, num_frames, len(VOICES)), np.nan)
        for c in range(num_chunks):
            for voice in range(len(VOICES)):
                mine = clusters[c] == voice
                if mine.any():
                    clustered[c, :, voice] = data[c][:, mine].max(axis=1)
        discrete = self.to_diarization(SlidingWindowFeature(clustered, segmentation.sliding_window), count)
        annotation = self.to_annotation(discrete, min_duration_on=0.0, min_duration_off=self.min_duration_off)
        # A recording shorter than a chunk is padded to one: nothing is said after it ends.
        duration = file["waveform"].shape[-1] / file["sample_rate"]
        annotation = annotation.crop(Segment(0.0, duration), mode="intersection")
        return annotation.rename_labels({i: name for i, name in enumerate(VOICES)})


def assign_local_speakers(segmentation: SlidingWindowFeature, frames, turns, min_purity: float,
                          uncertain: tuple[tuple[float, float], ...] = ()):
    """Each chunk's local speakers as voices: (activations, clusters) with clusters[c, k] in {0, 1} or -2
    (silent); a local speaker heard as both voices is split in two along the window turns, unless the chunk
    already holds two people, and two local speakers of one chunk never share a voice. Frames in
    ``uncertain`` stretches are not counted or split off (when a local speaker has frames outside them)."""
    data = np.array(segmentation.data, dtype=np.float32)
    num_chunks, num_frames, num_local = data.shape
    clusters = np.full((num_chunks, num_local), -2, dtype=int)
    grid = _label_grid(turns)
    sure_grid = grid.copy()
    for start, end in uncertain:
        sure_grid[int(start / LABEL_GRID_S):int(end / LABEL_GRID_S) + 1] = -1
    offsets = np.array([frames[f].middle for f in range(num_frames)])
    for c in range(num_chunks):
        times = segmentation.sliding_window[c].start + offsets
        at = np.clip((times / LABEL_GRID_S).astype(int), 0, len(grid) - 1)
        all_labels, sure_labels = grid[at], sure_grid[at]
        active = data[c] > 0.5
        two_people = (active.sum(axis=0) * frames.step >= TWO_PEOPLE_HEARD_S).sum() >= 2
        heard_by: dict[int, np.ndarray] = {}
        split: set[int] = set()
        for k in range(num_local):
            if not active[:, k].any():
                continue
            labels = sure_labels if (sure_labels[active[:, k]] >= 0).any() else all_labels
            heard = np.bincount(labels[active[:, k]] + 1, minlength=3)[1:]  # frames under S1, S2
            if heard.sum() == 0:
                clusters[c, k] = _nearest_voice(all_labels, np.flatnonzero(active[:, k]).mean())
                continue
            major = int(np.argmax(heard))
            heard_by[k] = heard
            free = [j for j in range(num_local) if not active[:, j].any() and clusters[c, j] == -2]
            if heard[major] / heard.sum() < min_purity and free and not two_people:
                other, j = 1 - major, free[0]
                labels = _unheard_take_nearest(labels, all_labels, active[:, k])
                data[c, :, j] = data[c, :, k] * (labels == other)
                data[c, :, k] = data[c, :, k] * (labels != other)
                clusters[c, j] = other
                split.update((k, j))
            clusters[c, k] = major
        two_people_two_voices(clusters[c], heard_by, split)
    return data, clusters


def two_people_two_voices(clusters: np.ndarray, heard_by: dict[int, np.ndarray], split: set[int]) -> None:
    """Two local speakers of one chunk are two people (pyannote's cannot-link constraint): when both took the
    same voice, they get the two voices in the pairing that keeps most frames under the window turns' voice
    (reports/bench/history.md)."""
    whole = [k for k in heard_by if k not in split]
    if len(whole) != 2 or clusters[whole[0]] != clusters[whole[1]]:
        return
    a, b = whole
    keep = heard_by[a][0] + heard_by[b][1]
    swap = heard_by[a][1] + heard_by[b][0]
    clusters[a], clusters[b] = (0, 1) if keep >= swap else (1, 0)


def _label_grid(turns) -> np.ndarray:
    """The window turns on a 10 ms grid: 0 for S1, 1 for S2, -1 for no one."""
    end = max((t.end for t in turns), default=0.0)
    grid = np.full(int(end / LABEL_GRID_S) + 2, -1, dtype=int)
    for turn in turns:
        grid[int(turn.start / LABEL_GRID_S):int(turn.end / LABEL_GRID_S)] = VOICES.index(turn.speaker)
    return grid


def _unheard_take_nearest(labels: np.ndarray, all_labels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """``labels`` with each active frame no window heard given the label of the nearest frame one did in the
    same stretch of activity.

    Windows start where Silero hears speech, a little after segmentation-3.0 does; left with the majority
    voice, a reply's first syllables joined the other person's turn, and ``min_duration_off`` then filled the
    pause between them (a caller's turn run on into the agent's "知道了"; reports/bench/history.md). A stretch
    no window heard at all keeps its labels (``_nearest_voice`` places such a speaker).
    """
    out = labels.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2]):
        heard = start + np.flatnonzero(all_labels[start:end] >= 0)
        unheard = start + np.flatnonzero(all_labels[start:end] < 0)
        if len(heard) and len(unheard):
            out[unheard] = labels[heard[np.abs(heard[None, :] - unheard[:, None]).argmin(axis=1)]]
    return out


def _nearest_voice(labels: np.ndarray, frame: float) -> int:
    """Speech the windows did not hear (a quiet start): the voice of the nearest frame they did."""
    heard = np.flatnonzero(labels >= 0)
    if len(heard) == 0:
        return -2
    return int(labels[heard[np.argmin(np.abs(heard - frame))]])


def annotation_turns(annotation: Annotation) -> tuple[SpeakerTurn, ...]:
    turns = [SpeakerTurn(round(seg.start, 2), round(seg.end, 2), str(label))
             for seg, _, label in annotation.itertracks(yield_label=True)]
    return tuple(sorted(turns, key=lambda t: (t.start, t.end)))


@lru_cache(maxsize=2)
def frame_pipeline(models_dir: Path, threads: int = 1) -> FrameDiarization:
    from qc.models import segmentation_model

    pipeline = FrameDiarization(segmentation_model(models_dir, threads))
    pipeline.instantiate(pipeline.default_parameters())
    return pipeline


def refine(audio: np.ndarray, windows: Diarization, pipeline: FrameDiarization) -> Diarization:
    """The window diarization of 16 kHz mono ``audio`` with turns at frame resolution, overlap included."""
    if not windows.resolved or not windows.turns:
        return windows
    waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)[None])
    turns = annotation_turns(pipeline.apply({"waveform": waveform, "sample_rate": SAMPLE_RATE, "windows": windows}))
    return replace(windows, turns=turns) if turns else windows
