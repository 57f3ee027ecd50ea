"""What a hostile review of sign-in found (issue 21), over HTTP on a real DuckDB file: each test fails without its fix."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qc.accounts import add_user
from qc.config import WebConfig, load_settings
from qc.store import Store
from qc.web.app import create_app
from tests.conftest import rows

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def site(tmp_path):
    settings = load_settings(db_path=tmp_path / "qc.duckdb",
                             web=WebConfig(secret_key="test-secret", max_failed_logins=3, lockout_minutes=15))
    with Store(settings.db_path) as store:
        add_user(store.con, "inspector1", PASSWORD, "inspector")
        add_user(store.con, "inspector2", PASSWORD, "inspector")
    return settings


def client(app, address: str = "203.0.113.7", **headers) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", client=(address, 50000), headers=headers)


def sign_in(c: TestClient, username: str, password: str = PASSWORD, **headers):
    return c.post("/login", data={"username": username, "password": password}, headers=headers, follow_redirects=False)


def test_an_outsider_cannot_lock_the_real_user_out(site):
    app = create_app(site)
    outsider = client(app, "198.51.100.9")
    answers = [sign_in(outsider, "inspector1", "guess-guess").status_code for _ in range(4)]
    assert answers == [401, 401, 429, 429]  # the guessing address waits ...
    assert sign_in(outsider, "inspector1").status_code == 429  # ... even with the right password
    assert sign_in(client(app, "10.0.0.5"), "inspector1").status_code == 303  # the inspector, at their desk, gets in


def test_the_wait_grows_each_time_an_address_is_locked_again(site):
    app = create_app(site)
    outsider = client(app, "198.51.100.9")
    for _ in range(3):
        sign_in(outsider, "inspector1", "guess")
    with Store(site.db_path) as store:  # the first wait is over
        first = store.con.execute("SELECT locked_until - updated_at FROM signin_throttle WHERE username = 'inspector1'").fetchone()[0]
        store.con.execute("UPDATE signin_throttle SET locked_until = NULL")
    for _ in range(3):
        sign_in(outsider, "inspector1", "guess")
    second = rows(site.db_path, "SELECT locked_until - updated_at FROM signin_throttle WHERE username = 'inspector1'")[0][0]
    assert second == 2 * first


def test_one_address_guessing_many_accounts_waits_too(site):
    app = create_app(site)
    sprayer = client(app, "198.51.100.10")
    codes = [sign_in(sprayer, f"name{i}", "guess").status_code for i in range(12)]
    assert codes[:11] == [401] * 11 and codes[11] == 429  # 4 x max_failed_logins over any names
    assert sign_in(sprayer, "inspector2").status_code == 429
    assert sign_in(client(app, "10.0.0.6"), "inspector2").status_code == 303


def test_unknown_and_real_names_are_answered_alike(site):
    app = create_app(site)
    real_c, ghost_c = client(app, "198.51.100.2"), client(app, "198.51.100.3")
    real = [sign_in(real_c, "inspector1", "wrong") for _ in range(3)]
    ghost = [sign_in(ghost_c, "nobody-here", "wrong") for _ in range(3)]
    assert [r.status_code for r in real] == [r.status_code for r in ghost] == [401, 401, 429]
    assert [r.text.replace("inspector1", "X") for r in real] == [r.text.replace("nobody-here", "X") for r in ghost]


def test_oversized_sign_in_fields_are_refused_and_not_stored(site):
    app = create_app(site)
    huge = "x" * 1_000_000
    response = sign_in(client(app), huge, "guess")
    assert response.status_code == 400
    assert rows(site.db_path, "SELECT count(*) FROM audit_log WHERE length(actor) > 64 OR length(target) > 64")[0][0] == 0
    assert rows(site.db_path, "SELECT count(*) FROM signin_throttle")[0][0] == 0


def test_sign_out_ends_the_session_on_the_server(site):
    app = create_app(site)
    desk = client(app, "10.0.0.5")
    assert sign_in(desk, "inspector1").status_code == 303
    stolen = desk.cookies.get("qc_session")
    assert desk.get("/queue").status_code == 200
    desk.post("/logout", follow_redirects=False)
    replay = client(app, "10.0.0.5")
    replay.cookies.set("qc_session", stolen)
    response = replay.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_sign_in_form_on_another_site_is_refused(site):
    app = create_app(site)
    assert sign_in(client(app), "inspector1", origin="https://evil.example").status_code == 403
    assert sign_in(client(app), "inspector1", referer="https://evil.example/page").status_code == 403
    assert sign_in(client(app), "inspector1", origin="null").status_code == 403
    assert sign_in(client(app), "inspector1", origin="http://127.0.0.1").status_code == 303


def test_the_api_description_is_for_signed_in_users_only(site):
    app = create_app(site)
    assert client(app).get("/api/openapi.json").status_code == 401
    c = client(app)
    sign_in(c, "inspector1")
    description = c.get("/api/openapi.json")
    assert description.status_code == 200 and "/api/calls" in description.json()["paths"]


def test_an_appeal_is_closed_only_by_a_review_of_its_own_call_and_only_on_a_real_item(tmp_path):
    from datetime import datetime

    from qc.review import ReviewError, close_appeal_rescored, decide_appeal, file_appeal
    from qc.testing.coaching_site import build_store, call_id

    db = build_store(tmp_path / "qc.duckdb")
    mine, other = call_id("A1", "2026-W48", 2), call_id("A2", "2026-W48", 2)
    with Store(db) as store:
        con = store.con
        appeal = dict(agent_id="A1", filed_by="agent_a1", reason="我确实问候了", evaluated_at=datetime.now(), window_days=7)
        with pytest.raises(ReviewError, match="no rubric item 'made_up'"):
            file_appeal(con, call_id=mine, item_id="made_up", **appeal)
        appeal_id = file_appeal(con, call_id=mine, item_id="greeting", **appeal)
        decide_appeal(con, appeal_id, accept=True, comment="ok", lead="lead_north")
        with pytest.raises(ReviewError, match="another call"):
            close_appeal_rescored(con, appeal_id, "inspector1", other)
        close_appeal_rescored(con, appeal_id, "inspector1", mine)
        assert con.execute("SELECT status FROM appeals WHERE appeal_id = ?", [appeal_id]).fetchone()[0] == "rescored"


def test_bad_parameters_are_refused_with_the_security_headers(site):
    import re

    from qc.config import WebConfig

    app = create_app(site)
    c = client(app)
    sign_in(c, "inspector1")
    for path in ("/queue?page=99999999999999999999", "/api/calls?page=99999999999999999999", "/queue?page=0"):
        response = c.get(path)
        assert response.status_code == 422, path
        assert response.headers["x-frame-options"] == "DENY" and "content-security-policy" in response.headers
    page = c.get("/calibration")
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)
    drawn = c.post("/calibration/draw", data={"week": "2026-W48\n", "csrf_token": token}, follow_redirects=False)
    assert drawn.status_code == 400
    assert rows(site.db_path, "SELECT count(*) FROM calibration WHERE week LIKE '%\n%'")[0][0] == 0
    with pytest.raises(ValueError, match="raw_data_roles"):
        WebConfig(raw_data_roles=["admins"])


def test_a_team_lead_watches_and_acknowledges_only_their_teams_live_alerts(site):
    import re
    from datetime import datetime

    from qc.accounts import add_agent

    with Store(site.db_path) as store:
        con = store.con
        add_agent(con, "N1", team="north", line="12345")
        add_agent(con, "S1", team="south", line="12345")
        add_user(con, "lead_north", PASSWORD, "team_lead", team="north")
        for alert_id, agent, kind, severity, text in ((1, "N1", "agent_agitated", "high", "north-agitated"),
                                                      (2, "S1", "agent_agitated", "high", "south-agitated"),
                                                      (3, "S1", "caller_danger", "critical", "south-danger")):
            con.execute("INSERT INTO live_alerts (alert_id, live_call_id, agent_id, kind, severity, message_zh, message_en, raised_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [alert_id, f"call-{agent}", agent, kind, severity, text, text, datetime.now()])
    app = create_app(site)
    with client(app, "10.0.0.8") as lead:  # one event loop for the whole conversation, as a server has
        sign_in(lead, "lead_north")
        wall = lead.get("/wall").text
        assert "north-agitated" in wall and "south-danger" in wall  # a caller in danger reaches every supervisor
        assert "south-agitated" not in wall
        token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', wall).group(1)
        assert lead.post("/wall/alerts/2/ack", headers={"x-csrf-token": token}).status_code == 403
        assert lead.post("/wall/alerts/3/ack", headers={"x-csrf-token": token}).status_code == 403
        assert lead.post("/wall/alerts/1/ack", headers={"x-csrf-token": token}).status_code == 200
    assert rows(site.db_path, "SELECT alert_id FROM live_alerts WHERE acknowledged_by IS NOT NULL") == [(1,)]


@pytest.fixture
def recorder(site):
    from qc.accounts import create_token

    with Store(site.db_path) as store:
        add_user(store.con, "fork", PASSWORD, "recorder")
        return create_token(store.con, "fork", "media fork")


def _closed_with(c: TestClient, token: str, send=None) -> tuple[int, str]:
    from starlette.websockets import WebSocketDisconnect

    with c.websocket_connect("/live/calls", headers={"Authorization": f"Bearer {token}"}) as ws:
        if send is not None:
            send(ws)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return closed.value.code, closed.value.reason


def test_live_ingest_refuses_silent_binary_and_unconfigured_starts_with_a_close_code(site, recorder, monkeypatch, caplog):
    from qc.web import pages_live

    monkeypatch.setattr(pages_live, "START_DEADLINE_S", 0.5)
    with client(create_app(site)) as c:
        assert _closed_with(c, recorder)[0] == 1008  # never sent its start message
        assert _closed_with(c, recorder, lambda ws: ws.send_bytes(b"\x00" * 64))[0] == 1003
        code, reason = _closed_with(c, recorder, lambda ws: ws.send_text(
            '{"call_id": "c1", "agent_id": "A1", "line": "99999", "sample_rate": 8000}'))
        assert code == 1003 and "99999" in reason
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_connections_waiting_for_their_start_count_against_max_calls(site, recorder):
    from qc.config import LiveConfig

    settings = site.model_copy(update={"live": LiveConfig(max_calls=1)})
    with client(create_app(settings)) as c:
        with c.websocket_connect("/live/calls", headers={"Authorization": f"Bearer {recorder}"}):
            assert _closed_with(c, recorder)[0] == 1013  # the first, silent, holds the only place
