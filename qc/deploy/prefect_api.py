"""Reaching the Prefect API and the PostgreSQL database behind a Prefect server, answered in one line each.

Both checks are small and bounded in time so that a health endpoint, `qc doctor` and a service starting under the
supervisor can all use them. Messages name the host and port, never a password.
"""

from __future__ import annotations

import asyncio
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from qc.config import Settings
from qc.errors import QCError


class PrefectUnreachable(QCError):
    """The configured Prefect API does not answer."""


class DatabaseRefused(QCError):
    """The Prefect server's PostgreSQL database cannot be used."""


def configured_api_url(settings: Settings) -> str | None:
    """The Prefect API this installation uses: ``deploy.prefect_api_url``, else ``$PREFECT_API_URL``, else none."""
    return settings.deploy.prefect_api_url or os.environ.get("PREFECT_API_URL") or None


def served_api_url(settings: Settings) -> str:
    """The API of the Prefect server the supervisor runs (``deploy.prefect_host``:``prefect_port``)."""
    return settings.deploy.prefect_api_url or f"http://{settings.deploy.prefect_host}:{settings.deploy.prefect_port}/api"


def api_problem(url: str, timeout_s: float = 3.0) -> str | None:
    """None when ``<url>/health`` answers, else why not, in a few words (no response bodies)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=timeout_s) as response:
            if response.status == 200:
                return None
            return f"answered HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"answered HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return "refused the connection (is the Prefect server running?)"
        return f"did not answer ({reason})"
    except (TimeoutError, OSError) as exc:
        return f"did not answer ({exc.__class__.__name__})"


def require_api(url: str, wait_s: float = 0.0, every_s: float = 1.0) -> None:
    """Return once the API answers; PrefectUnreachable after ``wait_s`` seconds of trying."""
    deadline = time.monotonic() + wait_s
    while True:
        problem = api_problem(url)
        if problem is None:
            return
        if time.monotonic() >= deadline:
            waited = f" for {wait_s:.0f} s" if wait_s else ""
            raise PrefectUnreachable(f"Prefect API {_where(url)} {problem}{waited}: start the Prefect server "
                                     "(supervisorctl start prefect-server) or correct deploy.prefect_api_url / PREFECT_API_URL")
        time.sleep(every_s)


@dataclass(frozen=True)
class DatabaseAddress:
    """Where a PostgreSQL URL points, without its password."""

    user: str
    host: str
    port: int
    name: str

    def __str__(self) -> str:
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.name}"


def database_address(url: str) -> DatabaseAddress:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgresql"):
        raise DatabaseRefused(
            f"deploy.prefect_database_url must be a PostgreSQL URL (postgresql+asyncpg://user:password@host:5432/prefect), "
            f"not {parts.scheme or 'a bare path'}: a SQLite-backed Prefect server locks under the worker's load"
        )
    return DatabaseAddress(parts.username or "postgres", parts.hostname or "localhost", parts.port or 5432,
                           parts.path.lstrip("/") or parts.username or "postgres")


def require_database(url: str, timeout_s: float = 5.0) -> DatabaseAddress:
    """Connect once to the Prefect server's PostgreSQL database; DatabaseRefused says why it cannot be used."""
    address = database_address(url)
    try:
        import asyncpg
    except ImportError as exc:
        raise DatabaseRefused("asyncpg, Prefect's PostgreSQL driver, is not installed: pip install 'hotline-qc[deploy]'") from exc
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def connect() -> None:
        con = await asyncpg.connect(dsn, timeout=timeout_s)
        await con.close()

    try:
        asyncio.run(connect())
    except (ConnectionRefusedError, ConnectionResetError) as exc:
        raise DatabaseRefused(f"{address} refused the connection: start PostgreSQL or correct deploy.prefect_database_url") from exc
    except asyncpg.InvalidPasswordError as exc:
        raise DatabaseRefused(f"{address} rejected the user or password: check deploy.prefect_database_url") from exc
    except asyncpg.InvalidCatalogNameError as exc:
        raise DatabaseRefused(f"{address}: the database does not exist: createdb -O {address.user} {address.name}") from exc
    except asyncpg.PostgresError as exc:
        raise DatabaseRefused(f"{address} refused: {exc.__class__.__name__}: {str(exc).splitlines()[0][:160]}") from exc
    except (TimeoutError, OSError) as exc:
        if "refused" in str(exc).lower():  # asyncpg tried several addresses (localhost: ::1 and 127.0.0.1)
            raise DatabaseRefused(f"{address} refused the connection: start PostgreSQL or correct deploy.prefect_database_url") from exc
        raise DatabaseRefused(f"{address} cannot be reached ({exc.__class__.__name__}): check the host, port and firewall") from exc
    return address


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}{parts.path}"
