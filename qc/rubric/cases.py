"""Repeat callers: the 2nd call about the same problem is an orange case, the 3rd or later a red one.

"Same problem" is the same hashed caller number and the same case type within a window of days (from
the call history in the store), or the caller saying so ("这已经是我第三次打电话了"). The larger count wins.
"""

from __future__ import annotations

import re

from qc.records import Utterance

REPEAT_WINDOW_DAYS = 30

_NUMERALS = {"二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# "第三次打电话", "第3次来电", "打了三次了", "三番五次"
_NTH_CALL = re.compile(r"第\s*([二两三四五六七八九十2-9])\s*次\s*(?:打|来电|致电|反映|投诉|找你们)")
_TIMES_CALLED = re.compile(r"(?:打|来电|反映|投诉)了?\s*([二两三四五六七八九十2-9])\s*(?:次|回|遍)")
# Said without a number: at least the second time.
_AGAIN = ("上次打过", "之前打过", "已经打过", "又打来", "再次来电", "上周打过", "前几天打过", "打过一次", "反映过", "投诉过好几次", "三番五次")


def repeat_from_words(utterances: tuple[Utterance, ...]) -> int | None:
    """Which call this is about the problem, by the caller's own words (None when they do not say)."""
    best: int | None = None
    for u in utterances:
        if u.role not in ("caller", "unknown"):
            continue
        for pattern in (_NTH_CALL, _TIMES_CALLED):
            for m in pattern.finditer(u.text):
                n = _NUMERALS.get(m.group(1)) or int(m.group(1))
                best = max(best or 0, n if pattern is _NTH_CALL else n + 1)
        if any(phrase in u.text for phrase in _AGAIN):
            best = max(best or 0, 2)
    return best


def repeat_count(prior_calls: int | None, from_words: int | None) -> int | None:
    """This call's number about the problem: history says prior + 1, the caller may say more."""
    counts = [n for n in ((prior_calls + 1) if prior_calls is not None else None, from_words) if n]
    return max(counts) if counts else None


def repeat_level(count: int | None) -> str | None:
    if count is None or count < 2:
        return None
    return "orange" if count == 2 else "red"
