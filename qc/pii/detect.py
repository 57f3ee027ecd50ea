"""Personal data in a call's transcript: where it is, in which utterance, and when it was said.

A caller reads a number in groups, Whisper cuts it into words and sometimes into two utterances, and the
agent reads it back. So detection runs over each speaker's utterances joined in time order (a number
may run on into the same speaker's next utterance). Numbers are read from ``qc.pii.itn``'s digit groups by
``qc.pii.numbers`` in the original text; names, addresses, e-mail and plates are found in the text
``qc.pii.itn`` has written spoken digits in and mapped back to the original. Every finding is cut at utterance
boundaries (one ``PiiSpan`` per utterance it touches, sharing a ``group``) and given the times of the words
under it. Names are collected from the whole call first, so the agent's "好的王先生" is found after the caller's "我姓王", and
so are the places of an address the agent reads back in part.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from qc.pii.itn import Normalised, normalise_numbers
from qc.pii.align import word_char_spans, words_in
from qc.pii.identifiers import find_identifiers
from qc.pii.kinds import KINDS, PRIORITY, Hit
from qc.pii.numbers import find_numbers
from qc.pii.spoken import address_clauses, find_address_mentions, find_addresses, find_name_mentions, find_names
from qc.records import Utterance

# Joins a speaker's utterances: a separator the number normaliser may join digit groups across.
UTTERANCE_JOINER = "\n"
_TRIM = " \t\n，,、-–—"
NUMBER_KINDS = frozenset({"cn_id", "hk_id", "mobile", "landline", "bank_card"})
_NUMBER_EDGE = re.compile(r"[0-9０-９零〇洞幺一壹二两兩贰貳三叁參四肆五伍六陆陸七柒八捌九玖雙双叉A-Za-z+＋加(（]")


@dataclass(frozen=True)
class PiiOptions:
    region: str = "cn"  # "cn": 8-digit numbers are local landlines; "hk": Hong Kong phones (4-9: mobile)
    min_confidence: float = 0.5
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(KINDS))

    def __post_init__(self) -> None:
        if self.region not in ("cn", "hk"):
            raise ValueError(f"PII region must be 'cn' (mainland numbers) or 'hk' (Hong Kong), not {self.region!r}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds of personal data {sorted(unknown)}; known: {', '.join(KINDS)}")


@dataclass(frozen=True)
class PiiSpan:
    """Personal data at ``[start_char, end_char)`` of utterance ``utterance_index``'s original text.
    ``start_s``/``end_s``: the times of the words under it (the whole utterance when it has no words);
    None for plain text. A finding split over utterances gives one span per utterance, same ``group``."""

    kind: str
    start_char: int
    end_char: int
    utterance_index: int
    text: str
    confidence: float
    start_s: float | None = None
    end_s: float | None = None
    group: int = 0


def detect_pii_text(text: str, options: PiiOptions = PiiOptions()) -> tuple[PiiSpan, ...]:
    """Personal data in one piece of text (utterance index 0, no times)."""
    return detect_pii((Utterance("S?", "unknown", 0.0, 0.0, text),), options, with_times=False)


def detect_pii(utterances: tuple[Utterance, ...] | list[Utterance], options: PiiOptions = PiiOptions(),
               with_times: bool = True) -> tuple[PiiSpan, ...]:
    """Personal data in a call, ordered by utterance and position."""
    utterances = tuple(utterances)
    streams = [_Stream.build(utterances, indices) for indices in _speaker_streams(utterances)]
    found: list[tuple[list[Hit], list[Hit]]] = []  # (in the source text, in the normalised text)
    full_names: set[str] = set()
    surnames: set[str] = set()
    places: set[str] = set()
    for stream in streams:
        text = stream.norm.text
        names, full, sur = find_names(text)
        addresses = find_addresses(text)
        full_names |= full
        surnames |= sur
        places |= address_clauses(text, addresses)
        found.append((find_numbers(stream.text, stream.norm.groups, options.region),
                      find_identifiers(text) + addresses + names))
    keyed: list[tuple[tuple[int, int], PiiSpan]] = []
    for number, (stream, (numbers, hits)) in enumerate(zip(streams, found)):
        text = stream.norm.text
        hits = hits + find_name_mentions(text, full_names, surnames) + find_address_mentions(text, places)
        hits = [_to_source(stream, h) for h in hits] + [_trimmed(stream.text, h) for h in numbers]
        hits = [h for h in hits if h.kind in options.kinds and h.confidence >= options.min_confidence]
        merged = _merge_overlaps(hits)
        keyed += [((number, k), span) for k, span in stream.to_spans(merged, utterances, with_times)]
    return _number_groups(keyed)


def _speaker_streams(utterances: tuple[Utterance, ...]) -> list[list[int]]:
    by_speaker: dict[str, list[int]] = defaultdict(list)
    for i in sorted(range(len(utterances)), key=lambda i: (utterances[i].start, i)):
        by_speaker[utterances[i].speaker].append(i)
    return list(by_speaker.values())


@dataclass(frozen=True)
class _Stream:
    indices: tuple[int, ...]
    bases: tuple[int, ...]  # where each utterance's text starts in the joined text
    text: str
    norm: Normalised

    @staticmethod
    def build(utterances: tuple[Utterance, ...], indices: list[int]) -> _Stream:
        bases, at = [], 0
        for i in indices:
            bases.append(at)
            at += len(utterances[i].text) + len(UTTERANCE_JOINER)
        text = UTTERANCE_JOINER.join(utterances[i].text for i in indices)
        return _Stream(tuple(indices), tuple(bases), text, normalise_numbers(text))

    def to_spans(self, hits: list[Hit], utterances: tuple[Utterance, ...], with_times: bool) -> list[tuple[int, PiiSpan]]:
        """Each finding cut at utterance boundaries, with the finding's number in this stream."""
        spans = []
        for k, hit in enumerate(hits):
            for index, base in zip(self.indices, self.bases):
                u = utterances[index]
                start, end = max(hit.start, base) - base, min(hit.end, base + len(u.text)) - base
                start, end = _trim(u.text, start, end)
                if hit.kind in NUMBER_KINDS:
                    # Cut at an utterance's edge, a number's piece starts and ends with what was read of it,
                    # not with the "嗯，后面" said before the rest.
                    while hit.start < base + start and start < end and not _NUMBER_EDGE.match(u.text, start):
                        start += 1
                    while hit.end > base + end and end > start and not _NUMBER_EDGE.match(u.text, end - 1):
                        end -= 1
                if start >= end:
                    continue
                times = _times(u, start, end) if with_times else (None, None)
                spans.append((k, PiiSpan(hit.kind, start, end, index, u.text[start:end], hit.confidence, *times)))
        return spans


def _to_source(stream: _Stream, hit: Hit) -> Hit:
    start, end = stream.norm.to_source(hit.start, hit.end)
    return _trimmed(stream.text, hit._replace(start=start, end=end))


def _trimmed(text: str, hit: Hit) -> Hit:
    start, end = _trim(text, hit.start, hit.end)
    return hit._replace(start=start, end=end)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def _merge_overlaps(hits: list[Hit]) -> list[Hit]:
    """Overlapping findings become one span, named by the stronger kind: nothing is left half-redacted."""
    merged: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if h.start >= h.end:
            continue
        if merged and h.start < merged[-1].end:
            last = merged[-1]
            stronger = h if PRIORITY[h.kind] < PRIORITY[last.kind] else last
            merged[-1] = Hit(stronger.kind, last.start, max(last.end, h.end), max(last.confidence, h.confidence))
        else:
            merged.append(h)
    return merged


def _times(u: Utterance, start: int, end: int) -> tuple[float, float]:
    if not u.words:
        return u.start, u.end  # no word times: the whole utterance is the safe span to silence
    spans = word_char_spans(u.text, u.words)
    hit = words_in(spans, start, end)
    if not hit:
        return u.start, u.end
    return min(u.words[i].start for i in hit), max(u.words[i].end for i in hit)


def _number_groups(keyed: list[tuple[tuple[int, int], PiiSpan]]) -> tuple[PiiSpan, ...]:
    """Number the findings call-wide in reading order; the pieces of one finding share its number."""
    keyed.sort(key=lambda ks: (ks[1].utterance_index, ks[1].start_char))
    numbers: dict[tuple[int, int], int] = {}
    return tuple(replace(span, group=numbers.setdefault(key, len(numbers))) for key, span in keyed)
