"""Security regression against a real `qc serve` (issue 21): every finding of the hostile review, over
real HTTP and WebSocket from more than one client address (127.0.0.1 and 127.0.0.2 on loopback).

    .venv/bin/python bench/security.py      -> reports/bench/security.md

Each check prints what it sent, what came back and whether the fix holds.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

from qc.accounts import add_agent, add_user, create_token  # noqa: E402
from qc.store import Store, close_all  # noqa: E402
from qc.testing.browser import start_qc_serve  # noqa: E402

REPORTS = ROOT / "reports" / "bench"
PASSWORD = "correct-horse-battery-staple"


def client(base: str, address: str = "127.0.0.1", **headers) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=address), headers=headers,
                        follow_redirects=False, timeout=30)


def sign_in(c: httpx.Client, username: str, password: str = PASSWORD, **headers) -> httpx.Response:
    return c.post("/login", data={"username": username, "password": password}, headers=headers)


def csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', html).group(1)


def site(db: Path) -> str:
    with Store(db) as store:
        con = store.con
        for name, role, extra in (("inspector1", "inspector", {}), ("lead_north", "team_lead", {"team": "north"}),
                                  ("fork", "recorder", {})):
            add_user(con, name, PASSWORD, role, **extra)
        add_agent(con, "N1", team="north", line="12345")
        add_agent(con, "S1", team="south", line="12345")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for alert_id, agent, kind, severity, text in ((1, "N1", "agent_agitated", "high", "north-agitated"),
                                                      (2, "S1", "agent_agitated", "high", "south-agitated")):
            con.execute("INSERT INTO live_alerts (alert_id, live_call_id, agent_id, kind, severity, message_zh, message_en, raised_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [alert_id, f"call-{agent}", agent, kind, severity, text, text, now])
        token = create_token(con, "fork", "media fork")
    close_all()
    return token


async def ws_close(url: str, token: str, send=None, wait_s: float = 30.0) -> tuple[int | None, str]:
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        if send is not None:
            await ws.send(send)
        try:
            await asyncio.wait_for(ws.recv(), timeout=wait_s)
        except websockets.ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            return None, "still open"
        try:
            await asyncio.wait_for(ws.wait_closed(), timeout=5)
        except asyncio.TimeoutError:
            return None, "still open"
        return ws.close_code, ws.close_reason or ""


def checks(base: str, db: Path, token: str) -> list[tuple[str, bool, str]]:
    out: list[tuple[str, bool, str]] = []

    def check(name: str, run) -> None:
        """One finding: ``run`` returns (holds, what came back); an exception means it does not hold."""
        try:
            holds, detail = run()
        except Exception as exc:  # noqa: BLE001 - a broken check is a finding, not a crash of the bench
            holds, detail = False, f"{type(exc).__name__}: {str(exc)[:150]}"
        out.append((name, holds, detail))

    def lockout():
        outsider, desk = client(base, "127.0.0.1"), client(base, "127.0.0.2")
        codes = [sign_in(outsider, "inspector1", "guess-guess").status_code for _ in range(6)]
        real = sign_in(desk, "inspector1").status_code
        return codes[4:] == [429, 429] and real == 303, f"outsider {codes}; the inspector from another address: {real}"

    def unknown_names():
        guesser, ghost = client(base, "127.0.0.3"), client(base, "127.0.0.4")
        real = [sign_in(guesser, "inspector1", "guess").status_code for _ in range(5)]
        ghosts = [sign_in(ghost, "nobody-here", "guess").status_code for _ in range(5)]
        return ghosts == real, f"real name {real}, unknown name {ghosts}"

    def oversized():
        size = db.stat().st_size
        big = [sign_in(client(base, "127.0.0.5"), "x" * 1_000_000, "guess").status_code for _ in range(5)]
        grown = db.stat().st_size - size
        return set(big) == {400} and grown < 1_000_000, f"{big}; database grew {grown} bytes"

    def sign_out():
        lead = client(base, "127.0.0.6")
        sign_in(lead, "lead_north")
        cookie = lead.cookies.get("qc_session")
        page = lead.get("/queue")
        lead.post("/logout")
        replay = client(base, "127.0.0.6")
        replay.cookies.set("qc_session", cookie)
        after = replay.get("/queue").status_code
        return page.status_code == 200 and after == 303, f"before {page.status_code}, replayed cookie {after}"

    def wall_scope():
        lead = client(base, "127.0.0.6")
        sign_in(lead, "lead_north")
        wall = lead.get("/wall")
        ack = lead.post("/wall/alerts/2/ack", headers={"x-csrf-token": csrf(wall.text)}).status_code
        shown = "south-agitated" in wall.text
        return "north-agitated" in wall.text and not shown and ack == 403, f"other team's alert shown: {shown}; its ack: {ack}"

    def login_csrf():
        forged = sign_in(client(base, "127.0.0.7"), "inspector1", origin="https://evil.example").status_code
        return forged == 403, f"Origin evil.example: {forged}"

    def description():
        described = client(base, "127.0.0.7").get("/api/openapi.json").status_code
        return described == 401, f"/api/openapi.json signed out: {described}"

    def inspector():
        insp = client(base, "127.0.0.8")
        sign_in(insp, "inspector1")
        return insp

    def huge_page():
        huge = inspector().get("/queue?page=99999999999999999999")
        has_csp = "content-security-policy" in huge.headers
        return huge.status_code == 422 and has_csp, f"{huge.status_code}, CSP header: {has_csp}"

    def week():
        insp = inspector()
        code = insp.post("/calibration/draw", data={"week": "2026-W48\n", "csrf_token": csrf(insp.get("/calibration").text)}).status_code
        return code == 400, f"{code}"

    ws = base.replace("http", "ws") + "/live/calls"

    def silent():
        got = asyncio.run(ws_close(ws, token, wait_s=30))
        return got[0] == 1008, f"{got}"

    def bad_starts():
        binary = asyncio.run(ws_close(ws, token, send=b"\x00" * 64))
        unknown = asyncio.run(ws_close(ws, token, send=json.dumps({"call_id": "c1", "agent_id": "N1", "line": "99999",
                                                                  "sample_rate": 8000})))
        return binary[0] == 1003 and unknown[0] == 1003, f"binary {binary}; line 99999 {unknown}"

    check("1 an outsider cannot lock the real user out", lockout)
    check("2 unknown names answered as real ones", unknown_names)
    check("3 oversized sign-in fields refused, not stored", oversized)
    check("4 sign-out ends the session", sign_out)
    check("5 the wall is scoped to the lead's team", wall_scope)
    check("7 sign-in from another site refused", login_csrf)
    check("8 the API description needs a sign-in", description)
    check("10 a huge page number is refused with the security headers", huge_page)
    check("10 a calibration week with a newline is refused", week)
    check("9 live: no start message closes the connection", silent)
    check("9 live: a binary start or an unknown line is answered with a close code", bad_starts)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="qc-security-") as tmp:
        db = Path(tmp) / "qc.duckdb"
        token = site(db)
        with open(Path(tmp) / "serve.log", "w") as log:
            server, base = start_qc_serve(db, secret="security-bench", stderr=log)
        try:
            results = checks(base, db, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
        tracebacks = (Path(tmp) / "serve.log").read_text(errors="replace").count("Traceback")
    results.append(("no traceback in the server's log", tracebacks == 0, f"{tracebacks} tracebacks"))
    lines = [f"# Security regression against a real `qc serve` — {datetime.now(timezone.utc).isoformat(timespec='seconds')}", "",
             "The hostile review's findings (issue 21), over real HTTP and WebSocket from several loopback addresses. "
             "`bench/security.py`; these and the appeal checks (item 6, which need a scored call) run in-process in tests/test_security.py.", "",
             "| finding | holds | what came back |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {detail} |" for name, ok, detail in results]
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "security.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
