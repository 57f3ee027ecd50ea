"""Real HTTP and a real browser for end-to-end tests: uvicorn on a loopback port, `qc serve` in its own process,
Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

import uvicorn

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    """Debian's chromium; a missing browser fails the test (make test installs it) unless told to skip."""
    path = os.environ.get("QC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("QC_SKIP_BROWSER_TESTS") == "1":
        import pytest

        pytest.skip("QC_SKIP_BROWSER_TESTS=1 and no chromium")
    raise RuntimeError("browser tests need Debian's chromium (apt-get install chromium; `make test` does it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[str]:
    """The ASGI app on a real loopback HTTP server in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_qc_serve(db: Path, *, secret: str, port: int | None = None, stderr: IO | int = subprocess.DEVNULL,
                   env: dict | None = None, timeout_s: float = 120.0) -> tuple[subprocess.Popen, str]:
    """`python -m qc.cli serve` on a loopback port, as an operator starts it; returns the process and its base URL
    once /login answers (the caller stops it). Raises RuntimeError if it exits or does not answer in time."""
    import httpx

    port = port or free_port()
    server = subprocess.Popen([sys.executable, "-m", "qc.cli", "serve", "--db", str(db), "--port", str(port)],
                              cwd=Path(__file__).resolve().parents[2],
                              env={**os.environ, **(env or {}), "QC_WEB__SECRET_KEY": secret},
                              stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("qc serve did not start")
        time.sleep(0.2)


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()
