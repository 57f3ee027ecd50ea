"""Redaction: placeholders in the stored transcript, silence in the playback audio.

Spans come from ``qc.pii.detect``. Text keeps everything but the personal data (``[手机号]`` in its place);
words under a span become one placeholder word carrying the span's times, so a player that highlights
words still lines up; the audio to silence is each span's time, padded and merged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from qc.pii.align import word_char_spans, words_in
from qc.pii.detect import PiiOptions, PiiSpan, detect_pii
from qc.pii.kinds import PLACEHOLDERS, PRIORITY
from qc.records import Utterance, Word


def redact_text(text: str, spans: tuple[PiiSpan, ...] | list[PiiSpan]) -> str:
    """``text`` with each span's characters replaced by its kind's placeholder; overlapping spans are
    replaced once, by the stronger kind."""
    out = []
    at = 0
    for start, end, kind in _merged(spans, len(text)):
        out.append(text[at:start])
        out.append(PLACEHOLDERS[kind])
        at = end
    out.append(text[at:])
    return "".join(out)


def _merged(spans, length: int) -> list[tuple[int, int, str]]:
    merged: list[list] = []
    for s in sorted(spans, key=lambda s: (s.start_char, -s.end_char)):
        start, end = max(0, s.start_char), min(length, s.end_char)
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if PRIORITY[s.kind] < PRIORITY[last[2]]:
                last[2] = s.kind
        else:
            merged.append([start, end, s.kind])
    return [tuple(m) for m in merged]


def redact_utterances(utterances: tuple[Utterance, ...] | list[Utterance], spans: tuple[PiiSpan, ...] | None = None,
                      options: PiiOptions = PiiOptions()) -> tuple[tuple[Utterance, ...], tuple[PiiSpan, ...]]:
    """New utterances without the personal data (detected here unless ``spans`` is given), and the spans,
    whose character offsets refer to the original texts."""
    utterances = tuple(utterances)
    if spans is None:
        spans = detect_pii(utterances, options)
    by_utterance: dict[int, list[PiiSpan]] = defaultdict(list)
    for s in spans:
        by_utterance[s.utterance_index].append(s)
    redacted = tuple(
        _redact_one(u, by_utterance[i]) if i in by_utterance else u for i, u in enumerate(utterances)
    )
    return redacted, tuple(spans)


def _redact_one(u: Utterance, spans: list[PiiSpan]) -> Utterance:
    return replace(u, text=redact_text(u.text, spans), words=redact_words(u.text, u.words, spans))


def redact_words(text: str, words: tuple[Word, ...], spans: list[PiiSpan]) -> tuple[Word, ...]:
    """The words of an utterance with those under a span merged into one word holding the placeholder
    (and any other characters those words had), from the first one's start to the last one's end."""
    if not words:
        return words
    chars = word_char_spans(text, words)
    # Runs of words that spans touch; spans sharing a word share a run.
    runs: list[list[int]] = []
    for s in sorted(spans, key=lambda s: s.start_char):
        hit = words_in(chars, s.start_char, s.end_char)
        if not hit:
            continue
        if runs and hit[0] <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], hit[-1])
        else:
            runs.append([hit[0], hit[-1]])
    out: list[Word] = []
    at = 0
    for first, last in runs:
        out.extend(words[at:first])
        start, end = chars[first][0], chars[last][1]
        inside = [replace(s, start_char=s.start_char - start, end_char=s.end_char - start) for s in spans
                  if s.start_char < end and s.end_char > start]
        lead = words[first].text[: len(words[first].text) - len(words[first].text.lstrip())]
        out.append(Word(lead + redact_text(text[start:end], inside), words[first].start, words[last].end,
                        min(w.probability for w in words[first:last + 1])))
        at = last + 1
    out.extend(words[at:])
    return _scrub_leftovers(tuple(out), spans)


def _scrub_leftovers(words: tuple[Word, ...], spans: list[PiiSpan]) -> tuple[Word, ...]:
    """Words and text disagreed (the text was rewritten after decoding): replace any span's text still
    found in a word, so a number never survives in the words."""
    leftovers = [(s.text.strip(), PLACEHOLDERS[s.kind]) for s in spans if len(s.text.strip()) >= 4]
    if not leftovers:
        return words
    fixed = []
    for w in words:
        text = w.text
        for secret, placeholder in leftovers:
            text = text.replace(secret, placeholder)
        fixed.append(w if text == w.text else w._replace(text=text))
    return tuple(fixed)


def audio_mute_spans(spans: tuple[PiiSpan, ...] | list[PiiSpan], pad_s: float = 0.15,
                     duration_s: float | None = None) -> list[tuple[float, float]]:
    """Time ranges to silence in the playback audio: each span's time widened by ``pad_s`` on both sides,
    clipped to ``[0, duration_s]``, overlapping ranges merged. Spans without times are skipped (plain-text
    detections have none)."""
    return mute_ranges([(s.start_s, s.end_s) for s in spans], pad_s, duration_s)


def mute_ranges(times: list[tuple[float | None, float | None]], pad_s: float = 0.15,
                duration_s: float | None = None) -> list[tuple[float, float]]:
    """``audio_mute_spans`` for plain (start, end) times, e.g. as stored in the database."""
    if pad_s < 0:
        raise ValueError(f"the padding around muted speech cannot be negative, got {pad_s} s")
    ranges = sorted(
        (max(0.0, a - pad_s), b + pad_s if duration_s is None else min(duration_s, b + pad_s))
        for a, b in times if a is not None and b is not None
    )
    merged: list[tuple[float, float]] = []
    for start, end in ranges:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(round(a, 3), round(b, 3)) for a, b in merged]
