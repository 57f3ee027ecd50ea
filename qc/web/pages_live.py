"""Live calls: the recorder's WebSocket in, the agent's desktop and the supervisors' wall out (SSE)."""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from qc.accounts import user_for_token
from qc.live.hub import Event
from qc.live.protocol import ProtocolError, parse_frame, parse_start
from qc.live.service import LiveService
from qc.web.access import LIVE_SOURCES
from qc.web.context import PageError, WebContext, page_user
from qc.web.pages_calls import render, require_csrf

log = logging.getLogger(__name__)
router = APIRouter()

# WebSocket close codes (RFC 6455 / IANA): policy violation, unsupported data, try again later.
POLICY, UNSUPPORTED, OVERLOADED = 1008, 1003, 1013
# A recorder sends its start message at once; a connection that does not is closed, not kept open.
START_DEADLINE_S = 10.0


def _ctx(request) -> WebContext:
    return request.app.state.ctx


def live_service(app) -> LiveService:
    return app.state.live


def _token_user(ctx: WebContext, auth: str):
    if not auth.lower().startswith("bearer "):
        return None
    with ctx.db(write=False) as con:
        return user_for_token(con, auth[7:].strip())


@router.websocket("/live/calls")
async def live_call(ws: WebSocket):
    ctx: WebContext = ws.app.state.ctx
    # On a worker thread: while another process has the database, every other request is still served.
    user = await run_in_threadpool(_token_user, ctx, ws.headers.get("authorization", ""))
    await ws.accept()
    if user is None or user.role not in LIVE_SOURCES:
        await ws.close(POLICY, "a recorder or admin API token is needed (Authorization: Bearer ...)")
        return
    service = live_service(ws.app)
    # Connections still waiting for their start message count against live.max_calls too.
    if len(service.calls) + service.awaiting_start >= ctx.settings.live.max_calls:
        await ws.close(OVERLOADED, f"this server takes at most {ctx.settings.live.max_calls} live calls")
        return
    service.awaiting_start += 1
    try:
        first = await asyncio.wait_for(ws.receive(), timeout=START_DEADLINE_S)
        if first["type"] == "websocket.disconnect":
            return
        if first.get("text") is None:
            await ws.close(UNSUPPORTED, "the first message must be the JSON start message, as text")
            return
        start = parse_start(first["text"])
        state = await service.open_call(start)
    except asyncio.TimeoutError:
        await ws.close(POLICY, f"no start message within {START_DEADLINE_S:.0f} s")
        return
    except ProtocolError as exc:
        await ws.close(UNSUPPORTED, str(exc)[:120])
        return
    except ValueError as exc:
        await ws.close(OVERLOADED, str(exc)[:120])
        return
    except WebSocketDisconnect:
        return
    finally:
        service.awaiting_start -= 1
    await ws.send_json({"event": "started", "call_id": start.call_id})
    forward = asyncio.get_running_loop().create_task(_forward_alerts(ws, service, start.call_id))
    how, detail = "ended", None
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                how = "disconnected"
                break
            if message.get("bytes") is not None:
                try:
                    sequence, samples = parse_frame(message["bytes"], start.channels)
                except ProtocolError as exc:
                    state.call.stats.bad_frames += 1
                    if state.call.stats.bad_frames > ctx.settings.live.max_bad_frames:
                        how, detail = "rejected", f"too many bad frames; last: {exc}"
                        break
                    await ws.send_json({"event": "error", "error": str(exc)})
                    continue
                await service.frame(state, sequence, samples)
            elif message.get("text") is not None:
                if _is_end(message["text"]):
                    break
                await ws.send_json({"event": "error", "error": "text messages after the start are only {\"event\": \"end\"}"})
    except WebSocketDisconnect:
        how = "disconnected"
    await service.close_call(state, how, detail)
    forward.cancel()
    if how == "rejected":
        await ws.close(UNSUPPORTED, (detail or "")[:120])
    if how == "ended":
        await ws.send_json({"event": "ended", "call_id": start.call_id, "utterances": state.call.stats.utterances,
                            "alerts": state.alerts})
        await ws.close()


async def _forward_alerts(ws: WebSocket, service: LiveService, call_id: str) -> None:
    """The recorder (or `qc live simulate`) hears its call's alerts too."""
    try:
        async for event in service.hub.stream(lambda e: e.type == "alert" and e.data.get("live_call_id") == call_id, None):
            if event is not None:
                await ws.send_json({"event": "alert", **{k: event.data[k] for k in ("alert_id", "kind", "severity", "call_time_s",
                                                                                 "message_zh", "message_en")}})
    except (WebSocketDisconnect, RuntimeError):
        return


def _is_end(text: str) -> bool:
    try:
        return json.loads(text).get("event") == "end"
    except (ValueError, AttributeError):
        return False


def _sse(event: Event | None) -> str:
    if event is None:
        return ": keep-alive\n\n"
    return f"id: {event.id}\nevent: {event.type}\ndata: {json.dumps(event.data, ensure_ascii=False, default=str)}\n\n"


def _last_id(request: Request) -> int | None:
    value = request.headers.get("last-event-id") or request.query_params.get("last_id")
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _events(request: Request, audience) -> StreamingResponse:
    service = live_service(request.app)
    after = _last_id(request)

    async def body():
        yield "retry: 2000\n\n"
        await service.start()
        async for event in service.hub.stream(audience, after, older=service.stored_alerts):
            if await request.is_disconnected():
                break
            yield _sse(event)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/desk")
def desk_page(request: Request):
    with _ctx(request).db(write=False) as con:
        user, session = page_user(request, _ctx(request), con, "desk")
    return render(request, "desk.html", user, session)


@router.get("/desk/events")
def desk_events(request: Request):
    with _ctx(request).db(write=False) as con:
        user, _ = page_user(request, _ctx(request), con, "desk")
    agent_id = user.agent_id
    return _events(request, lambda e: e.agent_id == agent_id and e.type in ("alert", "ack", "call"))


def _wall_scope(con, user) -> set[str] | None:
    """The agents whose live calls a supervisor watches: a team lead's team, everyone for the others."""
    if user.role != "team_lead":
        return None
    return {r[0] for r in con.execute("SELECT agent_id FROM agents WHERE team = ?", [user.team]).fetchall()}


def _for_every_supervisor(severity: str | None, kind: str | None) -> bool:
    # Urgent cases, callers in danger and possible crises reach every supervisor; other alerts their own team's.
    return severity == "critical" or kind == "possible_crisis"


@router.get("/wall")
def wall_page(request: Request):
    with _ctx(request).db(write=False) as con:
        user, session = page_user(request, _ctx(request), con, "wall")
        scope = _wall_scope(con, user)
        recent = con.execute("SELECT alert_id, live_call_id, agent_id, kind, severity, call_time_s, message_zh, message_en, raised_at, "
                             "acknowledged_by FROM live_alerts ORDER BY alert_id DESC LIMIT 200").fetchall()
    recent = [r for r in recent if scope is None or r[2] in scope or _for_every_supervisor(r[4], r[3])][:50]
    service = live_service(request.app)
    live = [{"live_call_id": s.call.start.call_id, "agent_id": s.call.start.agent_id, "state": s.state,
             "audio_s": round(s.call.audio_s, 1), "alerts": s.alerts} for s in service.calls.values()
            if scope is None or s.call.start.agent_id in scope]
    return render(request, "wall.html", user, session, recent=recent, live=live, last_id=service.hub.last_id)


@router.get("/wall/events")
def wall_events(request: Request):
    with _ctx(request).db(write=False) as con:
        user, _ = page_user(request, _ctx(request), con, "wall")
        team_agents = _wall_scope(con, user)
    return _events(request, lambda e: team_agents is None or e.agent_id in team_agents
                   or _for_every_supervisor(e.data.get("severity"), e.data.get("kind")))


@router.post("/wall/alerts/{alert_id}/ack")
async def acknowledge(request: Request, alert_id: int):
    ctx = _ctx(request)
    service = live_service(request.app)

    def check():
        with ctx.db(write=False) as con:
            user, session = page_user(request, ctx, con, "wall")
            scope = _wall_scope(con, user)
            row = con.execute("SELECT agent_id FROM live_alerts WHERE alert_id = ?", [alert_id]).fetchone()
        # Another team's alert is its own lead's to acknowledge, even where the wall shows it to everyone.
        if row is not None and scope is not None and row[0] not in scope:
            raise PageError(403, f"alert {alert_id} is another team's")
        return user, session

    loop = asyncio.get_running_loop()
    await service.start()
    user, session = await loop.run_in_executor(service.reader, check)
    require_csrf(request, session, request.headers.get("x-csrf-token"))
    if not await loop.run_in_executor(service.reader, service.store_acknowledgement, alert_id, user.username):
        raise PageError(404, f"no unacknowledged alert {alert_id}")
    return JSONResponse({"acknowledged": alert_id, "by": user.username})
