"""The flag queue, the call page (audio, transcript, verdicts), reviews and appeals on a call."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import duckdb
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from qc.accounts import User
from qc.audit import record as audit
from qc.errors import QCError
from qc.audio.playback import encode_flac, peaks, playback_channels
from qc.review import ReviewError, file_appeal
from qc.store import personal_data_times
from qc.web import data
from qc.web.access import REVIEWERS, may_open_page, may_see_call
from qc.web.context import PageError, WebContext, signed_in_user
from qc.web.review_action import store_review
from qc.web.security import Session

router = APIRouter()
# Far beyond any queue (page_size >= 10 a page); a larger number would overflow the query's offset.
MAX_PAGE = 1_000_000


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


def render(request: Request, template: str, user: User, session: Session | None, status: int = 200, **values):
    ctx = _ctx(request)
    values.update(user=user, csrf=ctx.signer.csrf_token(session) if session else "", pages=sorted(_pages(user)))
    return ctx.templates.TemplateResponse(request, template, values, status_code=status)


def _pages(user: User) -> set[str]:
    return {p for p in ("desk", "queue", "wall", "dashboard", "appeals", "calibration", "reports", "audit") if may_open_page(user, p)}


def require_csrf(request: Request, session: Session | None, token: str | None) -> None:
    if session is None:  # API tokens carry no cookie, so no cross-site form can use them
        return
    if not _ctx(request).signer.csrf_ok(session, token):
        raise PageError(403, "This form did not come from this page (missing or wrong CSRF token): reload the page and try again.")


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PageError(400, f"'{value}' is not a date (YYYY-MM-DD)") from exc


def queue_filter(date_from: Optional[str], date_to: Optional[str], line: Optional[str], agent: Optional[str], team: Optional[str],
                 item: Optional[str], case_type: Optional[str], language: Optional[str], reviewed: Optional[str], status: str,
                 q: Optional[str], page: int = 1) -> data.QueueFilter:
    if status not in ("scored", "failed", "all"):
        raise PageError(400, "status is scored, failed or all")
    return data.QueueFilter(_date(date_from), _date(date_to), line or None, agent or None, team or None, item or None,
                            case_type or None, language or None, reviewed or None, status, (q or "").strip()[:100] or None,
                            max(1, page))


@router.get("/queue")
def queue_page(request: Request, date_from: Optional[str] = None, date_to: Optional[str] = None, line: Optional[str] = None,
               agent: Optional[str] = None, team: Optional[str] = None, item: Optional[str] = None, case_type: Optional[str] = None,
               language: Optional[str] = None, reviewed: Optional[str] = None, status: str = "scored", q: Optional[str] = None,
               page: int = Query(1, ge=1, le=MAX_PAGE)):
    ctx = _ctx(request)
    filters = queue_filter(date_from, date_to, line, agent, team, item, case_type, language, reviewed, status, q, page)
    with ctx.db(write=False) as con:
        user, session = signed_in_user(request, ctx, con)
        result = data.queue(con, user, filters, ctx.settings.web.page_size)
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"total": result.total, "page": result.page, "pages": result.pages,
                             "calls": [{k: (str(v) if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in result.rows]})
    return render(request, "queue.html", user, session, result=result, filters=filters)


def _visible_call(con: duckdb.DuckDBPyConnection, user: User, call_id: str) -> dict:
    call = data.call_header(con, call_id)
    if call is None:
        raise PageError(404, f"No call {call_id}: it may have been deleted under the retention rules.")
    if not may_see_call(user, call["agent_id"], call["agent_team"]):
        raise PageError(403, "You may only open calls of your own queue (your calls, or your team's).")
    return call


@router.get("/calls/{call_id}")
def call_page(request: Request, call_id: str, raw: int = 0, appeal: Optional[str] = None):
    ctx = _ctx(request)
    with ctx.db(write=bool(raw)) as con:
        user, session = signed_in_user(request, ctx, con)
        call = _visible_call(con, user, call_id)
        show_raw = bool(raw) and user.may_see_raw(ctx.settings.web.raw_data_roles)
        if raw and not show_raw:
            raise PageError(403, "Your role may not see unredacted personal data.")
        detail = data.call_detail(con, call, raw=show_raw)
        if show_raw:
            audit(con, user.username, "raw.transcript.read", call_id, client=request.client.host if request.client else None)
    audio_present = Path(call["path"]).exists()
    return render(request, "call.html", user, session, call=call, detail=detail, raw=show_raw, appeal_id=appeal,
                  audio_present=audio_present, may_review=user.role in REVIEWERS,
                  may_see_raw=user.may_see_raw(ctx.settings.web.raw_data_roles),
                  may_appeal=user.role == "agent" and call["status"] == "scored")


def _playback(request: Request, call_id: str, raw: int):
    ctx = _ctx(request)
    with ctx.db(write=bool(raw)) as con:
        user, _ = signed_in_user(request, ctx, con)
        call = _visible_call(con, user, call_id)
        if raw and not user.may_see_raw(ctx.settings.web.raw_data_roles):
            raise PageError(403, "Your role may not hear unredacted audio.")
        times = personal_data_times(con, call_id)
        if raw:
            audit(con, user.username, "raw.audio.read", call_id, client=request.client.host if request.client else None)
    try:
        return playback_channels(Path(call["path"]), times, ctx.settings.audio, redact=not raw)[0]
    except QCError as exc:
        raise PageError(410, f"The recording is no longer readable at {call['path']} ({exc}). Its transcript and verdicts are kept.") from exc


@router.get("/calls/{call_id}/audio")
def call_audio(request: Request, call_id: str, raw: int = 0):
    channels = _playback(request, call_id, raw)
    # Unredacted audio is never kept by a browser or a proxy; the redacted one may be, briefly, for seeking.
    cache = "no-store" if raw else "private, max-age=300"
    return Response(encode_flac(channels), media_type="audio/flac", headers={"Cache-Control": cache})


@router.get("/calls/{call_id}/peaks")
def call_peaks(request: Request, call_id: str):
    channels = _playback(request, call_id, 0)
    return JSONResponse({"duration_s": len(channels[0]) / 16000, "channels": peaks(channels)})


@router.post("/calls/{call_id}/review")
def review_item(request: Request, call_id: str, item_id: str = Form(...), verdict: str = Form(...), comment: str = Form(""),
                purpose: str = Form("review"), appeal_id: str = Form(""), csrf_token: str = Form("")):
    ctx = _ctx(request)
    with ctx.db() as con:
        user, session = signed_in_user(request, ctx, con)
        require_csrf(request, session, csrf_token)
        if user.role not in REVIEWERS:
            raise PageError(403, "Only inspectors review verdicts.")
        if purpose not in ("review", "calibration", "appeal"):
            raise PageError(400, "purpose is review, calibration or appeal")
        call = _visible_call(con, user, call_id)
        store_review(ctx, con, user, call, item_id=item_id, verdict=verdict, comment=comment, purpose=purpose, appeal_id=appeal_id or None)
    return RedirectResponse(f"/calls/{call_id}#item-{item_id}", status_code=303)


@router.post("/calls/{call_id}/appeal")
def appeal_call(request: Request, call_id: str, reason: str = Form(""), item_id: str = Form(""), csrf_token: str = Form("")):
    ctx = _ctx(request)
    with ctx.db() as con:
        user, session = signed_in_user(request, ctx, con)
        require_csrf(request, session, csrf_token)
        call = _visible_call(con, user, call_id)
        if user.role != "agent" or call["agent_id"] != user.agent_id:
            raise PageError(403, "Only the agent who took the call may appeal its evaluation.")
        try:
            file_appeal(con, call_id=call_id, agent_id=user.agent_id or "", filed_by=user.username, item_id=item_id or None,
                        reason=reason[:2000], evaluated_at=call["scored_at"], window_days=ctx.settings.web.appeal_window_days)
        except ReviewError as exc:
            raise PageError(400, str(exc)) from exc
    return RedirectResponse(f"/calls/{call_id}#appeals", status_code=303)


@router.get("/api/openapi.json")
def api_description(request: Request):
    """The API's OpenAPI description, for signed-in users and tokens only: its routes map the site."""
    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        signed_in_user(request, ctx, con)
    return request.app.openapi()


@router.get("/api/calls")
def api_calls(request: Request, status: str = "scored", page: int = Query(1, ge=1, le=MAX_PAGE), q: Optional[str] = None):
    return queue_page(request, status=status, page=page, q=q)


@router.get("/api/calls/{call_id}")
def api_call(request: Request, call_id: str):
    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        user, _ = signed_in_user(request, ctx, con)
        call = _visible_call(con, user, call_id)
        detail = data.call_detail(con, call, raw=False)
    keep = ("call_id", "file_name", "line", "agent_id", "started_at", "duration_s", "language", "score", "flags", "case_type",
            "urgency", "status", "failure_reason", "rubric_id", "rubric_version")
    body = {k: call[k] for k in keep} | {"final_score": detail["final_score"], "utterances": detail["utterances"],
                                         "items": [{k: v for k, v in i.items() if k != "reviews"} for i in detail["items"]]}
    return JSONResponse(_jsonable(body))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
