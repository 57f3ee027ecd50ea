"""`qc export KIND`: calls, verdicts, utterances or alerts to CSV, Parquet or JSON lines (DuckDB COPY)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

import typer

from qc.cli.common import ConfigOpt, DbOpt, console, fail, settings_from


def _when(value: Optional[str], option: str) -> Optional[datetime]:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        fail(f"{option} '{value}' is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def export(
    kind: str = typer.Argument(..., help="calls, verdicts, utterances or alerts."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write."),
    fmt: str = typer.Option("csv", "--format", help="csv, parquet or jsonl."),
    since: Optional[str] = typer.Option(None, "--since", help="Calls scored at or after (YYYY-MM-DD[THH:MM], UTC)."),
    until: Optional[str] = typer.Option(None, "--until", help="Calls scored before."),
    as_user: Optional[str] = typer.Option(None, "--as", help="Export what this user may see (their calls, their raw permission)."),
    raw: bool = typer.Option(False, "--raw", help="Unredacted utterances: needs --as a user in web.raw_data_roles; audited."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Export calls, verdicts, utterances or alerts (redacted texts unless --raw --as an allowed user)."""
    from qc.accounts import get_user
    from qc.audit import record as audit
    from qc.store import Store
    from qc.store.exports import FORMATS, KINDS, ExportError, export as write_export, since_until
    from qc.web.access import call_scope

    if kind not in KINDS:
        fail(f"unknown export '{kind}' (one of {', '.join(KINDS)})")
    if fmt not in FORMATS:
        fail(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
    settings = settings_from(config, db)
    conditions = since_until(_when(since, "--since"), _when(until, "--until"))
    with Store(settings.db_path, read_only=not raw) as store:
        scope: tuple[str, list] = ("TRUE", [])
        if as_user:
            user = get_user(store.con, as_user)
            if user is None or not user.active:
                fail(f"no active user '{as_user}'")
            scope = call_scope(user)
        if raw:
            if not as_user:
                fail("--raw needs --as USER: unredacted data goes only to a user whose role may see it (web.raw_data_roles)")
            if not user.may_see_raw(settings.web.raw_data_roles):
                fail(f"user '{as_user}' ({user.role}) may not see raw data (web.raw_data_roles: {', '.join(settings.web.raw_data_roles)})")
        try:
            rows = write_export(store.con, kind, out, fmt, scope=scope, conditions=conditions, raw=raw)
        except ExportError as exc:
            fail(str(exc))
        if raw:
            audit(store.con, as_user, "raw.export", kind, after={"file": str(out), "rows": rows, "since": since, "until": until},
                  client="cli")
    console.print(f"{rows} {kind} rows → {out} ({fmt}{', unredacted' if raw else ''})")
