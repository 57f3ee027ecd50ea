"""Webhooks for real: a DuckDB file, the outbox written with the data, a real HTTP receiver on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qc.config import WebhookConfig, load_settings
from qc.records import Alert, CallMeta, CallResult, CaseInfo, Evidence
from qc.store import Store
from qc.webhooks import admin, verify
from qc.webhooks.deliver import Deliverer, backoff_s
from tests.conftest import rows
from qc.testing.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]
FAST = WebhookConfig(max_attempts=3, retry_base_s=0.1, retry_max_s=0.3, timeout_s=0.5, poll_s=0.05)


@pytest.fixture
def hook_settings(tmp_path, model_cache):
    return load_settings(db_path=tmp_path / "qc.duckdb", model_cache_dir=model_cache, webhooks=FAST)


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def run_row(run_id: str = "run-1") -> dict:
    at = datetime(2026, 11, 25, 1, 30)
    return dict(run_id=run_id, kind="nightly", recordings_date=datetime(2026, 11, 24).date(), source="/recordings/2026-11-24",
                started_at=at, finished_at=at + timedelta(minutes=5), scored=3, failed=1, skipped=0, still_writing=0,
                audio_hours=0.2, wall_seconds=300.0)


def urgent_call(call_id: str = "c0ffee000000000000000001") -> CallResult:
    said = "我不想活了，我电话是13812345678"
    evidence = (Evidence(4.0, 8.0, "caller", "不想活", said),)
    return CallResult(
        call_id=call_id, path=f"/recordings/{call_id}.wav", status="scored",
        meta=CallMeta(line="12345", agent_id="A007", caller_hash="9f3a"), pipeline_version="test",
        scored_at=datetime.now(timezone.utc), score=40.0,
        case=CaseInfo(case_type="help", urgency="urgent", urgency_title="特急", urgency_evidence=evidence),
        alerts=(Alert("urgent_case", "critical", 4.0, f"特急：来电人说“{said}”", evidence),),
    )


def deliver_until(deliverer: Deliverer, done, timeout_s: float = 15.0) -> None:
    """Run passes (as the deliverer's loop does) until ``done()`` or the time is up."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "not delivered in time"
        deliverer.deliver_due()
        time.sleep(0.05)


def log(settings):
    return {r["delivery_id"]: r for r in admin.deliveries(settings.db_path)}


# -- subscriptions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, events, message", [
    ("ftp://orders.local/hook", "urgent_case", "only http:// and https://"),
    ("http://orders.local:99999/hook", "urgent_case", "not a usable URL"),
    ("https:///hook", "urgent_case", "has no host"),
    ("http://user:pw@orders.local/hook", "urgent_case", "user name or password"),
    ("http://orders.local/hook", "urgent_case,urgent", "unknown event 'urgent'"),
])
def test_bad_input_is_one_clear_line_and_stores_nothing(tmp_path, url, events, message):
    from qc.cli import app

    db = tmp_path / "qc.duckdb"
    result = CliRunner().invoke(app, ["webhooks", "add", url, "--events", events, "--db", str(db)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    if db.exists():
        assert rows(db, "SELECT count(*) FROM webhook_subscriptions") == [(0,)]


def test_add_prints_the_secret_once_and_list_never_shows_it(tmp_path):
    from qc.cli import app

    db = tmp_path / "qc.duckdb"
    added = CliRunner().invoke(app, ["webhooks", "add", "http://10.0.0.5:8000/qc", "--events", "urgent_case,run_finished", "--db", str(db)])
    assert added.exit_code == 0, added.output
    secret = re.search(r"whsec_\S+", added.output).group(0)
    listed = CliRunner().invoke(app, ["webhooks", "list", "--db", str(db)])
    assert listed.exit_code == 0 and "wh_" in listed.output and secret not in listed.output
    assert rows(db, "SELECT url, events FROM webhook_subscriptions") == [("http://10.0.0.5:8000/qc", ["urgent_case", "run_finished"])]


# -- delivery ------------------------------------------------------------------------------------------


def test_an_event_is_delivered_signed_with_its_id_and_logged(hook_settings, receiver):
    made = admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
    with Store(hook_settings.db_path) as store:
        store.record_run(run_row())
    deliverer = Deliverer(hook_settings)
    try:
        deliverer.deliver_until_idle()
    finally:
        deliverer.stop()
    (got,) = receiver.wait_for(1)
    assert verify(made.secret, got.headers["X-QC-Signature"], got.body)
    assert not verify("whsec_wrong", got.headers["X-QC-Signature"], got.body)
    assert not verify(made.secret, got.headers["X-QC-Signature"], got.body + b" ")
    event = got.event
    assert event["type"] == "run_finished" and got.headers["X-QC-Event-Id"] == event["id"]
    assert event["data"]["scored"] == 3 and event["data"]["recordings_date"] == "2026-11-24"
    (entry,) = log(hook_settings).values()
    assert (entry["status"], entry["attempts"], entry["last_status_code"], entry["event_id"]) == ("delivered", 1, 204, event["id"])


def test_a_receiver_that_is_down_is_retried_until_it_comes_up(hook_settings):
    receiver = Receiver()
    receiver.start()
    port = receiver.port
    receiver.stop()  # nothing listens on the port now: connection refused
    admin.subscribe(hook_settings.db_path, f"http://127.0.0.1:{port}/hooks", "run_finished")
    with Store(hook_settings.db_path) as store:
        store.record_run(run_row())
    deliverer = Deliverer(hook_settings)
    try:
        assert deliverer.deliver_due().failed == 1
        (entry,) = log(hook_settings).values()
        assert entry["status"] == "pending" and entry["attempts"] == 1 and "could not connect" in entry["last_error"]
        assert entry["next_attempt_at"] > entry["last_attempt_at"]  # backed off, not at once
        up = Receiver(port=port).start()
        try:
            deliver_until(deliverer, lambda: up.received)
        finally:
            up.stop()
    finally:
        deliverer.stop()
    (entry,) = log(hook_settings).values()
    assert entry["status"] == "delivered" and entry["attempts"] == 2


def test_a_slow_receiver_times_out_and_the_same_event_is_sent_again(hook_settings):
    receiver = Receiver(mode="slow", delay_s=1.5).start()
    try:
        admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
        with Store(hook_settings.db_path) as store:
            store.record_run(run_row())
        deliverer = Deliverer(hook_settings)
        try:
            assert deliverer.deliver_due().failed == 1
            (entry,) = log(hook_settings).values()
            assert entry["status"] == "pending" and "no answer within 0.5 s" in entry["last_error"]
            receiver.mode = "ok"
            deliver_until(deliverer, lambda: log(hook_settings)[entry["delivery_id"]]["status"] == "delivered")
        finally:
            deliverer.stop()
        first, second = receiver.received[:2]
        assert first.event["id"] == second.event["id"] and (first.headers["X-QC-Attempt"], second.headers["X-QC-Attempt"]) == ("1", "2")
    finally:
        receiver.stop()


def test_server_errors_fail_after_max_attempts_and_replay_delivers(hook_settings):
    receiver = Receiver(mode="error").start()
    try:
        admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
        with Store(hook_settings.db_path) as store:
            store.record_run(run_row())
        deliverer = Deliverer(hook_settings)
        try:
            deliver_until(deliverer, lambda: list(log(hook_settings).values())[0]["status"] == "failed")
            (entry,) = log(hook_settings).values()
            assert entry["attempts"] == FAST.max_attempts == len(receiver.received)
            assert entry["last_status_code"] == 500 and entry["last_error"].startswith("HTTP 500")
            assert deliverer.deliver_until_idle().attempted == 0  # failed for good: not tried again by itself
            receiver.mode = "ok"
            assert admin.replay(hook_settings.db_path, since=datetime(2026, 1, 1)) == [entry["delivery_id"]]
            assert deliverer.deliver_until_idle().delivered == 1
        finally:
            deliverer.stop()
        after = log(hook_settings)[entry["delivery_id"]]
        assert (after["status"], after["attempts"], after["last_status_code"]) == ("delivered", 1, 204)
        assert len({r.event["id"] for r in receiver.received}) == 1
    finally:
        receiver.stop()


def test_backoff_doubles_with_jitter_up_to_the_cap():
    import random

    rng = random.Random(7)
    waits = [[backoff_s(n, 5.0, 60.0, rng) for n in (1, 2, 3, 4, 5)] for _ in range(200)]
    for n, base in enumerate((5, 10, 20, 40, 60)):
        column = [w[n] for w in waits]
        assert 0.5 * base <= min(column) and max(column) <= 1.5 * base
        assert max(column) - min(column) > 0.5 * base  # jitter spreads senders out


def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(hook_settings, receiver):
    made = admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
    new_secret, _ = admin.rotate(hook_settings.db_path, made.subscription_id, grace_hours=1)
    with Store(hook_settings.db_path) as store:
        store.record_run(run_row("run-1"))
    deliverer = Deliverer(hook_settings)
    try:
        deliverer.deliver_until_idle()
        newest, _ = admin.rotate(hook_settings.db_path, made.subscription_id, grace_hours=0)
        with Store(hook_settings.db_path) as store:
            store.record_run(run_row("run-2"))
        deliverer.deliver_until_idle()
    finally:
        deliverer.stop()
    during, after = receiver.wait_for(2)
    assert during.headers["X-QC-Signature"].count("v1=") == 2
    assert verify(made.secret, during.headers["X-QC-Signature"], during.body)
    assert verify(new_secret, during.headers["X-QC-Signature"], during.body)
    assert after.headers["X-QC-Signature"].count("v1=") == 1 and verify(newest, after.headers["X-QC-Signature"], after.body)
    assert not verify(new_secret, after.headers["X-QC-Signature"], after.body)


def test_removing_a_subscription_cancels_what_it_has_not_received(hook_settings):
    made = admin.subscribe(hook_settings.db_path, "http://127.0.0.1:9/never", "run_finished")
    with Store(hook_settings.db_path) as store:
        store.record_run(run_row())
    assert admin.unsubscribe(hook_settings.db_path, made.subscription_id) == 1
    assert [e["status"] for e in log(hook_settings).values()] == ["cancelled"]
    with Store(hook_settings.db_path) as store:
        store.record_run(run_row("run-2"))  # nobody subscribed now: no event is kept
    assert rows(hook_settings.db_path, "SELECT count(*) FROM webhook_events") == [(1,)]


# -- the outbox: written with the data, or not at all --------------------------------------------------


CRASH = textwrap.dedent("""
    import os, sys
    from datetime import datetime
    from qc.store import Store
    db, commit = sys.argv[1], sys.argv[2] == "commit"
    row = dict(run_id="run-" + sys.argv[2], kind="score", source="x", started_at=datetime(2026, 11, 25), scored=1, failed=0)
    store = Store(db)
    if commit:
        store.record_run(row)
        os._exit(0)  # killed right after storing: nothing delivered yet
    ctx = store.transaction()
    con = ctx.__enter__()
    con.execute("INSERT INTO runs (run_id, kind) VALUES (?, 'score')", [row["run_id"]])
    store._add_events(con, lambda: [__import__("qc.webhooks.events", fromlist=["run_event"]).run_event(row)])
    os._exit(1)  # killed inside the transaction, before it commits
""")


def test_a_killed_writer_neither_loses_nor_invents_an_event(hook_settings, receiver):
    admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
    from qc.store import close_all

    close_all()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for how in ("rollback", "commit"):
        subprocess.run([sys.executable, "-c", CRASH, str(hook_settings.db_path), how], env=env, cwd=ROOT, timeout=120)
    assert rows(hook_settings.db_path, "SELECT run_id FROM runs") == [("run-commit",)]
    assert rows(hook_settings.db_path, "SELECT subject FROM webhook_events") == [("run-commit",)]
    deliverer = Deliverer(hook_settings)
    try:
        deliverer.deliver_until_idle()
    finally:
        deliverer.stop()
    assert [r.event["data"]["run_id"] for r in receiver.wait_for(1)] == ["run-commit"]


def test_an_event_of_a_rolled_back_write_is_never_delivered(hook_settings, receiver, monkeypatch):
    admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case,call_scored")
    real = Store._add_events

    def then_fail(self, con, build):
        real(self, con, build)
        assert con.execute("SELECT count(*) FROM webhook_events").fetchone()[0] == 2  # written, not yet committed
        raise OSError("disk full")

    monkeypatch.setattr(Store, "_add_events", then_fail)
    with Store(hook_settings.db_path) as store, pytest.raises(OSError):
        store.write([urgent_call()])
    monkeypatch.undo()
    deliverer = Deliverer(hook_settings)
    try:
        assert deliverer.deliver_until_idle().attempted == 0
    finally:
        deliverer.stop()
    assert rows(hook_settings.db_path, "SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM webhook_events)") == [(0, 0)]
    assert receiver.received == []


def test_a_batch_write_tells_of_the_urgent_case_once_with_redacted_text(hook_settings, receiver):
    made = admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case,call_scored,critical_fail")
    with Store(hook_settings.db_path) as store:
        store.write([urgent_call()])
        store.write([urgent_call()])  # scored again (--force): a new call_scored, the same urgent case is not news
    deliverer = Deliverer(hook_settings)
    try:
        deliverer.deliver_until_idle()
    finally:
        deliverer.stop()
    got = receiver.wait_for(3)
    kinds = sorted(r.event["type"] for r in got)
    assert kinds == ["call_scored", "call_scored", "urgent_case"]
    urgent = next(r for r in got if r.event["type"] == "urgent_case")
    assert verify(made.secret, urgent.headers["X-QC-Signature"], urgent.body)
    text = urgent.body.decode("utf-8")
    assert "13812345678" not in text and "[手机号]" in text and "不想活" in text
    assert urgent.event["data"]["call_id"] == urgent_call().call_id and urgent.event["data"]["urgency_title"] == "特急"
    assert "caller_hash" not in urgent.event["data"] and "path" not in urgent.event["data"]


def test_urgent_kinds_go_out_before_a_backlog_of_scored_calls(hook_settings, receiver):
    admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case,call_scored")
    with Store(hook_settings.db_path) as store:
        for i in range(12):
            store.write([CallResult(call_id=f"call{i:04d}", path="x.wav", status="scored", meta=CallMeta(line="12345"),
                                    pipeline_version="test", scored_at=datetime.now(timezone.utc), score=90.0)])
        store.write([urgent_call()])
    deliverer = Deliverer(hook_settings.model_copy(update={"webhooks": FAST.model_copy(update={"concurrency": 1})}))
    try:
        deliverer.deliver_due()
    finally:
        deliverer.stop()
    assert receiver.wait_for(1)[0].event["type"] == "urgent_case"


def test_a_deliverer_in_serve_and_one_on_the_command_line_send_each_event_once(hook_settings, receiver):
    """One deliverer in this process (as in `qc serve`) and `qc webhooks deliver` in another, on 30 events."""
    admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
    in_process = Deliverer(hook_settings)
    in_process.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QC_WEBHOOKS__POLL_S": "0.05", "QC_WEBHOOKS__TIMEOUT_S": "2"}
    other = subprocess.Popen([sys.executable, "-m", "qc.cli", "webhooks", "deliver", "--db", str(hook_settings.db_path)],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for i in range(30):
            with Store(hook_settings.db_path) as store:
                store.record_run(run_row(f"run-{i}"))
            time.sleep(0.05)
        got = receiver.wait_for(30, timeout_s=60)
        time.sleep(1.0)  # anything sent twice would arrive by now
    finally:
        other.terminate()
        _, stderr = other.communicate(timeout=30)
        in_process.stop(timeout=10)
    ids = [r.event["id"] for r in receiver.received]
    assert len(got) >= 30 and len(ids) == len(set(ids)) == 30, stderr.decode()[-2000:]
    statuses = rows(hook_settings.db_path, "SELECT status, count(*), max(attempts) FROM webhook_deliveries GROUP BY ALL")
    assert statuses == [("delivered", 30, 1)]


def raise_live_alerts(settings, receiver, call_id: str, agent_id: str, alerts: list, expected: int) -> tuple[float, list]:
    """``alerts`` raised on one live call through LiveService.raise_alert (the event loop, the writer thread), with a
    deliverer running; the time the first was raised and the ``expected`` deliveries the receiver got."""
    import asyncio

    from qc.live.service import LiveService

    deliverer = Deliverer(settings)
    deliverer.start()
    service = LiveService(settings)

    class Start:
        pass

    Start.call_id, Start.agent_id, Start.line = call_id, agent_id, "12345"

    class State:
        call = type("Call", (), {"start": Start})()
        alerts = 0

    async def raise_all() -> float:
        await service.start()
        stored_at = time.time()
        for alert in alerts:
            service.raise_alert(State(), alert)
        return stored_at

    try:
        stored_at = asyncio.run(raise_all())
        got = receiver.wait_for(expected, timeout_s=20)
        time.sleep(0.3)
    finally:
        deliverer.stop()
        service.writer.shutdown(wait=True)
    return stored_at, got


def test_a_live_alert_is_stored_with_its_event_and_delivered_at_once(hook_settings, receiver):
    """The live path's own write (LiveService.raise_alert on the event loop, the writer thread) and a running deliverer."""
    from qc.live.call import LiveAlert

    admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case,caller_distress")
    alerts = [LiveAlert(kind, "critical", 12.5, "来电人说：不想活了，电话13812345678", "caller at risk",
                        ("不想活了", "13812345678"), time.time()) for kind in ("urgent_case", "agent_agitated")]
    stored_at, (got,) = raise_live_alerts(hook_settings, receiver, "live-7", "A22", alerts, 1)
    assert len(receiver.received) == 1  # agent_agitated is not a webhook event
    assert got.event["type"] == "urgent_case" and got.event["source"] == "live"
    assert got.event["data"]["live_call_id"] == "live-7" and got.event["data"]["line"] == "12345"
    assert "13812345678" not in got.body.decode() and got.event["data"]["evidence"] == ["不想活了", "[手机号]"]
    assert rows(hook_settings.db_path, "SELECT kind FROM live_alerts ORDER BY alert_id") == [("urgent_case",), ("agent_agitated",)]
    assert got.at - stored_at < 5.0


@pytest.mark.model
def test_a_sample_calls_urgent_case_reaches_the_receiver_from_the_batch_writer(hook_settings, receiver):
    """A real sample call heard once (``hear``), judged and stored as the batch's writer does; a deliverer running."""
    from qc.judge import judge
    from qc.rescore import rescore
    from qc.sources import read_meta
    from tests.conftest import SAMPLES, hear

    made = admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case,caller_distress,call_scored")
    path = SAMPLES / "zh_stereo_8k_agitated_distress.flac"
    heard = hear(path, read_meta(path, CallMeta()), hook_settings)
    deliverer = Deliverer(hook_settings)
    deliverer.start()
    try:
        with Store(hook_settings.db_path) as store:
            result = judge(heard, store, hook_settings)
            store.write([result])
        stored_at = time.time()
        got = receiver.wait_for(3, timeout_s=20)
        rescore(hook_settings, line="12345")  # the same rubric again: nothing new to tell
        time.sleep(1.0)
    finally:
        deliverer.stop()
    assert sorted(r.event["type"] for r in receiver.received) == ["call_scored", "caller_distress", "urgent_case"]
    urgent = next(r for r in got if r.event["type"] == "urgent_case")
    assert verify(made.secret, urgent.headers["X-QC-Signature"], urgent.body)
    data = urgent.event["data"]
    assert data["call_id"] == result.call_id and data["urgency_title"] == "特急" and data["agent_id"] == "A007"
    stored = rows(hook_settings.db_path, "SELECT message FROM alerts WHERE call_id = ? AND kind = 'urgent_case'", result.call_id)
    assert [a["message"] for a in data["alerts"]] == [m for (m,) in stored]  # the stored, redacted words
    assert urgent.at - stored_at < 5.0


def test_qc_serve_delivers_events_another_process_stores(hook_settings, receiver):
    """`qc serve` as an operator starts it runs a deliverer; the batch (this process) only writes the outbox."""
    from qc.store import close_all
    from qc.testing.browser import start_qc_serve

    made = admin.subscribe(hook_settings.db_path, receiver.url, "run_finished")
    close_all()
    server, _ = start_qc_serve(hook_settings.db_path, secret="hooks-test", env={"PYTHONPATH": str(ROOT)})
    try:
        with Store(hook_settings.db_path) as store:
            store.record_run(run_row())
        stored_at = time.time()
        (got,) = receiver.wait_for(1, timeout_s=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert verify(made.secret, got.headers["X-QC-Signature"], got.body) and got.event["data"]["run_id"] == "run-1"
    assert got.at - stored_at < 10.0


def test_a_rescore_that_finds_an_urgent_case_tells_of_it(hook_settings, receiver):
    """A stored call judged normal, re-scored (no recognition) with the line's rubric: the caller's words are urgent."""
    from qc.records import AudioInfo, Utterance
    from qc.rescore import rescore

    said = (("agent", 0.5, 3.0, "您好，请问有什么可以帮您"), ("caller", 4.0, 8.0, "我真的不想活了"),
            ("agent", 9.0, 12.0, "您先别挂电话，我马上帮您转接"))
    call = CallResult(call_id="feed00000000000000000001", path="x.wav", status="scored", meta=CallMeta(line="12345", agent_id="A007"),
                      pipeline_version="test", scored_at=datetime.now(timezone.utc), score=90.0, rubric_id="12345",
                      audio=AudioInfo("x.wav", "0" * 64, 400_000, "wav", 8000, 2, 25.0),
                      utterances=tuple(Utterance(role, role, a, b, text) for role, a, b, text in said))
    with Store(hook_settings.db_path) as store:
        store.write([call])
    admin.subscribe(hook_settings.db_path, receiver.url, "urgent_case")
    rescore(hook_settings, line="12345")
    rescore(hook_settings, line="12345")  # the same again: nothing new
    deliverer = Deliverer(hook_settings)
    try:
        deliverer.deliver_until_idle()
    finally:
        deliverer.stop()
    (got,) = receiver.wait_for(1)
    assert (got.event["type"], got.event["source"], got.event["data"]["call_id"]) == ("urgent_case", "rescore", call.call_id)
    assert "不想活" in got.event["data"]["alerts"][0]["message"]
    time.sleep(0.2)
    assert len(receiver.received) == 1


def test_danger_and_possible_crisis_on_a_live_call_are_events_of_their_own(hook_settings, receiver):
    """A caller reporting danger, or a weak sign of crisis, reaches the duty supervisor's systems too (recall first)."""
    from qc.live.call import LiveAlert

    admin.subscribe(hook_settings.db_path, receiver.url, "caller_danger,possible_crisis")
    alerts = [LiveAlert(kind, severity, 3.0, "来电人说：楼道里全是烟", "smoke in the stairwell", ("全是烟",), time.time())
              for kind, severity in (("caller_danger", "critical"), ("possible_crisis", "high"), ("urgent_case", "critical"))]
    _, got = raise_live_alerts(hook_settings, receiver, "live-9", "A23", alerts, 2)
    assert sorted(g.event["type"] for g in receiver.received) == ["caller_danger", "possible_crisis"]  # not subscribed: urgent_case
    assert {g.event["source"] for g in got} == {"live"}
