"""The audio people listen to: the recording with every span of personal data silenced.

One function serves the CLI export and the web player, so what an inspector hears is what
`qc export-audio` writes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile

from qc.audio.decode import TARGET_RATE, decode, muted, probe
from qc.config import AudioLimits
from qc.pii import mute_ranges


def playback_channels(path: Path, personal_data_times: list[tuple[float, float]], limits: AudioLimits,
                      redact: bool = True) -> tuple[tuple[np.ndarray, ...], int]:
    """Decoded channels (16 kHz) with personal data muted, and how many spans were muted.

    Raises ``qc.errors.BadRecording`` when the file is gone or no longer readable.
    """
    audio = decode(probe(path), limits)
    if not redact:
        return audio.channels, 0
    ranges = mute_ranges(personal_data_times, duration_s=audio.duration_s)
    return muted(audio.channels, ranges), len(ranges)


def encode_flac(channels: tuple[np.ndarray, ...]) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack(channels, axis=1), TARGET_RATE, format="FLAC")
    return buffer.getvalue()


def peaks(channels: tuple[np.ndarray, ...], bins: int = 1200) -> list[list[float]]:
    """Per channel, the loudest sample in each of ``bins`` slices: enough to draw a waveform."""
    out = []
    for channel in channels:
        usable = len(channel) - len(channel) % bins if len(channel) >= bins else 0
        if not usable:
            out.append([round(float(abs(x)), 3) for x in channel])
            continue
        out.append(np.round(np.abs(channel[:usable]).reshape(bins, -1).max(axis=1), 3).tolist())
    return out
