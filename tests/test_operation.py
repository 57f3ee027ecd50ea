"""hotline-qc as a hotline runs it: threads and processes on one store at once, a web app under
concurrent load, a WebSocket that waits for the store, busy and broken databases at the command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from qc.cli import app
from qc.records import CallMeta
from qc.store import Store, StoreBusy, close_all, database
from qc.testing.browser import free_port, serving, start_qc_serve
from tests.test_store import result

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "operation-password"


def synthetic_site(folder: Path, calls: int = 40):
    """A store of scored calls (no speech recognition needed) and the people who use it."""
    from qc.accounts import add_agent, add_user, create_token
    from qc.config import WebConfig, load_settings

    settings = load_settings(db_path=folder / "qc.duckdb", web=WebConfig(secret_key="operation-test", max_failed_logins=1000))
    with Store(settings.db_path) as store:
        store.write([result(f"call{i:04d}", text=f"您好，请问有什么可以帮您，第{i}个电话") for i in range(calls)])
        add_agent(store.con, "A001", team="north", line="12345")
        add_user(store.con, "qa", PASSWORD, "inspector")
        add_user(store.con, "fork", PASSWORD, "recorder")
        token = create_token(store.con, "fork", "media fork")
    close_all()
    return settings, token


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _hold_turn(path: Path, seconds: float) -> subprocess.Popen:
    """Another hotline-qc process (a rescore, a batch write) holding the store for ``seconds``."""
    code = ("import sys, time; from qc.store import database\n"
            "with database(sys.argv[1]).cursor():\n"
            "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n")
    proc = _python(code, str(path), str(seconds))
    assert proc.stdout.readline().strip() == "held", proc.stderr.read()
    return proc


def _hold_foreign(path: Path, seconds: float) -> subprocess.Popen:
    """A program outside hotline-qc (the duckdb CLI) holding the file."""
    code = ("import sys, time, duckdb\nc = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print('held', flush=True); time.sleep(float(sys.argv[2])); c.close()\n")
    proc = _python(code, str(path), str(seconds))
    assert proc.stdout.readline().strip() == "held", proc.stderr.read()
    return proc


# ---------------------------------------------------------------- one database per process

def test_threads_share_one_database_instance_and_never_collide(tmp_path):
    path = tmp_path / "qc.duckdb"
    db = database(path)
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        start.wait()
        try:
            for i in range(15):
                if i % 3 == 0:
                    with Store(path) as store:
                        store.write([result(f"t{n:02d}-{i:02d}")])
                else:
                    with db.cursor(write=False) as cur:
                        cur.execute("SELECT count(*) FROM calls").fetchone()
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.cursor(write=False) as cur:
        assert cur.execute("SELECT count(*) FROM calls").fetchone()[0] == 16 * 5
    assert db.opens <= 2  # one instance served all sixteen threads (a second open only if it went idle)


def test_a_page_that_only_reads_cannot_write(tmp_path):
    import duckdb

    with pytest.raises(duckdb.TransactionException, match="read-only"):
        with database(tmp_path / "qc.duckdb").cursor(write=False) as cur:
            cur.execute("INSERT INTO runs (run_id) VALUES ('x')")


def test_processes_take_turns_and_a_waiting_one_is_let_in_quickly(tmp_path):
    path = tmp_path / "qc.duckdb"
    Store(path).close()
    close_all()
    # Another process takes the store again and again for 8 s, as the batch's writer does after each call.
    code = ("import sys, time; from qc.store import Store\nfrom tests.test_store import result\n"
            "end = time.monotonic() + 8; n = 0\nprint('started', flush=True)\n"
            "while time.monotonic() < end:\n"
            "    with Store(sys.argv[1]) as s: s.write([result(f'w{n}')]); time.sleep(0.05)\n"
            "    n += 1\nprint(n)\n")
    writer = _python(code, str(path))
    assert writer.stdout.readline().strip() == "started"
    waits = []
    for _ in range(15):
        began = time.monotonic()
        with Store(path, read_only=True, wait_s=10) as store:
            store.counts()
        waits.append(time.monotonic() - began)
        time.sleep(0.2)
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert int(out.split()[-1]) >= 5  # the writer kept going meanwhile
    # Never starved: a reader waits for one of the writer's turns at most, not for the writer's 8 s of work.
    assert max(waits) < 4.0, waits


def test_a_store_kept_busy_is_refused_in_one_line_naming_who_holds_it(tmp_path):
    path = tmp_path / "qc.duckdb"
    Store(path).close()
    close_all()
    holder = _hold_turn(path, 15)
    try:
        with pytest.raises(StoreBusy, match=rf"is busy: python -c.*\(pid {holder.pid}\)"):
            Store(path, wait_s=0.5)
        out = subprocess.run([sys.executable, "-m", "qc.cli", "db", "--db", str(path)], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "QC_DB_WAIT_S": "0.5"}, timeout=60)
        assert out.returncode == 3, out.stderr
        assert f"(pid {holder.pid})" in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------- the command line

def test_command_line_errors_are_one_line(tmp_path):
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not a database\n" * 50)
    runner = CliRunner()
    cases = [
        (["db", "--db", str(not_a_db)], 2, "is not a hotline-qc database"),
        (["show", "abc", "--db", str(not_a_db)], 2, "is not a hotline-qc database"),
        (["rubric", "check", str(ROOT / "rubrics")], 1, "is a folder"),
        (["score", str(ROOT / "audio_samples"), "--line", "99999", "--db", str(tmp_path / "qc.duckdb")], 2, "line '99999' is not configured"),
        (["db", "--db", str(tmp_path / "missing.duckdb")], 2, "no database at"),
    ]
    for args, code, words in cases:
        out = runner.invoke(app, args)
        assert out.exit_code == code, (args, out.output, out.exception)
        assert words in out.output and "Traceback" not in out.output, (args, out.output)
        assert len(out.output.strip().splitlines()) == 1, (args, out.output)


def test_qc_serve_refuses_a_file_that_is_not_a_database(tmp_path):
    not_a_db = tmp_path / "qc.duckdb"
    not_a_db.write_bytes(b"PK\x03\x04 a zip, say" * 100)
    out = subprocess.run([sys.executable, "-m", "qc.cli", "serve", "--db", str(not_a_db), "--port", str(free_port())],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "is not a hotline-qc database" in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- the web app under load

def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post("/login", data={"username": "qa", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def test_eight_clients_at_once_while_another_process_writes_get_no_errors(tmp_path):
    settings, _ = synthetic_site(tmp_path)
    with (tmp_path / "serve.log").open("w") as log:
        server, base = start_qc_serve(settings.db_path, secret="operation-test", stderr=log, timeout_s=60)
    writer = None
    try:
        clients = [_signed_in(base) for _ in range(8)]
        # Meanwhile a batch-like writer stores a call every 0.2 s from another process.
        code = ("import sys, time; from qc.store import Store\nfrom tests.test_store import result\n"
                "for n in range(60):\n    with Store(sys.argv[1]) as s: s.write([result(f'batch{n:03d}')])\n    time.sleep(0.2)\n")
        writer = _python(code, str(settings.db_path))
        pages = ["/queue", "/api/calls", "/calls/call0003", "/api/calls/call0007", "/dashboard", "/queue?q=第1", "/api/calls?page=2"]

        def browse(client: httpx.Client) -> list[int]:
            codes = []
            for i in range(40):
                page = pages[i % len(pages)]
                try:
                    codes.append(client.get(page, headers={"accept": "application/json"} if "api" in page else {}).status_code)
                except httpx.TransportError:
                    codes.append(0)  # the server dropped the connection
            return codes

        with ThreadPoolExecutor(8) as pool:
            codes = [c for batch in pool.map(browse, clients) for c in batch]
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
        assert len(codes) == 320 and set(codes) == {200}, sorted(set(codes))
        with Store(settings.db_path, read_only=True) as store:  # the writer's calls are all there, once
            assert store.con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls WHERE call_id LIKE 'batch%'").fetchone() == (60, 60)
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
        server.terminate()
        server.wait(timeout=20)
        close_all()


def test_a_live_connection_waiting_for_the_store_does_not_hold_up_other_requests(tmp_path):
    import asyncio

    import websockets

    from qc.web.app import create_app

    settings, token = synthetic_site(tmp_path)
    holder = _hold_foreign(settings.db_path, 8)  # e.g. an analyst's duckdb session
    try:
        with serving(create_app(settings)) as base:
            ws_url = base.replace("http", "ws") + "/live/calls"
            opened = threading.Event()

            async def connect() -> None:
                try:
                    async with websockets.connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=30):
                        opened.set()
                except Exception:  # noqa: BLE001 - only the timing of the other request matters here
                    opened.set()

            live = threading.Thread(target=lambda: asyncio.run(connect()), daemon=True)
            live.start()
            time.sleep(0.5)  # the recorder's connection is now waiting for the store
            began = time.monotonic()
            page = httpx.get(f"{base}/login", timeout=30)
            took = time.monotonic() - began
            assert page.status_code == 200
            assert took < 1.5, f"/login took {took:.1f} s while a WebSocket waited for the database"
            assert not opened.is_set(), "the live connection should still be waiting for the store"
            live.join(timeout=60)
    finally:
        holder.kill()
        holder.wait()
        close_all()


# ---------------------------------------------------------------- the batch's writer

def test_a_result_the_store_refuses_fails_that_call_and_the_batch_goes_on(tmp_path):
    from pipelines.score import RunSummary, _record
    from qc.config import load_settings
    from qc.judge import HeardCall

    settings = load_settings(db_path=tmp_path / "qc.duckdb")
    summary = RunSummary()
    # Numbers got past the edge somehow: a line the writer cannot judge, an agent the store cannot write.
    unknown_line = replace(result("bad1"), meta=CallMeta(line=12345, agent_id="A001"))
    unwritable = replace(result("bad2"), meta=CallMeta(line="12345", agent_id="A001", caller_hash=12345))
    _record(settings, summary, HeardCall(unknown_line), None)
    _record(settings, summary, HeardCall(unwritable), None)
    _record(settings, summary, HeardCall(result("good1")), None)
    assert (summary.scored, summary.failed) == (1, 2)
    with Store(settings.db_path, read_only=True) as store:
        rows = store.con.execute("SELECT call_id, status, failure_stage, failure_reason FROM calls ORDER BY call_id").fetchall()
    assert rows[0][:3] == ("bad1", "failed", "config") and "not configured" in rows[0][3]
    assert rows[1][:3] == ("bad2", "failed", "store") and "could not be stored" in rows[1][3]
    assert rows[2][:2] == ("good1", "scored")


def test_the_cli_names_the_busy_holder_for_a_program_outside_hotline_qc(tmp_path):
    path = tmp_path / "qc.duckdb"
    Store(path).close()
    close_all()
    holder = _hold_foreign(path, 15)
    try:
        out = subprocess.run([sys.executable, "-m", "qc.cli", "db", "--db", str(path)], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "QC_DB_WAIT_S": "0.5"}, timeout=60)
        assert out.returncode == 3
        assert re.search(rf"outside hotline-qc \(python[\d.]*, PID {holder.pid}", out.stderr), out.stderr
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------- real batches

def short_clips(folder: Path, names: list[str], seconds: float = 12.0) -> list[Path]:
    """Distinct recordings (each a different gain of a sample's opening): distinct content hashes, short to score."""
    import soundfile as sf

    audio, rate = sf.read(str(ROOT / "audio_samples" / "zh_stereo_8k_no_greeting.wav"), dtype="float32")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, name in enumerate(names):
        path = folder / f"{name}.wav"
        sf.write(str(path), audio[: int(seconds * rate)] * (0.9 - 0.05 * i), rate, subtype="PCM_16")
        paths.append(path)
    return paths


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_bad_metadata_fails_only_its_recording_and_a_rerun_adds_no_duplicates(tmp_path, model_cache):
    import json

    from pipelines.score import run_scoring
    from qc.config import load_settings
    from qc.sources import discover

    folder = tmp_path / "day"
    clips = short_clips(folder, ["a_numeric_line", "b_bad_time", "c_bad_channel", "d_no_sidecar"])
    for clip, values in zip(clips, ({"line": 12345, "agent_id": "A002"}, {"started_at": "garbage"}, {"agent_channel": 5})):
        clip.with_name(clip.stem + ".meta.json").write_text(json.dumps(values), encoding="utf-8")
    settings = load_settings(db_path=tmp_path / "qc.duckdb", model_cache_dir=model_cache)
    first = run_scoring(discover([folder]), settings)
    assert (first.scored, first.failed) == (2, 2)
    second = run_scoring(discover([folder]), settings)  # failed calls are tried again; scored ones skipped
    assert (second.scored, second.failed, second.skipped) == (0, 2, 2)
    with Store(settings.db_path, read_only=True) as store:
        calls = {Path(p).stem: (status, line, stage, reason) for p, status, line, stage, reason in store.con.execute(
            "SELECT path, status, line, failure_stage, failure_reason FROM calls").fetchall()}
    assert len(calls) == 4
    assert calls["a_numeric_line"][:2] == ("scored", "12345") and calls["d_no_sidecar"][0] == "scored"
    assert calls["b_bad_time"][:3] == ("failed", None, "metadata")
    assert "b_bad_time.meta.json: field 'started_at' = 'garbage'" in calls["b_bad_time"][3]
    assert "c_bad_channel.meta.json: field 'agent_channel' = 5: must be 0 (left) or 1 (right)" in calls["c_bad_channel"][3]


@pytest.mark.model
@pytest.mark.flow
def test_two_runs_started_together_on_a_busy_machine_both_finish(tmp_path, model_cache):
    """An operator's `qc score` while another run works, both on a fresh Prefect home, both cores kept busy."""
    clips = short_clips(tmp_path / "in", ["first", "second"], seconds=8.0)
    db = tmp_path / "qc.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), QC_MODEL_CACHE_DIR=str(model_cache))
    # Busy with other batch work, at the runs' own niceness (settings.batch_nice): burners at 0 would
    # only show that a niced run waits, and take minutes.
    burners = [subprocess.Popen([sys.executable, "-c", "import os; os.nice(10)\nwhile True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        runs = [subprocess.Popen([sys.executable, "-m", "qc.cli", "score", str(clip), "--db", str(db)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for clip in clips]
        outcomes = [run.communicate(timeout=900) for run in runs]
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    for run, (out, err) in zip(runs, outcomes):
        assert run.returncode == 0, err[-3000:]
        assert "scored 1, failed 0" in out
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls WHERE status = 'scored'").fetchone() == (2, 2)


@pytest.mark.flow
def test_a_killed_batch_leaves_no_prefect_server_behind(tmp_path):
    """SIGKILL runs no exit handler: the temporary Prefect server must end with its run anyway."""
    import signal

    clip = short_clips(tmp_path / "in", ["one"], seconds=4.0)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"))
    run = subprocess.Popen([sys.executable, "-m", "qc.cli", "score", str(clip), "--db", str(tmp_path / "qc.duckdb")], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    server = None
    while server is None and time.monotonic() < deadline and run.poll() is None:
        children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            if "prefect.server.api.server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                server = int(pid)
        time.sleep(0.2)
    assert server is not None, "the run never started its Prefect server"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Path(f"/proc/{server}").exists():
        status = Path(f"/proc/{server}/status").read_text() if Path(f"/proc/{server}/status").exists() else ""
        if "State:\tZ" in status:
            break
        time.sleep(0.2)
    status = Path(f"/proc/{server}/status").read_text() if Path(f"/proc/{server}/status").exists() else "State:\tgone"
    assert "State:\tZ" in status or "gone" in status, f"Prefect server {server} outlived its killed run"
