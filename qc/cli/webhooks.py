"""CLI for webhooks: `qc webhooks add|list|remove|rotate-secret|replay|deliveries|deliver`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from qc.cli.common import ConfigOpt, DbOpt, QcTyper, console, settings_from
from qc.webhooks import admin
from qc.webhooks.events import EVENT_KINDS
from qc.webhooks.subscriptions import WebhookError

webhooks_app = QcTyper(help="Signed webhooks to other systems (work orders, the duty roster): docs/webhooks.md.",
                       no_args_is_help=True)


@webhooks_app.command("add")
def webhooks_add(
    url: str = typer.Argument(..., help="Where to POST events: http(s)://host[:port]/path (on-premises hosts allowed)."),
    events: str = typer.Option(..., "--events", help=f"Comma-separated: {','.join(EVENT_KINDS)}."),
    description: Optional[str] = typer.Option(None, "--description", help="Who receives it (for the list)."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Subscribe URL to events. The signing secret is printed once: give it to the receiver now."""
    settings = settings_from(config, db)
    made = admin.subscribe(settings.db_path, url, events, description)
    console.print(f"subscription {made.subscription_id}: {made.url} ← {', '.join(made.events)}", highlight=False)
    console.print(f"signing secret (shown once): {made.secret}", highlight=False)


@webhooks_app.command("list")
def webhooks_list(all_: bool = typer.Option(False, "--all", help="Removed subscriptions too."),
                  config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Subscriptions and how their deliveries stand (secrets are never shown again)."""
    settings = settings_from(config, db)
    rows = admin.subscriptions(settings.db_path, all_)
    if not rows:
        console.print("no webhook subscriptions (add one: qc webhooks add URL --events urgent_case)")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "url", "events", "pending", "delivered", "failed", "state"):
        table.add_column(column, overflow="fold")
    for r in rows:
        state = "active" if r["active"] else f"removed {r['removed_at']:%Y-%m-%d}"
        if r["active"] and r["previous_secret_until"] and r["previous_secret_until"] > datetime.now(timezone.utc).replace(tzinfo=None):
            state += f", old secret until {r['previous_secret_until']:%Y-%m-%d %H:%M} UTC"
        table.add_row(r["subscription_id"], r["url"], ",".join(r["events"]), str(r["pending"]), str(r["delivered"]), str(r["failed"]), state)
    console.print(table)


@webhooks_app.command("remove")
def webhooks_remove(subscription_id: str, config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Stop a subscription; deliveries not yet made are cancelled (the log is kept)."""
    settings = settings_from(config, db)
    cancelled = admin.unsubscribe(settings.db_path, subscription_id)
    console.print(f"removed {subscription_id}; {cancelled} pending deliveries cancelled", highlight=False)


@webhooks_app.command("rotate-secret")
def webhooks_rotate(
    subscription_id: str,
    grace_hours: float = typer.Option(24.0, "--grace-hours", help="Hours the old secret still signs beside the new one."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """A new signing secret (printed once); both sign every delivery until the grace period ends."""
    settings = settings_from(config, db)
    secret, until = admin.rotate(settings.db_path, subscription_id, grace_hours)
    console.print(f"new signing secret (shown once): {secret}", highlight=False)
    console.print(f"the old secret also signs until {until:%Y-%m-%d %H:%M} UTC", highlight=False)


@webhooks_app.command("replay")
def webhooks_replay(
    delivery_ids: Optional[list[str]] = typer.Argument(None, help="Delivery ids (or their first characters)."),
    since: Optional[str] = typer.Option(None, "--since", help="Every failed delivery of events since: 2026-11-24T09:00, or 6h, 2d."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Send deliveries again: those named, or every failed one since a time. Attempts count from zero."""
    settings = settings_from(config, db)
    replayed = admin.replay(settings.db_path, delivery_ids or None, _when(since) if since else None)
    console.print(f"{len(replayed)} deliveries queued again" + (": " + " ".join(replayed) if 0 < len(replayed) <= 10 else ""),
                  highlight=False)


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    status: Optional[str] = typer.Option(None, "--status", help="pending, delivered, failed or cancelled."),
    subscription: Optional[str] = typer.Option(None, "--subscription"),
    limit: int = typer.Option(50, "--limit", min=1),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """The delivery log, newest events first: status, attempts, last error and status code, next attempt."""
    settings = settings_from(config, db)
    rows = admin.deliveries(settings.db_path, status, subscription, limit)
    table = Table(box=None, pad_edge=False)
    for column in ("delivery", "event", "kind", "subscription", "status", "tries", "code", "last error", "next attempt"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["delivery_id"], r["event_id"], r["kind"], r["subscription_id"], r["status"], str(r["attempts"]),
                      str(r["last_status_code"] or "-"), r["last_error"] or "-",
                      f"{r['next_attempt_at']:%Y-%m-%d %H:%M:%S}" if r["next_attempt_at"] and r["status"] == "pending" else "-")
    console.print(table if rows else "no deliveries")


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now and stop (cron); default: keep running."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Run a deliverer here (for sites without `qc serve`, or beside it: each delivery goes out once at a time)."""
    from qc.webhooks.deliver import Deliverer

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = settings_from(config, db)
    deliverer = Deliverer(settings)
    try:
        if once:
            totals = deliverer.deliver_until_idle()
            console.print(f"{totals.attempted} attempts: {totals.delivered} delivered, {totals.failed} failed", highlight=False)
        else:
            console.print(f"delivering webhooks from {settings.db_path} (Ctrl-C stops)", highlight=False)
            deliverer.run()
    except KeyboardInterrupt:
        pass
    finally:
        deliverer.stop(timeout=5)


def _when(text: str) -> datetime:
    """UTC (naive, as stored) from an ISO time or a span back from now (30m, 6h, 2d)."""
    text = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[:-1].replace(".", "", 1).isdigit() and text[-1:] in units:
        return datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(**{units[text[-1]]: float(text[:-1])})
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise WebhookError(f"--since '{text}': give a time like 2026-11-24T09:00 or a span like 6h or 2d") from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


