"""The services for real: supervisord runs `qc serve`, a Prefect server on its own PostgreSQL cluster and the worker;
a nightly deployment run triggered through the Prefect server is executed by the worker, its calls are seen in the
web app over HTTP, one service is restarted through supervisorctl, and everything stops with no process left.

Slow (a PostgreSQL cluster, three services, Whisper on two short calls): marked so `make test` runs it and the fast
lane does not.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import soundfile as sf

from qc.testing.browser import free_port
from qc.testing.postgres import postgres_bin, temporary_postgres
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.deploy, pytest.mark.flow, pytest.mark.model]

DAY = "2026-11-24"
CALLS = ("zh_stereo_8k_no_greeting.wav", "en_mono_16k_pyannote_sample.flac")
CALL_SECONDS = 15
PASSWORD = "correct-horse-battery"
BIN = Path(sys.executable).parent


def qc(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qc.cli", *args], env=env, capture_output=True, text=True, timeout=300)


def wait_for(what: str, probe, timeout_s: float, logs: Path, every_s: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = probe()
        except httpx.TransportError:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout_s:.0f} s\n{tails(logs)}")
        time.sleep(every_s)


def tails(logs: Path) -> str:
    return "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-25:])
                     for log in sorted(logs.glob("*.log")))


def processes_of(session: int, marker: str) -> dict[int, str]:
    """Live processes in ``session`` or whose environment names ``marker`` (the deployment's settings file)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            state, sid = fields[0], int(fields[3])
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        if state != "Z" and (sid == session or marker.encode() in environ):
            found[int(entry.name)] = cmdline
    return found


@pytest.fixture
def postgres_url():
    if postgres_bin() is None:
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (make test does)")
    with temporary_postgres(free_port()) as url:
        yield url


def test_services_run_a_triggered_nightly_restart_and_stop_cleanly(tmp_path, postgres_url, model_cache):
    started = time.monotonic()
    web_port, prefect_port = free_port(), free_port()
    day = tmp_path / "recordings" / DAY
    day.mkdir(parents=True)
    for name in CALLS:  # the first seconds of two bundled samples, stereo and mono: short calls, the same set-up
        audio, rate = sf.read(SAMPLES / name, frames=int(CALL_SECONDS * sf.info(SAMPLES / name).samplerate), always_2d=True)
        sf.write(day / f"{Path(name).stem}.wav", audio, rate, subtype="PCM_16")
        shutil.copy(SAMPLES / f"{Path(name).stem}.meta.json", day / f"{Path(name).stem}.meta.json")
    run_dir = tmp_path / "run"
    config = tmp_path / "qc.yaml"
    # The smallest settings the product supports: beam 1, one temperature, window diarization (no torch).
    config.write_text(f"""
db_path: {tmp_path / 'qc.duckdb'}
model_cache_dir: {model_cache}
asr: {{beam_size: 1, temperatures: [0.0], cpu_threads: 2}}
speakers: {{mono_diarization: windows}}
web: {{port: {web_port}, secret_key: test-secret-key-not-for-production}}
deploy:
  run_dir: {run_dir}
  recordings_root: {tmp_path / 'recordings'}
  prefect_port: {prefect_port}
  prefect_database_url: {postgres_url}
  prefect_ui: false
  prefect_wait_s: 240
""", encoding="utf-8")
    # A shell whose Prefect level is WARNING (what `qc` commands set for themselves) must not silence the runs' logs.
    env = {**os.environ, "QC_CONFIG": str(config), "INSPECTOR_PASSWORD": PASSWORD, "PREFECT_LOGGING_LEVEL": "WARNING"}
    for variable in ("PREFECT_API_URL", "QC_DB_PATH"):
        env.pop(variable, None)
    assert qc("users", "add", "qa1", "--role", "inspector", "--password-env", "INSPECTOR_PASSWORD", env=env).returncode == 0
    token = qc("tokens", "create", "qa1", "--name", "deploy-test", env=env).stdout.strip()
    rendered = qc("deploy", "render", "--workdir", str(tmp_path), env=env)
    assert rendered.returncode == 0, rendered.stderr
    conf = run_dir / "supervisord.conf"
    logs = run_dir / "logs"
    ctl = [str(BIN / "supervisorctl"), "-c", str(conf)]
    web, api = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{prefect_port}/api"
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    supervisord = subprocess.Popen([str(BIN / "supervisord"), "-n", "-c", str(conf)], env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Up: the web app ready means its store is readable and the Prefect server (on PostgreSQL) answers.
        wait_for("/healthz", lambda: httpx.get(f"{web}/healthz", timeout=5).status_code == 200, 120, logs)
        ready = wait_for("/readyz 200", lambda: (r := httpx.get(f"{web}/readyz", timeout=10)).status_code == 200 and r.json(),
                         300, logs, every_s=2)
        assert ready["checks"] == {"store": "ok", "prefect": "ok"}
        up_s = time.monotonic() - started
        served = {"nightly-qc", "weekly-coaching-reports", "daily-retention"}
        wait_for("the worker's three deployments", lambda: served <= {
            d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()}, 240, logs, every_s=2)
        deployment = httpx.get(f"{api}/deployments/name/nightly/nightly-qc", timeout=10).json()
        assert deployment["schedules"][0]["schedule"]["cron"] == "0 1 * * *"

        # A run of the nightly deployment, created through the Prefect server, executed by the worker.
        created = httpx.post(f"{api}/deployments/{deployment['id']}/create_flow_run",
                             json={"parameters": {"day": DAY, "settle_seconds": 0}}, timeout=10)
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]

        def finished():
            state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]["type"]
            if state in ("FAILED", "CRASHED", "CANCELLED"):
                pytest.fail(f"the nightly run ended {state}\n{tails(logs)}")
            return state == "COMPLETED"

        wait_for("the nightly run to complete", finished, 420, logs, every_s=2)
        nightly_s = time.monotonic() - started - up_s
        # The run's own log lines, as the process that ran it sent them to the Prefect server (the worker's stdout
        # does not always carry them: on a fresh clone it held only the serve banner).
        def run_logs() -> list[str]:
            found = httpx.post(f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}}, timeout=10)
            return [entry["message"] for entry in found.json()]

        messages = wait_for("the nightly run's logs", lambda: (m := run_logs()) and any("Finished in state" in x for x in m) and m,
                            60, logs)
        assert any("Beginning flow run 'nightly 2026-11-24'" in m for m in messages), messages[:5]

        queue = httpx.get(f"{web}/queue", params={"status": "all"}, headers=auth, timeout=30)
        assert queue.status_code == 200, queue.text
        calls = queue.json()["calls"]
        assert queue.json()["total"] == len(CALLS) == len(calls)
        assert all(c["status"] == "scored" for c in calls), calls
        assert sorted(c["file_name"] for c in calls) == sorted(f"{Path(name).stem}.wav" for name in CALLS)

        doctor = qc("doctor", env={**env, "PREFECT_API_URL": api})
        assert doctor.returncode == 0, doctor.stdout
        assert all(f"ok   {check}:" in doctor.stdout for check in ("prefect api", "postgresql", "store", "recordings")), doctor.stdout

        # The Prefect server stopped: the web app is not ready and says which part failed; doctor names it too.
        assert subprocess.run([*ctl, "stop", "prefect-server"], capture_output=True, timeout=120).returncode == 0
        down = httpx.get(f"{web}/readyz", timeout=30)
        assert down.status_code == 503 and down.json()["failed"] == ["prefect"]
        doctor = qc("doctor", env={**env, "PREFECT_API_URL": api})
        assert doctor.returncode == 1 and "fail prefect api:" in doctor.stdout, doctor.stdout
        assert subprocess.run([*ctl, "start", "prefect-server"], capture_output=True, timeout=120).returncode == 0
        wait_for("/readyz with the Prefect server back", lambda: httpx.get(f"{web}/readyz", timeout=10).status_code == 200,
                 180, logs, every_s=2)

        # Restart one service through the supervisor: a new process, ready again, serving the same calls.
        old_pid = subprocess.run([*ctl, "pid", "web"], capture_output=True, text=True).stdout.strip()
        restarted = subprocess.run([*ctl, "restart", "web"], capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0 and "web: started" in restarted.stdout, restarted.stdout + restarted.stderr
        new_pid = subprocess.run([*ctl, "pid", "web"], capture_output=True, text=True).stdout.strip()
        assert new_pid.isdigit() and new_pid != old_pid
        wait_for("/readyz after the restart", lambda: httpx.get(f"{web}/readyz", timeout=10).status_code == 200, 120, logs)
        assert httpx.get(f"{web}/queue", params={"status": "all"}, headers=auth, timeout=30).json()["total"] == len(CALLS)
        # The whole set is running again (the worker rides out the Prefect server's absence or is restarted).
        wait_for("all three services RUNNING", lambda: subprocess.run(
            [*ctl, "status"], capture_output=True, text=True).stdout.count("RUNNING") == 3, 180, logs, every_s=2)

        # Stop everything: supervisord and every process it or its services started are gone.
        running = processes_of(supervisord.pid, str(config))
        assert len(running) >= 4, running  # supervisord and its three services at least
        stopped = subprocess.run([*ctl, "shutdown"], capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert supervisord.wait(timeout=120) == 0
        left = wait_for_none(lambda: processes_of(supervisord.pid, str(config)), 30)
        assert not left, f"processes left after shutdown: {left}"
        print(f"\nservices ready in {up_s:.0f} s, nightly run {nightly_s:.0f} s, total {time.monotonic() - started:.0f} s")
    finally:
        if supervisord.poll() is None:  # the test failed midway: stop the set, else kill what is left
            subprocess.run([*ctl, "shutdown"], capture_output=True, timeout=60)
            try:
                supervisord.wait(timeout=120)
            except subprocess.TimeoutExpired:
                supervisord.kill()
        for pid in wait_for_none(lambda: processes_of(supervisord.pid, str(config)), 10):
            os.kill(pid, signal.SIGKILL)


def wait_for_none(probe, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found
