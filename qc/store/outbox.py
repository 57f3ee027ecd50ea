"""The webhook outbox in the store: subscriptions, events written with the data they describe, deliveries.

``add_events`` runs inside the caller's transaction (the batch's call write, a re-score, a live alert, a
run record): the event and one delivery per subscription that wants it commit or roll back with the
data. Deliverers take due deliveries with a lease (``claim_due``): the update that sets the lease is one
statement, so two deliverers of one process conflict (DuckDB refuses the second) and two processes take
turns on the file (``qc.store.turns``); either way one deliverer works a delivery at a time. A deliverer
that dies mid-attempt leaves a lease that runs out, and the delivery is tried again (receivers drop
repeats by event id).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

import duckdb

from qc.store.schema import now
from qc.webhooks.events import URGENT_KINDS, OutboxEvent


@dataclass(frozen=True)
class Claimed:
    """A delivery a deliverer holds the lease of: where to send what, signed with which secrets."""

    delivery_id: str
    event_id: str
    kind: str
    body: str
    url: str
    secrets: tuple[str, ...]
    attempts: int  # before this one
    event_created_at: datetime | None


def add_events(con: duckdb.DuckDBPyConnection, events: Iterable[OutboxEvent]) -> int:
    """Store each event that an active subscription wants, with a delivery per subscription (the caller's
    transaction). Events nobody subscribed to are not kept. Returns the deliveries made."""
    events = list(events)
    if not events:
        return 0
    wanted = _subscribers(con)
    made = 0
    for event in events:
        subscribers = [sid for sid, kinds in wanted if event.kind in kinds]
        if not subscribers:
            continue
        con.execute("INSERT INTO webhook_events VALUES (?, ?, ?, ?, ?, ?)",
                    [event.event_id, event.kind, event.source, event.subject,
                     json.dumps(event.envelope(), ensure_ascii=False), event.created_at])
        for sid in subscribers:
            con.execute(
                "INSERT INTO webhook_deliveries (delivery_id, event_id, subscription_id, status, attempts, next_attempt_at, "
                "created_at, event_created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)",
                [_new_id(), event.event_id, sid, event.created_at, now(), event.created_at])
            made += 1
    return made


def wanted_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Event kinds some active subscription wants (none: writers need not build events at all)."""
    return {k for _, kinds in _subscribers(con) for k in kinds}


def _subscribers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, set[str]]]:
    rows = con.execute("SELECT subscription_id, events FROM webhook_subscriptions WHERE active").fetchall()
    return [(sid, set(kinds or ())) for sid, kinds in rows]


# -- waking deliverers ---------------------------------------------------------------------------------

_wakeups: dict[Path, threading.Event] = {}
_wakeups_lock = threading.Lock()


def wakeup(db_path: Path | str) -> threading.Event:
    """The event a deliverer of this process waits on for ``db_path``."""
    key = Path(db_path).absolute()
    with _wakeups_lock:
        return _wakeups.setdefault(key, threading.Event())


def signal_path(db_path: Path | str) -> Path:
    path = Path(db_path).absolute()
    return path.with_name(path.name + ".outbox")


def notify(db_path: Path | str) -> None:
    """Tell deliverers there is something new: this process's at once, others' through ``<db>.outbox``'s
    modification time (a stat, where polling the database would take its turn from the batch)."""
    wakeup(db_path).set()
    target = signal_path(db_path)
    try:
        with open(target, "a", encoding="utf-8"):
            pass
        os.utime(target)
    except OSError:
        pass  # deliverers also look every few seconds whatever happens


# -- subscriptions -------------------------------------------------------------------------------------


def add_subscription(con: duckdb.DuckDBPyConnection, url: str, events: list[str], secret: str,
                     description: str | None = None) -> str:
    sid = "wh_" + _new_id()[:8]
    con.execute("INSERT INTO webhook_subscriptions (subscription_id, url, events, secret, description, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [sid, url, events, secret, description, now()])
    return sid


def subscriptions(con: duckdb.DuckDBPyConnection, include_removed: bool = False) -> list[dict]:
    """Subscriptions without their secrets, with how their deliveries stand."""
    where = "" if include_removed else "WHERE s.active"
    return _rows(con, f"""
        SELECT s.subscription_id, s.url, s.events, s.description, s.active, s.created_at, s.removed_at,
               s.previous_secret_until,
               count(d.delivery_id) FILTER (WHERE d.status = 'pending') AS pending,
               count(d.delivery_id) FILTER (WHERE d.status = 'delivered') AS delivered,
               count(d.delivery_id) FILTER (WHERE d.status = 'failed') AS failed
        FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d USING (subscription_id)
        {where} GROUP BY ALL ORDER BY s.created_at""")


def find_subscription(con: duckdb.DuckDBPyConnection, subscription_id: str) -> dict | None:
    rows = _rows(con, "SELECT * FROM webhook_subscriptions WHERE subscription_id = ?", subscription_id)
    return rows[0] if rows else None


def remove_subscription(con: duckdb.DuckDBPyConnection, subscription_id: str) -> int:
    """Stop a subscription (kept, inactive, for the log); its undelivered deliveries are cancelled. Returns them."""
    con.execute("UPDATE webhook_subscriptions SET active = false, removed_at = ? WHERE subscription_id = ?",
                [now(), subscription_id])
    cancelled = con.execute("UPDATE webhook_deliveries SET status = 'cancelled', lease_owner = NULL, lease_until = NULL "
                            "WHERE subscription_id = ? AND status = 'pending' RETURNING delivery_id", [subscription_id]).fetchall()
    return len(cancelled)


def rotate_secret(con: duckdb.DuckDBPyConnection, subscription_id: str, secret: str, old_valid_until: datetime) -> None:
    """The new secret signs from now on; the old one signs too until ``old_valid_until``."""
    con.execute("UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_until = ?, secret = ? "
                "WHERE subscription_id = ?", [old_valid_until, secret, subscription_id])


# -- deliveries ----------------------------------------------------------------------------------------


def claim_due(con: duckdb.DuckDBPyConnection, owner: str, lease_until: datetime, limit: int = 8,
              at: datetime | None = None) -> list[Claimed]:
    """Take the lease of up to ``limit`` due deliveries (urgent kinds first, then the longest waiting).

    Another deliverer of this process claiming the same rows at once makes DuckDB refuse one of the two
    updates: that one gets nothing this time.
    """
    at = at or now()
    try:
        claimed = con.execute(
            """UPDATE webhook_deliveries SET lease_owner = $owner, lease_until = $until
               WHERE delivery_id IN (
                   SELECT d.delivery_id FROM webhook_deliveries d JOIN webhook_events e USING (event_id)
                   WHERE d.status = 'pending' AND d.next_attempt_at <= $at AND (d.lease_until IS NULL OR d.lease_until <= $at)
                   ORDER BY list_contains($urgent, e.kind) DESC, d.next_attempt_at LIMIT $limit)
               AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $at)
               RETURNING delivery_id""",
            {"owner": owner, "until": lease_until, "at": at, "limit": limit, "urgent": list(URGENT_KINDS)},
        ).fetchall()
    except duckdb.TransactionException:
        return []
    if not claimed:
        return []
    rows = _rows(con, """
        SELECT d.delivery_id, d.event_id, e.kind, e.payload, s.url, s.secret, s.previous_secret, s.previous_secret_until,
               d.attempts, d.event_created_at
        FROM webhook_deliveries d JOIN webhook_events e USING (event_id) JOIN webhook_subscriptions s USING (subscription_id)
        WHERE d.delivery_id IN (SELECT unnest(?)) AND d.lease_owner = ?
        ORDER BY list_contains(?, e.kind) DESC, d.next_attempt_at""", [r[0] for r in claimed], owner, list(URGENT_KINDS))
    out = []
    for r in rows:
        keys = [r["secret"]]
        if r["previous_secret"] and r["previous_secret_until"] and r["previous_secret_until"] > at:
            keys.append(r["previous_secret"])
        out.append(Claimed(r["delivery_id"], r["event_id"], r["kind"], r["payload"], r["url"], tuple(keys), r["attempts"],
                           r["event_created_at"]))
    return out


def record_attempt(con: duckdb.DuckDBPyConnection, delivery_id: str, owner: str, delivered: bool,
                   status_code: int | None, error: str | None, next_attempt_at: datetime | None) -> bool:
    """One attempt's outcome: delivered, due again at ``next_attempt_at``, or failed for good (``None``).

    Only the lease holder records (a deliverer whose lease ran out does not overwrite the next one's work).
    """
    status = "delivered" if delivered else ("pending" if next_attempt_at is not None else "failed")
    at = now()
    changed = con.execute(
        "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?, "
        "last_attempt_at = ?, next_attempt_at = ?, delivered_at = ?, lease_owner = NULL, lease_until = NULL "
        "WHERE delivery_id = ? AND lease_owner = ? AND status = 'pending' RETURNING delivery_id",
        [status, status_code, error[:500] if error else None, at, next_attempt_at if status == "pending" else None,
         at if delivered else None, delivery_id, owner]).fetchall()
    return bool(changed)


def replay(con: duckdb.DuckDBPyConnection, delivery_ids: list[str] | None = None, since: datetime | None = None) -> list[str]:
    """Send again: the named deliveries (whatever their outcome, but not while pending; a prefix is enough),
    or every failed one whose event is newer than ``since``. Attempts count from zero again."""
    if delivery_ids:
        matching = [r[0] for r in con.execute(
            "SELECT DISTINCT d.delivery_id FROM webhook_deliveries d, (SELECT unnest($ids) AS prefix) p "
            "WHERE starts_with(d.delivery_id, p.prefix)", {"ids": list(delivery_ids)}).fetchall()]
        where = "status IN ('failed', 'delivered', 'cancelled') AND delivery_id IN (SELECT unnest($ids))"
        params: dict = {"ids": matching}
    else:
        where = "status = 'failed' AND event_created_at >= $since"
        params = {"since": since or datetime.min}
    where += " AND subscription_id IN (SELECT subscription_id FROM webhook_subscriptions WHERE active)"
    rows = con.execute(
        f"UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $at, delivered_at = NULL, "
        f"lease_owner = NULL, lease_until = NULL WHERE {where} RETURNING delivery_id", {**params, "at": now()}).fetchall()
    return [r[0] for r in rows]


def delivery_log(con: duckdb.DuckDBPyConnection, status: str | None = None, subscription_id: str | None = None,
                 limit: int = 50) -> list[dict]:
    sql = """SELECT d.delivery_id, d.event_id, e.kind, d.subscription_id, s.url, d.status, d.attempts, d.last_status_code,
                    d.last_error, d.next_attempt_at, d.event_created_at, d.last_attempt_at, d.delivered_at
             FROM webhook_deliveries d JOIN webhook_events e USING (event_id) JOIN webhook_subscriptions s USING (subscription_id)
             WHERE (? IS NULL OR d.status = ?) AND (? IS NULL OR d.subscription_id = ?)
             ORDER BY d.event_created_at DESC, d.delivery_id LIMIT ?"""
    return _rows(con, sql, status, status, subscription_id, subscription_id, int(limit))


def next_due(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the next pending delivery is due (or its lease runs out), for a deliverer deciding how long to sleep."""
    row = con.execute("SELECT min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) FROM webhook_deliveries "
                      "WHERE status = 'pending'").fetchone()
    return row[0] if row else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _new_id() -> str:
    import secrets

    return secrets.token_hex(8)
