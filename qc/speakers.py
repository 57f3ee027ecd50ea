"""Utterances with speakers and roles: agent, caller or unknown.

Stereo: each recorder channel is one speaker; which one is the agent is configuration, and a check
warns when the greeting is heard on the other channel. Mono: words are given to diarized speakers,
and the agent is the speaker who opens the call (or who says the line's opening words).
"""

from __future__ import annotations

from dataclasses import replace

from qc.diarization import Diarization
from qc.records import Role, Utterance, Word
from qc.speech import Segment
from qc.text import normalise_for_match

# A pause this long inside one speaker's speech starts a new utterance.
MAX_PAUSE_S = 1.2
OPENING_WINDOW_S = 20.0


def join_words(words: list[Word] | tuple[Word, ...]) -> str:
    # Whisper keeps the leading space of English words; Chinese words come without one.
    return "".join(w.text for w in words).strip()


def split_segment(segment: Segment, max_pause: float = MAX_PAUSE_S) -> list[tuple[Word, ...]]:
    groups: list[list[Word]] = []
    for word in segment.words:
        if groups and word.start - groups[-1][-1].end <= max_pause:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [tuple(g) for g in groups]


def channel_utterances(segments: tuple[Segment, ...], channel: int, role: Role) -> list[Utterance]:
    """Utterances of one recorder channel (one speaker)."""
    out: list[Utterance] = []
    for seg in segments:
        groups = split_segment(seg) if seg.words else []
        if len(groups) <= 1:
            start = seg.words[0].start if seg.words else seg.start
            end = seg.words[-1].end if seg.words else seg.end
            out.append(Utterance(f"ch{channel}", role, start, end, seg.text, seg.words, channel, seg.avg_logprob))
            continue
        for words in groups:
            out.append(
                Utterance(f"ch{channel}", role, words[0].start, words[-1].end, join_words(words), words, channel, seg.avg_logprob)
            )
    return out


def stereo_utterances(by_channel: dict[int, tuple[Segment, ...]], agent_channel: int) -> list[Utterance]:
    utterances: list[Utterance] = []
    for channel, segments in by_channel.items():
        role: Role = "agent" if channel == agent_channel else "caller"
        utterances.extend(channel_utterances(segments, channel, role))
    return sorted(utterances, key=lambda u: (u.start, u.end))


def diarized_utterances(segments: tuple[Segment, ...], diarization: Diarization) -> list[Utterance]:
    """Give each word to the speaker talking at that moment; a speaker change starts a new utterance."""
    utterances: list[Utterance] = []
    for seg in segments:
        current: list[Word] = []
        speaker: str | None = None
        for word in seg.words:
            who = diarization.speaker_at(word.start, word.end) or "S?"
            gap = word.start - current[-1].end if current else 0.0
            if current and (who != speaker or gap > MAX_PAUSE_S):
                utterances.append(_utterance(speaker, current, seg.avg_logprob))
                current = []
            current.append(word)
            speaker = who
        if current:
            utterances.append(_utterance(speaker, current, seg.avg_logprob))
    return sorted(utterances, key=lambda u: (u.start, u.end))


def undiarized_utterances(segments: tuple[Segment, ...]) -> list[Utterance]:
    return [
        Utterance("S?", "unknown", s.words[0].start if s.words else s.start, s.words[-1].end if s.words else s.end,
                  s.text, s.words, None, s.avg_logprob)
        for s in segments
    ]


def _utterance(speaker: str | None, words: list[Word], avg_logprob: float) -> Utterance:
    return Utterance(speaker or "S?", "unknown", words[0].start, words[-1].end, join_words(words), tuple(words), None, avg_logprob)


def opening_cue_hits(utterances: list[Utterance], cues: list[str]) -> dict[str, int]:
    """How many opening cues each speaker says in the first seconds of the call."""
    norm_cues = [normalise_for_match(c) for c in cues]
    hits: dict[str, int] = {}
    for u in utterances:
        if u.start > OPENING_WINDOW_S:
            break
        text = normalise_for_match(u.text)
        hits[u.speaker] = hits.get(u.speaker, 0) + sum(cue in text for cue in norm_cues if cue)
    return hits


def assign_mono_roles(utterances: list[Utterance], cues: list[str]) -> tuple[list[Utterance], str]:
    """Pick the agent among diarized speakers; return the utterances and how the agent was chosen."""
    speakers = list(dict.fromkeys(u.speaker for u in utterances if u.speaker != "S?"))
    if not speakers:
        return utterances, "no speakers"
    hits = opening_cue_hits(utterances, cues)
    by_cues = max(speakers, key=lambda s: hits.get(s, 0))
    if hits.get(by_cues, 0) > 0 and list(hits.values()).count(hits[by_cues]) == 1:
        agent, how = by_cues, "said the line's opening words"
    else:
        # Hotline calls are answered by the agent: the first voice is the agent's.
        agent, how = speakers[0], "spoke first"
    roles = {s: ("agent" if s == agent else "caller") for s in speakers}
    return [replace(u, role=roles.get(u.speaker, "unknown")) for u in utterances], f"agent {agent} {how}"


def swapped_channel_warning(utterances: list[Utterance], cues: list[str]) -> str | None:
    """Warn when the opening words are heard on the caller channel but not on the agent channel."""
    hits = opening_cue_hits(utterances, cues)
    agent = sum(n for s, n in hits.items() if _role_of(utterances, s) == "agent")
    caller = sum(n for s, n in hits.items() if _role_of(utterances, s) == "caller")
    if caller > 0 and agent == 0:
        return (
            "the agent's opening words were heard on the caller channel: check the recorder's agent_channel "
            "setting for this line"
        )
    return None


def _role_of(utterances: list[Utterance], speaker: str) -> Role:
    return next((u.role for u in utterances if u.speaker == speaker), "unknown")
