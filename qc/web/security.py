"""Sessions, CSRF tokens and the secret that signs them.

A session is a signed, time-limited cookie naming the user and their ``session_epoch``; bumping the
epoch in the database (disable, password change) ends every open session of that user. The CSRF
token of a form is an HMAC of the session id: a forged form from another site cannot know it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from qc.config import Settings

SESSION_COOKIE = "qc_session"


@dataclass(frozen=True)
class Session:
    username: str
    epoch: int
    session_id: str


class SessionExpired(Exception):
    pass


def secret_key(settings: Settings) -> str:
    """The configured key, else one made once and kept beside the database (never in the repository)."""
    if settings.web.secret_key:
        return settings.web.secret_key
    path = Path(f"{settings.db_path}.secret")
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class SessionSigner:
    def __init__(self, key: str, max_age_s: float):
        self._serializer = URLSafeTimedSerializer(key, salt="qc-session")
        self._key = key.encode()
        self.max_age_s = max_age_s

    def issue(self, username: str, epoch: int) -> tuple[str, Session]:
        session = Session(username, epoch, secrets.token_hex(16))
        return self._serializer.dumps([session.username, session.epoch, session.session_id]), session

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie; None if absent or forged; SessionExpired if too old."""
        if not cookie:
            return None
        try:
            username, epoch, session_id = self._serializer.loads(cookie, max_age=self.max_age_s)
        except SignatureExpired as exc:
            raise SessionExpired from exc
        except (BadSignature, ValueError, TypeError):
            return None
        return Session(str(username), int(epoch), str(session_id))

    def derived_key(self, purpose: str) -> str:
        """A key for another signature (API cursors), derived so the session key itself is used for sessions only."""
        return hmac.new(self._key, f"derive:{purpose}".encode(), hashlib.sha256).hexdigest()

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._key, f"csrf:{session.session_id}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")
