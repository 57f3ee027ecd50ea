"""Health endpoints for the supervisor, a load balancer or a monitoring probe; no sign-in, nothing revealed.

``/healthz``: the process answers (touches nothing). ``/readyz``: the store can be read and, where one is
configured, the Prefect API answers; else 503 naming which of the two failed, never a path, a URL or an error text.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from qc.deploy.prefect_api import api_problem, configured_api_url
from qc.store import current_version, database

log = logging.getLogger(__name__)

router = APIRouter()

# A probe must answer quickly: a store busy longer than this counts as not ready (the batch has a long turn).
STORE_WAIT_S = 5.0
PREFECT_TIMEOUT_S = 2.0


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    return _no_store(JSONResponse({"status": "ok"}))


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    checks = {"store": _store_ok(ctx), "prefect": _prefect_state(ctx.settings)}
    failed = sorted(name for name, state in checks.items() if state == "failed")
    body = {"status": "not ready" if failed else "ready", "checks": checks}
    if failed:
        body["failed"] = failed
    return _no_store(JSONResponse(body, status_code=503 if failed else 200))


def _store_ok(ctx) -> str:
    try:
        with database(ctx.settings.db_path).cursor(write=False, wait_s=min(STORE_WAIT_S, ctx.settings.web.db_wait_s)) as cur:
            current_version(cur)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; its text is for the log, not the probe
        log.warning("readyz: the store cannot be read: %s", str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return "failed"


def _prefect_state(settings) -> str:
    url = configured_api_url(settings)
    if url is None:
        return "not configured"
    problem = api_problem(url, PREFECT_TIMEOUT_S)
    if problem:
        log.warning("readyz: the Prefect API %s", problem)
        return "failed"
    return "ok"


def _no_store(response: JSONResponse) -> JSONResponse:
    response.headers["Cache-Control"] = "no-store"
    return response
