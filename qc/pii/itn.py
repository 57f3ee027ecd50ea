"""Inverse text normalisation: spoken Chinese numbers in a transcript written as Arabic digits.

Hotline callers read phone and ID numbers digit by digit ("幺三八，二七二七，三八三八"; 幺 is 1 on the
phone, 洞 and 〇 are 0, 两 is 2) and say addresses, dates and prices as cardinals ("三十二号",
"两千零二十六年十一月二十五号", "三百二十五块"). Rules and PII detection want one form, so
``normalise_numbers`` rewrites them, and keeps for every output character the span of the input it came
from: a match in the normalised text maps back to the spoken words and so to their timestamps.

The rewrite is conservative, because the same characters are everyday words: 一下, 一般, 一直, 一样,
统一, 万一, 十分, 一点点, 三番五次 stay as they are. A lone numeral changes only before a unit that makes
it a number (号, 楼, 单元, 岁, 分钟 ...; for 一 a shorter list), an hour only with a time-of-day word
or 半/钟 after it, and approximate or idiomatic runs (五六个, 十二三岁, 几十, 十万火急, 二百五) never.
Digit groups separated only by commas, dashes, spaces or an utterance break are joined into one number
when together they have the length of a phone, ID or card number and none of them is a service number
(12345, 110 ...). Two Whisper habits are undone: 要 for the phone's 幺 where it starts a mobile number,
and (on English lines) digits as words, "five five five, two one eight". Hong Kong's 雙 before a digit
doubles it ("九雙八七" is 9887), and lone numerals read one by one with spaces ("一 三 九 零 …", four or more)
are digits. ``Normalised.groups`` keeps the digit groups as said, unjoined, each with its place in the input:
``qc.pii.numbers`` chains them over the fillers and sentence breaks this module does not join across.

The cases it is held to are in tests/test_itn.py; their scores in reports/bench/history.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DigitGroup", "Normalised", "normalise_numbers", "parse_cardinal", "spoken_digits_to_arabic"]

# Digits as read on the phone, in both scripts, including the financial forms (壹贰叁 ...).
DIGITS: dict[str, int] = {
    **{c: 0 for c in "零〇洞0０"},
    **{c: 1 for c in "幺一壹1１"},
    **{c: 2 for c in "二两兩贰貳2２"},
    **{c: 3 for c in "三叁參3３"},
    **{c: 4 for c in "四肆4４"},
    **{c: 5 for c in "五伍5５"},
    **{c: 6 for c in "六陆陸6６"},
    **{c: 7 for c in "七柒7７"},
    **{c: 8 for c in "八捌8８"},
    **{c: 9 for c in "九玖9９"},
}
UNITS: dict[str, int] = {
    **{c: 10 for c in "十拾"},
    **{c: 100 for c in "百佰"},
    **{c: 1000 for c in "千仟"},
    **{c: 10_000 for c in "万萬"},
    **{c: 100_000_000 for c in "亿億"},
}
_ARABIC = set("0123456789０１２３４５６７８９")
# 幺 and 洞 exist only in digit-by-digit reading; a "cardinal" holding them is not one.
_DIGIT_ONLY = set("幺洞")
_ZERO_LIKE = set("零〇洞幺")  # a two-character run holding one of these is a digit string ("零五", "幺零")

# Idioms and set phrases made of numerals: never numbers.
IDIOMS = (
    "一五一十", "十全十美", "十万火急", "三三两两", "七七八八", "乱七八糟", "一清二楚", "一干二净",
    "三番五次", "三番两次", "三令五申", "五花八门", "七上八下", "九牛一毛", "一心一意", "一模一样",
    "千千万万", "成千上万", "万无一失", "四面八方", "一年四季", "五湖四海", "三天两头", "三年五载",
    "二百五", "三心二意", "一石二鸟", "一举两得", "接二连三", "不三不四", "颠三倒四", "丢三落四",
    "七嘴八舌", "横七竖八", "八九不离十", "十之八九", "十有八九", "百分之百", "独一无二", "说一不二",
    "千方百计", "百发百中", "九死一生", "三长两短", "一百个放心", "一百个不", "一万个不", "一千个不",
    "十一长假", "十一假期", "十一黄金周", "三五成群", "万一",
)
_NUMERAL_CLASS = "[零〇洞幺一二两兩三四五六七八九十百千万萬亿億0-9]"
# An idiom next to another numeral is part of a number: 二百五十 is 250, 三万一 is 31 000.
_IDIOM_RE = re.compile(
    f"(?<!{_NUMERAL_CLASS})(?:" + "|".join(sorted(map(re.escape, IDIOMS), key=len, reverse=True)) + f")(?!{_NUMERAL_CLASS})"
)

# What makes a lone numeral a number when it follows it. 一 gets a shorter list: 一层灰, 一天到晚,
# 一块去, 一日三餐 are not numbers.
_UNIT_AFTER = (
    "号", "號", "楼", "樓", "单元", "單元", "层", "層", "室", "栋", "棟", "幢", "岁", "歲", "周岁", "週歲",
    "月", "日", "分钟", "分鐘", "小时", "小時", "个小时", "個小時", "个月", "個月", "年", "天", "块", "塊",
    "元", "蚊", "毛", "角", "斤", "公斤", "公里", "米", "期",
)
_UNIT_AFTER_ONE = ("号", "號", "楼", "樓", "单元", "單元", "室", "栋", "棟", "幢", "岁", "歲", "周岁", "週歲",
                   "月份", "分钟", "分鐘", "元")
_TIME_WORDS = re.compile(
    r"(?:上午|下午|中午|晚上|凌晨|早上|早晨|傍晚|夜里|夜裡|半夜|今天|明天|昨天|后天|後天|前天|每天|今晚|明早|约|約|到|从|從)"
    r"[^，。,.？?！!]{0,2}$"
)
_HOUR_MARK = ("点", "點")
_HOUR_FOLLOWERS = re.compile(r"^[点點](?:半|钟|鐘|整|一刻|三刻|[零〇一二两兩三四五六七八九十0-9]+分)")
# "早一点", "差一点", "快一点": 一点 is "a little" right after these.
_LITTLE_BEFORE = set("差有早晚快慢多少大小好轻輕重高低近远遠再稍")
# A join of digit groups never swallows these: "打了幺二三四五，幺幺零" is two numbers, not one.
SERVICE_NUMBERS = frozenset({
    "110", "119", "120", "122", "114", "12345", "12315", "12333", "12329", "12306", "12320", "12369",
    "12110", "1823", "999", "95598", "96110", "10086", "10010", "10000",
})
# Lengths of the numbers worth joining, weighted by how often a number of that length is read out in
# groups: mobile (11), ID (18; 17 before its X), bank cards (16, 19), landline with area code (11, 12),
# +86 mobile (13), old ID (15), local/HK (7, 8), North American (10, on English lines).
JOIN_TOTALS: dict[int, float] = {
    11: 3.0, 18: 3.0, 17: 2.5, 16: 2.5, 19: 2.5, 12: 2.0, 13: 2.0, 15: 2.0, 8: 1.5, 7: 1.0, 10: 0.5}
# Between digit groups of one number: commas, dashes, spaces, a full stop Whisper put in, or a
# filler the caller said while reading it out ("幺三五，嗯，二七二七").
_SEPARATOR = re.compile(r"(?:\s*[,，、。.\-－–—]?\s*[嗯呃啊哦]?\s*[,，、。.\-－–—]\s*|\s*[嗯呃杠槓]\s*|\s+)")
_MAX_SEPARATOR = 5
_CONTEXT = 8  # characters either side of a numeral run that decide what it is
_GROUPS = ("digits", "word")
# Hong Kong callers say a doubled digit with 雙 ("九雙八七" is 9887): 雙 before a digit is that digit.
DOUBLE = frozenset("雙双")
# Digits read one by one with a space between ("一 三 九 零 …", "5 3 7 2"): this many in a row make a
# number even though each alone is a lone numeral.
MIN_SPELLED = 4
# Whisper's homophones of the phone's 幺 (yāo).
YAO_HOMOPHONES = frozenset("要妖腰邀")
ENGLISH_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                  "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)"
_ENGLISH_DIGIT = re.compile(rf"\b((?:double|triple)\s+)?({_WORD})\b", re.I)
_ENGLISH_SEQUENCE = re.compile(
    rf"\b(?:(?:double|triple)\s+)?{_WORD}\b(?:[\s,\-]+(?:(?:double|triple)\s+)?{_WORD}\b){{2,}}", re.I)
_SEPARATOR_TAIL = re.compile(r"([零〇洞幺一二两兩三四五六七八九雙双0-9]{2,})[\s,，、。\-]{1,3}$")
_SEPARATOR_HEAD = re.compile(r"[\s,，、。\-]{1,3}([零〇洞幺一二两兩三四五六七八九雙双0-9]{2,})")


@dataclass(frozen=True)
class DigitGroup:
    """Digits read one by one at ``[start, end)`` of the input ("幺三八" → "138", "double six" → "66"),
    before any joining: what a reader said between two pauses, or one English digit word."""

    digits: str
    start: int
    end: int


@dataclass(frozen=True)
class Normalised:
    """Normalised text and, per output character, the input span ``[source_offsets[i], source_ends[i])``
    it came from. A converted cardinal ("一百零五" → "105") maps each of its digits to the whole run.
    ``groups``: the digit-by-digit groups of the input, in order, unjoined (cardinals are not among them)."""

    text: str
    source: str
    source_offsets: tuple[int, ...]
    source_ends: tuple[int, ...]
    groups: tuple[DigitGroup, ...] = ()

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The input span ``[start, end)`` of the output span ``[start, end)`` covers."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}-{end} is outside the normalised text of {len(self.text)} characters")
        if start == end:
            at = self.source_offsets[start] if start < len(self.text) else len(self.source)
            return at, at
        return min(self.source_offsets[start:end]), max(self.source_ends[start:end])


@dataclass(frozen=True)
class _Piece:
    """A stretch of the output: unchanged text, a digit string (1:1 with its source) or a cardinal."""

    kind: str  # "raw" | "digits" (1:1 with the source) | "word" (an English digit word) | "cardinal"
    out: str
    start: int
    end: int


def spoken_digits_to_arabic(text: str) -> str:
    """``text`` with its spoken numbers written in Arabic digits (see ``normalise_numbers``)."""
    return normalise_numbers(text).text


def normalise_numbers(text: str) -> Normalised:
    """Spoken numbers in ``text`` as Arabic digits, with the map back to ``text``'s characters."""
    converted = _convert_runs(text)
    groups = tuple(DigitGroup(p.out, p.start, p.end) for p in converted if p.kind in _GROUPS)
    pieces = _join_groups(converted)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for p in pieces:
        out.append(p.out)
        if p.kind in ("cardinal", "word"):
            starts.extend([p.start] * len(p.out))
            ends.extend([p.end] * len(p.out))
        else:  # raw and digit strings are one character per character
            starts.extend(range(p.start, p.end))
            ends.extend(range(p.start + 1, p.end + 1))
    return Normalised("".join(out), text, tuple(starts), tuple(ends), groups)


def _protected(text: str) -> set[int]:
    return {i for m in _IDIOM_RE.finditer(text) if not _in_digit_string(text, m.start(), m.end())
            for i in range(m.start(), m.end())}


def _in_digit_string(text: str, start: int, end: int) -> bool:
    """"七七八八" is an idiom, but not as the last group of "幺三两，五五六六，七七八八"."""
    before = _SEPARATOR_TAIL.search(text, max(0, start - 3 * _CONTEXT), start)
    after = _SEPARATOR_HEAD.match(text, end)
    return bool(before and before.group(1)) or bool(after and after.group(1))


def _is_double(text: str, i: int) -> bool:
    """雙 before a digit ("九雙八七", "雙七零二"); whether it is read as one is decided with its run."""
    return text[i] in DOUBLE and i + 1 < len(text) and text[i + 1] in DIGITS


def _runs(text: str) -> list[tuple[int, int]]:
    """Maximal runs of numeral characters outside idioms."""
    guarded = _protected(text)
    runs: list[tuple[int, int]] = []
    i = 0

    def numeral(k: int) -> bool:
        return (text[k] in DIGITS or text[k] in UNITS or _is_double(text, k)) and k not in guarded

    while i < len(text):
        if numeral(i):
            j = i
            while j < len(text) and numeral(j):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _spelled(text: str, runs: list[tuple[int, int]]) -> set[int]:
    """Starts of lone numerals that are digits read one by one with spaces between ("一 三 九 零")."""
    spelled: set[int] = set()
    seq: list[int] = []
    for k, (start, end) in enumerate(runs):
        single = end - start == 1 and text[start] in DIGITS
        if single and seq and text[runs[k - 1][1]:start].isspace():
            seq.append(start)
        else:
            if len(seq) >= MIN_SPELLED:
                spelled.update(seq)
            seq = [start] if single else []
    if len(seq) >= MIN_SPELLED:
        spelled.update(seq)
    return spelled


def _convert_runs(text: str) -> list[_Piece]:
    converted: list[_Piece] = []
    runs = _runs(text)
    spelled = _spelled(text, runs)
    for start, end in runs:
        if start in spelled:
            converted.append(_Piece("digits", _digit(text[start]), start, end))
            continue
        # A run cannot start with 百/千/万/亿 ("千万别", "上万", "万一"): leave those characters be.
        while start < end and text[start] in UNITS and UNITS[text[start]] > 10:
            start += 1
        if start == end:
            continue
        if start > 0 and text[start - 1] in YAO_HOMOPHONES and _yao_misheard(text, start, end):
            start -= 1
        piece = _convert_run(text, start, end)
        if piece is not None:
            converted.append(piece)
    converted += _english_digits(text)
    pieces: list[_Piece] = []
    at = 0
    for piece in sorted(converted, key=lambda p: p.start):
        if at < piece.start:
            pieces.append(_Piece("raw", text[at:piece.start], at, piece.start))
        pieces.append(piece)
        at = piece.end
    if at < len(text):
        pieces.append(_Piece("raw", text[at:], at, len(text)))
    return pieces


def _yao_misheard(text: str, start: int, end: int) -> bool:
    """Whisper writes the phone's 幺 as 要 ("要三八，二七二七"): taken as 1 only where it starts a mobile
    number, 1[3-9] and ten digits more or a first group ("我要三个", "要二零二六年的" stay)."""
    run = text[start:end]
    if any(c in UNITS or c in _ARABIC for c in run) or len(run) < 2 or DIGITS.get(run[0], 0) < 3:
        return False
    return len(run) == 10 or _SEPARATOR_HEAD.match(text, end) is not None


def _english_digits(text: str) -> list[_Piece]:
    """Digits read as English words, three or more in a row ("five five five, two one eight"): one piece
    per word, so groups join as Chinese ones do."""
    pieces = []
    for seq in _ENGLISH_SEQUENCE.finditer(text):
        for w in _ENGLISH_DIGIT.finditer(text, seq.start(), seq.end()):
            times = {"double": 2, "triple": 3}.get((w.group(1) or "").split(" ")[0].lower(), 1)
            pieces.append(_Piece("word", ENGLISH_DIGITS[w.group(2).lower()] * times, w.start(), w.end()))
    return pieces


def _digit(c: str) -> str:
    return "1" if c in YAO_HOMOPHONES else str(DIGITS[c])


def _digits(run: str) -> str:
    """Digit by digit, 雙 standing for the digit after it."""
    return "".join(_digit(run[k + 1] if c in DOUBLE else c) for k, c in enumerate(run))


def _convert_run(text: str, start: int, end: int) -> _Piece | None:
    run = text[start:end]
    before, after = text[max(0, start - _CONTEXT):start], text[end:end + _CONTEXT]
    if before.endswith(("几", "幾")) or after.startswith(("几", "幾")):
        return None  # 几十, 十几, 二十几: approximate
    if all(c in _ARABIC for c in run):
        return _Piece("digits", "".join(map(_digit, run)), start, end)
    has_unit = any(c in UNITS for c in run)
    if set(run) & DOUBLE:
        # "九雙八七", or "雙二" between groups of a number; not "三双五块" (three pairs, five yuan each)
        digit_chars = sum(c in DIGITS for c in run)
        if has_unit or (digit_chars < 3 and not _in_digit_string(text, start, end)):
            return None
        return _Piece("digits", _digits(run), start, end)
    if len(run) == 1:
        return _convert_single(run, before, after, start, end)
    if has_unit:
        if any(c in _ARABIC or c in _DIGIT_ONLY for c in run):
            return None  # "5万", "幺十": already readable, or not a cardinal at all
        value = parse_cardinal(run)
        return None if value is None else _Piece("cardinal", str(value), start, end)
    if set(run) <= {"洞", "〇", "零"} and len(run) <= 2 and not _in_digit_string(text, start, end):
        return None  # 洞洞鞋, 零零后: no digit to anchor a reading
    if (len(run) == 2 and not (set(run) & _ZERO_LIKE) and not (set(run) & _ARABIC)
            and not _in_digit_string(text, start, end)):
        return None  # 五六个, 三四天, 一一: approximate or adverbial; "七八三九 六七" is a number's group
    return _Piece("digits", "".join(map(_digit, run)), start, end)


def _convert_single(char: str, before: str, after: str, start: int, end: int) -> _Piece | None:
    value = UNITS.get(char, DIGITS.get(char))
    if char in _DIGIT_ONLY or value is None or value > 10:
        return None
    piece = _Piece("cardinal" if value == 10 else "digits", str(value), start, end)
    if after.startswith(_HOUR_MARK):
        if char in "一壹" and (after[1:2] in _HOUR_MARK or before[-1:] in _LITTLE_BEFORE):
            return None  # 一点点, 早一点
        return piece if _TIME_WORDS.search(before) or _HOUR_FOLLOWERS.match(after) else None
    if before.endswith(_HOUR_MARK):
        # 三点十分: minutes; 零点五公里, 三点五: a decimal fraction, left as said
        return piece if after.startswith("分") else None
    units = _UNIT_AFTER_ONE if char in "一壹" else _UNIT_AFTER
    return piece if after.startswith(units) and not before.endswith(("第", "星期", "礼拜", "禮拜", "周", "週")) else None


def parse_cardinal(run: str) -> int | None:
    """The value of a Chinese cardinal ("两千零二十六" → 2026, "三千五" → 3500, "一万二" → 12000),
    or None when the run is not one well-formed number ("十二三", "三四百", "一千五十")."""
    tokens = [("u", UNITS[c]) if c in UNITS else ("d", DIGITS[c]) for c in run]
    return _big(tokens, 100_000_000, top=True)


def _big(tokens: list[tuple[str, int]], unit: int, top: bool) -> int | None:
    """A number with 亿 (unit 10^8) or 万 (10^4) sections, each below them parsed recursively."""
    if unit < 10_000:
        return _small(tokens, allow_leading_ten=top)
    marks = [i for i, t in enumerate(tokens) if t == ("u", unit)]
    lower = 10_000 if unit == 100_000_000 else 1
    if not marks:
        return _big(tokens, lower, top)
    if len(marks) > 1:
        return None
    i = marks[0]
    high = _big(tokens[:i], lower, top)
    if not high:
        return None
    rest = tokens[i + 1:]
    if not rest:
        return high * unit
    if len(rest) == 1 and rest[0][0] == "d" and rest[0][1] != 0:
        return high * unit + rest[0][1] * unit // 10  # 一万二 = 12000, 三亿五 = 350 000 000
    if rest[0] == ("d", 0):
        low = _big(rest[1:], lower, top=False)
    else:
        low = _big(rest, lower, top=False)
        # Without 零, what follows 万 must fill its top place: 三万五千, not 三万五十.
        if low is not None and low * 10 < unit:
            return None
    return None if not low else high * unit + low


def _small(tokens: list[tuple[str, int]], allow_leading_ten: bool) -> int | None:
    """0 < n < 10 000 from digits and 十/百/千, with 零 for a skipped place and 三千五 for 3500."""
    if not tokens:
        return None
    if allow_leading_ten and tokens[0] == ("u", 10):
        tokens = [("d", 1), *tokens]
    value, last_unit, zero, i = 0, 10_000, False, 0
    while i < len(tokens):
        kind, v = tokens[i]
        if kind == "u":
            return None
        if v == 0:
            if zero or value == 0:
                return None
            zero, i = True, i + 1
            continue
        if i + 1 < len(tokens):
            kind2, u = tokens[i + 1]
            if kind2 != "u" or u >= last_unit or u > 1000:
                return None
            if value and (zero == (u * 10 == last_unit)):
                return None  # a skipped place needs its 零, and a 零 needs a skipped place
            value, last_unit, zero, i = value + v * u, u, False, i + 2
            continue
        if last_unit == 10_000:
            return v  # a lone digit: what follows 零 in 三万零五
        if zero or last_unit == 10:
            value, zero = value + v, False
        else:
            value += v * last_unit // 10  # 三千五, 两百五
        i += 1
    return None if zero or value == 0 else value


def _join_groups(pieces: list[_Piece]) -> list[_Piece]:
    """Drop the separators inside a number read out in groups ("138，2727，3838" → "13827273838")."""
    # A chain is digits (sep digits)*; collect the index of each group and separator.
    drop: set[int] = set()
    i = 0
    while i < len(pieces):
        if pieces[i].kind not in _GROUPS:
            i += 1
            continue
        groups, seps = [i], []
        j = i
        while (j + 2 < len(pieces) and pieces[j + 1].kind == "raw" and len(pieces[j + 1].out) <= _MAX_SEPARATOR
               and _SEPARATOR.fullmatch(pieces[j + 1].out) and pieces[j + 2].kind in _GROUPS):
            seps.append(j + 1)
            groups.append(j + 2)
            j += 2
        drop.update(_separators_to_drop([pieces[g].out for g in groups], seps))
        i = j + 1
    return [p for k, p in enumerate(pieces) if k not in drop]


def _separators_to_drop(groups: list[str], seps: list[int]) -> list[int]:
    """Choose the ranges of groups to join: the set of non-overlapping ranges of joinable lengths that
    covers the most digits, in the fewest ranges, of the likeliest lengths ("602，138，2727，3838" joins
    the last three, a mobile; "6228，4800，1234，5671" joins all four, a card, not two 8-digit halves)."""
    n = len(groups)
    # best[a]: ((digits covered, -ranges, weight), ranges) for groups[a:]
    best: list[tuple[tuple[float, float, float], list[tuple[int, int]]]] = [((0, 0, 0.0), [])] * (n + 1)
    for a in range(n - 1, -1, -1):
        best[a] = best[a + 1]
        total = 0
        for b in range(a, n):
            # A service number (12345, 1823, 110) can only be a number of its own when it comes first;
            # inside a run ("139，1823，4567") it is part of the caller's number.
            if b == a and groups[b] in SERVICE_NUMBERS:
                break
            total += len(groups[b])
            if b == a:
                continue
            singles = sum(len(g) == 1 for g in groups[a:b + 1])
            # A lone digit joins only in a number read digit by digit ("1 3 8 ...", "five five five").
            if singles and singles < 3:
                continue
            weight = JOIN_TOTALS.get(total)
            if weight is None:
                continue
            rest = best[b + 1][0]
            key = (total + rest[0], rest[1] - 1, weight + rest[2])
            if key > best[a][0]:
                best[a] = (key, [(a, b), *best[b + 1][1]])
    return [seps[k] for a, b in best[0][1] for k in range(a, b)]
