"""A first, torch-free diarizer for mono calls: who spoke when, two speakers, or "unresolved".

Speech found by Silero VAD is cut into short overlapping windows; each window is described by its
cepstral envelope (MFCC mean/std from Whisper's log-mel front end) and its pitch; Ward clustering
splits the windows into two voices. When the two groups are not clearly apart (silhouette below a
threshold, or one "speaker" with almost no speech) the call is reported unresolved rather than
guessed. pyannote.audio replaces this for mono calls where torch is installed (a separate stage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
WINDOW_S = 1.0
HOP_S = 0.5
MIN_SILHOUETTE = 0.12
MIN_SHARE = 0.05  # the smaller speaker must hold at least this share of the speech windows
PITCH_WEIGHT = 3.0  # pitch separates telephone voices better than the 8 kHz-limited spectrum


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class Diarization:
    resolved: bool
    turns: tuple[SpeakerTurn, ...]
    silhouette: float | None
    reason: str = ""

    def speaker_at(self, start: float, end: float) -> str | None:
        """The speaker whose turns overlap [start, end] most; the nearest turn when none overlaps."""
        if not self.turns:
            return None
        best, best_overlap, nearest, nearest_gap = None, 0.0, None, float("inf")
        for turn in self.turns:
            overlap = min(end, turn.end) - max(start, turn.start)
            if overlap > best_overlap:
                best, best_overlap = turn.speaker, overlap
            gap = max(turn.start - end, start - turn.end, 0.0)
            if gap < nearest_gap:
                nearest, nearest_gap = turn.speaker, gap
        return best or nearest


def speech_regions(audio: np.ndarray) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=250, speech_pad_ms=30))
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def windows_over(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in regions:
        if end - start <= WINDOW_S:
            out.append((start, end))
            continue
        t = start
        while t + WINDOW_S <= end + 1e-6:
            out.append((t, t + WINDOW_S))
            t += HOP_S
        if out[-1][1] < end - 0.25 * WINDOW_S:
            out.append((end - WINDOW_S, end))
    return out


def diarize(audio: np.ndarray) -> Diarization:
    regions = speech_regions(audio)
    windows = windows_over(regions)
    if len(windows) < 4:
        return Diarization(False, (), None, "too little speech to separate speakers")
    features = window_features(audio, windows)
    labels = two_clusters(features)
    shares = np.bincount(labels, minlength=2) / len(labels)
    score = silhouette(features, labels)
    if shares.min() < MIN_SHARE or score < MIN_SILHOUETTE:
        return Diarization(
            False, (), round(score, 3), f"voices not separable (silhouette {score:.2f}, minority share {shares.min():.0%})"
        )
    labels = smooth(labels)
    return Diarization(True, tuple(_turns(windows, labels)), round(score, 3))


def window_features(audio: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    from scipy.fft import dct

    log_mel = _log_mel(audio)  # (80, frames), 100 frames per second
    f0 = frame_pitch(audio)  # one value per 10 ms, NaN when unvoiced
    rows = []
    for start, end in windows:
        a, b = int(start * 100), max(int(end * 100), int(start * 100) + 1)
        mfcc = dct(log_mel[:, a:b], type=2, axis=0, norm="ortho")[1:20]
        voiced = f0[a:b][~np.isnan(f0[a:b])]
        pitch = np.log(np.median(voiced)) if voiced.size >= 3 else np.nan
        rows.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), [pitch]]))
    feats = np.asarray(rows, dtype=np.float64)
    # Windows with no voiced frames take the median pitch: they should not pull either way.
    pitch_col = feats[:, -1]
    pitch_col[np.isnan(pitch_col)] = np.nanmedian(pitch_col) if np.any(~np.isnan(pitch_col)) else 0.0
    std = feats.std(axis=0)
    std[std == 0] = 1.0
    z = (feats - feats.mean(axis=0)) / std
    z[:, -1] *= PITCH_WEIGHT
    return z


def _log_mel(audio: np.ndarray) -> np.ndarray:
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor(feature_size=80)(audio)


def frame_pitch(audio: np.ndarray, frame: int = 640, hop: int = 160, batch: int = 2048) -> np.ndarray:
    """Autocorrelation pitch (60-400 Hz) per 10 ms frame; NaN where the frame is not voiced."""
    if len(audio) < frame:
        return np.full(max(1, len(audio) // hop), np.nan)
    frames = np.lib.stride_tricks.sliding_window_view(audio, frame)[::hop]
    lag_min, lag_max = SAMPLE_RATE // 400, SAMPLE_RATE // 60
    out = np.full(len(frames), np.nan)
    window = np.hanning(frame)
    for i in range(0, len(frames), batch):
        block = frames[i : i + batch] * window
        block = block - block.mean(axis=1, keepdims=True)
        spec = np.fft.rfft(block, n=2 * frame, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, : lag_max + 1]
        energy = ac[:, :1]
        ok = energy[:, 0] > 1e-6
        norm = np.where(energy > 0, ac / np.maximum(energy, 1e-12), 0.0)
        lags = np.argmax(norm[:, lag_min:], axis=1) + lag_min
        peak = norm[np.arange(len(norm)), lags]
        voiced = ok & (peak > 0.45)
        out[i : i + len(block)] = np.where(voiced, SAMPLE_RATE / lags, np.nan)
    return out


def two_clusters(features: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(features, method="ward")
    return fcluster(tree, t=2, criterion="maxclust") - 1


def silhouette(features: np.ndarray, labels: np.ndarray) -> float:
    if len(set(labels.tolist())) < 2:
        return 0.0
    from scipy.spatial.distance import cdist

    dist = cdist(features, features)
    scores = np.zeros(len(labels))
    for i, label in enumerate(labels):
        same = labels == label
        same[i] = False
        a = dist[i, same].mean() if same.any() else 0.0
        b = dist[i, labels != label].mean()
        scores[i] = (b - a) / max(a, b, 1e-12)
    return float(scores.mean())


def smooth(labels: np.ndarray, width: int = 3) -> np.ndarray:
    """Majority vote over neighbouring windows: one odd window inside a turn is noise."""
    if len(labels) < width:
        return labels
    pad = width // 2
    padded = np.pad(labels, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return (windows.mean(axis=1) > 0.5).astype(labels.dtype)


def _turns(windows: list[tuple[float, float]], labels: np.ndarray) -> list[SpeakerTurn]:
    # Name speakers in order of first appearance, so "S1" is whoever spoke first.
    order: dict[int, str] = {}
    for label in labels.tolist():
        order.setdefault(label, f"S{len(order) + 1}")
    turns: list[SpeakerTurn] = []
    for (start, end), label in zip(windows, labels.tolist()):
        name = order[label]
        if turns and turns[-1].speaker == name and start <= turns[-1].end + 0.3:
            turns[-1] = SpeakerTurn(turns[-1].start, max(end, turns[-1].end), name)
        elif turns and start < turns[-1].end:
            # Overlapping windows of different speakers: split the difference.
            middle = (start + turns[-1].end) / 2
            turns[-1] = SpeakerTurn(turns[-1].start, middle, turns[-1].speaker)
            turns.append(SpeakerTurn(middle, end, name))
        else:
            turns.append(SpeakerTurn(start, end, name))
    return [SpeakerTurn(round(t.start, 2), round(t.end, 2), t.speaker) for t in turns]
