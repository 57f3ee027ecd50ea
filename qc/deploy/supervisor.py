"""The supervisord configuration that runs hotline-qc's three long-running services.

* ``prefect-server``: a Prefect server on PostgreSQL (``qc deploy prefect-server`` checks the database, then
  becomes ``prefect server start``);
* ``web``: ``qc serve``;
* ``worker``: ``qc deploy worker``, serving the nightly, weekly coaching and retention deployments.

PostgreSQL itself is the operating system's service. Rendering is a pure function of the settings; writing the
file is the CLI's job. Every program is stopped as a process group, so nothing it started outlives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qc.config import Settings
from qc.deploy.prefect_api import served_api_url
from qc.errors import ConfigError

PROGRAMS = ("prefect-server", "web", "worker")


@dataclass(frozen=True)
class Program:
    name: str
    args: str  # after `python -m qc.cli`
    priority: int  # lower starts first, stops last
    stop_wait_s: int  # SIGTERM, then this long, then SIGKILL to the group


def programs() -> list[Program]:
    return [
        Program("prefect-server", "deploy prefect-server", 10, 30),
        Program("web", "serve", 20, 30),
        # A nightly run in flight is cancelled on SIGTERM and recorded as such; the next run resumes it.
        Program("worker", "deploy worker", 30, 60),
    ]


def render(settings: Settings, python: str, config_file: Path | None, workdir: Path) -> str:
    """supervisord.conf for these settings; ``python`` runs hotline-qc, ``config_file`` is given to every service."""
    run = settings.deploy.run_dir.resolve()
    logs = run / "logs"
    environment = {
        "PREFECT_API_URL": served_api_url(settings),
        "PREFECT_HOME": str(run / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Each run's own lines (start, end, failures) in the worker's log and the Prefect UI, whatever level the
        # shell that started supervisord had (`qc` commands default to WARNING for their own output).
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    if config_file is not None:
        environment["QC_CONFIG"] = str(config_file.resolve())
    lines = [
        "; Written by `qc deploy render` from the hotline-qc settings: change those and render again.",
        "[unix_http_server]",
        f"file={_escape(run / 'supervisor.sock')}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={_escape(logs / 'supervisord.log')}",
        f"pidfile={_escape(run / 'supervisord.pid')}",
        f"childlogdir={_escape(logs)}",
        f"directory={_escape(workdir.resolve())}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escape(run / 'supervisor.sock')}",
    ]
    for program in programs():
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={_escape(python)} -m qc.cli {program.args}",
            f"directory={_escape(workdir.resolve())}",
            f"environment={_environment(environment)}",
            f"priority={program.priority}",
            "autostart=true",
            "autorestart=true",
            "startsecs=5",
            "startretries=10",
            "stopsignal=TERM",
            f"stopwaitsecs={program.stop_wait_s}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escape(logs / (program.name + '.log'))}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=5",
        ]
    return "\n".join(lines) + "\n"


def _escape(value: object) -> str:
    # supervisord expands %(name)s in values, some of them twice: no escaping of a literal % holds in all fields.
    text = str(value)
    if "%" in text:
        raise ConfigError(f"supervisord cannot take a '%' in a path or command: {text}")
    return text


def _environment(values: dict[str, str]) -> str:
    for value in values.values():
        if '"' in value:
            raise ConfigError(f"supervisord cannot take a '\"' in an environment value: {value}")
    return ",".join(f'{key}="{_escape(value)}"' for key, value in values.items())
