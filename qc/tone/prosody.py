"""How one utterance sounds: pitch, loudness, tempo, pauses and voice quality, from its audio and words.

Pitch is librosa's YIN, not pYIN: pYIN is far too slow for the live path, and lost voiced frames on a grid
coarse enough to keep up. YIN has no voicing decision of its own, so a frame counts as voiced when it
is loud enough, its pitch lies inside the search band and the signal repeats at that pitch period
(normalised autocorrelation). YIN follows pYIN closely, a little lower; only differences against a
baseline built the same way are used, so that offset cancels (figures: reports/bench/history.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qc.records import Word
from qc.tone.records import ProsodyFeatures


@dataclass(frozen=True)
class ProsodyOptions:
    # Telephone speech: below 60 Hz is mains hum, above 400 Hz is rarely a speaking voice.
    fmin_hz: float = 60.0
    fmax_hz: float = 400.0
    frame_s: float = 0.064  # 64 ms holds two periods of the lowest pitch, as YIN needs
    hop_s: float = 0.010
    yin_trough_threshold: float = 0.2  # fewer gross errors against pYIN than librosa's 0.1 (reports/bench/history.md)
    min_periodicity: float = 0.6
    # A frame this far below the utterance's loud frames (95th percentile) is a pause or breath.
    voiced_gate_db: float = 30.0
    silence_floor_dbfs: float = -60.0
    min_voiced_frames: int = 5
    min_duration_s: float = 0.3  # shorter clips give no pitch or loudness worth comparing
    # Gaps between words shorter than this are how words join in fluent speech, not pauses.
    min_pause_s: float = 0.15
    # Whisper's word edges are a little tight: the acoustic window is widened by this much.
    edge_pad_s: float = 0.05
    clip_level: float = 0.99


DEFAULT_OPTIONS = ProsodyOptions()

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_DIGIT = re.compile(r"[0-9]")


def count_syllables(text: str) -> int:
    """One per CJK character and per digit, vowel groups for English words (a silent final e dropped)."""
    lowered = text.lower()
    total = len(_CJK.findall(lowered)) + len(_DIGIT.findall(lowered))
    for word in _LATIN_WORD.findall(lowered):
        groups = len(_VOWEL_GROUP.findall(word))
        if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1:
            groups -= 1
        total += max(1, groups)
    return total


def utterance_prosody(
    signal: np.ndarray,
    sample_rate: int,
    words: Sequence[Word] = (),
    options: ProsodyOptions = DEFAULT_OPTIONS,
) -> ProsodyFeatures:
    """Features of one utterance. ``words`` are timed in seconds from the start of ``signal``; without
    words the whole signal is the utterance and rates stay None."""
    signal = np.asarray(signal, dtype=np.float32).reshape(-1)
    total_s = len(signal) / sample_rate if sample_rate > 0 else 0.0
    timed = sorted((w for w in words if w.end > w.start), key=lambda w: w.start)
    if timed:
        start, end = max(0.0, timed[0].start), min(total_s, timed[-1].end)
    else:
        start, end = 0.0, total_s
    duration = max(0.0, end - start)
    tempo = _tempo(timed, duration, options)
    lo = max(0, int((start - options.edge_pad_s) * sample_rate))
    hi = min(len(signal), int(math.ceil((end + options.edge_pad_s) * sample_rate)))
    clip = signal[lo:hi]
    clipped = float(np.mean(np.abs(clip) >= options.clip_level)) if clip.size else 0.0
    acoustics = _acoustics(clip, sample_rate, options) if duration >= options.min_duration_s else {}
    return ProsodyFeatures(duration_s=round(duration, 3), clipped_fraction=clipped, **tempo, **acoustics)


def _tempo(words: list[Word], duration: float, options: ProsodyOptions) -> dict:
    syllables = sum(count_syllables(w.text) for w in words)
    if not words or duration < options.min_duration_s:
        return {"syllables": syllables}
    gaps = [b.start - a.end for a, b in zip(words, words[1:])]
    pauses = [g for g in gaps if g >= options.min_pause_s]
    paused = min(sum(pauses), duration)
    speaking = duration - paused
    return {
        "syllables": syllables,
        "speaking_rate": syllables / duration if syllables else None,
        "articulation_rate": syllables / speaking if syllables and speaking > 0 else None,
        "pause_ratio": paused / duration,
        "longest_pause_s": max(pauses, default=0.0),
    }


def _acoustics(clip: np.ndarray, sample_rate: int, options: ProsodyOptions) -> dict:
    import librosa

    frame = int(round(options.frame_s * sample_rate))
    hop = max(1, int(round(options.hop_s * sample_rate)))
    if clip.size < frame or not np.any(np.abs(clip) > 1e-6):
        return {}
    f0 = librosa.yin(
        clip,
        fmin=options.fmin_hz,
        fmax=options.fmax_hz,
        sr=sample_rate,
        frame_length=frame,
        hop_length=hop,
        trough_threshold=options.yin_trough_threshold,
    )
    rms = librosa.feature.rms(y=clip, frame_length=frame, hop_length=hop)[0]
    n = min(len(f0), len(rms))
    f0, rms = f0[:n], rms[:n]
    level_db = 20 * np.log10(np.maximum(rms, 1e-10))
    loud = level_db > max(options.silence_floor_dbfs, float(np.percentile(level_db, 95)) - options.voiced_gate_db)
    in_band = (f0 > options.fmin_hz * 1.02) & (f0 < options.fmax_hz * 0.98)
    periodicity = _periodicity(clip, f0, sample_rate, frame, hop)
    voiced = loud & in_band & (periodicity >= options.min_periodicity)
    out: dict = {"voiced_fraction": float(voiced.mean())}
    if voiced.sum() < options.min_voiced_frames:
        return out
    semitones = 12 * np.log2(f0[voiced])
    voiced_db = level_db[voiced]
    p10, p90 = np.percentile(semitones, [10, 90])
    db10, db90 = np.percentile(voiced_db, [10, 90])
    r = np.clip(periodicity[voiced], 1e-3, 0.999)
    out |= {
        "f0_median_hz": float(2 ** (np.median(semitones) / 12)),
        "f0_range_st": float(p90 - p10),
        "loudness_dbfs": float(10 * np.log10(np.mean(rms[voiced] ** 2))),
        "loudness_range_db": float(db90 - db10),
        "hnr_db": float(np.median(10 * np.log10(r / (1 - r)))),
        **_perturbation(f0, level_db, voiced),
    }
    return out


def _periodicity(clip: np.ndarray, f0: np.ndarray, sample_rate: int, frame: int, hop: int) -> np.ndarray:
    """Normalised autocorrelation of each frame at its own pitch period: near 1 for a voice, low for noise."""
    import librosa

    padded = np.pad(clip, frame // 2)  # the same centring librosa.yin and rms use
    frames = librosa.util.frame(padded, frame_length=frame, hop_length=hop)[:, : len(f0)]
    lags = np.clip(np.round(sample_rate / np.maximum(f0[: frames.shape[1]], 1.0)).astype(int), 1, frame // 2)
    width = frame - frame // 2
    head = frames[:width]
    tail = np.take_along_axis(frames, np.arange(width)[:, None] + lags[None, :], axis=0)
    energy = np.sqrt(np.sum(head**2, axis=0) * np.sum(tail**2, axis=0))
    out = np.zeros(len(f0), dtype=np.float64)
    out[: frames.shape[1]] = np.where(energy > 0, np.sum(head * tail, axis=0) / np.maximum(energy, 1e-20), 0.0)
    return out


def _perturbation(f0: np.ndarray, level_db: np.ndarray, voiced: np.ndarray) -> dict:
    """Frame-level jitter and shimmer over runs of voiced frames; octave jumps are tracking errors, not voice."""
    pairs = voiced[1:] & voiced[:-1]
    jump = np.abs(12 * np.log2(f0[1:] / f0[:-1]))
    pairs &= jump < 2.0
    if pairs.sum() < 2:
        return {}
    periods = 1.0 / f0
    jitter = float(np.mean(np.abs(np.diff(periods))[pairs]) / np.mean(periods[voiced]))
    shimmer = float(np.mean(np.abs(np.diff(level_db))[pairs]))
    return {"jitter": jitter, "shimmer_db": shimmer}


def egemaps_functionals(signal: np.ndarray, sample_rate: int) -> dict[str, float] | None:
    """eGeMAPS v02 functionals when the optional ``opensmile`` package is installed, else None."""
    try:
        import opensmile
    except ImportError:
        return None
    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals
    )
    frame = smile.process_signal(np.asarray(signal, dtype=np.float32), sample_rate)
    return {str(k): float(v) for k, v in frame.iloc[0].items()}
