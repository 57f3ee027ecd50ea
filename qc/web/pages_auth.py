"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse

from qc.accounts import authenticate, end_sessions
from qc.audit import record as audit
from qc.web.context import WebContext, session_of
from qc.web.security import SESSION_COOKIE

router = APIRouter()

# Longer sign-in fields are refused before anything is checked or stored: an outsider's input is
# written to the audit log, and must not fill the disk.
MAX_USERNAME = 64
MAX_PASSWORD = 1024
MAX_NEXT = 2048


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
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD or len(next) > MAX_NEXT:
        return PlainTextResponse("sign-in field too long", status_code=400)
    if not _same_origin(request):
        # Login CSRF: another site's form must not sign this browser in as someone else.
        return PlainTextResponse("sign-in from another site refused", status_code=403)
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
    except Exception:  # noqa: BLE001  (an expired cookie signs out just the same)
        session = None
    if session is not None:
        with ctx.db() as con:
            end_sessions(con, session.username)
            audit(con, session.username, "signout", session.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _same_origin(request: Request) -> bool:
    """A browser names the page a form came from (Origin, else Referer); a sign-in must come from this site."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None  # an opaque origin ("null") is refused; no header (curl, scripts) is allowed
    return urlsplit(source).netloc == request.headers.get("host", "")
