"""The deliverer: due deliveries out of the outbox, POSTed signed, retried with back-off, logged.

One runs inside ``qc serve`` (a background thread: the event loop never waits for a receiver or for the
store) and ``qc webhooks deliver`` runs one for sites without the web app; both may run at once, since
a delivery is leased to one deliverer at a time (``qc.store.outbox.claim_due``). New events wake a
deliverer of the same process at once and others through ``<db>.outbox``'s modification time.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from qc import PIPELINE_VERSION
from qc.config import Settings
from qc.store import Store, StoreBusy, outbox
from qc.store.outbox import Claimed
from qc.store.schema import now
from qc.webhooks.signing import SIGNATURE_HEADER, signature_header

log = logging.getLogger(__name__)

# With nothing pending a deliverer waits for the next event's signal; it still looks at the database this often,
# in case a signal was missed (the file on a volume whose times do not change).
IDLE_RECHECK_S = 300.0
# Added to the receiver's timeout for the lease: an attempt in flight is never taken by another deliverer.
LEASE_MARGIN_S = 30.0


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    delivery_id: str
    delivered: bool
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None  # None: delivered, or failed for good


@dataclass
class Totals:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0  # attempts that failed (some will be retried)


def backoff_s(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """The wait after failed attempt number ``attempt`` (1, 2, ...): doubling from ``base_s``, capped, with
    jitter (half to one and a half times) so receivers coming back up are not hit by every sender at once."""
    return min(max_s, base_s * 2 ** (attempt - 1)) * (0.5 + rng.random())


class Deliverer:
    def __init__(self, settings: Settings, owner: str | None = None):
        self.settings = settings
        self.config = settings.webhooks
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._rng = random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = httpx.Client(timeout=self.config.timeout_s, follow_redirects=False,
                                  headers={"User-Agent": f"hotline-qc/{PIPELINE_VERSION} webhooks"})
        self._posting = ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="qc-webhook-post")

    # -- one pass ------------------------------------------------------------------------------------

    def deliver_due(self) -> Totals:
        """Claim what is due now, POST it (``concurrency`` at a time), record each outcome."""
        lease = now() + timedelta(seconds=self.config.timeout_s + LEASE_MARGIN_S)
        with Store(self.settings.db_path) as store:
            claimed = outbox.claim_due(store.con, self.owner, lease, limit=self.config.concurrency * 2)
        totals = Totals()
        if not claimed:
            return totals
        attempts = list(self._posting.map(self.post, claimed))
        with Store(self.settings.db_path) as store:
            for attempt in attempts:
                if not outbox.record_attempt(store.con, attempt.delivery_id, self.owner, attempt.delivered,
                                             attempt.status_code, attempt.error, attempt.next_attempt_at):
                    log.warning("webhook delivery %s: lease lost before its outcome was recorded", attempt.delivery_id)
        for attempt in attempts:
            totals.attempted += 1
            totals.delivered += attempt.delivered
            totals.failed += not attempt.delivered
        return totals

    def post(self, claimed: Claimed) -> Attempt:
        """One signed POST of a claimed delivery; the outcome, with when to try again."""
        body = claimed.body.encode("utf-8")
        number = claimed.attempts + 1
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-QC-Event-Id": claimed.event_id,
            "X-QC-Event": claimed.kind,
            "X-QC-Delivery": claimed.delivery_id,
            "X-QC-Attempt": str(number),
            SIGNATURE_HEADER: signature_header(list(claimed.secrets), int(time.time()), body),
        }
        code, error = None, None
        try:
            response = self._http.post(claimed.url, content=body, headers=headers)
            code = response.status_code
            if 200 <= code < 300:
                log.info("webhook %s %s delivered to %s", claimed.kind, claimed.event_id, claimed.url)
                return Attempt(claimed.delivery_id, True, code, None, None)
            error = f"HTTP {code} {response.reason_phrase}".strip()
        except httpx.TimeoutException:
            error = f"no answer within {self.config.timeout_s:g} s"
        except httpx.ConnectError as exc:
            error = f"could not connect: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        if number >= self.config.max_attempts:
            log.error("webhook %s to %s failed after %d attempts: %s", claimed.event_id, claimed.url, number, error)
            return Attempt(claimed.delivery_id, False, code, error, None)
        wait = backoff_s(number, self.config.retry_base_s, self.config.retry_max_s, self._rng)
        log.warning("webhook %s to %s: %s; attempt %d again in %.1f s", claimed.event_id, claimed.url, error, number + 1, wait)
        return Attempt(claimed.delivery_id, False, code, error, now() + timedelta(seconds=wait))

    def deliver_until_idle(self) -> Totals:
        """Deliver everything due now, and nothing that is not due yet (``qc webhooks deliver --once``)."""
        totals = Totals()
        while True:
            done = self.deliver_due()
            if not done.attempted:
                return totals
            totals.attempted += done.attempted
            totals.delivered += done.delivered
            totals.failed += done.failed

    # -- running -------------------------------------------------------------------------------------

    def run(self) -> None:
        """Deliver until ``stop()``: right away when something new is stored, retries when they are due."""
        wake = outbox.wakeup(self.settings.db_path)
        signal = outbox.signal_path(self.settings.db_path)
        while not self._stop.is_set():
            wake.clear()
            seen = _mtime(signal)
            due_at = None
            try:
                if self.deliver_due().attempted:
                    continue  # more may be due at once
                with Store(self.settings.db_path, read_only=True) as store:
                    due_at = outbox.next_due(store.con)
            except StoreBusy as exc:
                log.warning("webhooks: the store is busy, looking again shortly: %s", exc)
            except Exception:  # the deliverer must outlive any one bad pass
                log.exception("webhooks: a delivery pass failed")
            self._sleep(wake, signal, seen, due_at)

    def _sleep(self, wake: threading.Event, signal, seen: int | None, due_at: datetime | None) -> None:
        until = time.monotonic() + IDLE_RECHECK_S
        if due_at is not None:
            until = min(until, time.monotonic() + max(0.0, (due_at - now()).total_seconds()))
        while not self._stop.is_set() and time.monotonic() < until:
            if wake.wait(min(self.config.poll_s, max(0.0, until - time.monotonic()))):
                return
            if _mtime(signal) != seen:
                return

    def start(self) -> threading.Thread:
        """Run in a daemon thread (``qc serve``)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="qc-webhooks", daemon=True)
            self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        outbox.wakeup(self.settings.db_path).set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._posting.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def _mtime(path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
