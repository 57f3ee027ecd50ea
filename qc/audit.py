"""The audit log: who did what, when, to what, with the value before and after.

Every change made through the web app or the CLI, and every read of unredacted personal data,
is one row. Rows are only ever appended.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb


def record(con: duckdb.DuckDBPyConnection, actor: str | None, action: str, target: str | None = None, *,
           before: object = None, after: object = None, client: str | None = None) -> None:
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(timezone.utc).replace(tzinfo=None), actor, action, target, _json(before), _json(after), client],
    )


def recent(con: duckdb.DuckDBPyConnection, limit: int = 200, target: str | None = None) -> list[dict]:
    sql = "SELECT logged_at, actor, action, target, before, after, client FROM audit_log"
    params: list = []
    if target:
        sql += " WHERE target = ?"
        params.append(target)
    sql += " ORDER BY logged_at DESC LIMIT ?"
    cur = con.execute(sql, params + [limit])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
