"""Shared helpers of the tone tests: real sample calls cut into utterances, words spread over a turn."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from qc.audio.decode import TARGET_RATE, decode, probe
from qc.config import AudioLimits
from qc.records import Utterance, Word
from tests.conftest import SAMPLES, ground_truth


def even_words(text: str, start: float, end: float) -> tuple[Word, ...]:
    """One word per character, spread evenly over the turn: the sample calls have turn times only."""
    chars = [c for c in text if c.strip() and c not in "，。？！、,.?!"]
    step = (end - start) / max(1, len(chars))
    return tuple(Word(c, start + i * step, start + (i + 1) * step, 1.0) for i, c in enumerate(chars))


@lru_cache(maxsize=4)
def sample_call(name: str) -> tuple[tuple[np.ndarray, ...], tuple[Utterance, ...]]:
    """The call's 16 kHz channels and its ground-truth turns as utterances on the right channels."""
    truth = ground_truth(name)
    audio = decode(probe(SAMPLES / truth["audio"]), AudioLimits())
    agent = truth["agent_channel"]
    utterances = tuple(
        Utterance(
            speaker=turn["speaker"],
            role=turn["speaker"],
            start=turn["start"],
            end=turn["end"],
            text=turn["text"],
            words=even_words(turn["text"], turn["start"], turn["end"]),
            channel=agent if turn["speaker"] == "agent" else 1 - agent,
        )
        for turn in truth["turns"]
    )
    return audio.channels, utterances


def turn_clips(name: str, role: str) -> list[tuple[np.ndarray, tuple[Word, ...]]]:
    """(audio, words timed from the clip's start) of every turn of one role, at 16 kHz."""
    channels, utterances = sample_call(name)
    out = []
    for u in utterances:
        if u.role != role:
            continue
        clip = channels[u.channel][int(u.start * TARGET_RATE) : int(u.end * TARGET_RATE)]
        out.append((clip, tuple(Word(w.text, w.start - u.start, w.end - u.start, 1.0) for w in u.words)))
    return out
