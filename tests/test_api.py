"""The v1 API, exports and /metrics over real HTTP (uvicorn on loopback) on a real DuckDB file.

Calls are made up (qc.testing.api_calls) but written through ``Store.write``, like the pipeline's; the
expected answers are worked out here from the calls' definitions, not read back from the store.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from qc.accounts import add_agent, add_user, create_token
from qc.cli import app
from qc.config import WebConfig, load_settings
from qc.store import Store, close_all
from qc.testing.api_calls import RAW_PHONE, synthetic_call
from qc.testing.browser import serving
from qc.web.app import create_app
from tests.conftest import rows

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "api-test-password"
CALLS = 400
AGENTS = 8  # A000..A007; even agents in team north, odd in south


def team_of(agent_id: str) -> str:
    return "north" if int(agent_id[1:]) % 2 == 0 else "south"


class Site:
    def __init__(self, folder: Path):
        self.db = folder / "qc.duckdb"
        self.settings = load_settings(db_path=self.db, web=WebConfig(secret_key="api-test-secret", max_failed_logins=50))
        self.calls = [synthetic_call(i, agents=AGENTS) for i in range(CALLS)]
        with Store(self.db) as store:
            for start in range(0, CALLS, 100):
                store.write(self.calls[start:start + 100])
            for a in range(AGENTS):
                add_agent(store.con, f"A{a:03d}", team=team_of(f"A{a:03d}"), line="12345")
            for username, role, extra in (("admin1", "admin", {}), ("qa1", "inspector", {}), ("qa2", "inspector", {}),
                                          ("lead_north", "team_lead", {"team": "north"}), ("agent3", "agent", {"agent_id": "A003"})):
                add_user(store.con, username, PASSWORD, role, **extra)
            raw = ("admin",)
            self.tokens = {
                "admin": create_token(store.con, "admin1", "all", scopes=("read:calls", "read:raw", "read:metrics", "write:reviews"),
                                      raw_roles=raw),
                "admin_plain": create_token(store.con, "admin1", "no raw", scopes=("read:calls",)),
                "qa": create_token(store.con, "qa1", "reviews", scopes=("read:calls", "write:reviews")),
                "qa_read": create_token(store.con, "qa2", "read only", scopes=("read:calls",)),
                "lead": create_token(store.con, "lead_north", "wallboard", scopes=("read:calls", "write:reviews")),
                "agent": create_token(store.con, "agent3", "own calls", scopes=("read:calls",)),
                "legacy": create_token(store.con, "qa2", "old kind"),
            }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def base(site):
    with serving(create_app(site.settings)) as url:
        yield url
    close_all()


def auth(site: Site, who: str) -> dict:
    return {"Authorization": f"Bearer {site.tokens[who]}"}


def sync(base: str, headers: dict, params: dict | None = None, limit: int = 100, cursor: str | None = None) -> tuple[list[dict], str]:
    rows: list[dict] = []
    while True:
        query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = httpx.get(f"{base}/api/v1/calls", params=query, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return rows, cursor


def db_rows(site: Site, sql: str, *params) -> list[tuple]:
    return rows(site.db, sql, *params)


# ------------------------------------------------------------------------------------------ tokens


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def qc(*args: str, db: Path) -> Ran:
    """A `qc` command run in this process (the CLI's own code, without a new interpreter's start-up per call)."""
    result = CliRunner().invoke(app, [*args, "--db", str(db)], catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_tokens_are_added_listed_and_revoked_from_the_cli_and_only_their_hash_is_kept(site, base):
    added = qc("tokens", "add", "qa1", "--name", "bi tool", "--scope", "read:calls", db=site.db)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip()
    assert secret.startswith("qc_")
    token_id = secret.split("_")[1]
    listed = qc("tokens", "list", db=site.db)
    assert token_id in listed.stdout and "read:calls" in listed.stdout and secret not in listed.stdout
    stored = db_rows(site, "SELECT token_hash FROM api_tokens WHERE token_id = ?", token_id)[0][0]
    assert stored != secret and secret not in stored and len(stored) == 64
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{base}/api/v1/calls", headers=headers).status_code == 200
    # Raw data scope is refused for a role that may not see raw data; an unknown scope too.
    refused = qc("tokens", "add", "qa1", "--name", "x", "--scope", "read:raw", db=site.db)
    assert refused.returncode == 2 and "may not see raw data" in refused.stderr
    assert qc("tokens", "add", "qa1", "--name", "x", "--scope", "read:everything", db=site.db).returncode == 2
    assert qc("tokens", "revoke", token_id, db=site.db).returncode == 0
    response = httpx.get(f"{base}/api/v1/calls", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_requests_without_a_valid_token_or_scope_get_json_errors(site, base):
    nobody = httpx.get(f"{base}/api/v1/calls")
    assert nobody.status_code == 401 and nobody.json()["code"] == "unauthorized" and "Bearer" in nobody.json()["error"]
    forged = httpx.get(f"{base}/api/v1/calls", headers={"Authorization": "Bearer qc_00000000_forged"})
    assert forged.status_code == 401 and forged.json()["error"] == "invalid or revoked API token"
    metrics = httpx.get(f"{base}/metrics", headers=auth(site, "qa"))
    assert metrics.status_code == 403 and "read:metrics" in metrics.json()["error"]
    # A token of the old kind (no scopes) may read calls but not write.
    assert httpx.get(f"{base}/api/v1/calls", headers=auth(site, "legacy")).status_code == 200
    call_id = site.calls[1].call_id
    posted = httpx.post(f"{base}/api/v1/calls/{call_id}/reviews", json={"item_id": "greeting", "verdict": "pass"},
                        headers=auth(site, "legacy"))
    assert posted.status_code == 403 and "write:reviews" in posted.json()["error"]


# ------------------------------------------------------------------------------------------ filters


def expected(site: Site, keep) -> set[str]:
    return {c.call_id for c in site.calls if keep(c)}


FILTERS = {
    "line": ({"line": "12320"}, lambda c: c.meta.line == "12320"),
    "agent": ({"agent": "A005"}, lambda c: c.meta.agent_id == "A005"),
    "team": ({"team": "south"}, lambda c: team_of(c.meta.agent_id) == "south"),
    "status": ({"status": "failed"}, lambda c: c.status == "failed"),
    "score range": ({"min_score": 75, "max_score": 85}, lambda c: c.score is not None and 75 <= c.score <= 85),
    "flags": ({"flag": ["greeting", "closing"]}, lambda c: {"greeting", "closing"} <= set(c.flags)),
    "case type": ({"case_type": "inquiry"}, lambda c: c.status == "scored" and c.case.case_type == "inquiry"),
    "urgency": ({"urgency": "urgent"}, lambda c: c.status == "scored" and c.case.urgency == "urgent"),
    "repeat level": ({"repeat_level": "orange"}, lambda c: c.status == "scored" and c.case.repeat_level == "orange"),
    "recording date": ({"recorded_from": "2026-11-02", "recorded_to": "2026-11-02"},
                       lambda c: c.meta.started_at.date() == datetime(2026, 11, 2).date()),
    "combined": ({"line": "12345", "team": "north", "max_score": 90},
                 lambda c: c.meta.line == "12345" and team_of(c.meta.agent_id) == "north" and c.score is not None and c.score <= 90),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_returns_exactly_the_matching_calls(site, base, name):
    params, keep = FILTERS[name]
    rows, _ = sync(base, auth(site, "qa_read"), params, limit=37)
    ids = [r["call_id"] for r in rows]
    assert len(ids) == len(set(ids))
    want = expected(site, keep)
    assert want, f"the synthetic calls should have some matching {name}"
    assert set(ids) == want


def test_scored_time_window_and_reviewed_filters(site, base):
    stamps = dict(db_rows(site, "SELECT call_id, scored_at FROM calls"))
    ordered = sorted(stamps.values())
    since, until = ordered[100], ordered[300]
    rows, _ = sync(base, auth(site, "qa_read"), {"since": since.isoformat(), "until": until.isoformat()})
    assert {r["call_id"] for r in rows} == {c for c, t in stamps.items() if since <= t < until}
    # An offset is turned into UTC: +08:00 eight hours later on the clock is the same instant.
    shifted = (since + timedelta(hours=8)).isoformat() + "+08:00"
    again, _ = sync(base, auth(site, "qa_read"), {"since": shifted, "until": until.isoformat()})
    assert {r["call_id"] for r in again} == {r["call_id"] for r in rows}
    reviewed = {r[0] for r in db_rows(site, "SELECT DISTINCT call_id FROM reviews WHERE purpose <> 'calibration'")}
    yes, _ = sync(base, auth(site, "qa_read"), {"reviewed": "true"})
    no, _ = sync(base, auth(site, "qa_read"), {"reviewed": "false"})
    assert {r["call_id"] for r in yes} == reviewed
    assert {r["call_id"] for r in no} == {c.call_id for c in site.calls} - reviewed


def test_roles_limit_what_a_token_lists(site, base):
    lead, _ = sync(base, auth(site, "lead"))
    assert {r["call_id"] for r in lead} == expected(site, lambda c: team_of(c.meta.agent_id) == "north")
    assert all(r["team"] == "north" for r in lead)
    agent, _ = sync(base, auth(site, "agent"))
    assert {r["call_id"] for r in agent} == expected(site, lambda c: c.meta.agent_id == "A003")
    south_call = next(c for c in site.calls if c.meta.agent_id == "A001").call_id
    forbidden = httpx.get(f"{base}/api/v1/calls/{south_call}", headers=auth(site, "lead"))
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"


# ------------------------------------------------------------------------------------------ one call, raw data, reviews


def test_call_detail_is_redacted_unless_token_and_role_allow_raw_and_raw_reads_are_audited(site, base):
    call = site.calls[22]
    detail = httpx.get(f"{base}/api/v1/calls/{call.call_id}", headers=auth(site, "qa")).json()
    assert detail["raw"] is False and len(detail["utterances"]) == len(call.utterances)
    assert "[手机号]" in detail["utterances"][1]["text"] and RAW_PHONE not in json.dumps(detail)
    assert [v["item_id"] for v in detail["verdicts"]] == sorted(v.item_id for v in call.verdicts)
    assert detail["verdicts"][0]["evidence"][0]["matched"] == "您好"
    assert detail["flags"] == list(call.flags) and detail["score"] == call.score
    urgent = httpx.get(f"{base}/api/v1/calls/{site.calls[50].call_id}", headers=auth(site, "qa")).json()
    assert [a["kind"] for a in urgent["alerts"]] == ["urgent_case"]

    def raw_reads() -> int:
        return db_rows(site, "SELECT count(*) FROM audit_log WHERE action = 'raw.transcript.read' AND target = ?", call.call_id)[0][0]

    before = raw_reads()
    for who in ("qa", "admin_plain"):  # an inspector's token; an admin's token without read:raw
        refused = httpx.get(f"{base}/api/v1/calls/{call.call_id}", params={"raw": "true"}, headers=auth(site, who))
        assert refused.status_code == 403 and RAW_PHONE not in refused.text
    raw = httpx.get(f"{base}/api/v1/calls/{call.call_id}", params={"raw": "true"}, headers=auth(site, "admin"))
    assert raw.status_code == 200 and raw.json()["raw"] is True and RAW_PHONE in raw.json()["utterances"][1]["text"]
    assert raw_reads() == before + 1
    actor, client = db_rows(site, "SELECT actor, client FROM audit_log WHERE action = 'raw.transcript.read' AND target = ? "
                                  "ORDER BY logged_at DESC LIMIT 1", call.call_id)[0]
    assert actor == "admin1" and site.tokens["admin"].split("_")[1] in client


def test_a_review_through_the_api_changes_the_score_and_the_call_syncs_again(site, base):
    call = next(c for c in site.calls[200:] if c.status == "scored" and not c.flags and team_of(c.meta.agent_id) == "north")
    _, cursor = sync(base, auth(site, "qa"))
    again, _ = sync(base, auth(site, "qa"), cursor=cursor)
    assert again == []
    body = {"item_id": "greeting", "verdict": "fail", "comment": "没有报工号"}
    # Who may not: a team lead (not a reviewer), a session (no token), a call outside a lead's team.
    lead = httpx.post(f"{base}/api/v1/calls/{call.call_id}/reviews", json=body, headers=auth(site, "lead"))
    assert lead.status_code == 403 and "inspectors" in lead.json()["error"]
    session = httpx.Client(base_url=base)
    assert session.post("/login", data={"username": "qa1", "password": PASSWORD}).status_code in (200, 303)
    assert session.post(f"/api/v1/calls/{call.call_id}/reviews", json=body).status_code == 403
    bad_item = httpx.post(f"{base}/api/v1/calls/{call.call_id}/reviews", json={**body, "item_id": "nope"}, headers=auth(site, "qa"))
    assert bad_item.status_code == 400 and "no rubric item" in bad_item.json()["error"]
    posted = httpx.post(f"{base}/api/v1/calls/{call.call_id}/reviews", json=body, headers=auth(site, "qa"))
    assert posted.status_code == 201, posted.text
    final = posted.json()["final_score"]
    assert final < call.score == 100.0 and posted.json()["reviewer"] == "qa1"
    assert db_rows(site, "SELECT score FROM scores WHERE call_id = ? AND scored_by = 'review:qa1'", call.call_id) == [(final,)]
    changed, _ = sync(base, auth(site, "qa"), cursor=cursor)
    assert [r["call_id"] for r in changed] == [call.call_id]
    assert changed[0]["reviewed"] is True and changed[0]["final_score"] == final and changed[0]["score"] == call.score
    detail = httpx.get(f"{base}/api/v1/calls/{call.call_id}", headers=auth(site, "qa")).json()
    greeting = next(v for v in detail["verdicts"] if v["item_id"] == "greeting")
    assert greeting["verdict"] == "pass" and greeting["human_verdict"] == "fail"
    assert detail["reviews"][-1]["comment"] == "没有报工号"
    assert db_rows(site, "SELECT count(*) FROM audit_log WHERE action = 'review.review' AND target = ?",
                   f"{call.call_id}/greeting")[0][0] == 1


# ------------------------------------------------------------------------------------------ bad inputs


def test_bad_inputs_get_clear_json_errors(site, base):
    headers = auth(site, "qa_read")
    first = httpx.get(f"{base}/api/v1/calls", params={"line": "12345", "limit": 5}, headers=headers).json()
    cursor = first["next_cursor"]
    other = httpx.get(f"{base}/api/v1/calls", params={"line": "1823", "cursor": cursor}, headers=headers)
    assert other.status_code == 400 and other.json()["code"] == "bad_cursor" and "another query" in other.json()["error"]
    someone_else = httpx.get(f"{base}/api/v1/calls", params={"line": "12345", "cursor": cursor}, headers=auth(site, "qa"))
    assert someone_else.status_code == 400 and "another query" in someone_else.json()["error"]
    alerts = httpx.get(f"{base}/api/v1/alerts", params={"cursor": cursor}, headers=headers)
    assert alerts.status_code == 400 and alerts.json()["code"] == "bad_cursor"
    body, signature = cursor.split(".")
    edited = httpx.get(f"{base}/api/v1/calls", params={"line": "12345", "cursor": body[:-2] + "AA." + signature}, headers=headers)
    assert edited.status_code == 400 and "changed" in edited.json()["error"]
    for junk in ("nonsense", "", "a.b.c"):
        response = httpx.get(f"{base}/api/v1/calls", params={"line": "12345", "cursor": junk}, headers=headers)
        assert response.status_code in (200, 400)  # an empty cursor is no cursor
        assert response.status_code == 200 if junk == "" else response.json()["code"] == "bad_cursor"
    invalid = httpx.get(f"{base}/api/v1/calls", params={"limit": 0, "since": "yesterday", "min_score": "high"}, headers=headers)
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"
    assert {"limit", "since", "min_score"} <= set(invalid.json()["fields"])
    assert httpx.get(f"{base}/api/v1/calls", params={"urgency": "panic"}, headers=headers).status_code == 422
    missing = httpx.get(f"{base}/api/v1/calls/ffffffffffffffffffffffff", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    nowhere = httpx.get(f"{base}/api/v1/no-such-thing", headers=headers)
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "not_found"
    review = httpx.post(f"{base}/api/v1/calls/{site.calls[1].call_id}/reviews", json={"item_id": "greeting", "verdict": "maybe"},
                        headers=auth(site, "qa"))
    assert review.status_code == 422 and "verdict" in review.json()["fields"][0]
    failed = httpx.post(f"{base}/api/v1/calls/{site.calls[0].call_id}/reviews", json={"item_id": "greeting", "verdict": "pass"},
                        headers=auth(site, "qa"))
    assert failed.status_code == 409 and failed.json()["code"] == "conflict"


# ------------------------------------------------------------------------------------------ alerts, runs, weekly, OpenAPI


def test_alerts_runs_and_weekly_summaries(site, base):
    headers = auth(site, "qa_read")
    rows, cursor = [], None
    while True:
        page = httpx.get(f"{base}/api/v1/alerts", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=headers).json()
        rows += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert sorted(r["call_id"] for r in rows) == sorted(c.call_id for c in site.calls if c.alerts)
    assert all(r["kind"] == "urgent_case" and r["evidence"] for r in rows)
    with Store(site.db) as store:
        store.record_run({"run_id": "r1", "kind": "nightly", "started_at": datetime(2026, 11, 3, 1), "finished_at": datetime(2026, 11, 3, 2),
                          "scored": 10, "failed": 1, "skipped": 0, "audio_hours": 0.5})
    runs = httpx.get(f"{base}/api/v1/runs", headers=headers).json()["data"]
    assert [r["run_id"] for r in runs] == ["r1"] and runs[0]["scored"] == 10
    assert httpx.get(f"{base}/api/v1/runs", headers=auth(site, "agent")).status_code == 403
    weekly = httpx.get(f"{base}/api/v1/agents/weekly", params={"agent": "A003"}, headers=headers).json()["data"]
    mine = [c for c in site.calls if c.meta.agent_id == "A003"]
    assert sum(w["calls"] for w in weekly) == len(mine)
    assert sum(w["urgent"] for w in weekly) == sum(c.case.urgency == "urgent" and c.status == "scored" for c in mine)
    week = {w["week"] for w in weekly}
    assert week == {f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in (c.meta.started_at for c in mine)}


def test_openapi_document_describes_every_field_of_the_v1_responses(site, base):
    assert httpx.get(f"{base}/api/openapi.json").status_code == 401
    document = httpx.get(f"{base}/api/openapi.json", headers=auth(site, "qa_read")).json()
    assert {"/api/v1/calls", "/api/v1/calls/{call_id}", "/api/v1/calls/{call_id}/reviews", "/api/v1/alerts", "/api/v1/runs",
            "/api/v1/agents/weekly"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    summary = schemas["CallSummary"]["properties"]
    sample = httpx.get(f"{base}/api/v1/calls", params={"limit": 1}, headers=auth(site, "qa_read")).json()["data"][0]
    assert set(sample) == set(summary)
    detail = httpx.get(f"{base}/api/v1/calls/{site.calls[3].call_id}", headers=auth(site, "qa_read")).json()
    assert set(detail) == set(schemas["CallDetail"]["properties"])
    assert set(detail["verdicts"][0]) == set(schemas["Verdict"]["properties"])
    calls = document["paths"]["/api/v1/calls"]["get"]
    assert {p["name"] for p in calls["parameters"]} >= {"since", "until", "recorded_from", "recorded_to", "line", "agent", "team",
                                                         "status", "min_score", "max_score", "flag", "case_type", "urgency",
                                                         "repeat_level", "reviewed", "cursor", "limit"}
    assert calls["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")
    assert "HTTPBearer" in document["components"]["securitySchemes"]


# ------------------------------------------------------------------------------------------ sync under concurrent writes

WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timedelta, timezone
    from qc.store import Store
    from qc.testing.api_calls import synthetic_call
    db, start, count, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # scored_at runs backwards: each batch is stamped earlier than the one committed before it, as a batch whose
    # calls finished long before its commit would be. A cursor on scored_at would miss them; change numbers do not.
    clock = datetime(2026, 12, 1)
    for first in range(start, start + count, batch):
        calls = [synthetic_call(i, prefix="w", agents=8, scored_at=clock - timedelta(minutes=i)) for i in range(first, min(first + batch, start + count))]
        with Store(db) as store:
            store.write(calls)
        time.sleep(0.02)
    print("done", flush=True)
""")


def test_cursor_sync_misses_and_repeats_nothing_while_another_process_writes(site, base, tmp_path):
    headers = auth(site, "qa_read")
    before, cursor = sync(base, headers, limit=50)
    seen = [r["call_id"] for r in before]
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(site.db), "0", "300", "20"], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pulls = 0
    try:
        while writer.poll() is None:
            rows, cursor = sync(base, headers, limit=40, cursor=cursor)
            seen += [r["call_id"] for r in rows]
            pulls += 1
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and "done" in out, err
        rows, cursor = sync(base, headers, limit=40, cursor=cursor)
        seen += [r["call_id"] for r in rows]
    finally:
        if writer.poll() is None:
            writer.kill()
    site.calls += [synthetic_call(i, prefix="w", agents=AGENTS) for i in range(300)]  # for the tests that follow
    assert pulls >= 2, "the sync should have run while the writer was writing"
    stored = {r[0] for r in db_rows(site, "SELECT call_id FROM calls")}
    assert len(seen) == len(set(seen)), "a call came twice"
    assert set(seen) == stored, f"missed {len(stored - set(seen))}"
    # The same calls by scored_at would not come in commit order: the point of change numbers.
    written = db_rows(site, "SELECT scored_at FROM calls WHERE call_id LIKE 'w%' ORDER BY change_seq")
    assert [t for (t,) in written] != sorted(t for (t,) in written)


# ------------------------------------------------------------------------------------------ exports


def test_cli_exports_every_kind_and_format_redacted_unless_raw_is_allowed(site, tmp_path):
    counts = {"calls": db_rows(site, "SELECT count(*) FROM calls")[0][0],
              "verdicts": db_rows(site, "SELECT count(*) FROM rule_hits")[0][0],
              "utterances": db_rows(site, "SELECT count(*) FROM utterances")[0][0],
              "alerts": db_rows(site, "SELECT count(*) FROM alerts")[0][0]}
    for kind, n in counts.items():
        for fmt in ("csv", "parquet", "jsonl"):
            out = tmp_path / f"{kind}.{fmt}"
            done = qc("export", kind, "--format", fmt, "--out", str(out), "--since", "2000-01-01", db=site.db)
            assert done.returncode == 0, done.stderr
            read = {"csv": "read_csv", "parquet": "read_parquet", "jsonl": "read_json"}[fmt]
            assert duckdb.sql(f"SELECT count(*) FROM {read}('{out}')").fetchone()[0] == n, (kind, fmt)
            assert RAW_PHONE not in out.read_bytes().decode("utf-8", "replace") if fmt != "parquet" else True
    assert qc("export", "utterances", "--out", str(tmp_path / "u.csv"), "--raw", db=site.db).returncode == 2
    refused = qc("export", "utterances", "--out", str(tmp_path / "u.csv"), "--raw", "--as", "qa1", db=site.db)
    assert refused.returncode == 2 and "may not see raw data" in refused.stderr
    raw_out = tmp_path / "raw.csv"
    allowed = qc("export", "utterances", "--out", str(raw_out), "--raw", "--as", "admin1", db=site.db)
    assert allowed.returncode == 0, allowed.stderr
    assert RAW_PHONE in raw_out.read_text(encoding="utf-8")
    assert db_rows(site, "SELECT count(*) FROM audit_log WHERE action = 'raw.export' AND actor = 'admin1'")[0][0] == 1
    lead_out = tmp_path / "lead.csv"
    assert qc("export", "calls", "--out", str(lead_out), "--as", "lead_north", db=site.db).returncode == 0
    with lead_out.open(encoding="utf-8") as fh:
        assert {row["team"] for row in csv.DictReader(fh)} == {"north"}
    future = qc("export", "calls", "--out", str(tmp_path / "none.csv"), "--since", "2100-01-01", db=site.db)
    assert future.returncode == 0 and future.stdout.startswith("0 calls")
    assert qc("export", "calls", "--out", str(tmp_path / "x"), "--format", "xlsx", db=site.db).returncode == 2


def test_queue_and_dashboard_csv_downloads_follow_filters_and_roles(site, base):
    client = httpx.Client(base_url=base, timeout=30)
    assert client.post("/login", data={"username": "qa1", "password": PASSWORD}).status_code in (200, 303)
    queue = client.get("/queue", params={"line": "12320"})
    assert 'data-testid="queue-csv"' in queue.text and "/queue.csv?line=12320" in queue.text
    download = client.get("/queue.csv", params={"line": "12320"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(download.text.splitlines()))
    assert {r["call_id"] for r in rows} == expected(site, lambda c: c.meta.line == "12320" and c.status == "scored")
    assert RAW_PHONE not in download.text
    dashboard = client.get("/dashboard", params={"team": "south"})
    assert dashboard.status_code == 200 and 'data-testid="trend"' in dashboard.text
    weekly = list(csv.DictReader(client.get("/dashboard.csv", params={"team": "south"}).text.splitlines()))
    assert {r["team"] for r in weekly} == {"south"}
    assert sum(int(r["calls"]) for r in weekly) == len(expected(site, lambda c: team_of(c.meta.agent_id) == "south"))
    agent = httpx.Client(base_url=base)
    agent.post("/login", data={"username": "agent3", "password": PASSWORD})
    assert agent.get("/dashboard.csv").status_code == 403
    assert httpx.get(f"{base}/queue.csv", follow_redirects=False).status_code == 303  # signed out: to sign-in


# ------------------------------------------------------------------------------------------ metrics


def parse_metrics(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_metrics_page_reports_store_counts_and_request_latency(site, base):
    httpx.get(f"{base}/api/v1/calls", params={"limit": 1}, headers=auth(site, "qa_read"))
    response = httpx.get(f"{base}/metrics", headers=auth(site, "admin"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = parse_metrics(response.text)
    scored = db_rows(site, "SELECT count(*) FROM calls WHERE status = 'scored' AND line = '12345'")[0][0]
    assert values['qc_calls{line="12345",status="scored"}'] == scored
    assert values['qc_failures_total{stage="decode"}'] == db_rows(site, "SELECT count(*) FROM failures WHERE stage = 'decode'")[0][0]
    hours = db_rows(site, "SELECT sum(duration_s) / 3600 FROM calls WHERE status = 'scored'")[0][0]
    assert values["qc_scored_audio_hours"] == pytest.approx(hours)
    assert values["qc_review_queue_depth"] > 0
    route = 'qc_http_request_duration_seconds_count{method="GET",route="/api/v1/calls",status="2xx"}'
    assert values[route] >= 1
    assert values['qc_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v1/calls",status="2xx"}'] == values[route]
    assert "# TYPE qc_live_alert_latency_seconds histogram" in response.text
    for line in response.text.splitlines():  # every sample line is NAME{labels} VALUE
        assert line.startswith("#") or " " in line


# ------------------------------------------------------------------------------------------ migration, exposition format


def test_migration_14_numbers_existing_calls_in_scoring_order_and_new_writes_follow(tmp_path):
    from qc.store.schema import migrate

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    migrate(con, target=13)
    for call_id, minute in (("late", 30), ("early", 10), ("middle", 20)):
        con.execute("INSERT INTO calls (call_id, path, status, pipeline_version, scored_at) VALUES (?, ?, 'scored', 'old', ?)",
                    [call_id, f"/r/{call_id}.wav", datetime(2026, 11, 1, 8, minute)])
    con.close()
    with Store(db) as store:
        numbered = store.con.execute("SELECT call_id, change_seq FROM calls ORDER BY change_seq").fetchall()
        assert numbered == [("early", 1), ("middle", 2), ("late", 3)]
        store.write([synthetic_call(5)])
        assert store.con.execute("SELECT change_seq FROM calls WHERE call_id = ?", [synthetic_call(5).call_id]).fetchone()[0] == 4
        assert store.con.execute("SELECT scopes FROM api_tokens").fetchall() == []
    close_all()


def test_histogram_exposition_is_cumulative_and_escapes_labels():
    from qc.metrics import Histogram

    histogram = Histogram("qc_test_seconds", "A test.", (0.1, 1.0))
    for value in (0.05, 0.5, 0.5, 3.0):
        histogram.observe(value, route='/a"b')
    lines = histogram.render()
    assert lines[:2] == ["# HELP qc_test_seconds A test.", "# TYPE qc_test_seconds histogram"]
    assert 'qc_test_seconds_bucket{le="0.1",route="/a\\"b"} 1' in lines
    assert 'qc_test_seconds_bucket{le="1.0",route="/a\\"b"} 3' in lines
    assert 'qc_test_seconds_bucket{le="+Inf",route="/a\\"b"} 4' in lines
    assert 'qc_test_seconds_sum{route="/a\\"b"} 4.05' in lines and 'qc_test_seconds_count{route="/a\\"b"} 4' in lines


def test_a_signed_in_session_reads_the_api_with_its_roles_rights(site, base):
    admin = httpx.Client(base_url=base, timeout=30)
    assert admin.post("/login", data={"username": "admin1", "password": PASSWORD}).status_code in (200, 303)
    call = site.calls[22]
    raw = admin.get(f"/api/v1/calls/{call.call_id}", params={"raw": "true"})
    assert raw.status_code == 200 and RAW_PHONE in raw.json()["utterances"][1]["text"]  # admin is in web.raw_data_roles
    assert admin.get("/metrics").status_code == 200
    lead = httpx.Client(base_url=base, timeout=30)
    assert lead.post("/login", data={"username": "lead_north", "password": PASSWORD}).status_code in (200, 303)
    listed = lead.get("/api/v1/calls", params={"limit": 1000}).json()["data"]
    assert listed and {r["team"] for r in listed} == {"north"}
    refused = lead.get(f"/api/v1/calls/{call.call_id}", params={"raw": "true"})
    assert refused.status_code == 403 and "read:raw" in refused.json()["error"]
    assert lead.get("/metrics").status_code == 403


def test_csv_exports_defuse_spreadsheet_formulas_and_leave_other_formats_alone(tmp_path):
    from qc.store.exports import copy_to

    con = duckdb.connect(str(tmp_path / "cells.duckdb"))
    con.execute("CREATE TABLE notes (note VARCHAR, n INTEGER)")
    texts = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)", "\tTAB", "您好，请问有什么可以帮您", "a=b"]
    con.executemany("INSERT INTO notes VALUES (?, ?)", [(t, -5) for t in texts])
    out = tmp_path / "notes.csv"
    assert copy_to(con, "SELECT note, n FROM notes WHERE n < ?", [0], out, "csv") == len(texts)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["note"] for r in rows] == ["'" + t for t in texts[:5]] + texts[5:]
    assert {r["n"] for r in rows} == {"-5"}  # numbers are not text cells: untouched
    copy_to(con, "SELECT note FROM notes", [], tmp_path / "notes.parquet", "parquet")
    assert sorted(duckdb.sql(f"SELECT note FROM read_parquet('{tmp_path / 'notes.parquet'}')").fetchall()) == sorted((t,) for t in texts)
