"""The end of a batch run: its row in ``runs`` (with the ``run_finished`` webhook event) and a summary artifact
in Prefect, so a run reads as "nightly 2026-11-24: 412 scored, 3 failed" in the UI, not as a random name."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

from qc import PIPELINE_VERSION
from qc.config import Settings
from qc.store import Store

log = logging.getLogger(__name__)


def nightly_run_name() -> str:
    """``nightly 2026-11-24``: the day the run scores (yesterday when none was given)."""
    from datetime import timedelta

    from prefect.runtime import flow_run

    day = flow_run.parameters.get("day")
    return f"nightly {day or (date.today() - timedelta(days=1)).isoformat()}"


def score_run_name() -> str:
    """``score <folder>``: what the operator named, else the folder the recordings share."""
    from prefect.runtime import flow_run

    parameters = flow_run.parameters
    return f"score {parameters.get('source') or shared_folder(parameters.get('paths') or [])}"


def shared_folder(paths: list[str]) -> str:
    if not paths:
        return "(nothing)"
    try:
        folder = os.path.commonpath([str(Path(p).parent) for p in paths])
    except ValueError:  # relative and absolute paths mixed
        return str(Path(paths[0]).parent)
    return folder or "."


def summary_markdown(title: str, figures: dict[str, object]) -> str:
    """A two-column markdown table of a run's figures."""
    lines = [f"### {title}", "", "| | |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in figures.items()]
    return "\n".join(lines) + "\n"


def figures(summary, still_writing: int | None = None) -> dict[str, object]:
    out: dict[str, object] = {"scored": summary.scored, "failed": summary.failed, "skipped (already scored)": summary.skipped}
    if still_writing is not None:
        out["still being written"] = still_writing
    out["audio hours"] = f"{summary.audio_seconds / 3600:.2f}"
    out["wall seconds"] = f"{summary.wall_seconds:.0f}"
    return out


def finish_run(settings: Settings, summary, *, kind: str, source: str, began: datetime, recordings_date: date | None = None,
               still_writing: int = 0, workers: str | None = None) -> dict:
    """Store the run's row (and its ``run_finished`` event in the same transaction), then its Prefect artifact."""
    from prefect.runtime import flow_run

    finished = datetime.now(timezone.utc)
    hours = summary.audio_seconds / 3600
    wall = (finished - began).total_seconds()
    row = dict(
        run_id=str(flow_run.get_id() or uuid.uuid4()), kind=kind, recordings_date=recordings_date, source=source,
        started_at=began.replace(tzinfo=None), finished_at=finished.replace(tzinfo=None), scored=summary.scored,
        failed=summary.failed, skipped=summary.skipped, still_writing=still_writing, audio_hours=round(hours, 4),
        wall_seconds=round(wall, 2), audio_hours_per_hour=round(hours / (wall / 3600), 2) if wall > 0 else None,
        workers=workers or f"threads x{settings.workers}", pipeline_version=PIPELINE_VERSION,
    )
    with Store(settings.db_path) as store:
        store.record_run(row)
    publish_summary(kind, f"{kind} {recordings_date.isoformat() if recordings_date else source}",
                    figures(summary, still_writing if kind == "nightly" else None))
    return row


def publish_summary(kind: str, title: str, table: dict[str, object]) -> None:
    """The run's figures as a markdown artifact of the flow run (Prefect's UI shows it on the run's page)."""
    from prefect.artifacts import create_markdown_artifact

    try:
        create_markdown_artifact(markdown=summary_markdown(title, table), key=f"{kind}-run-summary",
                                 description=f"{title}: what the run scored")
    except Exception:  # a run's results are stored already; a summary Prefect refused is not worth failing it
        log.exception("could not publish the run summary to Prefect")
