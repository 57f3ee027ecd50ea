"""ID, phone and card numbers read out as a stream of digit groups, and Hong Kong IDs read in parts.

A caller reads a number in groups and fills the pauses: "幺五二，嗯…六七三八。后面是四九零幺",
"四三零幺零四，幺九九九年的，零七三幺，六五四零", "nine one double six, four two eight three", "幺三八杠
二二六四杠九零七幺", and Whisper may put a full stop or an utterance break in the middle. ``qc.pii.itn`` gives the
digit groups (spoken digits as digits, each with its place in the text, unjoined). Here groups are chained
across the gaps a reader leaves between them: separators, fillers ("嗯", "对", "那个", "然后", "跟住係"),
pointers ("后面是", "中间是", "最后四位是"), "年的" after a birth year, at most two sentence breaks, at most
``MAX_GAP`` characters. Every run of consecutive groups in a chain is a candidate; a candidate is kept only
when its structure says what it is (``classify_number``: length and prefix, the ID's check digit, Luhn and
issuer for cards, a mobile's 1[3-9]). The validation is what keeps precision, so the looser the join the
more it asks (``_accepted``, ``_fits``): over fillers or a sentence break, a strong check and, for a phone or
card, a word saying what it is or the grouping callers use (3-4-4, fours); after "身份证" or "卡号" only that
kind; in a chain as long as an ID or card that fails its check, no piece of it. Per chain the set of
non-overlapping candidates covering the most digits, weighted by confidence, wins. A chain that follows
"订单号" or "工号" is not personal (unless it holds a checked ID); a company's 400 line and the hotline's own
number (12345, 1823) start nothing longer (except a Beijing ID's 110).

Hong Kong IDs: the letter(s), six digits in any grouping, then the check digit, bracketed or said after
括號 / bracket / 最尾係; the check digit decides.

Findings are in the coordinates of the text given (the source text, not the normalised one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qc.pii.itn import DIGITS, ENGLISH_DIGITS, SERVICE_NUMBERS, DigitGroup
from qc.pii.identifiers import classify_number, context_after, context_before
from qc.pii.kinds import Hit
from qc.pii.validate import is_date_like, is_hk_id

MAX_GAP = 12  # characters (spaces aside) a reader may say between two groups of one number
MAX_BREAKS = 2  # sentence or utterance breaks one number may run across
LOOSE_MIN_CONFIDENCE = 0.85
STRAY_MIN_CONFIDENCE = 0.95
MAX_UNITS = 24  # groups in one candidate: more is not one number

_SEP = r"[\s,，、;；\-－–—~～]|杠|槓|dash|hyphen"  # not ":" or "/": 12:30, 2026/11/25
_BREAK = r"[。.．…!！?？\n]"
_POINTER = (r"(?:前|后|後|中间|中間|最后|最後|最尾|尾|末尾|开头|開頭|头|頭)(?:面|边|邊|嘅|的)?"
            r"(?:[一二三四五六七八九两兩几幾\d]{1,2}(?:位|个|個|码|碼))?(?:数|數)?(?:字)?")
_FILLER = (
    r"嗯+|呃+|额|啊|哦|噢|喔|唔|诶|欸|哎|呀|吖|啦|嘛|吧|呢|咯|哈|对的|對的|对|對|係|系|是|就是|就係|"
    r"那个|那個|这个|這個|嗰個|即係|咁|喎|囉|然后|然後|然之後|跟住|跟着|跟著|接着|接著|接住|之后|之後|再嚟|再|还有|還有|"
    r"你记一下|你記一下|记一下|記一下|記低|" + _POINTER
)
_FILLER_EN = (r"\b(?:and|then|um+|uh+|erm?|okay|ok|next|after that|followed by|the rest is|"
              r"(?:the )?last (?:four|three|few) (?:digits )?(?:are|is)?)\b")
_GAP = re.compile(rf"(?:{_SEP}|{_BREAK}|{_FILLER}|{_FILLER_EN})*", re.I)
_TIGHT = re.compile(r"[\s,，、\-－–—()（）]{0,3}|\s*(?:杠|槓)\s*")
_YEAR_GAP = re.compile(r"\s*(?:年的?|年嘅)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_PREFIX_SIGN = re.compile(r"(?:\+|＋|加|\(|（)\s?$")
_ID_X = re.compile(
    r"[\s,，、。]*(?:(?:嗯|呃|对|對|然后|然後|跟住|就是|就係)[\s,，、。]*)?"
    r"(?:(?:最后|最後|最尾|尾数|尾數|末尾|末位|校验码|校驗碼)(?:一位|一個|一个|嗰個|嗰位)?(?:数|數)?(?:是|係|系|就是|为|為)?"
    r"[\s,，]*)?"
    r"(?:(?:大写的?|大寫嘅?|大写字母|大寫字母|英文字母|字母|英文)\s*)?"
    r"(?:[Xx]|叉|艾克斯|爱克斯|埃克斯|愛克斯)(?![A-Za-z])")
_COUNTRY = ("86", "0086", "852", "00852")
_COMPANY_LINES = ("400", "800")

# Hong Kong IDs: the letters before the first group, and the check digit after the six digits.
# "K", "XD", "X D", "k", "K字頭", and on English lines the letter's name ("kay", "dee").
_LETTER_NAMES = {"ay": "A", "bee": "B", "cee": "C", "dee": "D", "ee": "E", "ef": "F", "gee": "G", "aitch": "H",
                 "jay": "J", "kay": "K", "el": "L", "em": "M", "en": "N", "pee": "P", "cue": "Q", "ar": "R",
                 "ess": "S", "tee": "T", "vee": "V", "ex": "X", "wye": "Y", "zed": "Z", "zee": "Z"}
_LETTER_NAME = "|".join(_LETTER_NAMES)
_HK_LETTERS = re.compile(
    rf"(?<![A-Za-z])(?:(?P<up>[A-Z](?:\s?[A-Z])?)|(?P<low>[a-z])|(?P<named>(?i:(?:{_LETTER_NAME})(?:\s+(?:{_LETTER_NAME}))?)))"
    r"(?:字頭|字头|開頭|开头)?[\s,，、:：]{0,3}$")
_NOT_HK_LETTERS = frozenset({"I", "O", "ID", "NO", "HK", "OK", "AM", "PM", "TV", "CN", "IS", "IT", "MY", "AT", "ON",
                             "IN", "TO"})
_EN_DIGIT = "|".join(ENGLISH_DIGITS)
_HK_CHECK = re.compile(
    r"\s*[,，、。]?\s*(?:(?:即係|就係|係|是|嗯|呃|然後|然后|跟住|and|then)[\s,，、]*){0,2}"
    r"(?:(?:open\s+)?brackets?|in brackets?|(?:括號|括号|括弧)(?:入面|裏面|里面|內|内)?(?:係|是)?|[(（]|最尾係|最尾是|最尾|最後一位係|最后一位是|最后是|最後係|"
    r"check digit(?: is)?)?\s*[,，]?\s*"
    rf"(?P<check>[0-9]|[零〇洞幺一二三四五六七八九](?![零〇洞幺一二三四五六七八九])|(?:{_EN_DIGIT})\b|[Aa](?![A-Za-z]))"
    r"(?![0-9])(?:\s*(?:[)）]|close bracket|括號|括号|括弧))?",
    re.I,
)
_REPEAT_WORD = re.compile(r"(?:double|triple)\s+[a-z]+", re.I)
_HK_GROUP_GAP = re.compile(r"(?:[\s,，、\-。.…]|嗯|呃|即係|跟住|然後|然后)*")
MAX_HK_GROUP_GAP = 6  # characters between two groups of a Hong Kong ID; the check digit keeps precision


@dataclass(frozen=True)
class _Unit:
    """Digits a reader said without a pause: one group, or digits read one by one with spaces between
    (``spelled``)."""

    digits: str
    start: int
    end: int
    spelled: bool = False


def find_numbers(text: str, groups: tuple[DigitGroup, ...] | list[DigitGroup], region: str = "cn") -> list[Hit]:
    """ID, phone and card numbers and Hong Kong IDs in ``text``, whose digit groups are ``groups``
    (``qc.pii.itn.normalise_numbers(text).groups``)."""
    units = _units(text, groups)
    hits: list[Hit] = []
    for chain in _chains(text, units):
        hits += _best(text, chain, region)
    return hits + _hk_ids(text, units)


def _units(text: str, groups) -> list[_Unit]:
    """Lone digits with only spaces between ("5 3 7 2", "nine three") are one unit: a number read digit by
    digit is cut only where the reader paused (a comma), not between every two words."""
    units: list[_Unit] = []
    for g in groups:
        last = units[-1] if units else None
        one_word = len(g.digits) == 1 or bool(_REPEAT_WORD.fullmatch(text[g.start:g.end]))  # "triple eight"
        if last and last.spelled and one_word and text[last.end:g.start].isspace():
            units[-1] = _Unit(last.digits + g.digits, last.start, g.end, True)
        else:
            units.append(_Unit(g.digits, g.start, g.end, one_word))
    return units


def _link(text: str, a: _Unit, b: _Unit) -> str | None:
    """How two units are joined: "tight" (a separator), "loose" (fillers, a sentence break), or None."""
    gap = text[a.end:b.start]
    if _TIGHT.fullmatch(gap):
        return "tight"
    year = _YEAR_GAP.match(gap) if _YEAR.fullmatch(a.digits) else None
    rest = gap[year.end():] if year else gap
    if len(re.sub(r"\s", "", rest)) > MAX_GAP or not _GAP.fullmatch(rest):
        return None
    if len(re.findall(rf"{_BREAK}+", rest)) > MAX_BREAKS:
        return None
    return "loose"


def _chains(text: str, units: list[_Unit]) -> list[list[tuple[_Unit, str | None]]]:
    """Units in chains; each unit with how it is joined to the one before (None for a chain's first)."""
    chains: list[list[tuple[_Unit, str | None]]] = []
    for u in units:
        link = _link(text, chains[-1][-1][0], u) if chains else None
        if link:
            chains[-1].append((u, link))
        else:
            chains.append([(u, None)])
    return chains


def _best(text: str, chain: list[tuple[_Unit, str | None]], region: str) -> list[Hit]:
    """The best set of non-overlapping numbers in a chain (weighted interval scheduling over its units)."""
    candidates = _candidates(text, chain, region)
    n = len(chain)
    best: list[tuple[float, list[Hit]]] = [(0.0, [])] * (n + 1)
    for a in range(n - 1, -1, -1):
        best[a] = best[a + 1]
        for b, hit, count in candidates.get(a, []):
            score = best[b + 1][0] + hit.confidence * count
            if score > best[a][0]:
                best[a] = (score, [hit, *best[b + 1][1]])
    return best[0][1]


def _candidates(text: str, chain: list[tuple[_Unit, str | None]], region: str) -> dict[int, list[tuple[int, Hit, int]]]:
    """Every run of units ``a..b`` of the chain that is a number: ``{a: [(b, finding, digits), ...]}``."""
    n = len(chain)
    first_context, first_immediate = context_before(text, chain[0][0].start)
    found: dict[int, list[tuple[int, Hit, int]]] = {}
    company: set[int] = set()
    for a in range(n):
        context, immediate = (first_context, first_immediate) if a == 0 or first_context == "not_personal" else \
            context_before(text, chain[a][0].start)
        digits, loose, said = "", False, []
        for b in range(a, min(n, a + MAX_UNITS)):
            unit, link = chain[b]
            if b > a:
                loose |= link == "loose"
            digits += unit.digits
            said.append(unit.digits)
            if len(digits) > 20:
                break
            if len(digits) == 10 and digits.startswith(_COMPANY_LINES):
                company.update(range(a, b + 1))  # a company's line (400-820-8820), read in groups too
                continue
            here = context or context_after(text, unit.end)
            hit = _classify(text, chain[a][0], unit, digits, here, immediate and context is not None, region)
            if hit is None and region == "hk" and here is None and (a, b) == (0, n - 1):
                hit = _hk_mobile_read_out(text, chain[a][0], unit, said, digits)
            if hit and b > a and chain[a][0].digits in SERVICE_NUMBERS and not _checked_id(hit):
                continue  # the line's own number (12345, 1823) starts no longer number; a Beijing ID's 110 does
            if hit and _accepted(hit, here, said, loose):
                found.setdefault(a, []).append((b, hit, len(digits)))
    said_as = first_context if first_immediate and first_context in _GROUP_OF_CONTEXT else None
    return {a: kept for a in found if (kept := [(b, hit, count) for b, hit, count in found[a]
                                                if not company & set(range(a, b + 1))
                                                and _fits(chain, found, said_as, a, b, hit)])}


# The kinds a word said right before a chain allows in it.
_GROUP_OF_CONTEXT = {"id": ("cn_id", "hk_id"), "bank": ("bank_card",), "phone": ("mobile", "landline")}
_LENGTHS = {"bank_card": range(16, 20), "cn_id": (15, 17, 18)}
MAX_LEFTOVER = 4  # digits of a chain outside the number found in it, when the whole chain is no number


def _checked_id(hit: Hit) -> bool:
    """An 18-character resident ID whose check digit holds: no context or grouping makes it anything else."""
    return hit.kind == "cn_id" and hit.confidence >= 0.99


def _fits(chain, found, said_as: str | None, a: int, b: int, hit: Hit) -> bool:
    """Whether a number found in part of a chain is one, given the rest of the chain. After "身份证" or "卡号"
    the chain is that kind: a piece of a failed ID is not a phone (unless a valid number of that kind came
    first). A chain as long as an ID or card (15-20 digits) that is not one is one failed number: a piece of
    it is taken only when what is left is short (a room, a service number) and said apart."""
    n = len(chain)
    # An old 15-digit ID after "号码" is still an ID: no phone is 15 digits long.
    if (said_as and hit.kind not in _GROUP_OF_CONTEXT[said_as] and not _checked_id(hit)
            and not (said_as == "phone" and hit.kind == "cn_id")):
        first = [k for k, h, _ in found.get(0, []) if h.kind in _GROUP_OF_CONTEXT[said_as]]
        if not first or min(first) >= a:
            return False
    if (a, b) == (0, n - 1) or any(k == n - 1 for k, _, _ in found.get(0, [])):
        return True
    total = sum(len(u.digits) for u, _ in chain if u.digits not in SERVICE_NUMBERS)
    if not 15 <= total <= 20:
        return True
    if total in _LENGTHS.get(hit.kind, ()):
        return False  # a card's or ID's length read out, failing its check: no piece of it is one either
    left = sum(len(u.digits) for k, (u, _) in enumerate(chain) if not a <= k <= b and u.digits not in SERVICE_NUMBERS)
    # and what is left was said apart from it (a pause, "后面是"), not read on in the same breath
    apart = (a == 0 or chain[a][1] == "loose") and (b == n - 1 or chain[b + 1][1] == "loose")
    return left <= MAX_LEFTOVER and apart


def _hk_mobile_read_out(text: str, first: _Unit, last: _Unit, said: list[str], digits: str) -> Hit | None:
    """"nine three one five, oh two eight seven", "九一二三，四五六七": with no word saying so, eight digits are
    a Hong Kong mobile only when read out in words as two fours, starting as mobiles do (5, 6, 7, 9)."""
    if ([len(u) for u in said] == [4, 4] and digits[0] in "5679" and not is_date_like(digits)
            and not re.search(r"[0-9０-９]", text[first.start:last.end])):
        return Hit("mobile", first.start, last.end, 0.8)
    return None


def _accepted(hit: Hit, context: str | None, units: list[str], loose: bool) -> bool:
    """Whether a number joined from groups is one: a lone digit joins only a number read digit by digit or
    one with a strong check ("1、39、1234、5678": Whisper cut 139 in two); a join over fillers or a sentence
    break needs a strong check, and a phone or card number a word that says what it is or the grouping
    callers read it in (3-4-4 for a mobile, fours or the six-digit issuer for a card)."""
    lengths = [len(u) for u in units]
    singles = sum(n == 1 for n in lengths)
    # After 电话 a lone last digit is the rest of the phone number ("188 55 44 33 2": Whisper wrote 二二 as 2).
    said_as_phone = context == "phone" and hit.kind in ("mobile", "landline") and lengths[-1] == 1 and singles == 1
    if 0 < singles < 3 and len(lengths) > 1 and hit.confidence < STRAY_MIN_CONFIDENCE and not said_as_phone:
        return False
    if not loose:
        return True
    if hit.confidence < LOOSE_MIN_CONFIDENCE:
        return False
    if hit.kind in ("cn_id", "hk_id"):
        return True
    if any(is_date_like(u) for u in units):
        return False  # "幺三七，嗯，二零幺七零六二三": a date said after a short number is not the rest of a phone
    if context in ("phone", "bank", "id"):
        return True
    if hit.kind == "mobile":  # 3-4-4, 3-8, 7-4
        return len(lengths) <= 3 and lengths[0] in (3, 7) and all(n >= 4 for n in lengths[1:])
    if hit.kind == "bank_card":  # fours, or the six-digit issuer first
        return lengths[0] in (4, 6, 8) and all(n % 4 == 0 for n in lengths[1:-1])
    return False


def _classify(text: str, first: _Unit, last: _Unit, digits: str, context: str | None, immediate: bool,
              region: str) -> Hit | None:
    start = first.start
    if digits.startswith(_COUNTRY):
        sign = _PREFIX_SIGN.search(text, max(0, start - 2), start)
        start = sign.start() if sign else start
    x = _ID_X.match(text, last.end)
    if x and len(digits) == 17:
        found = classify_number(digits, True, context, immediate, region)
        if found:
            return Hit(found[0], start, x.end(), found[1])
    digits = _without_country_zeros(digits)
    found = classify_number(digits, False, context, immediate, region)
    return Hit(found[0], start, last.end, found[1]) if found else None


def _without_country_zeros(digits: str) -> str:
    """0086 and 00852 are the international-call forms of +86 and +852."""
    return digits[2:] if digits.startswith(("0086", "00852")) else digits


def _hk_ids(text: str, units: list[_Unit]) -> list[Hit]:
    """Letter(s), six digits in one or more groups, the check digit: "K 九八三一 七六 括號 二",
    "Z, six five two, eight six six, bracket zero", "P八一七九三九，最尾係九", "A123456(3)"."""
    hits = []
    for i, first in enumerate(units):
        letters = _HK_LETTERS.search(text, max(0, first.start - 16), first.start)
        if not letters:
            continue
        digits, j = first.digits, i
        while len(digits) < 6 and j + 1 < len(units) and _hk_group_gap(text[units[j].end:units[j + 1].start]):
            j += 1
            digits += units[j].digits
        end, check = units[j].end, None
        if len(digits) == 7:
            digits, check = digits[:6], digits[6]
        elif len(digits) == 6:
            m = _HK_CHECK.match(text, end)
            if m:
                check, end = _check_digit(m.group("check")), m.end()
        if check is None or len(digits) != 6:
            continue
        letter = _hk_letters(letters)
        if letter not in _NOT_HK_LETTERS and is_hk_id(letter, digits, check):
            hits.append(Hit("hk_id", letters.start(), end, 0.97))
    return hits


def _hk_group_gap(gap: str) -> bool:
    return len(gap.replace(" ", "")) <= MAX_HK_GROUP_GAP and bool(_HK_GROUP_GAP.fullmatch(gap))


def _hk_letters(found: re.Match) -> str:
    if found.group("named"):
        return "".join(_LETTER_NAMES[w.lower()] for w in found.group("named").split())
    return re.sub(r"\s", "", found.group("up") or found.group("low")).upper()


def _check_digit(said: str) -> str:
    said = said.lower()
    if said in ENGLISH_DIGITS:
        return ENGLISH_DIGITS[said]
    if said in DIGITS:
        return str(DIGITS[said])
    return said.upper()
