"""Which Prefect API a batch talks to, and starting a temporary one that does not depend on luck.

With a Prefect server configured (``PREFECT_API_URL``), flows report to it. Without one, Prefect starts
a temporary server for the process, and two things made that fail on a busy 2-core machine: it gets
20 s to start by default, and the first start creates and migrates the SQLite database in
``PREFECT_HOME``, which two runs started together (the nightly run and an operator's ``qc score``) both
tried at once. So a batch here starts its temporary server itself, before its flow runs, with a
longer wait, and one process at a time per Prefect home: the first migrates the database, the next
finds it ready. The servers then share that database, which Prefect opens in WAL mode with a long
busy timeout for exactly this.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from qc.errors import QCError

# Seconds a temporary Prefect server may take to start, unless PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS says.
STARTUP_TIMEOUT_S = 180
_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


class PrefectUnavailable(QCError):
    """No Prefect API could be reached or started."""


def lower_priority(nice: int) -> None:
    """Give the live path the CPU first: a batch on a shared machine runs ``nice`` steps lower (once per process)."""
    global _niced
    if nice and not _niced and hasattr(os, "nice"):
        os.nice(nice)
        _niced = True


_niced = False


def startup_timeout_s() -> float:
    value = os.environ.get(_TIMEOUT_ENV)
    try:
        return float(value) if value else STARTUP_TIMEOUT_S
    except ValueError:
        return STARTUP_TIMEOUT_S


@contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect API for the flows run inside: the configured server, else a temporary one of this process."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    home = Path(PREFECT_HOME.value()).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    timeout = startup_timeout_s()
    server = _server_class()(port=_free_port())
    with _one_start_at_a_time(home, timeout):
        try:
            server.start(timeout=int(timeout))
        except RuntimeError as exc:
            server.stop()
            raise PrefectUnavailable(
                f"the temporary Prefect server did not start within {timeout:.0f} s ({str(exc).splitlines()[0][:160]}); "
                f"on a very busy machine set {_TIMEOUT_ENV} higher, or point PREFECT_API_URL at a Prefect server"
            ) from None
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            try:
                yield server.api_url
            finally:
                _drain_workers()
    finally:
        server.stop()


def _drain_workers() -> None:
    """Send the run's last logs and events while the server still listens (as Prefect's test harness does)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        for drainer in (APILogWorker.instance().drain, EventsWorker.drain_all):
            try:
                result = drainer()
                if inspect.isawaitable(result):
                    await result
            except RuntimeError:
                pass  # that worker never started

    run_coro_as_sync(drain())


@contextmanager
def _one_start_at_a_time(home: Path, timeout: float) -> Iterator[None]:
    """Hold ``<PREFECT_HOME>/qc-server-start.lock`` while a temporary server starts (and migrates the database)."""
    fd = os.open(home / "qc-server-start.lock", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PrefectUnavailable(
                        f"another run has been starting its Prefect server in {home} for over {timeout:.0f} s; "
                        "try again, or point PREFECT_API_URL at a Prefect server"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def _server_class():
    """Prefect's temporary server, started so that it ends with this process even when this one is killed.

    A nightly run killed with SIGKILL runs no exit handler: without this, its Prefect server lived on, one
    more after every kill.
    """
    import subprocess
    import sys

    import prefect
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class ServerEndingWithItsParent(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen:
            # The same command as Prefect's own (prefect 3.9.1), with a parent-death signal set in the child.
            return subprocess.Popen(
                args=[sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent), "--factory",
                      "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                      "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                     **get_current_settings().to_environment_variables(exclude_unset=True)},
                preexec_fn=_end_with_parent,
            )

    return ServerEndingWithItsParent


def _end_with_parent() -> None:
    """In the child, before exec: Linux sends SIGTERM when the parent dies (no-op elsewhere)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    """A free loopback port chosen by the kernel (Prefect's own pick, 8000-8999, can collide with `qc serve`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
