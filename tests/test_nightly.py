"""The nightly batch for real: a day folder, a manifest, a file still being written, Dask workers."""

import os
import re
import shutil
import time

import numpy as np
import pytest

from qc.sources import read_manifest
from tests.conftest import SAMPLES, rows, write

DAY = "2026-11-24"
CALL = "zh_stereo_8k_no_greeting.wav"


@pytest.fixture
def day_root(tmp_path):
    """<root>/2026-11-24/12345/A007/...: two calls, a manifest, and one recording still growing."""
    folder = tmp_path / "recordings" / DAY / "12345" / "A007"
    folder.mkdir(parents=True)
    shutil.copyfile(SAMPLES / CALL, folder / "call-0900.wav")
    shutil.copyfile(SAMPLES / "zh_stereo_8k_caller_first_right_agent.flac", folder / "call-0930.flac")
    write(folder / "call-0959.wav", np.zeros((8000 * 3, 2), dtype=np.float32) + 0.01, 8000)
    day = tmp_path / "recordings" / DAY
    (day / "manifest.csv").write_text(
        "file,line,agent_id,caller_hash,started_at,agent_channel\n"
        "12345/A007/call-0900.wav,12345,A007,9f3a,2026-11-24T09:00:00,0\n"
        "12345/A007/call-0930.flac,12345,A007,77c1,2026-11-24T09:30:00,1\n",
        encoding="utf-8",
    )
    old = time.time() - 3600
    for name in ("call-0900.wav", "call-0930.flac"):
        os.utime(folder / name, (old, old))  # finished an hour ago; call-0959 was written just now
    return tmp_path / "recordings"


def test_manifest_rows_become_call_metadata(day_root):
    metas = read_manifest(day_root / DAY)
    meta = metas["12345/A007/call-0930.flac"]
    assert (meta.line, meta.agent_id, meta.caller_hash, meta.agent_channel) == ("12345", "A007", "77c1", 1)
    assert meta.started_at.hour == 9


def test_a_bad_manifest_row_fails_its_recording_only_with_line_and_field(tmp_path):
    from qc.metadata import BadMetadata

    (tmp_path / "manifest.csv").write_text("file,started_at,agent_channel,line\nx.wav,yesterday,0,12345\ny.wav,2026-11-24T09:00,5,12345\n"
                                           "z.wav,2026-11-24T09:30,1,12345\n")
    metas = read_manifest(tmp_path)
    assert isinstance(metas["x.wav"], BadMetadata) and re.search(r"manifest\.csv:2: field 'started_at'", str(metas["x.wav"]))
    assert isinstance(metas["y.wav"], BadMetadata) and re.search(r"manifest\.csv:3: field 'agent_channel' = '5': must be 0", str(metas["y.wav"]))
    assert metas["z.wav"].agent_channel == 1 and metas["z.wav"].line == "12345"


def test_a_manifest_with_unusable_columns_is_refused_whole(tmp_path):
    from qc.metadata import BadMetadata

    (tmp_path / "manifest.csv").write_text("file,colour\nx.wav,red\n")
    with pytest.raises(BadMetadata, match=r"manifest\.csv: columns must be among"):
        read_manifest(tmp_path)


def test_deployment_runs_on_a_cron_schedule(tmp_path):
    from pipelines.nightly import deployment

    d = deployment(str(tmp_path), cron="30 1 * * *")
    (schedule,) = d.schedules
    assert schedule.schedule.cron == "30 1 * * *" and schedule.schedule.timezone == "Asia/Shanghai"
    assert d.parameters == {"root": str(tmp_path)}


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_nightly_run_scores_the_day_leaves_growing_files_and_resumes(settings, day_root):
    import json

    from pipelines.nightly import nightly
    from qc.webhooks import admin
    from tests.conftest import prefect_run

    admin.subscribe(settings.db_path, "http://127.0.0.1:9/roster", "run_finished")
    first = nightly(str(day_root), DAY, settings=settings, settle_seconds=60)
    assert (first.scored, first.failed, first.still_writing) == (2, 0, 1)
    calls = dict(rows(settings.db_path, "SELECT file_name, agent_id || ' ' || caller_hash FROM calls"))
    assert calls == {"call-0900.wav": "A007 9f3a", "call-0930.flac": "A007 77c1"}
    run = rows(settings.db_path, "SELECT kind, recordings_date::VARCHAR, scored, still_writing, audio_hours > 0 FROM runs")
    assert run == [("nightly", DAY, 2, 1, True)]
    # One readable flow run with its summary, and one run_finished event (the scoring subflow stores no run of its own).
    (run_id,) = rows(settings.db_path, "SELECT run_id FROM runs")[0]
    name, artifacts = prefect_run(run_id)
    assert name == f"nightly {DAY}"
    assert len(artifacts) == 1 and "| scored | 2 |" in artifacts[0] and "| still being written | 1 |" in artifacts[0]
    (event,) = rows(settings.db_path, "SELECT kind, subject, payload FROM webhook_events")
    assert event[:2] == ("run_finished", run_id) and json.loads(event[2])["data"]["scored"] == 2

    again = nightly(str(day_root), DAY, settings=settings, settle_seconds=60)
    assert (again.scored, again.skipped, again.still_writing) == (0, 2, 1)
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id) FROM calls") == [(2, 2)]
    assert rows(settings.db_path, "SELECT count(*) FROM runs") == [(2,)]


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_nightly_on_a_local_dask_cluster_of_two_worker_processes(settings, day_root):
    from pipelines.nightly import nightly

    summary = nightly(str(day_root), DAY, settings=settings, settle_seconds=60, dask_workers=2)
    assert (summary.scored, summary.failed) == (2, 0)
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id), min(utterances) FROM "
                                  "(SELECT c.call_id, count(u.idx) utterances FROM calls c JOIN utterances u USING (call_id) GROUP BY 1)") [0][:2] == (2, 2)
    assert rows(settings.db_path, "SELECT workers FROM runs") == [("dask local x2",)]


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_killed_run_resumes_redoing_only_the_call_in_flight(settings, tmp_path):
    """Kill -9 the nightly run after its first stored call; the next run finishes the day, no duplicates."""
    import signal

    _day_with_calls(tmp_path / "rec", 4)
    proc = _nightly_process(settings, tmp_path / "rec")
    _wait_for_stored(settings.db_path, 1, proc, timeout=240)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and what it started (Prefect's local server): nothing left behind
    proc.wait()
    done_before = rows(settings.db_path, "SELECT count(*) FROM calls WHERE status = 'scored'")[0][0]
    assert 1 <= done_before < 4

    from pipelines.nightly import nightly

    resumed = nightly(str(tmp_path / "rec"), DAY, settings=settings, settle_seconds=60)
    assert resumed.skipped == done_before and resumed.scored == 4 - done_before  # nothing scored twice
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id) FROM calls") == [(4, 4)]


def _nightly_process(settings, root):
    """`qc nightly run` for DAY in a process of its own (to kill, or to race)."""
    import subprocess
    import sys

    env = {**os.environ, "QC_MODEL_CACHE_DIR": str(settings.model_cache_dir)}
    cmd = [sys.executable, "-m", "qc.cli", "nightly", "run", "--root", str(root), "--date", DAY, "--db", str(settings.db_path)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _day_with_calls(root, count: int):
    """``root``/DAY holding ``count`` settled recordings; returns the day folder."""
    folder = root / DAY
    folder.mkdir(parents=True)
    _settled_copies(folder, count)
    return folder


def _settled_copies(folder, count: int, offset: int = 0) -> None:
    """``count`` different recordings (other bytes, same speech) written an hour ago."""
    import soundfile as sf

    audio, rate = sf.read(str(SAMPLES / CALL), dtype="float32")
    for i in range(offset, offset + count):
        path = folder / f"call-{i}.flac"
        write(path, np.concatenate([audio, np.zeros((int(rate * 0.1 * (i + 1)), 2), dtype=np.float32)]), rate)
        old = time.time() - 3600
        os.utime(path, (old, old))


def _wait_for_stored(db, at_least: int, proc=None, timeout: float = 300) -> int:
    from qc.store import Store

    deadline = time.time() + timeout
    stored = 0
    while time.time() < deadline and stored < at_least and (proc is None or proc.poll() is None):
        time.sleep(0.5)
        # Opened the way the writer opens it (read-write, waiting for a lock): when the run is in this
        # process, a read-only connection would be a second configuration of the same file.
        with Store(db) as store:
            stored = store.con.execute("SELECT count(*) FROM calls").fetchone()[0]
    return stored


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_recording_that_appears_during_the_run_is_scored_by_the_next_one(settings, tmp_path):
    folder = _day_with_calls(tmp_path / "rec", 3)
    proc = _nightly_process(settings, tmp_path / "rec")
    assert _wait_for_stored(settings.db_path, 1, proc) >= 1
    _settled_copies(folder, 1, offset=3)  # the recorder drops one more file into the day folder
    assert proc.wait(timeout=300) == 0
    assert rows(settings.db_path, "SELECT count(*) FROM calls") == [(3,)]  # the run kept to its plan

    from pipelines.nightly import nightly

    later = nightly(str(tmp_path / "rec"), DAY, settings=settings, settle_seconds=60)
    assert (later.scored, later.skipped) == (1, 3)
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id) FROM calls") == [(4, 4)]


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_dask_worker_killed_mid_call_loses_nothing(settings, tmp_path):
    """SIGKILL one of two Dask worker processes while it scores: Dask reruns its task elsewhere."""
    import signal
    import threading

    from distributed import LocalCluster

    from pipelines.nightly import nightly

    _day_with_calls(tmp_path / "rec", 4)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        pids = [nanny.process.pid for nanny in cluster.workers.values()]
        result: dict = {}
        runner = threading.Thread(target=lambda: result.setdefault(
            "summary", nightly(str(tmp_path / "rec"), DAY, settings=settings, settle_seconds=60, dask_address=cluster.scheduler_address)))
        runner.start()
        assert _wait_for_stored(settings.db_path, 1) >= 1
        os.kill(pids[0], signal.SIGKILL)  # that worker was busy with a call: its task is lost with it
        runner.join(timeout=600)
    summary = result["summary"]
    assert (summary.scored, summary.failed) == (4, 0)
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id), count_if(status = 'scored') FROM calls") == [(4, 4, 4)]


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_inspectors_use_the_web_app_while_the_nightly_run_writes(settings, tmp_path):
    """The web app (its own process, as deployed) and the nightly run share the DuckDB file all night."""
    import subprocess
    import sys
    import threading

    import httpx

    from pipelines.nightly import nightly
    from qc.accounts import add_user
    from qc.store import Store
    from qc.testing.browser import free_port

    _day_with_calls(tmp_path / "rec", 3)
    with Store(settings.db_path) as store:
        add_user(store.con, "night_qa", "night-shift-pass", "inspector")
    port = free_port()
    env = {**os.environ, "QC_WEB__SECRET_KEY": "night-test", "QC_MODEL_CACHE_DIR": str(settings.model_cache_dir)}
    server = subprocess.Popen([sys.executable, "-m", "qc.cli", "serve", "--db", str(settings.db_path), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    statuses: list[int] = []
    done = threading.Event()

    def inspector():
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(100):
                try:
                    client.post("/login", data={"username": "night_qa", "password": "night-shift-pass"})
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            while not done.is_set():
                statuses.append(client.get("/queue").status_code)
                time.sleep(0.1)

    reader = threading.Thread(target=inspector)
    reader.start()
    try:
        summary = nightly(str(tmp_path / "rec"), DAY, settings=settings, settle_seconds=60)
    finally:
        done.set()
        reader.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    assert (summary.scored, summary.failed) == (3, 0)
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id) FROM calls") == [(3, 3)]
    assert len(statuses) >= 10 and set(statuses) == {200}  # every page answered while the run wrote
