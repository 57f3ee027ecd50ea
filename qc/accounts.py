"""Who may sign in, with which role, and what each role may see.

Passwords are hashed with argon2id; API tokens are random and only their SHA-256 is kept. Sign-in
failures are throttled per account and client address, and per address over every account: after
``max_failed_logins`` in a row that address waits, longer each time (it lives in the database, so it
holds across processes). The account itself is never locked, so an outsider cannot lock the real user
out, and a name that does not exist is answered exactly as one that does.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import get_args

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qc.audit import record as audit
from qc.config import UserRole

# "recorder": a machine login for the call recorder's media fork, which may only stream live audio.
Role = UserRole
ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user or token request that cannot be carried out, with the reason in plain words."""


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    display_name: str | None = None
    agent_id: str | None = None  # role agent: their own calls
    team: str | None = None  # role team_lead: their team's calls
    active: bool = True
    session_epoch: int = 0

    def may_see_raw(self, raw_roles: list[str]) -> bool:
        return self.role in raw_roles


@dataclass(frozen=True)
class SignIn:
    user: User | None
    reason: str | None = None  # why not, in words fit for the sign-in page


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str, *, display_name: str | None = None,
             agent_id: str | None = None, team: str | None = None, actor: str = "cli") -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    if role == "agent" and not agent_id:
        raise AccountError("an agent login needs --agent-id (the id the recorder writes)")
    if role == "team_lead" and not team:
        raise AccountError("a team lead login needs --team")
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a username is letters, digits, '.', '_' or '-'")
    if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise AccountError(f"user '{username}' already exists")
    con.execute(
        "INSERT INTO users (username, display_name, role, agent_id, team, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [username, display_name, role, agent_id, team, hash_password(password), _now()],
    )
    audit(con, actor, "user.add", username, after={"role": role, "agent_id": agent_id, "team": team})
    return User(username, role, display_name, agent_id, team)  # type: ignore[arg-type]


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    row = con.execute(
        "SELECT username, role, display_name, agent_id, team, active, session_epoch FROM users WHERE username = ?", [username]
    ).fetchone()
    return User(*row) if row else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute(
        "SELECT username, role, display_name, agent_id, team, active, session_epoch FROM users ORDER BY username"
    ).fetchall()
    return [User(*r) for r in rows]


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool, actor: str = "cli") -> None:
    """Disable (or re-enable) a login; disabling also ends its open sessions."""
    user = get_user(con, username)
    if user is None:
        raise AccountError(f"no user '{username}'")
    con.execute("UPDATE users SET active = ?, session_epoch = session_epoch + 1 WHERE username = ?", [active, username])
    audit(con, actor, "user.enable" if active else "user.disable", username, before={"active": user.active}, after={"active": active})


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str, actor: str = "cli") -> None:
    if get_user(con, username) is None:
        raise AccountError(f"no user '{username}'")
    con.execute(
        "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE username = ?",
        [hash_password(password), username],
    )
    con.execute("DELETE FROM signin_throttle WHERE username = ?", [username])
    audit(con, actor, "user.password", username)


def end_sessions(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Every signed cookie of this user stops working (sign-out ends the sessions on the server, not just the cookie)."""
    con.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE username = ?", [username])


# An address that fails this many times the per-account limit, over any accounts, waits too.
ADDRESS_FACTOR = 4
MAX_LOCK = timedelta(hours=24)
FORGET_AFTER = timedelta(days=1)


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str, *, max_failures: int, lockout: timedelta,
                 client: str | None = None) -> SignIn:
    """Check a password. The same words answer an unknown user and a wrong password, throttled alike."""
    address = client or "unknown"
    now = _now()
    waiting = _locked_until(con, username, address, now)
    if waiting is not None:
        audit(con, username, "signin.locked", username, client=client)
        return _throttled(waiting - now)
    row = con.execute("SELECT password_hash, active FROM users WHERE username = ?", [username]).fetchone()
    if row is None:
        _hasher.hash(password or "x")  # the same work as a real check: no timing hint that the name is unknown
        audit(con, username, "signin.fail", username, after={"reason": "unknown user"}, client=client)
        return _failed(con, username, address, max_failures, lockout, now)
    password_hash, active = row
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        audit(con, username, "signin.fail", username, client=client)
        return _failed(con, username, address, max_failures, lockout, now)
    if not active:
        audit(con, username, "signin.disabled", username, client=client)
        return SignIn(None, "this account is disabled")
    con.execute("DELETE FROM signin_throttle WHERE username = ? AND client = ?", [username, address])
    audit(con, username, "signin", username, client=client)
    return SignIn(get_user(con, username))


def _locked_until(con: duckdb.DuckDBPyConnection, username: str, address: str, now: datetime) -> datetime | None:
    row = con.execute(
        "SELECT max(locked_until) FROM signin_throttle WHERE client = ? AND username IN (?, '*') AND locked_until > ?",
        [address, username, now],
    ).fetchone()
    return row[0] if row and row[0] else None


def _failed(con: duckdb.DuckDBPyConnection, username: str, address: str, max_failures: int, lockout: timedelta,
            now: datetime) -> SignIn:
    """Count a failure for the account from this address and for the address; lock when either is due."""
    con.execute("DELETE FROM signin_throttle WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)",
                [now - FORGET_AFTER, now])
    lock = None
    for name, limit in ((username, max_failures), ("*", max_failures * ADDRESS_FACTOR)):
        row = con.execute("SELECT failures, locks FROM signin_throttle WHERE username = ? AND client = ?", [name, address]).fetchone()
        failures, locks = (row[0] + 1, row[1]) if row else (1, 0)
        until = None
        if failures >= limit:
            # Back-off: each lock of this pair lasts twice the one before.
            until = now + min(lockout * (2 ** locks), MAX_LOCK)
            failures, locks = 0, locks + 1
            lock = max(lock or until, until)
        con.execute(
            "INSERT OR REPLACE INTO signin_throttle VALUES (?, ?, ?, ?, ?, ?)", [name, address, failures, locks, until, now]
        )
    return _throttled(lock - now) if lock else SignIn(None, "wrong username or password")


def _throttled(wait: timedelta) -> SignIn:
    minutes = max(1, round(wait.total_seconds() / 60))
    return SignIn(None, f"too many failed sign-ins from this address: try again in {minutes} min")


# What an API token may do. A token made before scopes existed (scopes NULL) may read calls only, in the v1 API.
SCOPES: dict[str, str] = {
    "read:calls": "list and read calls, alerts, runs and weekly summaries (personal data redacted)",
    "read:raw": "unredacted transcripts and exports, for users whose role may see raw data (every read audited)",
    "write:reviews": "post reviewers' verdicts (inspector and admin users)",
    "read:metrics": "the Prometheus /metrics page",
}
LEGACY_SCOPES = ("read:calls",)


@dataclass(frozen=True)
class ApiToken:
    token_id: str
    username: str
    name: str | None
    scopes: tuple[str, ...]
    created_at: datetime | None = None
    revoked_at: datetime | None = None


def create_token(con: duckdb.DuckDBPyConnection, username: str, name: str, actor: str = "cli", *,
                 scopes: tuple[str, ...] | None = None, raw_roles: tuple[str, ...] = ()) -> str:
    """A new API token acting as ``username``; the secret is shown once and never stored.

    ``scopes`` None: a token of the old kind (live recorders, the first API). ``read:raw`` is refused
    for a user whose role may not see raw data (``raw_roles``).
    """
    user = get_user(con, username)
    if user is None:
        raise AccountError(f"no user '{username}'")
    if scopes is not None:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise AccountError(f"unknown scope '{unknown[0]}' (scopes: {', '.join(SCOPES)})")
        if "read:raw" in scopes and user.role not in raw_roles:
            raise AccountError(f"user '{username}' ({user.role}) may not see raw data (web.raw_data_roles): no read:raw scope")
        scopes = tuple(dict.fromkeys(scopes))
    token_id = secrets.token_hex(4)
    secret = f"qc_{token_id}_{secrets.token_urlsafe(24)}"
    con.execute(
        "INSERT INTO api_tokens (token_id, token_hash, username, name, created_at, scopes) VALUES (?, ?, ?, ?, ?, ?)",
        [token_id, _token_hash(secret), username, name, _now(), list(scopes) if scopes is not None else None],
    )
    audit(con, actor, "token.create", token_id, after={"user": username, "name": name, "scopes": scopes})
    return secret


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[ApiToken]:
    rows = con.execute(
        "SELECT token_id, username, name, scopes, created_at, revoked_at FROM api_tokens ORDER BY created_at, token_id"
    ).fetchall()
    return [ApiToken(r[0], r[1], r[2], tuple(r[3]) if r[3] is not None else LEGACY_SCOPES, r[4], r[5]) for r in rows]


def revoke_token(con: duckdb.DuckDBPyConnection, token_id: str, actor: str = "cli") -> None:
    changed = con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL RETURNING token_id",
                          [_now(), token_id]).fetchall()
    if not changed:
        raise AccountError(f"no active token '{token_id}'")
    audit(con, actor, "token.revoke", token_id)


def token_for_secret(con: duckdb.DuckDBPyConnection, secret: str) -> tuple[User, ApiToken] | None:
    """The active user and token behind a bearer secret; None for anything else (unknown, revoked, disabled)."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "qc":
        return None
    row = con.execute(
        "SELECT token_hash, username, name, scopes, created_at FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL",
        [parts[1]],
    ).fetchone()
    if row is None or not secrets.compare_digest(row[0], _token_hash(secret)):
        return None
    user = get_user(con, row[1])
    if user is None or not user.active:
        return None
    return user, ApiToken(parts[1], row[1], row[2], tuple(row[3]) if row[3] is not None else LEGACY_SCOPES, row[4])


def user_for_token(con: duckdb.DuckDBPyConnection, secret: str) -> User | None:
    found = token_for_secret(con, secret)
    return found[0] if found else None


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_agent(con: duckdb.DuckDBPyConnection, agent_id: str, *, name: str | None = None, team: str | None = None,
              line: str | None = None, actor: str = "cli") -> None:
    """Register (or update) an agent and their team: team leads see their team's calls."""
    before = con.execute("SELECT name, team, line FROM agents WHERE agent_id = ?", [agent_id]).fetchone()
    con.execute(
        "INSERT INTO agents (agent_id, name, team, line, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (agent_id) DO UPDATE SET name = excluded.name, team = excluded.team, line = excluded.line",
        [agent_id, name, team, line, _now()],
    )
    audit(con, actor, "agent.upsert", agent_id,
          before=dict(zip(("name", "team", "line"), before)) if before else None, after={"name": name, "team": team, "line": line})
