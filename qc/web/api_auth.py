"""Who calls the v1 API and what they may do (token scopes on top of the user's role), and cursors.

A cursor is the position after the last row a client received, bound to the query it came from (endpoint,
filters, user) and signed with the app's secret: an edited cursor, or one from another query, is a clear 400,
never a silently wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

import duckdb
from fastapi import Request

from qc.accounts import SCOPES, ApiToken, User, token_for_secret
from qc.web.context import NeedsSignIn, PageError, WebContext, signed_in_user


class ApiProblem(PageError):
    """A v1 API error: status, words for people and a stable code for programs."""

    def __init__(self, status: int, message: str, code: str, fields: tuple[str, ...] = ()):
        super().__init__(status, message)
        self.code, self.fields = code, fields


@dataclass(frozen=True)
class Caller:
    user: User
    token: ApiToken | None  # None: a signed-in browser session
    scopes: frozenset[str]

    @property
    def label(self) -> str:
        return f"token {self.token.token_id}" if self.token else "session"


def api_caller(request: Request, ctx: WebContext, con: duckdb.DuckDBPyConnection) -> Caller:
    """The token (or session) behind a request; 401 when there is none or it is revoked."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = token_for_secret(con, auth[7:].strip())
        if found is None:
            raise ApiProblem(401, "invalid or revoked API token", "unauthorized")
        user, token = found
        return Caller(user, token, frozenset(token.scopes))
    try:
        user, session = signed_in_user(request, ctx, con)
    except NeedsSignIn as exc:
        raise ApiProblem(401, "send Authorization: Bearer <token> (qc tokens add) or sign in", "unauthorized") from exc
    # A signed-in person may do from the browser what their role allows; writes need a token (no CSRF on JSON).
    scopes = {"read:calls"}
    if user.may_see_raw(ctx.settings.web.raw_data_roles):
        scopes.add("read:raw")
    if user.role == "admin":
        scopes.add("read:metrics")
    return Caller(user, None, frozenset(scopes))


def require(caller: Caller, scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(scope)
    if scope not in caller.scopes:
        how = "use an API token with it (qc tokens add USER --scope " + scope + ")" if caller.token is None else \
            "make a token with it: qc tokens add USER --scope " + scope
        raise ApiProblem(403, f"this {caller.label} lacks the scope {scope}: {how}", "forbidden")


def fingerprint(endpoint: str, username: str, filters: dict) -> str:
    canonical = json.dumps({"e": endpoint, "u": username, "f": filters}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(secret: str, query: str, position: list[int]) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"q": query, "p": position}, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_signature(secret, body)}"


def decode_cursor(secret: str, query: str, cursor: str | None, size: int) -> list[int]:
    """The position in a cursor (zeros without one); ApiProblem 400 for a damaged one or one from another query."""
    if not cursor:
        return [0] * size
    body, _, signature = cursor.partition(".")
    if not body or not hmac.compare_digest(signature, _signature(secret, body)):
        raise ApiProblem(400, "this cursor was not issued by this server or was changed: start again without ?cursor=",
                         "bad_cursor", ("cursor",))
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        position = [int(v) for v in data["p"]]
        issued_for = str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiProblem(400, "this cursor cannot be read: start again without ?cursor=", "bad_cursor", ("cursor",)) from exc
    if issued_for != query or len(position) != size:
        raise ApiProblem(400, "this cursor belongs to another query (other endpoint, filters or user): repeat the query it "
                              "came from with the same filters, or start again without ?cursor=", "bad_cursor", ("cursor",))
    return position


def _signature(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"cursor:{body}".encode(), hashlib.sha256).hexdigest()[:24]
