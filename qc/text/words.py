"""Where words start and end in a Chinese text, and whether a sound-alike stretch respects them.

A sound-alike (pinyin) match is only evidence when it stands where a word could: "房间一直漏水" holds the sounds
of 建议 in 间一, half of 房间 and half of 一直. Words come from pypinyin's dictionary segmentation (no other
segmenter is installed); characters it does not know come out one by one, so a misrecognised word (资讯 for
咨询, 不办 for 补办) still has edges of its own. Texts arrive in their matching form (``normalise_for_match``).
Its effect on false matches and on the Whisper errors still found: reports/bench/sound-alikes.md.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["SHORT_PHRASE_SYLLABLES", "SHORT_PHRASE_THRESHOLD", "keeps_to_words", "sound_alike_threshold", "word_boundaries"]

# A two-syllable phrase found by sound needs each syllable the same or one confusion away (0.9: 噪音 heard as
# 照音); at the rubric's 0.85 a homophone and a confusion together (0.875) pass, which is how 马上 is heard in 妈上.
SHORT_PHRASE_SYLLABLES = 2
SHORT_PHRASE_THRESHOLD = 0.9

# The least an edge syllable must sound like the phrase's: the same initial or final (你 ni for 您 nin).
EDGE_SIMILARITY = 0.25

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# Numbers are read digit by digit (幺三六，二二三三; 三号楼七零一): a numeral is a digit, never a misheard syllable
# of a word (楼七 is not 漏气, 四五你们 holds no 唔理).
_NUMERALS = frozenset("零〇幺一二两三四五六七八九十百千万")


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


@lru_cache(maxsize=1 << 14)
def word_boundaries(text: str) -> frozenset[int]:
    """Offsets where a word starts or ends: pypinyin's segmentation of each run of Han characters, and both
    sides of every character that is not Han."""
    from pypinyin.seg.mmseg import seg

    bounds = {0, len(text)}
    for run in _HAN_RUN.finditer(text):
        at = run.start()
        bounds.add(at)
        for word in seg.cut(run.group()):
            at += len(word)
            bounds.add(at)
    for i, char in enumerate(text):
        if not _is_han(char):
            bounds.update((i, i + 1))
    return frozenset(bounds)


def keeps_to_words(text: str, start: int, end: int, phrase: str) -> bool:
    """Whether the sound-alike ``text[start:end]`` of ``phrase`` keeps to words: each of its two edges is a
    word boundary or, for phrases of three syllables or more, holds the phrase's own character there; its edge
    syllables sound like the phrase's; and it takes no numeral the phrase does not have."""
    if end - start < 2 or any(c in _NUMERALS and c not in phrase for c in text[start:end]):
        return False
    bounds = word_boundaries(text)
    first, last = text[start], text[end - 1]
    # A two-syllable phrase has no inside to anchor it: its sound-alike must be whole words (安唔安全 holds 唔安
    # with 午安's own 安 at its edge, half of 安全).
    short = sum(1 for c in phrase if _is_han(c)) <= SHORT_PHRASE_SYLLABLES
    starts_well = start in bounds or (not short and first == phrase[0])
    ends_well = end in bounds or (not short and last == phrase[-1])
    # Where the segmenter reads character by character every offset is a boundary: the stretch's own edges must
    # then sound like the phrase's. A stretch with a wrong or missing syllable at its edge is a window slid onto
    # the next word (请问有什么可以帮您 holds 问有什么可以帮您 and 有什么可以帮您, near 还有什么可以帮您).
    return starts_well and ends_well and _sounds_like(text, start, phrase, 0) and _sounds_like(text, end - 1, phrase, -1)


def _sounds_like(text: str, at: int, phrase: str, edge: int) -> bool:
    from qc.text.pinyin import readings, syllable_similarity

    if text[at] == phrase[edge]:
        return True
    heard, wanted = readings(text)[at], readings(phrase)[edge]  # read in context: 泄露 is xie lou
    return heard is not None and wanted is not None and syllable_similarity(heard, wanted) >= EDGE_SIMILARITY


def sound_alike_threshold(phrase: str, threshold: float) -> float:
    """The similarity a sound-alike of ``phrase`` needs: stricter for a two-syllable phrase."""
    if sum(1 for c in phrase if _is_han(c)) <= SHORT_PHRASE_SYLLABLES:
        return max(threshold, SHORT_PHRASE_THRESHOLD)
    return threshold
