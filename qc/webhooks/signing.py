"""The signature on every delivery: HMAC-SHA256 over ``<timestamp>.<body>`` with the subscription's secret.

The header carries the timestamp and one ``v1`` per secret in use (two while a rotated secret's grace
period runs): ``X-QC-Signature: t=1732419000,v1=5f2c…,v1=9a01…``. A receiver recomputes the HMAC with
its secret and accepts when any ``v1`` matches and the timestamp is recent (a replayed old request fails).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-QC-Signature"
# How old a signed request may be when a receiver checks it: clocks differ a little, replays are refused.
DEFAULT_TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with the secret's UTF-8 bytes."""
    return hmac.new(secret.encode("utf-8"), str(int(timestamp)).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={int(timestamp)}", *(f"v1={sign(s, timestamp, body)}" for s in secrets)])


def verify(secret: str, header: str, body: bytes, tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance_s`` of ``now`` (what a receiver does)."""
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)
