"""Stream a recording to the live endpoint as a recorder's media fork would: `qc live simulate`.

Reads the file at its own rate (8 or 16 kHz; others are resampled to 16 kHz), sends 16-bit frames
of ``frame_ms`` with sequence numbers, paced at ``speed`` x real time (0 = as fast as possible),
and returns what the server answered.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from qc.audio.decode import resample
from qc.live.protocol import SUPPORTED_RATES, frame


@dataclass
class SimulationResult:
    call_id: str
    seconds_sent: float
    frames: int
    messages: list[dict] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str | None = None


def load_for_streaming(path: Path) -> tuple[np.ndarray, int]:
    """[n, channels] float32 at 8 or 16 kHz."""
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    if rate not in SUPPORTED_RATES:
        data = np.stack([resample(data[:, c], rate) for c in range(data.shape[1])], axis=1)
        rate = 16000
    return data[:, :2], rate


async def simulate(url: str, path: Path, *, agent_id: str, token: str, call_id: str | None = None, line: str | None = None,
                   agent_channel: int | None = None, speed: float = 1.0, frame_ms: int = 100,
                   on_message=None) -> SimulationResult:
    import websockets

    audio, rate = load_for_streaming(path)
    call_id = call_id or f"sim-{path.stem}-{int(time.time() * 1000)}"
    start = {"call_id": call_id, "agent_id": agent_id, "line": line, "sample_rate": rate, "channels": audio.shape[1],
             "agent_channel": agent_channel}
    step = int(rate * frame_ms / 1000)
    result = SimulationResult(call_id, len(audio) / rate, 0)
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**20) as ws:
        await ws.send(json.dumps(start))

        async def listen():
            try:
                async for message in ws:
                    parsed = json.loads(message)
                    result.messages.append(parsed)
                    if on_message:
                        on_message(parsed)
            except websockets.ConnectionClosed:
                pass

        listener = asyncio.create_task(listen())
        began = time.monotonic()
        try:
            for sequence, offset in enumerate(range(0, len(audio), step)):
                await ws.send(frame(sequence, audio[offset: offset + step]))
                result.frames += 1
                if speed > 0:
                    due = began + (offset + step) / rate / speed
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
            await ws.send(json.dumps({"event": "end"}))
            await asyncio.wait_for(listener, timeout=120)
        except websockets.ConnectionClosed:
            pass
        finally:
            listener.cancel()
        result.close_code, result.close_reason = ws.close_code, ws.close_reason
    return result
