"""What every request handler needs: settings, the session signer, templates, the database, the user."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import duckdb
from fastapi import Request
from fastapi.templating import Jinja2Templates

from qc.accounts import User, get_user, user_for_token
from qc.config import Settings
from qc.rubric import RubricError, load_rubric
from qc.store import database
from qc.web.security import SESSION_COOKIE, Session, SessionExpired, SessionSigner

TEMPLATES = Path(__file__).parent / "templates"


class NeedsSignIn(Exception):
    def __init__(self, expired: bool = False):
        self.expired = expired


class PageError(Exception):
    """An error answered with a page (or JSON for the API) that says what happened."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class WebContext:
    settings: Settings
    signer: SessionSigner
    templates: Jinja2Templates

    @contextmanager
    def db(self, write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the process's database for this request; ``write=False`` where the request only reads.

        Called from worker threads only (sync handlers, ``run_in_threadpool``): waiting for the batch's turn
        must never stop the event loop.
        """
        with database(self.settings.db_path).cursor(write=write, wait_s=self.settings.web.db_wait_s) as cur:
            yield cur

    def lockout(self) -> timedelta:
        return timedelta(minutes=self.settings.web.lockout_minutes)

    def rubric_sections(self, line: str | None, rubric_id: str | None) -> tuple[dict[str, str | None], Callable[[str | None], float]]:
        """Which section each item of a call's rubric is in, and the sections' weights."""
        rubric = _rubric(self.settings.rubrics_dir, self.settings.lines.get(line or self.settings.default_line))
        if rubric is None or rubric.id != rubric_id:
            return {}, lambda _section: 1.0
        weights = {s.id: s.weight for s in rubric.sections}
        return {i.id: i.section for i in rubric.items}, lambda s: weights.get(s, 1.0) if s else 1.0


def _rubric(rubrics_dir: Path, line_config) -> object | None:
    if line_config is None:
        return None
    try:
        return load_rubric(rubrics_dir / line_config.rubric)
    except (RubricError, OSError):
        return None


def session_of(request: Request, ctx: WebContext) -> Session | None:
    try:
        return ctx.signer.read(request.cookies.get(SESSION_COOKIE))
    except SessionExpired as exc:
        raise NeedsSignIn(expired=True) from exc


def signed_in_user(request: Request, ctx: WebContext, con: duckdb.DuckDBPyConnection) -> tuple[User, Session | None]:
    """The user behind the request's session cookie or API token; NeedsSignIn otherwise."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = user_for_token(con, auth[7:].strip())
        if user is None:
            raise PageError(401, "invalid or revoked API token")
        return user, None
    session = session_of(request, ctx)
    if session is None:
        raise NeedsSignIn()
    user = get_user(con, session.username)
    if user is None or not user.active or user.session_epoch != session.epoch:
        raise NeedsSignIn(expired=True)
    return user, session


def page_user(request: Request, ctx: WebContext, con: duckdb.DuckDBPyConnection, page: str) -> tuple[User, Session | None]:
    """The signed-in user, if their role may open ``page``; a 403 that says so otherwise."""
    from qc.web.access import may_open_page

    user, session = signed_in_user(request, ctx, con)
    if not may_open_page(user, page):
        raise PageError(403, f"Your role ({user.role}) may not open the {page} page.")
    return user, session
