"""Check digits and structure of the numbers that identify a person: a number that fails them is not one.

Pure functions over strings of ASCII digits (and the ID's final X), no context: ``qc.pii.numbers`` decides
what a digit string is from these and the words around it.
"""

from __future__ import annotations

import re
from datetime import date

# First two digits of a mainland resident ID: the province (81/82/83: Hong Kong, Macao and Taiwan
# residents' residence permits, which follow the same format).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Issuer prefixes of the cards Chinese callers carry: UnionPay (62, 60, 9 for old domestic debit),
# Visa (4), Mastercard (51-55, 22-27), JCB (35), Amex (34, 37).
_CARD_PREFIX = re.compile(r"(?:62|60|9|4|5[1-5]|2[2-7]|35|3[47])")


def cn_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a mainland resident ID's first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"a resident ID's check digit needs 17 digits, got {first17!r}")
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def cn_id_structure(number: str) -> bool:
    """Province and birth date of an 18-character ID are real; says nothing about the check digit."""
    return (len(number) == 18 and number[:17].isdigit() and number[:2] in PROVINCES
            and 1900 <= int(number[6:10]) <= 2099
            and _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])))


def is_cn_id(number: str) -> bool:
    """An 18-character mainland resident ID with a real province and birth date and the right check digit."""
    number = number.upper()
    return cn_id_structure(number) and number[17] == cn_id_check_digit(number[:17])


def is_cn_id15(number: str) -> bool:
    """A first-generation (15-digit, before 1999) ID: province and a 19YYMMDD birth date, no check digit."""
    return (len(number) == 15 and number.isdigit() and number[:2] in PROVINCES
            and _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])))


def hk_id_check_digit(letters: str, digits: str) -> str:
    """Check character of a Hong Kong identity card: weights 9..2 over two letter slots and six digits
    (a one-letter ID pads with a space worth 36), letters A-Z worth 10-35, mod 11; 10 is written A."""
    letters = letters.upper()
    if not (1 <= len(letters) <= 2 and letters.isalpha() and letters.isascii() and len(digits) == 6 and digits.isdigit()):
        raise ValueError(f"a Hong Kong ID is 1-2 letters and 6 digits, got {letters!r} {digits!r}")
    values = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters] + [int(c) for c in digits]
    check = (11 - sum(v * w for v, w in zip(values, range(9, 1, -1))) % 11) % 11
    return "A" if check == 10 else str(check)


def is_hk_id(letters: str, digits: str, check: str) -> bool:
    try:
        return hk_id_check_digit(letters, digits) == check.upper()
    except ValueError:
        return False


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check every payment card number carries."""
    if not number.isdigit() or len(number) < 2:
        return False
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(number: str) -> bool:
    return _CARD_PREFIX.match(number) is not None


def is_cn_mobile(number: str) -> bool:
    return _MOBILE.fullmatch(number) is not None


def is_cn_landline(number: str) -> bool:
    """Area code and local number: 010 and 02x take 8 digits, 0[3-9]xx 7 or 8; locals start 2-9."""
    if not number.isdigit() or not number.startswith("0"):
        return False
    if number.startswith(("010", "02")):
        local = number[3:]
        return len(local) == 8 and local[0] in "23456789"
    if number[1] in "3456789":
        local = number[4:]
        return len(local) in (7, 8) and local[0] in "23456789"
    return False


def is_hk_phone(number: str) -> bool:
    """Eight digits: 2/3 fixed lines, 4-9 mobiles and pagers (HK has no area codes)."""
    return len(number) == 8 and number.isdigit() and number[0] in "23456789"


def is_date_like(number: str) -> bool:
    """YYYYMMDD (20261125) or YYMMDD: read as a date before anything else."""
    if len(number) == 8 and number.isdigit():
        return 1900 <= int(number[:4]) <= 2099 and _valid_date(int(number[:4]), int(number[4:6]), int(number[6:]))
    return False
