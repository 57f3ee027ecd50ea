"""Utterances with speakers and roles: agent, caller or unknown.

Stereo: each recorder channel is one speaker; which one is the agent is configuration, and a check
warns when the greeting is heard on the other channel. Mono: words are given to diarized speakers,
and the agent is the speaker who opens the call (or who says the line's opening words).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from operator import itemgetter

from qc.speakers.windows import Diarization, merged_spans
from qc.records import Role, Utterance, Word
from qc.speech.transcribe import Segment
from qc.text.normalise import normalise_for_match

# A pause this long inside one speaker's speech starts a new utterance.
MAX_PAUSE_S = 1.2
# On mono calls, a pause this long may be a change of speaker; so may the end of a sentence.
UNIT_PAUSE_S = 0.4
SENTENCE_END = ("。", "？", "！", "?", "!", "…")
# Sentence-final particles (语气词), Mandarin and Cantonese: they close the clause before them and are never said
# alone as a turn of their own.
FINAL_PARTICLES = frozenset("吗嗎呢吧嘛啊呀啦哇呗唄咯咩喎囉㗎啩")
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


def speech_units(segments: tuple[Segment, ...]) -> list[tuple[Word, ...]]:
    """Stretches one person most likely said: split at pauses and at the end of a sentence."""
    units: list[tuple[Word, ...]] = []
    for seg in segments:
        current: list[Word] = []
        for word in seg.words:
            if current and word.start - current[-1].end > UNIT_PAUSE_S:
                units.append(tuple(current))
                current = []
            current.append(word)
            if word.text.strip().endswith(SENTENCE_END):
                units.append(tuple(current))
                current = []
        if current:
            units.append(tuple(current))
    return units


def diarized_utterances(segments: tuple[Segment, ...], diarization: Diarization) -> list[Utterance]:
    """Give each speech unit a speaker; consecutive units of one speaker make an utterance.

    Each word takes a diarized speaker (``word_speakers``), and a unit is cut where that changes (Whisper
    may write two people's words as one sentence), unless the cut leaves one word alone at an end
    (``lone_edge_words_follow_unit``) or only sentence-final particles at its end (``final_particles_follow_clause``).
    A unit is not placed again by its own embedding: that made roles worse on the reference turns and gained
    little on the diarized ones, for a second embedding pass over the call (reports/bench/history.md).
    """
    pieces = [piece for unit in speech_units(segments)
              for piece in final_particles_follow_clause(lone_edge_words_follow_unit(split_at_turn_changes(unit, diarization)))]
    utterances: list[Utterance] = []
    current: list[Word] = []
    speaker: str | None = None
    for unit, who in pieces:
        who = who or "S?"
        if current and (who != speaker or unit[0].start - current[-1].end > MAX_PAUSE_S):
            utterances.append(_utterance(speaker, current))
            current = []
        current.extend(unit)
        speaker = who
    if current:
        utterances.append(_utterance(speaker, current))
    return sorted(utterances, key=lambda u: (u.start, u.end))


def split_at_turn_changes(unit: tuple[Word, ...], diarization: Diarization) -> list[tuple[tuple[Word, ...], str | None]]:
    """A unit cut where the diarized speaker of its words changes: (words, their speaker) pieces."""
    paired = zip(unit, word_speakers(unit, diarization))
    return [(tuple(word for word, _ in run), who) for who, run in groupby(paired, key=itemgetter(1))]


def lone_edge_words_follow_unit(pieces: list[tuple[tuple[Word, ...], str | None]]) -> list[tuple[tuple[Word, ...], str | None]]:
    """A single word cut from either end of a unit takes the speaker of the rest of the unit, when the rest is longer.

    A unit has no pause and no sentence end in it, so a turn change that leaves one word on the far side is most
    likely the turn's edge placed a fraction of a second off (the last "吗？" of a question, the "请" of "请问"),
    not a second person saying one word. One word is enough: longer edge pieces gave no more
    (reports/bench/history.md).
    """
    if len(pieces) < 2:
        return pieces
    out = list(pieces)
    for edge, rest in ((0, 1), (len(out) - 1, len(out) - 2)):
        edge_words, rest_words = _spoken_count(out[edge][0]), _spoken_count(out[rest][0])
        if edge_words <= 1 and rest_words > edge_words:
            out[edge] = (out[edge][0], out[rest][1])
    return out


def final_particles_follow_clause(pieces: list[tuple[tuple[Word, ...], str | None]]) -> list[tuple[tuple[Word, ...], str | None]]:
    """A unit's last piece made only of sentence-final particles takes the speaker of the piece before it.

    "对|吗？" split one word against one stays split by ``lone_edge_words_follow_unit``; but "吗" closes the question
    before it and no one answers with it. Seen on the agent's read-back "…对吗？", where the caller's "对" follows
    (reports/bench/history.md).
    """
    if len(pieces) < 2:
        return pieces
    spoken = [text for text in map(_spoken_text, pieces[-1][0]) if text]
    if not spoken or not all(set(text) <= FINAL_PARTICLES for text in spoken):
        return pieces
    return [*pieces[:-1], (pieces[-1][0], pieces[-2][1])]


def _spoken_text(word: Word) -> str:
    """The word's letters and digits, without the punctuation Whisper attaches to it."""
    return "".join(c for c in word.text if c.isalnum())


def _is_spoken(word: Word) -> bool:
    """A word with a letter or digit in it, not punctuation Whisper timed as a word of its own."""
    return bool(_spoken_text(word))


def _spoken_count(words: tuple[Word, ...]) -> int:
    return sum(map(_is_spoken, words))


def word_speakers(unit: tuple[Word, ...], diarization: Diarization) -> list[str | None]:
    """The diarized speaker of each word of a unit.

    A word mostly inside the turns takes the speaker it overlaps most. One mostly in a pause between turns
    is timed wrong: Whisper stretches the first word after a pause back over the silence (a caller's "一个"
    timed from the agent's last syllable), so it takes the speaker of the next word that is placed, else
    the speaker of the turn nearest its end. Punctuation Whisper times as a word of its own belongs to the
    word before it.
    """
    spoken = [_is_spoken(word) for word in unit]
    placed = [
        diarization.speaker_at(word.start, word.end)
        if is_spoken and _speech_within(diarization, word.start, word.end) >= 0.5 * (word.end - word.start) else None
        for word, is_spoken in zip(unit, spoken)
    ]
    out: list[str | None] = []
    for i, word in enumerate(unit):
        if placed[i] is not None:
            out.append(placed[i])
        elif not spoken[i] and out:
            out.append(out[-1])
        else:
            after = next((p for p in placed[i + 1:] if p is not None), None)
            out.append(after or diarization.speaker_at(word.end, word.end))
    return out


def _speech_within(diarization: Diarization, start: float, end: float) -> float:
    """Seconds of [start, end] inside any diarized turn."""
    inside = [(max(t.start, start), min(t.end, end)) for t in diarization.turns if t.end > start and t.start < end]
    return sum(b - a for a, b in merged_spans(inside))


def undiarized_utterances(segments: tuple[Segment, ...]) -> list[Utterance]:
    return [
        Utterance("S?", "unknown", s.words[0].start if s.words else s.start, s.words[-1].end if s.words else s.end,
                  s.text, s.words, None, s.avg_logprob)
        for s in segments
    ]


def _utterance(speaker: str | None, words: list[Word]) -> Utterance:
    return Utterance(speaker or "S?", "unknown", words[0].start, words[-1].end, join_words(words), tuple(words))


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


def assign_mono_roles(utterances: list[Utterance], cues: list[str], by_voice: str | None = None) -> tuple[list[Utterance], str]:
    """Pick the agent among diarized speakers; return the utterances and how the agent was chosen.

    ``by_voice``: the speaker whose voice matched the agent's enrolled voiceprint, which decides first.
    """
    speakers = list(dict.fromkeys(u.speaker for u in utterances if u.speaker != "S?"))
    if not speakers:
        return utterances, "no speakers"
    hits = opening_cue_hits(utterances, cues)
    by_cues = max(speakers, key=lambda s: hits.get(s, 0))
    if by_voice in speakers:
        agent, how = by_voice, "matched the agent's voiceprint"
    elif hits.get(by_cues, 0) > 0 and list(hits.values()).count(hits[by_cues]) == 1:
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
