"""CSV downloads of the queue (its filters) and the dashboard (weekly figures per agent), redacted, via DuckDB COPY."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from qc.store.api_reports import weekly_sql
from qc.store.exports import copy_to, export
from qc.web import data
from qc.web.context import page_user
from qc.web.pages_admin import dashboard_filter
from qc.web.pages_calls import MAX_PAGE, queue_filter

router = APIRouter()


def _csv_response(write, name: str) -> FileResponse:
    fd, path = tempfile.mkstemp(prefix="qc-download-", suffix=".csv")
    os.close(fd)
    try:
        write(Path(path))
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=name,
                        headers={"Cache-Control": "no-store"}, background=BackgroundTask(os.unlink, path))


@router.get("/queue.csv")
def queue_csv(request: Request, date_from: Optional[str] = None, date_to: Optional[str] = None, line: Optional[str] = None,
              agent: Optional[str] = None, team: Optional[str] = None, item: Optional[str] = None, case_type: Optional[str] = None,
              language: Optional[str] = None, reviewed: Optional[str] = None, status: str = "scored", q: Optional[str] = None,
              page: int = Query(1, ge=1, le=MAX_PAGE)):
    """Every call the queue's filters match (not only one page): the calls export, redacted."""
    ctx = request.app.state.ctx
    filters = queue_filter(date_from, date_to, line, agent, team, item, case_type, language, reviewed, status, q)
    with ctx.db(write=False) as con:
        user, _ = page_user(request, ctx, con, "queue")
        condition, params = data.queue_condition(user, filters)
        return _csv_response(lambda out: export(con, "calls", out, "csv", scope=(condition, params)), "queue.csv")


@router.get("/dashboard.csv")
def dashboard_csv(request: Request, date_from: Optional[str] = None, date_to: Optional[str] = None, line: Optional[str] = None,
                  team: Optional[str] = None):
    """Per agent and ISO week, under the dashboard's filters: calls, scores, flags, urgent cases, reviews."""
    ctx = request.app.state.ctx
    f = dashboard_filter(date_from, date_to, line, team)
    with ctx.db(write=False) as con:
        user, _ = page_user(request, ctx, con, "dashboard")
        sql, params = weekly_sql(data.dashboard_condition(user, f), recorded_from=None, recorded_to=None, agent=None,
                                 team=None, line=None)
        return _csv_response(lambda out: copy_to(con, sql, params, out, "csv"), "dashboard-weekly.csv")
