"""The v1 API: calls (filtered, cursor-paged for incremental sync), one call in full, reviews, alerts, runs
and agents' weekly summaries. Typed responses (``api_models``); SQL in ``qc.store.api_calls``/``api_reports``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Literal, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPBearer

from qc.audit import record as audit
from qc.store.api_calls import CallQuery, call_parts, call_with_team, list_calls
from qc.store.api_reports import list_alerts, list_runs, weekly_summaries
from qc.web.access import REVIEWERS, call_scope, may_see_call
from qc.web.api_auth import ApiProblem, Caller, api_caller, decode_cursor, encode_cursor, fingerprint, require
from qc.web.api_models import (
    AgentWeekList, AlertPage, ApiError, CallDetail, CallPage, CallSummary, ReviewIn, ReviewOut, RunList,
)
from qc.web.context import WebContext
from qc.web.review_action import store_review

# Declared for the OpenAPI document (Authorization: Bearer); the handlers read the header themselves.
bearer = HTTPBearer(auto_error=False, description="An API token from `qc tokens add` (or a signed-in session cookie).")
ERRORS = {status: {"model": ApiError} for status in (400, 401, 403, 404, 422, 503)}
router = APIRouter(prefix="/api/v1", tags=["v1"], dependencies=[Depends(bearer)], responses=ERRORS)
MAX_LIMIT = 1000


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _cursor_key(ctx: WebContext) -> str:
    return ctx.signer.derived_key("api-cursor")


def _client(request: Request, caller: Caller) -> str:
    host = request.client.host if request.client else "?"
    return f"api {caller.label} from {host}"


def summary(row: dict) -> dict:
    final = row.get("review_score")
    return {**row, "final_score": final if final is not None else row.get("score"), "warnings": row.get("warnings") or [],
            "flags": row.get("flags") or []}


@router.get("/calls", response_model=CallPage, summary="Calls, filtered, in change order (incremental sync)")
def calls(
    request: Request,
    since: Optional[datetime] = Query(None, description="Scored at or after (ISO 8601; UTC unless an offset is given)."),
    until: Optional[datetime] = Query(None, description="Scored before."),
    recorded_from: Optional[date] = Query(None, description="Recording started on or after this day."),
    recorded_to: Optional[date] = Query(None, description="Recording started on or before this day."),
    line: Optional[str] = None, agent: Optional[str] = None, team: Optional[str] = None,
    status: Optional[Literal["scored", "failed"]] = None,
    min_score: Optional[float] = Query(None, ge=0, le=100), max_score: Optional[float] = Query(None, ge=0, le=100),
    flag: list[str] = Query([], description="Failed this rubric item (repeat: every one)."),
    case_type: Optional[str] = None, urgency: Optional[Literal["urgent", "normal"]] = None,
    repeat_level: Optional[Literal["orange", "red"]] = None, reviewed: Optional[bool] = None,
    cursor: Optional[str] = Query(None, description="next_cursor of the previous page (same filters)."),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
):
    """Calls the caller may see, oldest change first. Keep `next_cursor` and pass it next time with the same
    filters: you get every call written since, none twice, none missed, even while a batch is writing."""
    ctx = _ctx(request)
    query = CallQuery(_utc(since), _utc(until), recorded_from, recorded_to, line, agent, team, status, min_score, max_score,
                      tuple(sorted(set(flag))), case_type, urgency, repeat_level, reviewed)
    with ctx.db(write=False) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:calls")
        key = fingerprint("calls", caller.user.username, query.__dict__)
        (after,) = decode_cursor(_cursor_key(ctx), key, cursor, 1)
        rows = list_calls(con, call_scope(caller.user), query, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1]["change_seq"] if rows else after
    return CallPage(data=[CallSummary.model_validate(summary(r)) for r in rows],
                    next_cursor=encode_cursor(_cursor_key(ctx), key, [last]), has_more=more)


@router.get("/calls/{call_id}", response_model=CallDetail, summary="One call: utterances, verdicts with evidence, alerts, tone, reviews")
def call_detail(request: Request, call_id: str,
                raw: bool = Query(False, description="Unredacted text: needs the read:raw scope and a role in web.raw_data_roles; audited.")):
    ctx = _ctx(request)
    with ctx.db(write=raw) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:calls")
        if raw:
            require(caller, "read:raw")
            if not caller.user.may_see_raw(ctx.settings.web.raw_data_roles):
                raise ApiProblem(403, f"the role {caller.user.role} may not see unredacted personal data", "forbidden")
        row = call_with_team(con, call_id)
        if row is None:
            raise ApiProblem(404, f"no call {call_id} (it may have been deleted under the retention rules)", "not_found")
        if not may_see_call(caller.user, row["agent_id"], row["team"]):
            raise ApiProblem(403, "this call is outside your calls (your own, or your team's)", "forbidden")
        parts = call_parts(con, row, raw=raw)
        if raw:
            audit(con, caller.user.username, "raw.transcript.read", call_id, client=_client(request, caller))
    return CallDetail.model_validate({**summary(row), **parts, "raw": raw})


@router.post("/calls/{call_id}/reviews", response_model=ReviewOut, status_code=201, summary="A reviewer's verdict on one item")
def post_review(request: Request, call_id: str, body: ReviewIn):
    ctx = _ctx(request)
    with ctx.db() as con:
        caller = api_caller(request, ctx, con)
        if caller.token is None:
            raise ApiProblem(403, "reviews through the API need an API token with write:reviews (forms on the call page use "
                                  "their own CSRF check)", "forbidden")
        require(caller, "write:reviews")
        if caller.user.role not in REVIEWERS:
            raise ApiProblem(403, f"the role {caller.user.role} does not review verdicts (inspectors and admins do)", "forbidden")
        row = call_with_team(con, call_id)
        if row is None:
            raise ApiProblem(404, f"no call {call_id}", "not_found")
        if not may_see_call(caller.user, row["agent_id"], row["team"]):
            raise ApiProblem(403, "this call is outside your calls", "forbidden")
        if row["status"] != "scored":
            raise ApiProblem(409, "a failed call has no verdicts to review", "conflict")
        score, seq = store_review(ctx, con, caller.user, row, item_id=body.item_id, verdict=body.verdict, comment=body.comment,
                                  purpose=body.purpose, appeal_id=body.appeal_id)
    return ReviewOut(call_id=call_id, item_id=body.item_id, verdict=body.verdict, reviewer=caller.user.username,
                     final_score=score, change_seq=seq)


@router.get("/alerts", response_model=AlertPage, summary="Alerts of scored calls, in change order")
def alerts(request: Request, since: Optional[datetime] = Query(None, description="Raised at or after."),
           until: Optional[datetime] = None, kind: Optional[str] = None, severity: Optional[str] = None,
           line: Optional[str] = None, agent: Optional[str] = None, cursor: Optional[str] = None,
           limit: int = Query(100, ge=1, le=MAX_LIMIT)):
    ctx = _ctx(request)
    filters = {"since": _utc(since), "until": _utc(until), "kind": kind, "severity": severity, "line": line, "agent": agent}
    with ctx.db(write=False) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:calls")
        key = fingerprint("alerts", caller.user.username, filters)
        after = decode_cursor(_cursor_key(ctx), key, cursor, 2)
        rows = list_alerts(con, call_scope(caller.user), after=(after[0], after[1]), limit=limit + 1, **filters)
    more = len(rows) > limit
    rows = rows[:limit]
    last = [rows[-1]["change_seq"], rows[-1]["ordinal"]] if rows else after
    return AlertPage(data=rows, next_cursor=encode_cursor(_cursor_key(ctx), key, last), has_more=more)


@router.get("/runs", response_model=RunList, summary="Batch runs, newest first")
def runs(request: Request, since: Optional[datetime] = Query(None, description="Started at or after."),
         limit: int = Query(50, ge=1, le=MAX_LIMIT)):
    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:calls")
        if caller.user.role not in ("admin", "inspector", "team_lead"):
            raise ApiProblem(403, f"the role {caller.user.role} does not see batch runs", "forbidden")
        return RunList(data=list_runs(con, _utc(since), limit))


@router.get("/agents/weekly", response_model=AgentWeekList, summary="Per agent and ISO week: calls, scores, flags, reviews")
def agents_weekly(request: Request, recorded_from: Optional[date] = None, recorded_to: Optional[date] = None,
                  agent: Optional[str] = None, team: Optional[str] = None, line: Optional[str] = None):
    ctx = _ctx(request)
    with ctx.db(write=False) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:calls")
        rows = weekly_summaries(con, call_scope(caller.user), recorded_from=recorded_from, recorded_to=recorded_to,
                                agent=agent, team=team, line=line)
    return AgentWeekList(data=rows)
