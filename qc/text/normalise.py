"""Transcript text clean-up: one script, no phantom lines, no repetition loops, a form for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Lines Whisper invents on silence or music: subtitle credits and video-site boilerplate from its
# training data. Compared after normalise_for_match, so punctuation and script do not matter.
PHANTOM_LINES = (
    "字幕由amara.org社群提供",
    "字幕由amaraorg社群提供",
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "请不吝点赞订阅转发打赏",
    "点赞订阅转发打赏",
    "明镜与点点栏目",
    "中文字幕志愿者",
    "字幕志愿者",
    "字幕制作",
    "感谢观看",
    "谢谢观看",
    "谢谢大家观看",
    "优优独播剧场",
    "yoyotelevisionseriesexclusive",
    "thanksforwatching",
    "thankyouforwatching",
    "pleasesubscribe",
    "subtitlesbytheamaraorgcommunity",
)

_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)
# A unit of 1-12 characters repeated 4+ more times in a row: Whisper's decoding loop.
_REPETITION = re.compile(r"(.{1,12}?)\1{4,}", re.DOTALL)


@lru_cache(maxsize=8)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(f"{config}.json" if not config.endswith(".json") else config)


def to_script(text: str, script: str) -> str:
    """Convert Chinese text to the line's script (OpenCC ``t2s``, ``s2t``, ``s2hk``; ``none`` keeps it)."""
    if script == "none" or not text:
        return text
    return _converter(script).convert(text)


def normalise_for_match(text: str) -> str:
    """Lower-case, half-width, no punctuation or spaces: what rule phrases are compared against."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _PUNCT_OR_SPACE.sub("", text)


def is_phantom(text: str) -> bool:
    """True when the text is nothing but known phantom lines (or nothing at all)."""
    norm = normalise_for_match(text)
    if not norm:
        return True
    rest = norm
    for phantom in PHANTOM_LINES:
        rest = rest.replace(phantom, "")
    # A real utterance that merely contains a phantom phrase keeps more than a stray character.
    return rest != norm and len(rest) <= 1


def collapse_repetitions(text: str) -> tuple[str, bool]:
    """Cut a decoding loop ("好的好的好的好的好的…") down to two repeats; say whether it did."""
    collapsed = _REPETITION.sub(lambda m: m.group(1) * 2, text)
    return collapsed, collapsed != text
