"""What an operator may subscribe: an http(s) URL and known event kinds; the secrets that sign deliveries."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from qc.errors import QCError
from qc.webhooks.events import EVENT_KINDS


class WebhookError(QCError):
    """A webhook request an operator can correct (a bad URL, an unknown event, no such subscription)."""


def check_url(url: str) -> str:
    """The URL if deliveries can go to it: http or https, a host, no spaces. Loopback and private hosts are
    allowed on purpose: a hotline's work-order system usually sits on the same on-premises network."""
    text = (url or "").strip()
    if not text or any(c.isspace() for c in text):
        raise WebhookError(f"'{url}' is not a URL (no spaces allowed): give one like https://orders.example/hooks/qc")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise WebhookError(f"'{url}' is not a usable URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookError(f"'{url}': only http:// and https:// URLs can receive webhooks")
    if not parts.hostname:
        raise WebhookError(f"'{url}' has no host: give one like https://orders.example/hooks/qc")
    if port == 0:
        raise WebhookError(f"'{url}': port 0 cannot receive anything")
    if parts.username or parts.password:
        raise WebhookError(f"'{url}' carries a user name or password: the signature authenticates deliveries, leave them out")
    return text


def check_events(events: str | list[str]) -> list[str]:
    """Event kinds from a comma-separated list (or a list); an unknown one is refused, naming the known ones."""
    names = [e.strip() for e in (events.split(",") if isinstance(events, str) else events)]
    names = [e for e in names if e]
    if not names:
        raise WebhookError(f"name at least one event: {', '.join(EVENT_KINDS)}")
    unknown = [e for e in names if e not in EVENT_KINDS]
    if unknown:
        raise WebhookError(f"unknown event '{unknown[0]}': known events are {', '.join(EVENT_KINDS)}")
    return list(dict.fromkeys(names))


def new_secret() -> str:
    """A signing secret: 32 random bytes, printed once; the receiver keys its HMAC with the whole string."""
    return "whsec_" + secrets.token_urlsafe(32)


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(6)
