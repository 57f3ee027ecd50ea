"""CLI for running hotline-qc as services: `qc deploy render`, the service commands the supervisor starts
(`qc deploy prefect-server`, `qc deploy worker`), and `qc doctor`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from qc.cli.common import ConfigOpt, QcTyper, console, fail, settings_from

deploy_app = QcTyper(help="Run the web app, a Prefect server and a worker as services under supervisord.", no_args_is_help=True)


@deploy_app.command("render")
def deploy_render(
    config: Path | None = ConfigOpt,
    workdir: Path = typer.Option(Path("."), "--workdir", help="Working folder of the services (relative paths in the settings)."),
) -> None:
    """Write supervisord.conf for the three services into deploy.run_dir.

    Then: supervisord -c RUN_DIR/supervisord.conf, and supervisorctl -c RUN_DIR/supervisord.conf status.
    """
    from qc.deploy.supervisor import render

    settings = settings_from(config, None)
    if settings.deploy.recordings_root is None:
        fail("deploy.recordings_root is not set: the nightly deployment needs the recorders' folder")
    config = config or (Path(os.environ["QC_CONFIG"]) if os.environ.get("QC_CONFIG") else None)
    run = settings.deploy.run_dir
    (run / "logs").mkdir(parents=True, exist_ok=True)
    target = run / "supervisord.conf"
    target.write_text(render(settings, sys.executable, config, workdir), encoding="utf-8")
    target.chmod(0o600)
    console.print(f"wrote {target}; start: supervisord -c {target}", highlight=False, soft_wrap=True)


@deploy_app.command("prefect-server")
def deploy_prefect_server(config: Path | None = ConfigOpt) -> None:
    """Start the Prefect server on deploy.prefect_database_url (PostgreSQL), after checking the database answers."""
    from qc.deploy.prefect_api import require_database

    settings = settings_from(config, None)
    url = settings.deploy.prefect_database_url
    if not url:
        fail("deploy.prefect_database_url is not set: the Prefect server needs PostgreSQL "
             "(postgresql+asyncpg://user:password@host:5432/prefect; $QC_DEPLOY__PREFECT_DATABASE_URL)")
    require_database(url)
    deploy = settings.deploy
    env = {**os.environ, "PREFECT_API_DATABASE_CONNECTION_URL": url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "true" if deploy.prefect_ui else "false"}
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "prefect", "server", "start", "--host", deploy.prefect_host,
                               "--port", str(deploy.prefect_port)], env)


@deploy_app.command("worker")
def deploy_worker(config: Path | None = ConfigOpt) -> None:
    """Serve the nightly, weekly coaching and retention deployments on their schedules (needs the Prefect API)."""
    from pipelines.runtime import lower_priority
    from qc.deploy.prefect_api import configured_api_url, require_api

    if config is not None:
        os.environ["QC_CONFIG"] = str(config.resolve())  # the flow runs' own processes read the same settings
    settings = settings_from(config, None)
    url = configured_api_url(settings)
    if url is None:
        fail("no Prefect API configured: set deploy.prefect_api_url or PREFECT_API_URL (a temporary server fires no schedules)")
    from pipelines.deployments import scheduled_deployments

    deployments = scheduled_deployments(settings)
    require_api(url, wait_s=settings.deploy.prefect_wait_s)
    os.environ["PREFECT_API_URL"] = url
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    lower_priority(settings.batch_nice)
    from prefect import serve

    serve(*deployments)


def doctor(config: Path | None = ConfigOpt) -> None:
    """Check models, the store, the Prefect API and its database, Chromium and fonts: one line each.

    Exits 1 when something the services need fails.
    """
    from qc.deploy.doctor import failed, run_checks

    settings = settings_from(config, None)
    findings = run_checks(settings)
    for finding in findings:
        colour = {"ok": "green", "warn": "yellow", "fail": "red", "skip": "dim"}[finding.status]
        console.print(f"[{colour}]{finding.status:<4}[/{colour}]{finding.line()[4:]}", highlight=False, soft_wrap=True)
    problems = failed(findings)
    if problems:
        console.print(f"{len(problems)} problem(s): {', '.join(p.check for p in problems)}", highlight=False)
        raise typer.Exit(1)
