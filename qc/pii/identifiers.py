"""What a digit string is (``classify_number``, used by ``qc.pii.numbers``), and e-mail addresses and licence
plates in a normalised transcript.

A digit string is classified by its length and check digits first, and by the words just before it
second: "订单号" or "工号" before a number makes it not personal, "电话" or "银行卡" lets a shorter or
unchecked one through. E-mail and plates are found in text that has been through ``qc.pii.itn.normalise_numbers``
("幺二三四五六艾特qq点com" is "123456艾特qq点com"); their findings are in the normalised text's coordinates.
"""

from __future__ import annotations

import re

from qc.pii.kinds import Hit
from qc.pii.validate import (
    card_prefix_ok,
    cn_id_structure,
    is_cn_id,
    is_cn_id15,
    is_cn_landline,
    is_cn_mobile,
    is_date_like,
    is_hk_phone,
    luhn_ok,
)

# Words before a number that say what it is. "号码"/"number" are weak: they count only when nothing
# stronger is near ("订单号码" is an order number).
_CONTEXT: dict[str, re.Pattern[str]] = {
    "id": re.compile(r"身份证|身份證|证件号|證件號|身份号|身份號|证号|證號|id card|identity card|\bid\b", re.I),
    "phone": re.compile(
        r"电话|電話|手机|手機|联系方式|聯繫方式|联系|聯繫|聯絡|致电|致電|座机|座機|固话|固話|手提|打给我|打我|"
        r"打返|覆返|回电|回電|搵我|办公室|辦公室|landline|land line|fixed line|home number|"
        r"phone|mobile|\btel\b|whatsapp|微信|call me|call\s*返|call back|reach me|contact me|\boffice\b", re.I),
    "bank": re.compile(
        r"银行卡|銀行卡|卡号|卡號|账号|賬號|帐号|帳號|银行|銀行|储蓄卡|儲蓄卡|信用卡|借记卡|借記卡|工资卡|工資卡|"
        r"存折|存摺|转账|轉賬|打款|建行|工行|农行|農行|中行|交行|招行|邮储|郵儲|card|account|"
        r"咭號|咭号|信用咭|銀聯咭|银联咭|提款咭|扣賬咭|Master咭|Visa咭", re.I),
    "not_personal": re.compile(
        r"订单|訂單|单号|單號|工单|工單|编号|編號|流水|快递|快遞|运单|運單|发票|發票|票号|票號|车次|車次|航班|座位|"
        r"工号|工號|受理|件号|件號|合同|批次|型号|型號|邮编|郵編|金额|金額|价格|價格|案件|序号|序號|条码|條碼|"
        r"order|ticket|case|\bref|tracking|invoice|serial", re.I),
}
_WEAK_PHONE = re.compile(r"号码|號碼|number|\bno\.", re.I)
CONTEXT_WINDOW = 16  # characters before a number searched for its context words
CONTEXT_AFTER_WINDOW = 10  # and after it, when none is before

_DOT = r"\s*(?:\.|点|點|dot)\s*"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*(?:\s*(?:点|點|dot)\s*[A-Za-z0-9_%+-]+)*"
    r"(?:\s*(?:@|＠|艾特|圈a)\s*|\s+at\s+|(?<=\d)at\s+)"
    rf"[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*?{_DOT}(?:com|cn|net|org|edu|gov|hk|io|me|info|biz)(?:{_DOT}(?:cn|hk))?"
    r"(?![A-Za-z0-9])",
    re.I,
)
_PROVINCES = "京津沪滬渝冀豫云雲辽遼黑湘皖鲁魯新苏蘇浙赣贛鄂桂甘晋晉蒙陕陝吉闽閩贵貴粤粵青藏川宁寧琼瓊"
_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"
_PLATE = re.compile(
    rf"([{_PROVINCES}])\s?([{_PLATE_LETTER}])\s?[·•・.\-，,]?\s?([{_PLATE_LETTER}0-9]{{5,6}})(?:[挂掛学學警])?(?![A-Za-z0-9])"
)
_PLATE_CONTEXT = re.compile(r"车牌|車牌|牌照|plate", re.I)
_HK_PLATE = re.compile(r"(?:车牌|車牌|牌照|plate)[^，。,.]{0,6}?(?<![A-Za-z])([A-HJ-NP-Za-hj-np-z]{2}\s?\d{1,4})(?![0-9])", re.I)


def find_identifiers(text: str) -> list[Hit]:
    """E-mail addresses and licence plates in ``text`` (normalised), in order."""
    return sorted(_emails(text) + _plates(text), key=lambda h: (h.start, -h.end))


def context_before(text: str, start: int) -> tuple[str | None, bool]:
    """The kind of word nearest before ``start`` ("id", "phone", "bank", "not_personal" or None), and
    whether it ends right before the number (at most 3 characters between, spaces aside: "电话是", "number is")."""
    window_start = max(0, start - CONTEXT_WINDOW)
    window = text[window_start:start]
    best: tuple[int, str] | None = None
    for kind, pattern in _CONTEXT.items():
        for m in pattern.finditer(window):
            if best is None or m.end() > best[0]:
                best = (m.end(), kind)
    if best is None:
        weak = [m.end() for m in _WEAK_PHONE.finditer(window)]
        if not weak:
            return None, False
        best = (max(weak), "phone")
    between = re.sub(r"\s", "", window[best[0]:])
    return best[1], len(between) <= 3


def context_after(text: str, end: int) -> str | None:
    """The kind of word said just after a number ("…，这个是我的卡号", "… 係我電話"), None if none."""
    window = text[end:end + CONTEXT_AFTER_WINDOW]
    found = [(m.start(), kind) for kind, pattern in _CONTEXT.items() for m in [pattern.search(window)] if m]
    return min(found)[1] if found else None


def classify_number(digits: str, has_x: bool, context: str | None, immediate: bool, region: str) -> tuple[str, float] | None:
    """What a digit string is, from its length, check digits and the word before it; None when nothing
    personal. ``has_x``: the string ended in the ID's X (spoken 叉 or 艾克斯)."""
    n = len(digits)
    if context == "not_personal":
        # An order or ticket number is not personal, unless it is unmistakably an ID.
        return ("cn_id", 0.9) if (n == 18 and is_cn_id(digits)) or (has_x and is_cn_id(digits + "X")) else None
    if has_x:
        return ("cn_id", 0.99) if n == 17 and is_cn_id(digits + "X") else None
    if n == 18 and is_cn_id(digits):
        return "cn_id", 0.99
    if n == 15 and is_cn_id15(digits):
        return "cn_id", 0.95 if context == "id" else 0.7
    if 16 <= n <= 19 and luhn_ok(digits):
        if context == "bank":
            return "bank_card", 0.97
        # A structurally valid ID with a wrong check digit is a misheard ID, not a card.
        if n in (16, 19) and card_prefix_ok(digits) and not (n == 18 and cn_id_structure(digits)):
            return "bank_card", 0.85
    if n == 15 and digits.startswith("0086") and is_cn_mobile(digits[4:]):
        return "mobile", 0.98
    if n == 13 and digits.startswith("00852") and is_hk_phone(digits[5:]):
        return ("mobile" if digits[5] in "456789" else "landline"), 0.95
    if n == 13 and digits.startswith("86") and is_cn_mobile(digits[2:]):
        return "mobile", 0.98
    if n == 11 and digits.startswith("852") and is_hk_phone(digits[3:]):
        return ("mobile" if digits[3] in "456789" else "landline"), 0.95
    if n == 11 and is_cn_mobile(digits):
        return "mobile", 0.99 if context == "phone" else 0.95
    if n in (11, 12) and is_cn_landline(digits):
        return "landline", 0.95
    if n == 8 and context == "phone" and is_hk_phone(digits) and (immediate or not is_date_like(digits)):
        if region == "hk":
            return ("mobile" if digits[0] in "456789" else "landline"), 0.9
        return "landline", 0.85
    if n == 7 and context == "phone" and region != "hk" and digits[0] in "23456789":
        return "landline", 0.8
    # Said right after 电话 but of no phone's length: Whisper dropped or doubled a digit, and a misheard
    # phone number is still personal. IDs and cards have check digits instead: one that fails is not one.
    if context == "phone" and immediate and 10 <= n <= 13 and not is_date_like(digits):
        return ("mobile" if digits.startswith("1") else "landline"), 0.6
    return None


def _emails(text: str) -> list[Hit]:
    return [Hit("email", m.start(), m.end(), 0.95) for m in _EMAIL.finditer(text)]


def _plates(text: str) -> list[Hit]:
    hits = []
    for m in _PLATE.finditer(text):
        tail = m.group(3).upper()
        digits = sum(c.isdigit() for c in tail)
        new_energy = len(tail) == 6 and (
            (tail[0] in "DFABCEGHJK" and tail[2:].isdigit()) or (tail[:5].isdigit() and tail[5] in "DF"))
        if (len(tail) == 5 and digits >= 3) or new_energy:
            near = _PLATE_CONTEXT.search(text, max(0, m.start() - CONTEXT_WINDOW), m.start())
            hits.append(Hit("plate", m.start(), m.end(), 0.97 if near else 0.9))
    hits += [Hit("plate", m.start(1), m.end(1), 0.85) for m in _HK_PLATE.finditer(text)]
    return hits
