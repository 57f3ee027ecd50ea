"""Recordings in, 16 kHz float32 channels out — or a BadRecording that says why not.

libsndfile (soundfile) reads WAV (PCM, G.711 μ-law/A-law), FLAC, OGG and MP3 with exact headers;
PyAV (FFmpeg, shipped with faster-whisper) takes everything else call recorders write (AMR, M4A,
GSM WAV...). Every channel is kept: on stereo call recordings each channel is one speaker.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from qc.config import AudioLimits
from qc.errors import BadRecording, TransientError
from qc.records import AudioInfo

log = logging.getLogger(__name__)

TARGET_RATE = 16000
AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".ogg", ".opus", ".amr", ".m4a", ".aac", ".wma", ".gsm", ".au", ".webm"}
)
# A second channel this close to the first is a copy (a "dual-mono" recorder setting), not a speaker.
DUAL_MONO_MAX_DIFF = 1e-3


@dataclass(frozen=True)
class DecodedAudio:
    channels: tuple[np.ndarray, ...]  # each 1-D float32 at TARGET_RATE
    source_rate: int
    warnings: tuple[str, ...] = ()

    @property
    def narrowband(self) -> bool:
        """Telephone-band source (8 kHz and below): the speech stops at 4 kHz whatever the rate now."""
        return self.source_rate <= 8000

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / TARGET_RATE if self.channels else 0.0


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def probe(path: Path) -> AudioInfo:
    """Read the header only: fast, and lets too-long files be refused before decoding."""
    if not path.exists():
        raise BadRecording(f"file not found: {path}")
    try:
        size = path.stat().st_size
        sha = file_sha256(path)
    except OSError as exc:  # e.g. a network share dropping: worth a retry
        raise TransientError(f"could not read {path}: {exc}") from exc
    if size == 0:
        raise BadRecording("empty file (0 bytes)")
    rate, channels, frames, container = _probe_header(path)
    if rate <= 0 or channels <= 0:
        raise BadRecording(f"no audio stream found ({container})")
    # libsndfile reports the frames actually present; the RIFF header says what was meant to be.
    frames = max(frames, _declared_wav_frames(path) or 0)
    return AudioInfo(
        path=str(path),
        sha256=sha,
        size_bytes=size,
        container=container,
        sample_rate=rate,
        channels=channels,
        duration_s=frames / rate if frames else 0.0,
    )


def _declared_wav_frames(path: Path) -> int | None:
    """Frames the WAV header promises (data chunk size / block align), or None for other files."""
    import struct

    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, block_align = 12, 0
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and pos + 22 <= len(head):
            block_align = struct.unpack("<H", head[pos + 20 : pos + 22])[0]
        elif chunk == b"data":
            # 0xFFFFFFFF and 0 are "size unknown" markers written by streaming recorders.
            if not block_align or size in (0, 0xFFFFFFFF):
                return None
            return size // block_align
        pos += 8 + size + (size & 1)
    return None


def _probe_header(path: Path) -> tuple[int, int, int, str]:
    import soundfile

    try:
        info = soundfile.info(str(path))
        return int(info.samplerate), int(info.channels), int(info.frames), f"{info.format}/{info.subtype}"
    except Exception:  # noqa: BLE001 - libsndfile rejects many valid formats; PyAV gets a turn
        pass
    import av

    try:
        with av.open(str(path)) as container:
            streams = container.streams.audio
            if not streams:
                raise BadRecording("the file holds no audio stream")
            stream = streams[0]
            duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
            if not duration and container.duration:
                duration = container.duration / 1_000_000
            rate = int(stream.rate or 0)
            return rate, int(stream.channels or 0), int(round(duration * rate)), f"{container.format.name}/{stream.codec_context.name}"
    except BadRecording:
        raise
    except Exception as exc:  # PyAV raises many error types for garbage input
        raise BadRecording(f"not a readable audio file ({type(exc).__name__}: {exc})") from exc


def check_limits(info: AudioInfo, limits: AudioLimits) -> None:
    if info.duration_s > limits.max_duration_s:
        raise BadRecording(
            f"recording is {info.duration_s / 3600:.1f} h long, over the limit of "
            f"{limits.max_duration_s / 3600:.1f} h (audio.max_duration_s); split it or raise the limit"
        )


def decode(info: AudioInfo, limits: AudioLimits) -> DecodedAudio:
    """Decode every channel to 16 kHz float32 and check the result is usable speech audio."""
    check_limits(info, limits)
    samples, rate, warnings = _read(Path(info.path))
    if samples.shape[0] == 0:
        raise BadRecording("the file holds no audio samples (zero length)")
    decoded_s = samples.shape[0] / rate
    if info.duration_s and decoded_s < 0.98 * info.duration_s - 0.05:
        warnings.append(
            f"file is truncated: header says {info.duration_s:.1f} s, only {decoded_s:.1f} s could be decoded"
        )
    if decoded_s < limits.min_duration_s:
        raise BadRecording(f"recording is only {decoded_s:.2f} s long (audio.min_duration_s = {limits.min_duration_s})")
    if decoded_s > limits.max_duration_s:
        raise BadRecording(f"recording decodes to {decoded_s / 3600:.1f} h, over the limit (audio.max_duration_s)")
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    peak_dbfs = 20 * np.log10(peak) if peak > 0 else float("-inf")
    if peak_dbfs < limits.silence_peak_dbfs:
        raise BadRecording(f"silent recording (peak level {peak_dbfs:.0f} dBFS)")
    channels = [samples[:, i] for i in range(samples.shape[1])]
    if len(channels) == 2 and is_dual_mono(channels[0], channels[1]):
        warnings.append("both channels carry the same signal (dual-mono recording): treated as mono")
        channels = channels[:1]
    elif len(channels) > 2:
        warnings.append(f"{len(channels)} channels: only the first two are used")
        channels = channels[:2]
    resampled = tuple(resample(ch, rate, TARGET_RATE) for ch in channels)
    return DecodedAudio(channels=resampled, source_rate=rate, warnings=tuple(warnings))


def _read(path: Path) -> tuple[np.ndarray, int, list[str]]:
    """Return (frames x channels float32, sample rate, warnings)."""
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return data, int(rate), []
    except Exception:  # noqa: BLE001 - fall back to FFmpeg for formats libsndfile lacks
        pass
    return _read_with_pyav(path)


def _read_with_pyav(path: Path) -> tuple[np.ndarray, int, list[str]]:
    import av

    warnings: list[str] = []
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            rate = int(stream.rate)
            channels = int(stream.channels)
            resampler = av.AudioResampler(format="flt", layout=stream.layout.name, rate=rate)
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1, channels))
            except av.error.InvalidDataError as exc:
                # A recorder killed mid-write leaves a tail FFmpeg cannot parse: keep what decoded.
                warnings.append(f"decoding stopped early: {exc}")
    except (IndexError, av.error.FFmpegError) as exc:
        raise BadRecording(f"not a readable audio file ({type(exc).__name__}: {exc})") from exc
    if not chunks:
        return np.zeros((0, 1), dtype=np.float32), rate, warnings
    return np.concatenate(chunks).astype(np.float32, copy=False), rate, warnings


def resample(signal: np.ndarray, source_rate: int, target_rate: int = TARGET_RATE) -> np.ndarray:
    if source_rate == target_rate:
        return np.ascontiguousarray(signal, dtype=np.float32)
    from scipy.signal import resample_poly

    factor = gcd(source_rate, target_rate)
    out = resample_poly(signal, target_rate // factor, source_rate // factor)
    return out.astype(np.float32, copy=False)


def is_dual_mono(left: np.ndarray, right: np.ndarray) -> bool:
    return bool(np.max(np.abs(left - right), initial=0.0) <= DUAL_MONO_MAX_DIFF)


def mixdown(channels: tuple[np.ndarray, ...]) -> np.ndarray:
    if len(channels) == 1:
        return channels[0]
    return (np.sum(channels, axis=0) / len(channels)).astype(np.float32)


def muted(channels: tuple[np.ndarray, ...], ranges: list[tuple[float, float]], rate: int = TARGET_RATE) -> tuple[np.ndarray, ...]:
    """Copies of the channels with every (start, end) range in seconds replaced by silence."""
    out = []
    for channel in channels:
        copy = channel.copy()
        for start, end in ranges:
            copy[max(0, int(start * rate)) : max(0, int(end * rate))] = 0.0
        out.append(copy)
    return tuple(out)
