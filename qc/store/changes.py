"""Change numbers on calls: what the API's incremental sync pages on.

Every transaction that writes a call stamps it with the next numbers of one counter (``change_counter``).
Numbers are taken under this process's write lock for the file, and only one process has the file at a
time (``qc.store.turns``), so a transaction holding numbers N..M commits before anyone can take M+1: a
reader's snapshot always holds every number up to its highest one. "Calls with a number above my last"
therefore never skips a call that committed late, where a timestamp cursor would.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.RLock:
    key = Path(path).absolute()
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


@contextmanager
def change_turn(path: Path | str) -> Iterator[None]:
    """Hold this for a whole transaction (begin to commit) that calls ``stamp``."""
    lock = _lock_for(Path(path))
    with lock:
        yield


def stamp(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> int:
    """Give each call the next change number (in the order given); returns the highest. Inside a transaction."""
    ids = list(dict.fromkeys(call_ids))
    if not ids:
        return 0
    top = con.execute("UPDATE change_counter SET seq = seq + ? WHERE name = 'calls' RETURNING seq", [len(ids)]).fetchone()[0]
    con.execute(
        "UPDATE calls SET change_seq = numbered.seq FROM "
        "(SELECT unnest($ids) AS call_id, $base + generate_subscripts($ids, 1) AS seq) numbered "
        "WHERE calls.call_id = numbered.call_id",
        {"ids": ids, "base": top - len(ids)},
    )
    return int(top)


def latest(con: duckdb.DuckDBPyConnection) -> int:
    """The highest change number committed (as this transaction sees it)."""
    row = con.execute("SELECT seq FROM change_counter WHERE name = 'calls'").fetchone()
    return int(row[0]) if row else 0
