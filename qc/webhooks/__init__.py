"""Webhooks: events a hotline's other systems (work orders, the duty roster) are pushed, signed.

- ``events``: the events and their payloads, built from what the store writes (pure; redacted text only).
- ``signing``: the HMAC-SHA256 signature header and its check (pure).
- ``subscriptions``: checking what an operator asks for (URL, event kinds) and making secrets (pure).
- ``deliver``: the deliverer, reading the outbox and POSTing with retries (``qc serve``, ``qc webhooks deliver``).

The outbox itself (tables, claims, the delivery log) is SQL, in ``qc.store.outbox``.
"""

from qc.webhooks.events import EVENT_KINDS, OutboxEvent
from qc.webhooks.signing import SIGNATURE_HEADER, sign, signature_header, verify
from qc.webhooks.subscriptions import WebhookError, check_events, check_url, new_secret

__all__ = [
    "EVENT_KINDS", "OutboxEvent", "SIGNATURE_HEADER", "WebhookError", "check_events", "check_url", "new_secret", "sign",
    "signature_header", "verify",
]
