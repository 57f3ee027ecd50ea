"""The weekly coaching reports: one for every agent and every team with scored calls that week.

Each report is its own task, so one that fails (a PDF Chromium could not print, a bad row) is listed
in the run's summary while the others are written. Served on a cron schedule it runs early on Monday
and reports on the ISO week that just ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from qc.coaching import DEFAULT_OUT, build_agent_report, build_team_report, current_week, previous_week
from qc.coaching.data import active_in_week
from qc.config import load_settings
from qc.store import Store


@dataclass
class CoachingRun:
    week: str
    built: list[dict] = field(default_factory=list)  # kind, id, html, pdf
    failed: list[dict] = field(default_factory=list)  # kind, id, error


def deployment(cron: str = "0 6 * * 1", timezone_name: str = "Asia/Shanghai", **parameters):
    """The weekly reports as a Prefect deployment on a cron schedule (Monday 06:00 local by default)."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    return weekly_coaching_reports.to_deployment(
        name="weekly-coaching-reports", schedule=Cron(cron, timezone=timezone_name), parameters=parameters,
        description="Coaching reports for every agent and team of last week, as HTML and PDF",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


@task(name="coaching-report", cache_policy=NO_CACHE, task_run_name="{kind} {subject}")
def report_task(kind: str, subject: str, db_path: str, week: str, out: str, base_url: str, pdf: bool, lines: dict) -> dict:
    build = build_agent_report if kind == "agent" else build_team_report
    files = build(db_path, subject, week, out, base_url, pdf=pdf, lines=lines)
    return {"kind": kind, "id": subject, "html": str(files.html), "pdf": str(files.pdf) if files.pdf else None}


# Two at a time: each report is mostly Chromium printing a PDF, and the reports share the machine with others.
@flow(name="weekly-coaching-reports", validate_parameters=False, task_runner=ThreadPoolTaskRunner(max_workers=2))
def weekly_coaching_reports(
    week: str | None = None,
    db_path: str | None = None,
    out: str | None = None,
    base_url: str | None = None,
    pdf: bool = True,
) -> CoachingRun:
    """Build every agent's and team's report for ``week`` (default: last week, the one that just ended)."""
    logger = get_run_logger()
    settings = load_settings(**({"db_path": db_path} if db_path else {}))
    week = week or previous_week(current_week())
    out = out or str(DEFAULT_OUT)
    if base_url is None:
        base_url = f"{'https' if settings.web.https else 'http'}://{settings.web.host}:{settings.web.port}"
    with Store(settings.db_path, read_only=True) as store:
        agents, teams = active_in_week(store.con, week)
    run = CoachingRun(week)
    if not agents:
        logger.warning("no scored calls in week %s: no coaching reports", week)
        return run
    jobs = [("agent", a) for a in agents] + [("team", t) for t in teams]
    futures = {
        report_task.submit(kind, subject, str(settings.db_path), week, out, base_url, pdf, settings.lines): (kind, subject)
        for kind, subject in jobs
    }
    for future in as_completed(list(futures)):
        kind, subject = futures[future]
        try:
            run.built.append(future.result())
        except Exception as exc:  # noqa: BLE001 - one report's failure must not stop the others
            logger.error("%s %s: %s", kind, subject, exc)
            run.failed.append({"kind": kind, "id": subject, "error": str(exc)})
    run.built.sort(key=lambda r: (r["kind"], r["id"]))
    run.failed.sort(key=lambda r: (r["kind"], r["id"]))
    logger.info("coaching reports for %s: %d written to %s, %d failed", week, len(run.built), Path(out) / week, len(run.failed))
    return run
