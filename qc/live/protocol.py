"""What a recorder's media fork sends over the WebSocket, and how each message is checked.

1. One text message to start: ``{"call_id": "...", "agent_id": "A01", "line": "12345",
   "sample_rate": 8000, "channels": 2, "agent_channel": 0}`` (16-bit little-endian PCM).
2. Binary frames: a 4-byte big-endian sequence number, then interleaved PCM for every channel
   (10-200 ms of audio per frame is typical). Sequence numbers let the server put frames that arrive
   out of order back in place and count what was lost.
3. Optionally a text message ``{"event": "end"}``; closing the socket also ends the call.
"""

from __future__ import annotations

import struct

import numpy as np
from pydantic import BaseModel, Field, ValidationError

SUPPORTED_RATES = (8000, 16000)
HEADER = struct.Struct(">I")
# Longest frame accepted: 1 s of 16 kHz stereo. Anything bigger is a client bug, not audio.
MAX_FRAME_BYTES = HEADER.size + 16000 * 2 * 2


class ProtocolError(ValueError):
    """A message that breaks the protocol; the text says what was wrong."""


class LiveStart(BaseModel):
    call_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    agent_id: str = Field(min_length=1, max_length=64)
    line: str | None = Field(None, max_length=32)
    sample_rate: int
    channels: int = Field(2, ge=1, le=2)
    agent_channel: int | None = Field(None, ge=0, le=1)
    encoding: str = Field("pcm_s16le", max_length=32)


def parse_start(text: str) -> LiveStart:
    try:
        start = LiveStart.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise ProtocolError(f"bad start message: {where}: {first['msg']}") from exc
    if start.sample_rate not in SUPPORTED_RATES:
        raise ProtocolError(f"sample_rate {start.sample_rate} is not supported (send {' or '.join(map(str, SUPPORTED_RATES))} Hz PCM)")
    if start.encoding != "pcm_s16le":
        raise ProtocolError(f"encoding '{start.encoding}' is not supported (send pcm_s16le)")
    return start


def parse_frame(data: bytes, channels: int) -> tuple[int, np.ndarray]:
    """(sequence number, float32 samples shaped [n, channels]) of one binary frame."""
    if len(data) <= HEADER.size:
        raise ProtocolError(f"frame of {len(data)} bytes has no audio after its 4-byte sequence number")
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(data)} bytes is longer than 1 s of audio")
    payload = memoryview(data)[HEADER.size:]
    if len(payload) % (2 * channels):
        raise ProtocolError(f"frame payload of {len(payload)} bytes is not whole 16-bit samples for {channels} channel(s)")
    (sequence,) = HEADER.unpack_from(data)
    samples = np.frombuffer(payload, dtype="<i2").astype(np.float32) / 32768.0
    return sequence, samples.reshape(-1, channels)


def frame(sequence: int, samples: np.ndarray) -> bytes:
    """Encode float samples [n, channels] (or [n]) as one binary frame: the client side of the protocol."""
    pcm = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return HEADER.pack(sequence & 0xFFFFFFFF) + (pcm * 32767.0).astype("<i2").tobytes()
