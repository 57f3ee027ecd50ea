"""Running as services, the fast part: the supervisor's configuration, `qc doctor`, bad input met by the service
commands (one line, non-zero exit), and the web app's /healthz and /readyz on a real server.

The whole set started under supervisord is tests/test_deploy.py (slow).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from qc.config import DeployConfig, load_settings
from qc.shipped import shipped_dir
from qc.testing.browser import free_port, start_qc_serve

CAMPPLUS = shipped_dir("models") / "campplus" / "campplus_cn_en_common.onnx"


def qc(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "300", **(env or {})}
    environment.pop("PREFECT_API_URL", None)
    return subprocess.run([sys.executable, "-m", "qc.cli", *args], env=environment, capture_output=True, text=True,
                          timeout=timeout)


def write_config(tmp_path: Path, **sections: str) -> Path:
    config = tmp_path / "qc.yaml"
    text = f"db_path: {tmp_path / 'qc.duckdb'}\n" + "".join(f"{k}: {v}\n" for k, v in sections.items())
    config.write_text(text, encoding="utf-8")
    return config


def models_copy(tmp_path: Path, campplus: bytes | None) -> Path:
    """A copy of the shipped models folder, with the CAM++ file as given (None: missing)."""
    models = tmp_path / "models"
    shutil.copytree(shipped_dir("models"), models)
    target = models / "campplus" / CAMPPLUS.name
    if campplus is None:
        target.unlink()
    else:
        target.write_bytes(campplus)
    return models


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].strip().startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def doctor_line(result: subprocess.CompletedProcess, check: str) -> str:
    (line,) = [line for line in result.stdout.splitlines() if line.split(":")[0].split(None, 1)[-1] == check]
    return line


# ------------------------------------------------------------------------------------------ the configuration


def test_rendered_configuration_runs_three_services_stopped_as_groups(tmp_path):
    from supervisor.options import ServerOptions

    from qc.deploy.supervisor import render

    settings = load_settings(db_path=tmp_path / "qc.duckdb",
                             deploy=DeployConfig(run_dir=tmp_path / "run dir", recordings_root=tmp_path / "rec", prefect_port=4299))
    text = render(settings, "/opt/qc/bin/python", tmp_path / "qc.yaml", tmp_path)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(text)
    (tmp_path / "run dir" / "logs").mkdir(parents=True)  # as `qc deploy render` makes it
    options = ServerOptions()  # supervisord's own parser: what it would run
    options.realize(args=["-c", str(conf)])
    programs = {group.name: group.process_configs[0] for group in options.process_group_configs}
    assert set(programs) == {"prefect-server", "web", "worker"}
    assert programs["web"].command == "/opt/qc/bin/python -m qc.cli serve"
    assert programs["worker"].command == "/opt/qc/bin/python -m qc.cli deploy worker"
    assert all(p.stopasgroup and p.killasgroup and p.autorestart for p in programs.values())
    assert programs["prefect-server"].priority < programs["web"].priority < programs["worker"].priority
    for program in programs.values():
        assert program.environment["PREFECT_API_URL"] == "http://127.0.0.1:4299/api"
        assert program.environment["QC_CONFIG"] == str(tmp_path / "qc.yaml")
        assert program.environment["PREFECT_HOME"] == str(tmp_path / "run dir" / "prefect-home")
    assert str(tmp_path / "run dir" / "logs" / "web.log") == programs["web"].stdout_logfile


def test_the_worker_serves_three_deployments_on_the_deploy_schedules(tmp_path):
    from pipelines.deployments import scheduled_deployments

    settings = load_settings(deploy=DeployConfig(recordings_root=tmp_path, nightly_cron="15 2 * * *", timezone="Asia/Hong_Kong"),
                             web=load_settings().web.model_copy(update={"reports_dir": tmp_path / "reports"}))
    by_name = {d.name: d for d in scheduled_deployments(settings)}
    assert set(by_name) == {"nightly-qc", "weekly-coaching-reports", "daily-retention"}
    crons = {name: d.schedules[0].schedule.cron for name, d in by_name.items()}
    assert crons == {"nightly-qc": "15 2 * * *", "weekly-coaching-reports": "0 6 * * 1", "daily-retention": "30 3 * * *"}
    assert {d.schedules[0].schedule.timezone for d in by_name.values()} == {"Asia/Hong_Kong"}
    # By module path, so a worker anywhere finds the flows: not a file path relative to where it was started.
    assert by_name["daily-retention"].entrypoint == "pipelines.retention.retention"
    assert by_name["nightly-qc"].parameters == {"root": str(tmp_path.resolve())}
    assert by_name["weekly-coaching-reports"].parameters == {"out": str((tmp_path / "reports").resolve())}


def test_the_worker_needs_the_recordings_root():
    from pipelines.deployments import scheduled_deployments
    from qc.errors import ConfigError

    with pytest.raises(ConfigError, match="deploy.recordings_root is not set"):
        scheduled_deployments(load_settings())


def test_a_path_supervisord_cannot_take_is_refused(tmp_path):
    from qc.deploy.supervisor import render
    from qc.errors import ConfigError

    settings = load_settings(deploy=DeployConfig(run_dir=tmp_path / "100%", recordings_root=tmp_path))
    with pytest.raises(ConfigError, match="cannot take a '%'"):
        render(settings, sys.executable, None, tmp_path)


def test_render_needs_the_recordings_root(tmp_path):
    result = qc("deploy", "render", "--config", str(write_config(tmp_path, deploy=f"{{run_dir: {tmp_path / 'run'}}}")))
    assert result.returncode == 2
    assert "deploy.recordings_root is not set" in one_error_line(result)


def test_render_writes_a_private_file(tmp_path):
    config = write_config(tmp_path, deploy=f"{{run_dir: {tmp_path / 'run'}, recordings_root: {tmp_path}}}")
    result = qc("deploy", "render", "--config", str(config))
    assert result.returncode == 0, result.stderr
    written = tmp_path / "run" / "supervisord.conf"
    assert written.stat().st_mode & 0o077 == 0
    assert f'QC_CONFIG="{config}"' in written.read_text()


# --------------------------------------------------------------------------------------------- qc doctor


def test_doctor_passes_on_a_working_installation(tmp_path):
    result = qc("doctor", "--config", str(write_config(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("model whisper-base", "model campplus-zh-en", "store", "recordings", "prefect api", "postgresql", "chromium",
                  "cjk fonts"):
        doctor_line(result, check)
    assert doctor_line(result, "model whisper-base").startswith("ok")
    assert doctor_line(result, "prefect api").startswith("skip")


def test_a_missing_model_file_is_one_line_and_doctor_names_it(tmp_path):
    config = write_config(tmp_path, models_dir=str(models_copy(tmp_path, None)))
    verify = qc("models", "--verify", "--config", str(config))
    assert verify.returncode == 1
    assert "campplus" in one_error_line(verify) and "is missing" in verify.stderr
    doctor = qc("doctor", "--config", str(config))
    assert doctor.returncode == 1
    line = doctor_line(doctor, "model campplus-zh-en")
    assert line.startswith("fail") and "is missing" in line and "fix:" in line
    assert doctor_line(doctor, "model whisper-base").startswith("ok")  # only the broken one is named


def test_a_recordings_root_that_is_not_there_is_named(tmp_path):
    doctor = qc("doctor", "--config", str(write_config(tmp_path, deploy=f"{{recordings_root: {tmp_path / 'nowhere'}}}")))
    assert doctor.returncode == 1
    assert doctor_line(doctor, "recordings").startswith("fail") and "is not a folder" in doctor_line(doctor, "recordings")


def test_a_wrong_checksum_is_one_line_and_doctor_names_it(tmp_path):
    config = write_config(tmp_path, models_dir=str(models_copy(tmp_path, b"not the CAM++ weights")))
    verify = qc("models", "--verify", "--config", str(config))
    assert verify.returncode == 1
    assert "fails its checksum" in one_error_line(verify)
    doctor = qc("doctor", "--config", str(config))
    assert doctor.returncode == 1
    assert "fails its checksum" in doctor_line(doctor, "model campplus-zh-en")
    assert doctor.stdout.strip().splitlines()[-1].endswith("model campplus-zh-en")


def test_the_genuine_file_passes_the_same_check(tmp_path):
    # The copy above differs from the genuine file only in its bytes: the check is the checksum, not the name.
    genuine = CAMPPLUS.read_bytes()
    assert hashlib.sha256(genuine).hexdigest().startswith("993434ed")
    config = write_config(tmp_path, models_dir=str(models_copy(tmp_path, genuine)))
    assert doctor_line(qc("doctor", "--config", str(config)), "model campplus-zh-en").startswith("ok")


def test_a_prefect_server_that_is_down_is_one_line_and_doctor_names_it(tmp_path):
    down = f"http://127.0.0.1:{free_port()}/api"
    config = write_config(tmp_path, deploy=f"{{prefect_api_url: '{down}', prefect_wait_s: 1, recordings_root: {tmp_path}}}")
    worker = qc("deploy", "worker", "--config", str(config))
    assert worker.returncode == 2
    line = one_error_line(worker)
    assert "Prefect API" in line and "refused the connection" in line and "supervisorctl start prefect-server" in line
    doctor = qc("doctor", "--config", str(config))
    assert doctor.returncode == 1
    assert doctor_line(doctor, "prefect api").startswith("fail") and "refused" in doctor_line(doctor, "prefect api")


def test_a_postgresql_that_refuses_is_one_line_and_doctor_names_it(tmp_path):
    refused = f"postgresql+asyncpg://prefect:s3cret-password@127.0.0.1:{free_port()}/prefect"
    config = write_config(tmp_path, deploy=f"{{prefect_database_url: '{refused}'}}")
    server = qc("deploy", "prefect-server", "--config", str(config))
    assert server.returncode == 2
    line = one_error_line(server)
    assert "PostgreSQL prefect@127.0.0.1:" in line and "refused the connection" in line
    doctor = qc("doctor", "--config", str(config))
    assert doctor.returncode == 1
    assert doctor_line(doctor, "postgresql").startswith("fail")
    assert "s3cret" not in server.stderr + doctor.stdout  # the password never reaches a terminal or a log


def test_a_sqlite_prefect_database_is_refused(tmp_path):
    config = write_config(tmp_path, deploy="{prefect_database_url: 'sqlite+aiosqlite:///prefect.db'}")
    server = qc("deploy", "prefect-server", "--config", str(config))
    assert server.returncode == 2 and "must be a PostgreSQL URL" in one_error_line(server)


# ----------------------------------------------------------------------------------- /healthz and /readyz


@pytest.fixture(scope="module")
def web_with_prefect_down(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("web")
    down = f"http://127.0.0.1:{free_port()}/api"
    server, base = start_qc_serve(tmp_path / "qc.duckdb", secret="test-secret-key-not-for-production",
                                  env={"QC_DEPLOY__PREFECT_API_URL": down, "QC_WEB__DB_WAIT_S": "0.5"})
    try:
        yield base, tmp_path / "qc.duckdb"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_health_and_readiness_need_no_sign_in_and_name_what_failed(web_with_prefect_down):
    base, db = web_with_prefect_down
    health = httpx.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert health.headers["cache-control"] == "no-store"
    ready = httpx.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "checks": {"store": "ok", "prefect": "failed"}, "failed": ["prefect"]}
    # Nothing about the installation leaks: no port, path or error text.
    assert "127.0.0.1" not in ready.text and str(db) not in ready.text and "refused" not in ready.text


def test_readiness_fails_on_a_store_held_elsewhere(web_with_prefect_down):
    from qc.store import database

    base, db = web_with_prefect_down
    with database(db).cursor(write=True):  # this process holds the file longer than a probe waits
        ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["failed"] == ["prefect", "store"]
    assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # health touches no store


def test_readiness_without_prefect_configured(tmp_path, monkeypatch):
    from qc.web.pages_health import _prefect_state

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert _prefect_state(load_settings(db_path=tmp_path / "qc.duckdb")) == "not configured"
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    assert _prefect_state(load_settings(db_path=tmp_path / "qc.duckdb")) == "failed"
