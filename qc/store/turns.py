"""Turns on the database file between processes: who holds it, who waits, and a fair hand-over.

DuckDB lets one process open a file read-write at a time, and a second process that tries gets an
error at once, not a place in a queue. hotline-qc's processes (the batch, ``qc serve`` with its live
calls, CLI commands) therefore take turns through two small files beside the database:

- ``<db>.lock``: held (``flock`` exclusive) by the process whose turn it is, for as long as it has the
  database open. It holds a line saying who that is, so a process that gives up can say whom it
  waited for. The kernel releases it when the holder dies: a killed run never leaves the store locked.
- ``<db>.waiting``: every process waiting for a turn holds it shared. The holder checks it between
  uses and closes the database as soon as nobody of its own is using it, so a busy web app cannot
  starve the batch's writer, nor the batch the web app.

Whoever hands over the file does not take it straight back while someone else is still waiting for it.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# How often a waiting process looks again. Short: a turn is often a fraction of a second.
POLL_S = 0.01
# How long a process that has just handed the file over lets the waiting ones go first.
HAND_OVER_S = 2.0


@dataclass(frozen=True)
class Holder:
    """Who held the database at one moment, as that process described itself."""

    pid: int | None
    program: str
    since: datetime | None

    def describe(self, now: datetime | None = None) -> str:
        if self.pid is None:
            return "another process"
        held = ""
        if self.since is not None:
            seconds = ((now or datetime.now()) - self.since).total_seconds()
            held = f" for {seconds:.0f} s" if seconds >= 1 else ""
        return f"{self.program} (pid {self.pid}){held}"


def program_name() -> str:
    """How this process is known to an operator: the command it was started with, shortened ("qc serve")."""
    first = sys.argv[0] if sys.argv else ""
    if first in ("", "-c", "-m") or first.endswith(".py"):
        name = "python " + (os.path.basename(first) if first.endswith(".py") else first or "").strip()
    else:
        name = os.path.basename(first)
    return " ".join([name.strip(), *sys.argv[1:3]])[:80]


class TurnTimeout(Exception):
    def __init__(self, holder: Holder):
        super().__init__(holder.describe())
        self.holder = holder


class Turns:
    """This process's side of the turn-taking on one database file (thread-safe use is the caller's job)."""

    def __init__(self, db_path: Path):
        self.lock_path = db_path.with_name(db_path.name + ".lock")
        self.waiting_path = db_path.with_name(db_path.name + ".waiting")
        self._fd: int | None = None
        self._handed_over_at = 0.0

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, deadline: float) -> None:
        """Wait for this process's turn until ``deadline`` (time.monotonic); TurnTimeout after it."""
        if self._fd is not None:
            return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        waiting_fd: int | None = None
        try:
            while True:
                handing_over = time.monotonic() - self._handed_over_at < HAND_OVER_S
                if waiting_fd is None and handing_over and self.others_waiting():
                    pass  # those who waited while this process held the file go first
                elif _try_lock(fd, fcntl.LOCK_EX):
                    break
                elif waiting_fd is None:
                    waiting_fd = os.open(self.waiting_path, os.O_RDWR | os.O_CREAT, 0o600)
                    fcntl.flock(waiting_fd, fcntl.LOCK_SH)
                if time.monotonic() >= deadline:
                    raise TurnTimeout(read_holder(self.lock_path))
                time.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise
        finally:
            if waiting_fd is not None:
                os.close(waiting_fd)  # closing the descriptor drops the shared lock
        _describe_self(fd)
        self._fd = fd

    def release(self, hand_over: bool = False) -> None:
        """End this process's turn; ``hand_over``: someone waits, let them in before taking it again."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass  # a full disk must not keep the lock: closing releases it whatever happens
        os.close(fd)
        if hand_over:
            self._handed_over_at = time.monotonic()

    def others_waiting(self) -> bool:
        """Whether another process (or another descriptor) is waiting for a turn right now."""
        try:
            fd = os.open(self.waiting_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        try:
            if _try_lock(fd, fcntl.LOCK_EX):
                fcntl.flock(fd, fcntl.LOCK_UN)
                return False
            return True
        finally:
            os.close(fd)


def read_holder(lock_path: Path) -> Holder:
    """Who says they hold the database (empty when nobody of ours does)."""
    try:
        text = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    parts = text.split("\t")
    if len(parts) != 3 or not parts[0].isdigit():
        return Holder(None, "", None)
    try:
        since = datetime.fromisoformat(parts[2])
    except ValueError:
        since = None
    return Holder(int(parts[0]), parts[1], since)


def _describe_self(fd: int) -> None:
    line = f"{os.getpid()}\t{program_name()}\t{datetime.now().isoformat(timespec='seconds')}\n".encode()
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, line, 0)
    except OSError:
        pass  # only a courtesy for whoever waits: never a reason to fail a turn


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
