"""Sign in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from qc.accounts import authenticate
from qc.audit import record as audit
from qc.web.context import WebContext, session_of
from qc.web.security import SESSION_COOKIE

router = APIRouter()


def _ctx(request: Request) -> WebContext:
    return request.app.state.ctx


def _safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://…" would send a fresh session elsewhere.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


@router.get("/")
def index():
    return RedirectResponse("/queue", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None, expired: int = 0):
    message = "Your session has expired: please sign in again. 会话已过期，请重新登录。" if expired else None
    return _ctx(request).templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "message": message, "user": None}
    )


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/queue")):
    ctx = _ctx(request)
    client = request.client.host if request.client else None
    with ctx.db() as con:
        result = authenticate(con, username.strip(), password, max_failures=ctx.settings.web.max_failed_logins,
                              lockout=ctx.lockout(), client=client)
    if result.user is None:
        status = 429 if "too many" in (result.reason or "") else 401
        return ctx.templates.TemplateResponse(
            request, "login.html", {"next": _safe_next(next), "message": result.reason, "user": None, "username": username},
            status_code=status,
        )
    cookie, _session = ctx.signer.issue(result.user.username, result.user.session_epoch)
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A browser-session cookie: the server enforces the session's age, so an old cookie is answered
    # with "your session has expired" rather than silently vanishing.
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        secure=ctx.settings.web.https, path="/")
    return response


@router.post("/logout")
def logout(request: Request):
    ctx = _ctx(request)
    try:
        session = session_of(request, ctx)
    except Exception:  # an expired cookie signs out just the same
        session = None
    if session is not None:
        with ctx.db() as con:
            audit(con, session.username, "signout", session.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
