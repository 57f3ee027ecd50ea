"""One DuckDB database per process and file, a cursor per user, and turns with the other processes.

Everything in hotline-qc that touches the store (the batch's writer, web pages and the API, live calls,
CLI commands) asks ``database(path).cursor()`` for a cursor and gives it back when done. Within a process
there is one DuckDB instance per file, opened on first use and shared by every thread (DuckDB fails when
two threads open the same file at once); migrations run the first time a process opens it.

Between processes the file is taken in turns (``qc.store.turns``): a process keeps it open while its
threads use it and for a moment after, closes it at once when another process is waiting, and a
process that finds it taken waits up to its ``wait_s`` and then raises ``StoreBusy`` naming the holder.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from qc.errors import QCError
from qc.store.schema import SCHEMA_VERSION, current_version, migrate
from qc.store.turns import Turns, TurnTimeout

log = logging.getLogger(__name__)

# An idle database stays open this long: a page's next request, or the batch's next call, need not
# reopen it; other processes waiting for it do not wait for this (they are let in at once).
LINGER_S = 0.5
DEFAULT_WAIT_S = 60.0


class StoreBusy(QCError):
    """Another process held the database for longer than this one would wait."""


class NotADatabase(QCError):
    """The path names something that is not a DuckDB database (or one DuckDB cannot read)."""


class Database:
    """A DuckDB file as one process uses it. Get one with ``database(path)``, not directly."""

    def __init__(self, path: Path, wait_s: float = DEFAULT_WAIT_S, linger_s: float = LINGER_S):
        self.path = path
        self.wait_s = wait_s  # the default for cursor(); each caller may wait less or more
        self.linger_s = linger_s
        self._turns = Turns(path)
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._opening = False
        self._draining = False
        self._migrated = False
        self._idle_since = 0.0
        self._closer: threading.Thread | None = None
        self.opens = 0  # how many times this process opened the file (for tests and benchmarks)

    @contextmanager
    def cursor(self, write: bool = True, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for this thread; ``write=False``: a read-only transaction around it."""
        con = self._enter(self.wait_s if wait_s is None else wait_s)
        try:
            cur = con.cursor()
            try:
                if not write:
                    cur.execute("BEGIN TRANSACTION READ ONLY")
                yield cur
                if not write:
                    cur.execute("COMMIT")
            finally:
                cur.close()
        finally:
            self._leave()

    def close(self, timeout: float | None = None) -> bool:
        """Close the file now, once the cursors in use are back (False if they were not within ``timeout``).

        The next ``cursor()`` opens it again.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._draining = True
            while self._users or self._opening:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self._draining = False
                    self._cond.notify_all()
                    return False
                self._cond.wait(remaining)
            self._close_locked(hand_over=False)
            return True

    # -- the instance's life in this process -----------------------------------------------------

    def _enter(self, wait_s: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + wait_s
        with self._cond:
            while True:
                if self._con is not None and not self._draining:
                    if not self._turns.others_waiting():
                        self._users += 1
                        return self._con
                    if self._users:
                        self._draining = True  # let this process's users finish, then hand the file over
                    else:
                        self._close_locked(hand_over=True)
                    continue
                elif self._con is None and not self._opening:
                    self._opening = True
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreBusy(self._busy_message("other users in this process", wait_s))
                self._cond.wait(min(remaining, 0.5))
        try:
            con = self._open(deadline, wait_s)
        except BaseException:
            with self._cond:
                self._opening = False
                self._cond.notify_all()
            raise
        with self._cond:
            self._con, self._opening, self._draining = con, False, False
            self._users += 1
            self.opens += 1
            self._cond.notify_all()
            return con

    def _leave(self) -> None:
        with self._cond:
            self._users -= 1
            if self._users:
                return
            if self._draining or self._turns.others_waiting():
                self._close_locked(hand_over=True)
                return
            self._idle_since = time.monotonic()
            if self._closer is None or not self._closer.is_alive():
                self._closer = threading.Thread(target=self._close_when_idle, name="qc-store-closer", daemon=True)
                self._closer.start()

    def _close_when_idle(self) -> None:
        """Close the file once idle for ``linger_s``, or at once when another process waits for it."""
        while True:
            time.sleep(min(0.05, self.linger_s))
            with self._cond:
                if self._con is None:
                    return
                if self._users or self._opening:
                    continue
                waiting = self._turns.others_waiting()
                if waiting or time.monotonic() - self._idle_since >= self.linger_s:
                    self._close_locked(hand_over=waiting)
                    return

    def _close_locked(self, hand_over: bool) -> None:
        con, self._con = self._con, None
        self._draining = False
        try:
            if con is not None:
                con.close()
        except duckdb.Error as exc:
            log.warning("closing %s: %s", self.path, exc)
        finally:
            self._turns.release(hand_over=hand_over)
            self._cond.notify_all()

    def _open(self, deadline: float, wait_s: float) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._turns.acquire(deadline)
        except TurnTimeout as exc:
            raise StoreBusy(self._busy_message(exc.holder.describe(), wait_s)) from None
        try:
            con = self._connect(deadline, wait_s)
            # Migrations run the first time; later opens only check that nobody moved the schema on (one query).
            if not self._migrated or current_version(con) != SCHEMA_VERSION:
                try:
                    migrate(con)
                except BaseException:
                    con.close()
                    raise
                self._migrated = True
            return con
        except BaseException:
            self._turns.release()
            raise

    def _connect(self, deadline: float, wait_s: float) -> duckdb.DuckDBPyConnection:
        """Open the file; a program outside hotline-qc (the duckdb CLI) holding it is waited for too."""
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path))
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                message = str(exc)
                if "lock" not in message.lower():
                    raise NotADatabase(f"{self.path} is not a hotline-qc database that DuckDB can open: "
                                       f"{message.splitlines()[0][:200]}") from None
                if time.monotonic() >= deadline:
                    raise StoreBusy(self._busy_message(_foreign_holder(message), wait_s)) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _busy_message(self, holder: str, wait_s: float) -> str:
        return (f"the database {self.path} is busy: {holder} held it for longer than this waits ({wait_s:g} s); "
                "try again when it has finished")


def _foreign_holder(duckdb_message: str) -> str:
    """DuckDB's lock error names the holder's executable and PID; say it is not one of ours."""
    found = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", duckdb_message)
    if found:
        return f"a program outside hotline-qc ({os.path.basename(found.group(1))}, PID {found.group(2)}; a duckdb CLI session?)"
    return "a program outside hotline-qc (a duckdb CLI session?)"


_databases: dict[Path, Database] = {}
_registry_lock = threading.Lock()


def database(path: Path | str) -> Database:
    """This process's ``Database`` for ``path`` (the same object for every caller)."""
    key = Path(path).absolute()
    with _registry_lock:
        db = _databases.get(key)
        if db is None:
            db = _databases[key] = Database(key)
        return db


def close_all(timeout: float | None = None) -> None:
    """Close every database this process opened (tests, and a process about to exit)."""
    with _registry_lock:
        dbs = list(_databases.values())
    for db in dbs:
        db.close(timeout)


# At exit, a cursor still held by a daemon thread must not hold the interpreter up.
atexit.register(close_all, 2.0)
