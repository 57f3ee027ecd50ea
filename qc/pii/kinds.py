"""The kinds of personal data hotline-qc finds, their placeholders, and the record a finder returns."""

from __future__ import annotations

from typing import Literal, NamedTuple

PiiKind = Literal["cn_id", "hk_id", "mobile", "landline", "bank_card", "email", "plate", "address", "name"]

PLACEHOLDERS: dict[str, str] = {
    "cn_id": "[身份证号]",
    "hk_id": "[香港身份证]",
    "mobile": "[手机号]",
    "landline": "[电话]",
    "bank_card": "[银行卡号]",
    "email": "[邮箱]",
    "plate": "[车牌]",
    "address": "[地址]",
    "name": "[姓名]",
}
KINDS: tuple[str, ...] = tuple(PLACEHOLDERS)
# When two findings overlap, the stronger kind names the merged span: a checked number beats a pattern.
PRIORITY: dict[str, int] = {kind: rank for rank, kind in enumerate(KINDS)}


class Hit(NamedTuple):
    """One finding in a text: ``[start, end)`` in the text the finder was given."""

    kind: str
    start: int
    end: int
    confidence: float
