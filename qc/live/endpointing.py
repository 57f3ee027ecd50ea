"""Streaming speech detection per channel: audio in, finished utterances out.

An energy detector against a running noise floor, frame by frame (20 ms), with a hangover: an
utterance ends after ``end_silence_s`` of silence, or is cut at ``max_utterance_s`` so one long
turn cannot hold back its alerts or grow memory without bound. On a recorder's split channels the
other party is near-silent, so energy is a sound, cheap first stage; Whisper's own VAD then checks
each utterance before decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_S = 0.02


@dataclass(frozen=True)
class EndpointOptions:
    end_silence_s: float = 0.5
    min_speech_s: float = 0.3
    max_utterance_s: float = 12.0
    pad_s: float = 0.15
    margin_db: float = 12.0  # above the noise floor
    floor_dbfs: float = -55.0  # never speech below this level


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    audio: np.ndarray  # float32 at the stream's sample rate, padded by pad_s at each side


class Endpointer:
    """One channel's detector. ``push`` returns the utterances that have finished."""

    def __init__(self, sample_rate: int, options: EndpointOptions = EndpointOptions()):
        self.rate = sample_rate
        self.options = options
        self.frame = int(FRAME_S * sample_rate)
        self._pending = np.zeros(0, dtype=np.float32)  # less than one frame, waiting for more
        self._samples_seen = 0
        self._noise_db = -60.0
        self._speech: list[np.ndarray] = []
        self._speech_start = 0
        self._silent_frames = 0
        self._voiced_frames = 0
        self._lead = np.zeros(0, dtype=np.float32)  # the audio just before speech starts (padding)

    @property
    def seconds(self) -> float:
        return self._samples_seen / self.rate

    def push(self, samples: np.ndarray) -> list[Segment]:
        data = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        usable = len(data) - len(data) % self.frame
        self._pending = data[usable:]
        finished: list[Segment] = []
        for frame in data[:usable].reshape(-1, self.frame) if usable else ():
            segment = self._step(frame)
            if segment is not None:
                finished.append(segment)
        return finished

    def flush(self) -> list[Segment]:
        """The utterance in progress, if any (the call ended or the client went away)."""
        if self._speech and self._voiced_frames * FRAME_S >= self.options.min_speech_s:
            return [self._close(trailing_silence=self._silent_frames)]
        self._reset()
        return []

    def _step(self, frame: np.ndarray) -> Segment | None:
        start = self._samples_seen
        self._samples_seen += len(frame)
        level = 10 * np.log10(float(np.mean(frame * frame)) + 1e-12)
        speech = level > max(self.options.floor_dbfs, self._noise_db + self.options.margin_db)
        if not speech:
            # The floor follows quiet frames quickly and loud ones slowly: speech cannot drag it up.
            self._noise_db += (0.05 if level > self._noise_db else 0.3) * (level - self._noise_db)
        if not self._speech:
            if speech:
                self._speech = [self._lead, frame]
                self._speech_start = start - len(self._lead)
                self._voiced_frames, self._silent_frames = 1, 0
            else:
                keep = int(self.options.pad_s * self.rate)
                self._lead = np.concatenate([self._lead, frame])[-keep:] if keep else self._lead[:0]
            return None
        self._speech.append(frame)
        if speech:
            self._voiced_frames += 1
            self._silent_frames = 0
        else:
            self._silent_frames += 1
        length_s = (self._samples_seen - self._speech_start) / self.rate
        if self._silent_frames * FRAME_S >= self.options.end_silence_s:
            if self._voiced_frames * FRAME_S < self.options.min_speech_s:
                self._reset()  # a click or a cough
                return None
            return self._close(trailing_silence=self._silent_frames)
        if length_s >= self.options.max_utterance_s:
            return self._close(trailing_silence=self._silent_frames)
        return None

    def _close(self, trailing_silence: int) -> Segment:
        audio = np.concatenate(self._speech)
        # Keep pad_s of the trailing silence, drop the rest.
        keep_tail = max(0, trailing_silence * self.frame - int(self.options.pad_s * self.rate))
        if keep_tail:
            audio = audio[:-keep_tail]
        start = max(0, self._speech_start)
        segment = Segment(start / self.rate, (start + len(audio)) / self.rate, audio)
        self._reset()
        return segment

    def _reset(self) -> None:
        self._speech = []
        self._voiced_frames = self._silent_frames = 0
        self._lead = np.zeros(0, dtype=np.float32)
