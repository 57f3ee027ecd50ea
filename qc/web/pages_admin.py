"""Dashboard, appeals, calibration and the audit log."""

from __future__ import annotations

import re

from datetime import date, datetime, timezone

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse

from qc.audit import recent
from qc.review import ReviewError, calibration_draw, decide_appeal
from qc.web import data
from qc.web.access import may_see_report
from qc.web.context import PageError, WebContext, page_user
from qc.web.pages_calls import _date, render, require_csrf

router = APIRouter()


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


def _user_for(request: Request, con, page: str):
    return page_user(request, _ctx(request), con, page)


def iso_week(day: date | None = None) -> str:
    year, week, _ = (day or datetime.now(timezone.utc).date()).isocalendar()
    return f"{year}-W{week:02d}"


def dashboard_filter(date_from: str | None, date_to: str | None, line: str | None, team: str | None) -> data.DashboardFilter:
    return data.DashboardFilter(_date(date_from), _date(date_to), line or None, team or None)


@router.get("/dashboard")
def dashboard_page(request: Request, date_from: str | None = None, date_to: str | None = None, line: str | None = None,
                   team: str | None = None):
    f = dashboard_filter(date_from, date_to, line, team)
    with _ctx(request).db(write=False) as con:
        user, session = _user_for(request, con, "dashboard")
        board = data.dashboard(con, user, f)
    return render(request, "dashboard.html", user, session, board=board, filters=f, trend=weekly_trend(board["weekly"]))


def weekly_trend(weekly: list[dict], width: int = 400, height: int = 120) -> dict:
    """Points of the weekly mean-score line and call-count bars for the dashboard's SVG chart (oldest week left)."""
    weeks = list(reversed(weekly))
    if not weeks:
        return {"points": "", "bars": [], "labels": []}
    step = width / len(weeks)
    top_calls = max(w["calls"] for w in weeks) or 1
    points, bars, labels = [], [], []
    for i, w in enumerate(weeks):
        x = round(step * i + step / 2, 1)
        if w["mean_score"] is not None:
            points.append(f"{x},{round(height - height * float(w['mean_score']) / 100, 1)}")
        bar = round((height / 3) * w["calls"] / top_calls, 1)
        bars.append({"x": round(step * i + step * 0.2, 1), "y": round(height - bar, 1), "w": round(step * 0.6, 1), "h": bar,
                     "title": f"{w['week']}: {w['calls']} calls, mean {w['mean_score']}"})
        labels.append({"x": x, "text": w["week"][-3:]})
    return {"points": " ".join(points), "bars": bars, "labels": labels, "width": width, "height": height}


@router.get("/appeals")
def appeals_page(request: Request):
    with _ctx(request).db(write=False) as con:
        user, session = _user_for(request, con, "appeals")
        rows = data.appeals(con, user)
    return render(request, "appeals.html", user, session, appeals=rows)


@router.post("/appeals/{appeal_id}/decide")
def decide(request: Request, appeal_id: str, decision: str = Form(...), comment: str = Form(""), csrf_token: str = Form("")):
    with _ctx(request).db() as con:
        user, session = _user_for(request, con, "appeals")
        require_csrf(request, session, csrf_token)
        if user.role not in ("team_lead", "admin"):
            raise PageError(403, "Team leads decide appeals.")
        row = con.execute("SELECT p.call_id, a.team FROM appeals p JOIN calls c USING (call_id) LEFT JOIN agents a ON a.agent_id = c.agent_id "
                          "WHERE p.appeal_id = ?", [appeal_id]).fetchone()
        if row is None:
            raise PageError(404, f"No appeal {appeal_id}.")
        if user.role == "team_lead" and row[1] != user.team:
            raise PageError(403, "This appeal is from an agent of another team.")
        if decision not in ("accept", "reject"):
            raise PageError(400, "decision is accept or reject")
        try:
            decide_appeal(con, appeal_id, accept=decision == "accept", comment=comment.strip()[:2000], lead=user.username)
        except ReviewError as exc:
            raise PageError(400, str(exc)) from exc
    return RedirectResponse("/appeals", status_code=303)


@router.get("/calibration")
def calibration_page(request: Request, week: str | None = None):
    week = week or iso_week()
    with _ctx(request).db(write=False) as con:
        user, session = _user_for(request, con, "calibration")
        mine = data.calibration_assignments(con, user.username, week)
        agreement = data.calibration_agreement(con, week)
        drawn = con.execute("SELECT count(DISTINCT call_id) FROM calibration WHERE week = ?", [week]).fetchone()[0]
    return render(request, "calibration.html", user, session, week=week, mine=mine, agreement=agreement, drawn=drawn)


@router.post("/calibration/draw")
def draw(request: Request, week: str = Form(...), csrf_token: str = Form("")):
    ctx = _ctx(request)
    with ctx.db() as con:
        user, session = _user_for(request, con, "calibration")
        require_csrf(request, session, csrf_token)
        try:
            if not re.fullmatch(r"\d{4}-W\d{2}", week):
                raise ValueError(week)
            year, number = week.split("-W")
            monday = date.fromisocalendar(int(year), int(number), 1)
        except ValueError as exc:
            raise PageError(400, f"'{week}' is not an ISO week like 2026-W48") from exc
        calls = [r[0] for r in con.execute(
            "SELECT call_id FROM calls WHERE status = 'scored' AND coalesce(started_at, scored_at) >= ? "
            "AND coalesce(started_at, scored_at) < ? + INTERVAL 7 DAY", [monday, monday]).fetchall()]
        inspectors = [r[0] for r in con.execute("SELECT username FROM users WHERE role = 'inspector' AND active").fetchall()]
        pairs = calibration_draw(calls, inspectors, week, ctx.settings.web.calibration_per_inspector)
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for call_id, inspector in pairs:
            con.execute("INSERT INTO calibration VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", [week, call_id, inspector, now])
        from qc.audit import record

        record(con, user.username, "calibration.draw", week, after={"pairs": len(pairs), "calls": len({c for c, _ in pairs})})
    return RedirectResponse(f"/calibration?week={week}", status_code=303)


@router.get("/audit")
def audit_page(request: Request, target: str | None = None):
    with _ctx(request).db(write=False) as con:
        user, session = _user_for(request, con, "audit")
        rows = recent(con, 300, target or None)
    return render(request, "audit.html", user, session, rows=rows, target=target)


def _agent_teams(con) -> dict[str, str | None]:
    return dict(con.execute("SELECT agent_id, team FROM agents").fetchall())


@router.get("/reports")
def reports_page(request: Request):
    from qc.coaching import list_reports

    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        user, session = _user_for(request, con, "reports")
        teams = _agent_teams(con)
    entries = [e for e in list_reports(ctx.settings.web.reports_dir)
               if may_see_report(user, e.kind, e.id, teams.get(e.id) if e.kind == "agent" else None)]
    return render(request, "reports.html", user, session, entries=entries)


@router.get("/reports/{week}/{name}")
def report_file(request: Request, week: str, name: str):
    import re

    from qc.coaching import list_reports

    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        user, _ = _user_for(request, con, "reports")
        teams = _agent_teams(con)
    if not re.fullmatch(r"\d{4}-W\d{2}", week) or not re.fullmatch(r"(agent|team)-[\w.-]+\.(html|pdf)", name):
        raise PageError(404, "No such report.")
    stem, suffix = name.rsplit(".", 1)
    entry = next((e for e in list_reports(ctx.settings.web.reports_dir) if e.week == week and e.html.stem == stem), None)
    if entry is None:
        raise PageError(404, f"No report {name} for {week} (reports are written by `qc report` and the weekly flow).")
    if not may_see_report(user, entry.kind, entry.id, teams.get(entry.id) if entry.kind == "agent" else None):
        raise PageError(403, "This report is about someone outside your team.")
    path = entry.html if suffix == "html" else entry.pdf
    if path is None or not path.exists():
        raise PageError(404, f"The {suffix.upper()} of this report was not written.")
    # The report is a self-contained document: its own styles and embedded plots, no scripts at all.
    return FileResponse(path, media_type="text/html; charset=utf-8" if suffix == "html" else "application/pdf",
                        headers={"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
                                 "Cache-Control": "private, no-store"})
