"""The FastAPI application: ``create_app(settings)`` wires pages, errors and security headers."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from urllib.parse import quote

import time

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from qc.config import Settings
from qc.live.service import LiveService
from qc.store import StoreBusy
from qc.metrics import HTTP_LATENCY
from qc.web import api_v1, downloads, metrics_page, pages_admin, pages_auth, pages_calls, pages_health, pages_live
from qc.web.api_auth import ApiProblem
from qc.web.context import TEMPLATES, NeedsSignIn, PageError, WebContext
from qc.web.security import SessionSigner, secret_key

_STATUS_WORDS = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Not found",
                 410: "Gone", 429: "Too many attempts", 503: "Busy"}
# The stable word beside an API error's message, for programs.
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 409: "conflict", 410: "gone", 422: "invalid_request", 429: "too_many_requests", 503: "busy"}


def create_app(settings: Settings) -> FastAPI:
    # The OpenAPI description is served by qc.web.pages_calls to signed-in users only.
    app = FastAPI(title="hotline-qc", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan(settings))
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["clock"] = _clock
    ctx = WebContext(settings, SessionSigner(secret_key(settings), settings.web.session_hours * 3600), templates)
    app.state.ctx = ctx
    # Built here, opening nothing: the store is first read on a worker thread, never on the event loop.
    app.state.live = LiveService(settings)
    app.mount("/static", StaticFiles(directory=str(TEMPLATES.parent / "static")), name="static")
    for module in (pages_health, pages_auth, pages_calls, pages_admin, pages_live, api_v1, metrics_page, downloads):
        app.include_router(module.router)

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, exc: NeedsSignIn):
        if _wants_json(request):
            return JSONResponse({"error": "session expired" if exc.expired else "sign in needed", "code": "unauthorized"},
                                status_code=401)
        target = f"/login?next={quote(request.url.path)}" + ("&expired=1" if exc.expired else "")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError):
        return error_response(request, exc.status, exc.message)

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem):
        return JSONResponse({"error": exc.message, "code": exc.code, "fields": list(exc.fields)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = exc.errors()
        fields = [".".join(str(p) for p in e.get("loc", ())[1:]) or "request" for e in problems]
        words = "; ".join(f"{f}: {e.get('msg', 'invalid')}" for f, e in zip(fields, problems))
        return JSONResponse({"error": f"invalid request: {words}", "code": "invalid_request", "fields": fields}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if not request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404:
            message = f"no such API path: {request.url.path} (see /api/openapi.json)"
        return JSONResponse({"error": message, "code": _STATUS_CODES.get(exc.status_code, "error")}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(StoreBusy)
    async def _busy(request: Request, exc: StoreBusy):
        response = error_response(request, 503, "The database is busy with a long write elsewhere; try again in a moment.")
        response.headers["Retry-After"] = "5"
        return response

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        HTTP_LATENCY.observe(time.perf_counter() - started, route=getattr(route, "path", "unmatched"), method=request.method,
                             status=f"{response.status_code // 100}xx")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        if request.url.path != "/login" and "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _lifespan(settings: Settings):
    """While the server runs: a webhook deliverer in a background thread (the event loop never waits for a receiver)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        deliverer = None
        if settings.webhooks.deliver_in_serve:
            from qc.webhooks.deliver import Deliverer

            deliverer = app.state.webhooks = Deliverer(settings)
            deliverer.start()
        try:
            yield
        finally:
            if deliverer is not None:
                await asyncio.to_thread(deliverer.stop, 5.0)

    return lifespan


def error_response(request: Request, status: int, message: str):
    if _wants_json(request):
        return JSONResponse({"error": message, "code": _STATUS_CODES.get(status, "error")}, status_code=status)
    templates: Jinja2Templates = request.app.state.ctx.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "title": _STATUS_WORDS.get(status, "Error"), "message": message, "user": None},
        status_code=status,
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def index_redirect() -> HTMLResponse:
    return RedirectResponse("/queue", status_code=303)
