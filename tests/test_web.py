"""The web app over HTTP (in-process ASGI client) on a real DuckDB file of really scored calls."""

from __future__ import annotations

import re
import shutil
import time

import duckdb
import pytest
from fastapi.testclient import TestClient

from qc.web.app import create_app
from tests.conftest import rows
from tests.web_site import PASSWORD, build_site

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def site(tmp_path_factory, model_cache):
    return build_site(tmp_path_factory.mktemp("site"), model_cache)


@pytest.fixture
def app(site):
    return create_app(site.settings)


def client_for(app, username: str | None = None) -> TestClient:
    client = TestClient(app, base_url="http://127.0.0.1")
    if username:
        response = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', html).group(1)


def db_rows(site, sql: str, *params):
    return rows(site.settings.db_path, sql, *params)


def test_signed_out_visitors_are_sent_to_sign_in(app):
    response = client_for(app).get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/queue")
    assert client_for(app).get("/api/calls").status_code == 401


def test_wrong_password_is_refused_then_rate_limited(app, site):
    client = client_for(app)
    for _ in range(2):
        response = client.post("/login", data={"username": "inspector2", "password": "nope-nope-nope"})
        assert response.status_code == 401 and "wrong username or password" in response.text
    locked = client.post("/login", data={"username": "inspector2", "password": "nope-nope-nope"})
    assert locked.status_code == 429 and "too many failed sign-ins" in locked.text
    # Locked even with the right password, until the lock-out ends.
    assert client.post("/login", data={"username": "inspector2", "password": PASSWORD}).status_code == 429
    assert db_rows(site, "SELECT count(*) FROM audit_log WHERE action = 'signin.fail' AND actor = 'inspector2'")[0][0] == 3
    con = duckdb.connect(str(site.settings.db_path))
    con.execute("DELETE FROM signin_throttle")
    con.close()


def test_each_role_sees_only_the_calls_it_may(app, site):
    a001, a004 = site.call_ids["zh_stereo_16k_good"], site.call_ids["zh_stereo_8k_caller_first_right_agent"]
    expectations = {
        "inspector1": {a001, a004}, "admin1": {a001, a004},
        "lead_north": {a001}, "lead_south": {a004},
        "agent_a001": {a001}, "agent_a004": {a004},
    }
    for username, visible in expectations.items():
        client = client_for(app, username)
        listed = {c["call_id"] for c in client.get("/api/calls").json()["calls"]}
        assert listed == visible, username
        for call_id in (a001, a004):
            page = client.get(f"/calls/{call_id}")
            assert page.status_code == (200 if call_id in visible else 403), (username, call_id)
    forbidden = client_for(app, "agent_a001").get(f"/calls/{a004}")
    assert "only open calls of your own queue" in forbidden.text


def test_agents_cannot_open_inspector_pages(app):
    agent = client_for(app, "agent_a001")
    assert agent.get("/dashboard").status_code == 403
    assert agent.get("/calibration").status_code == 403
    assert client_for(app, "lead_north").get("/audit").status_code == 403


def test_call_page_shows_transcript_items_and_redacted_personal_data(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    page = client_for(app, "inspector1").get(f"/calls/{call_id}")
    assert page.status_code == 200
    assert 'data-testid="item-greeting"' in page.text and "坐席" in page.text
    # The caller's phone number is a placeholder, never digits, for an inspector.
    assert re.search(r"\[(手机号|电话)\]", page.text)
    assert "5678" not in page.text  # the caller's number (…1234 5678), in any spelling
    assert "?raw=1" not in page.text  # an inspector is not offered the unredacted view


def test_raw_view_only_for_allowed_roles_and_audited(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    assert client_for(app, "inspector1").get(f"/calls/{call_id}?raw=1").status_code == 403
    assert client_for(app, "agent_a001").get(f"/calls/{call_id}/audio?raw=1").status_code == 403
    before = db_rows(site, "SELECT count(*) FROM audit_log WHERE action = 'raw.transcript.read'")[0][0]
    admin = client_for(app, "admin1")
    page = admin.get(f"/calls/{call_id}?raw=1")
    assert page.status_code == 200 and "unredacted" in page.text
    raw_audio = admin.get(f"/calls/{call_id}/audio?raw=1")
    assert raw_audio.status_code == 200 and raw_audio.headers["cache-control"] == "no-store"  # never kept by a browser
    assert "5678" in page.text  # the number as the caller said it
    after = db_rows(site, "SELECT count(*), max(actor) FROM audit_log WHERE action = 'raw.transcript.read'")[0]
    assert after == (before + 1, "admin1")


def test_playback_audio_is_redacted_flac_and_peaks_follow_it(app, site):
    import io

    import numpy as np
    import soundfile as sf

    call_id = site.call_ids["zh_stereo_16k_good"]
    client = client_for(app, "inspector1")
    audio = client.get(f"/calls/{call_id}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/flac"
    samples, rate = sf.read(io.BytesIO(audio.content))
    spans = db_rows(site, "SELECT start_s, end_s FROM pii_spans WHERE call_id = ? AND start_s IS NOT NULL", call_id)
    assert spans and rate == 16000
    start, end = spans[0]
    inside = samples[int(start * rate): int(end * rate)]
    assert np.max(np.abs(inside)) == 0.0  # the personal data span is silent on every channel
    assert np.max(np.abs(samples)) > 0.05
    peaks = client.get(f"/calls/{call_id}/peaks").json()
    assert len(peaks["channels"]) == samples.shape[1] and peaks["duration_s"] == pytest.approx(len(samples) / rate, abs=0.01)


def test_overturning_a_verdict_changes_the_score_and_is_audited(app, site):
    call_id = site.call_ids["zh_stereo_8k_caller_first_right_agent"]
    client = client_for(app, "inspector1")
    page = client.get(f"/calls/{call_id}")
    machine = float(re.search(r'data-testid="machine-score">([\d.]+)<', page.text).group(1))
    item = re.search(r'data-testid="verdict-([a-z0-9_]+)">pass<', page.text).group(1)
    response = client.post(f"/calls/{call_id}/review", data={"item_id": item, "verdict": "fail", "comment": "<script>alert(1)</script> 漏说",
                                                            "purpose": "review", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    after = client.get(f"/calls/{call_id}")
    final = float(re.search(r'data-testid="final-score">([\d.]+)', after.text).group(1))
    assert final < machine
    assert f'data-testid="verdict-{item}">fail<' in after.text
    assert "<script>alert(1)</script>" not in after.text and "&lt;script&gt;" in after.text
    audit = db_rows(site, "SELECT actor, before, after FROM audit_log WHERE action = 'review.review' AND target = ?", f"{call_id}/{item}")
    assert audit and audit[-1][0] == "inspector1" and '"pass"' in audit[-1][1] and '"fail"' in audit[-1][2]
    assert db_rows(site, "SELECT count(*) FROM scores WHERE call_id = ? AND scored_by = 'review:inspector1'", call_id)[0][0] == 1


def test_forms_without_the_csrf_token_are_refused(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    client = client_for(app, "inspector1")
    response = client.post(f"/calls/{call_id}/review", data={"item_id": "greeting", "verdict": "fail"})
    assert response.status_code == 403 and "CSRF" in response.text
    response = client.post(f"/calls/{call_id}/review", data={"item_id": "greeting", "verdict": "fail", "csrf_token": "0" * 64})
    assert response.status_code == 403


def test_agents_and_leads_may_not_review(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    client = client_for(app, "agent_a001")
    page = client.get(f"/calls/{call_id}")
    response = client.post(f"/calls/{call_id}/review", data={"item_id": "greeting", "verdict": "fail", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 403


def test_appeal_is_filed_decided_and_rescored(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    agent = client_for(app, "agent_a001")
    page = agent.get(f"/calls/{call_id}")
    filed = agent.post(f"/calls/{call_id}/appeal", data={"reason": "我说了结束语", "item_id": "closing", "csrf_token": csrf_of(page.text)})
    assert filed.status_code == 200 and "我说了结束语" in filed.text
    # A second open appeal on the same item is refused with a reason.
    again = agent.post(f"/calls/{call_id}/appeal", data={"reason": "again", "item_id": "closing", "csrf_token": csrf_of(page.text)})
    assert again.status_code == 400 and "already open" in again.text
    appeal_id = db_rows(site, "SELECT appeal_id FROM appeals WHERE call_id = ? AND status = 'open'", call_id)[0][0]
    # The other team's lead may not decide it; the agent's own lead may.
    south = client_for(app, "lead_south")
    south_page = south.get("/appeals")
    assert appeal_id not in south_page.text
    assert south.post(f"/appeals/{appeal_id}/decide", data={"decision": "accept", "csrf_token": csrf_of(south_page.text)}).status_code == 403
    north = client_for(app, "lead_north")
    north_page = north.get("/appeals")
    assert north.post(f"/appeals/{appeal_id}/decide", data={"decision": "accept", "comment": "请复核", "csrf_token": csrf_of(north_page.text)},
                      follow_redirects=False).status_code == 303
    inspector = client_for(app, "inspector1")
    rescore_page = inspector.get(f"/calls/{call_id}?appeal={appeal_id}")
    assert f'name="appeal_id" value="{appeal_id}"' in rescore_page.text
    inspector.post(f"/calls/{call_id}/review", data={"item_id": "closing", "verdict": "pass", "purpose": "appeal", "appeal_id": appeal_id,
                                                     "comment": "申诉成立", "csrf_token": csrf_of(rescore_page.text)})
    status = db_rows(site, "SELECT status, decided_by, rescored_by FROM appeals WHERE appeal_id = ?", appeal_id)[0]
    assert status == ("rescored", "lead_north", "inspector1")
    history = [r[0] for r in db_rows(site, "SELECT action FROM audit_log WHERE target = ? ORDER BY logged_at", appeal_id)]
    assert history == ["appeal.file", "appeal.accepted", "appeal.rescored"]


def test_appeal_window_closes(app, site):
    call_id = site.call_ids["zh_stereo_8k_caller_first_right_agent"]
    con = duckdb.connect(str(site.settings.db_path))
    con.execute("UPDATE calls SET scored_at = scored_at - INTERVAL 30 DAY WHERE call_id = ?", [call_id])
    con.close()
    agent = client_for(app, "agent_a004")
    page = agent.get(f"/calls/{call_id}")
    response = agent.post(f"/calls/{call_id}/appeal", data={"reason": "too late?", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 400 and "appeal window" in response.text


def test_queue_filters_search_and_escapes_hostile_text(app, site):
    client = client_for(app, "inspector1")
    everything = client.get("/api/calls").json()["total"]
    assert everything == 2
    found = client.get("/api/calls", params={"q": "工地"}).json()
    assert 0 < found["total"] <= everything
    hostile = client.get("/queue", params={"q": "' OR 1=1; DROP TABLE calls; --<img src=x onerror=alert(1)>"})
    assert hostile.status_code == 200 and "<img src=x" not in hostile.text and "No calls match" in hostile.text
    assert db_rows(site, "SELECT count(*) FROM calls")[0][0] == 2
    assert client.get("/queue", params={"date_from": "yesterday"}).status_code == 400
    by_team = client.get("/queue", params={"team": "south"})
    assert site.call_ids["zh_stereo_8k_caller_first_right_agent"] in by_team.text
    assert site.call_ids["zh_stereo_16k_good"] not in by_team.text


def test_expired_and_revoked_sessions(app, site):
    from qc.accounts import set_active
    from qc.store import Store

    client = client_for(app, "inspector2")
    assert client.get("/queue").status_code == 200
    with Store(site.settings.db_path) as store:
        set_active(store.con, "inspector2", False)
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    with Store(site.settings.db_path) as store:
        set_active(store.con, "inspector2", True)
    short = create_app(site.settings.model_copy(update={"web": site.settings.web.model_copy(update={"session_hours": 1 / 3600})}))
    old = client_for(short, "inspector1")
    time.sleep(2.1)  # sessions are signed with whole-second timestamps
    expired = old.get("/queue", follow_redirects=False)
    assert expired.status_code == 303 and "expired=1" in expired.headers["location"]
    assert "session has expired" in old.get(expired.headers["location"]).text


def test_moved_recording_is_explained_not_a_crash(app, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    path = db_rows(site, "SELECT path FROM calls WHERE call_id = ?", call_id)[0][0]
    moved = path + ".moved"
    shutil.move(path, moved)
    try:
        client = client_for(app, "inspector1")
        page = client.get(f"/calls/{call_id}")
        assert page.status_code == 200 and 'data-testid="audio-missing"' in page.text
        audio = client.get(f"/calls/{call_id}/audio")
        assert audio.status_code == 410 and "no longer readable" in audio.text
    finally:
        shutil.move(moved, path)


def test_api_tokens_act_with_their_users_role(app, site):
    from qc.accounts import create_token, revoke_token
    from qc.store import Store

    with Store(site.settings.db_path) as store:
        secret = create_token(store.con, "lead_south", "wallboard")
    client = client_for(app)
    headers = {"Authorization": f"Bearer {secret}"}
    calls = client.get("/api/calls", headers=headers).json()["calls"]
    assert [c["call_id"] for c in calls] == [site.call_ids["zh_stereo_8k_caller_first_right_agent"]]
    detail = client.get(f"/api/calls/{calls[0]['call_id']}", headers=headers).json()
    assert detail["items"] and detail["utterances"]
    with Store(site.settings.db_path) as store:
        revoke_token(store.con, secret.split("_")[1])
    assert client.get("/api/calls", headers=headers).status_code == 401
    assert client.get("/api/calls", headers={"Authorization": "Bearer qc_nope_nope"}).status_code == 401


def test_dashboard_and_calibration(app, site):
    client = client_for(app, "inspector1")
    board = client.get("/dashboard")
    assert board.status_code == 200 and 'data-testid="coverage">100.0%' in board.text
    calibration = client.get("/calibration?week=2026-W48")
    draw = client.post("/calibration/draw", data={"week": "2026-W48", "csrf_token": csrf_of(calibration.text)}, follow_redirects=False)
    assert draw.status_code == 303
    pairs = db_rows(site, "SELECT call_id, inspector FROM calibration WHERE week = '2026-W48' ORDER BY ALL")
    assert pairs and {i for _, i in pairs} <= {"inspector1", "inspector2"}
    assert all(sum(c == call for c, _ in pairs) == 2 for call, _ in pairs)  # every drawn call goes to two inspectors
    assert client.post("/calibration/draw", data={"week": "week 48", "csrf_token": csrf_of(calibration.text)}).status_code == 400


def test_security_headers_and_loopback_default(app, site):
    response = client_for(app, "inspector1").get("/queue")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert site.settings.web.host == "127.0.0.1"
    login = client_for(app).post("/login", data={"username": "inspector1", "password": PASSWORD, "next": "//evil.example/x"},
                                 follow_redirects=False)
    assert login.headers["location"] == "/queue"  # no open redirect after sign-in
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
