"""What the ``qc webhooks`` commands do to the store: subscribe, stop, rotate a secret, send again, read the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from qc.store import Store, outbox
from qc.store.schema import now
from qc.webhooks.subscriptions import WebhookError, check_events, check_url, new_secret


@dataclass(frozen=True)
class NewSubscription:
    subscription_id: str
    url: str
    events: tuple[str, ...]
    secret: str


def subscribe(db_path: Path, url: str, events: str | list[str], description: str | None = None) -> NewSubscription:
    """Check everything first: a bad URL or event stores nothing."""
    url, kinds = check_url(url), check_events(events)
    secret = new_secret()
    with Store(db_path) as store:
        sid = outbox.add_subscription(store.con, url, kinds, secret, description)
    return NewSubscription(sid, url, tuple(kinds), secret)


def unsubscribe(db_path: Path, subscription_id: str) -> int:
    """Stop a subscription; returns the deliveries still pending that were cancelled."""
    with Store(db_path) as store:
        _existing(store, subscription_id)
        with store.transaction() as con:
            return outbox.remove_subscription(con, subscription_id)


def rotate(db_path: Path, subscription_id: str, grace_hours: float) -> tuple[str, datetime]:
    """A new secret signs from now on; the old one signs beside it for ``grace_hours`` (0: stops at once)."""
    if grace_hours < 0:
        raise WebhookError("--grace-hours cannot be negative")
    secret = new_secret()
    until = now() + timedelta(hours=grace_hours)
    with Store(db_path) as store:
        _existing(store, subscription_id)
        outbox.rotate_secret(store.con, subscription_id, secret, until)
    return secret, until


def replay(db_path: Path, delivery_ids: list[str] | None = None, since: datetime | None = None) -> list[str]:
    if not delivery_ids and since is None:
        raise WebhookError("name deliveries to send again (ids from `qc webhooks deliveries`) or --since TIME")
    with Store(db_path) as store:
        replayed = outbox.replay(store.con, delivery_ids, since)
    if replayed:
        outbox.notify(db_path)
    return replayed


def subscriptions(db_path: Path, include_removed: bool = False) -> list[dict]:
    with Store(db_path, read_only=True) as store:
        return outbox.subscriptions(store.con, include_removed)


def deliveries(db_path: Path, status: str | None = None, subscription_id: str | None = None, limit: int = 50) -> list[dict]:
    if status is not None and status not in ("pending", "delivered", "failed", "cancelled"):
        raise WebhookError(f"unknown status '{status}': pending, delivered, failed or cancelled")
    with Store(db_path, read_only=True) as store:
        return outbox.delivery_log(store.con, status, subscription_id, limit)


def _existing(store: Store, subscription_id: str) -> dict:
    found = outbox.find_subscription(store.con, subscription_id)
    if found is None or not found["active"]:
        raise WebhookError(f"no active webhook subscription '{subscription_id}' (see qc webhooks list)")
    return found
