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
