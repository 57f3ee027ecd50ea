"""The nightly batch: score one day's recordings, resumably, and record what the run did.

Recorders write one folder per day (``<root>/<YYYY-MM-DD>/...``, any depth below), optionally with a
``manifest.csv`` (file, line, agent_id, caller_hash, started_at, agent_channel); a ``<name>.meta.json``
sidecar beside a recording wins over the manifest. Recordings modified within the last
``settle_seconds`` may still be growing and are left for the next run, never scored half-written.
Calls already scored (content hash) are skipped, so a killed run simply runs again.

Beyond one machine the same flow maps its tasks over a Dask cluster (``dask_address``) — workers
return results to the flow, which alone writes DuckDB — or is served from a Prefect work pool.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from prefect import flow, get_run_logger

from qc.config import Settings, load_settings, usable_cores
from qc.metadata import BadMetadata
from qc.records import CallMeta
from qc.sources import discover, read_manifest, still_being_written

from pipelines.runs import finish_run, nightly_run_name
from pipelines.runtime import prefect_api
from pipelines.score import RunSummary, score_calls, task_runner

log = logging.getLogger(__name__)

SETTLE_SECONDS = 120.0


def deployment(root: str, cron: str = "0 1 * * *", timezone_name: str = "Asia/Shanghai", **parameters):
    """The nightly flow as a Prefect deployment on a cron schedule (01:00 local by default)."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    # By module path: a worker finds the flow wherever hotline-qc is installed, whatever its working folder.
    return nightly.to_deployment(
        name="nightly-qc", schedule=Cron(cron, timezone=timezone_name), parameters={"root": root, **parameters},
        description="Score yesterday's recordings into the QC database", entrypoint_type=EntrypointType.MODULE_PATH,
    )


def day_folder(root: Path, day: date) -> Path:
    return root / day.isoformat()


def plan_day(folder: Path, settle_seconds: float) -> tuple[list[Path], dict[str, CallMeta | BadMetadata], list[Path]]:
    """(recordings ready to score, manifest metadata by path, recordings still being written).

    A manifest that cannot be read at all fails every recording of the day that has no sidecar of its own,
    with the manifest's problem as the reason; the others are scored.
    """
    from qc.sources import sidecar_path

    ready, growing = [], []
    for path in discover([folder]):
        (growing if still_being_written(path, settle_seconds) else ready).append(path)
    try:
        manifest = read_manifest(folder)
    except BadMetadata as exc:
        return ready, {str(p): exc for p in ready if not sidecar_path(p).is_file()}, growing
    by_path = {str((folder / name).resolve()): meta for name, meta in manifest.items()}
    return ready, by_path, growing


def run_nightly(root: str, day: str | None = None, settings: Settings | None = None, **options) -> RunSummary:
    """The nightly flow on the configured Prefect server, else a temporary one of this process."""
    with prefect_api():
        return nightly(root, day, settings=settings, **options)


@flow(name="nightly", validate_parameters=False, flow_run_name=nightly_run_name)
def nightly(
    root: str,
    day: str | None = None,
    settings: Settings | None = None,
    settle_seconds: float = SETTLE_SECONDS,
    dask_address: str | None = None,
    dask_workers: int = 0,
) -> RunSummary:
    """Score the recordings of ``day`` (default: yesterday) under ``root`` and store a run record."""
    settings = settings or load_settings()
    logger = get_run_logger()
    the_day = date.fromisoformat(day) if day else date.today() - timedelta(days=1)
    folder = day_folder(Path(root), the_day)
    began = datetime.now(timezone.utc)
    if not folder.is_dir():
        logger.warning("no recordings folder for %s: %s", the_day, folder)
        ready, manifest, growing = [], {}, []
    else:
        ready, manifest, growing = plan_day(folder, settle_seconds)
    for path in growing:
        logger.info("%s is still being written: left for the next run", path)
    if dask_workers:
        # Each worker process loads its own model: share the cores between them, not within.
        cores = max(1, (settings.asr.cpu_threads or 0) or usable_cores())
        settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"cpu_threads": max(1, cores // dask_workers)})})
    runner = task_runner(settings, dask_address, dask_workers)
    summary = score_calls.with_options(task_runner=runner)(
        [str(p) for p in ready], settings=settings, metas=manifest, source=str(folder), run_kind=None,
    )
    workers = f"dask {dask_address or f'local x{dask_workers}'}" if (dask_address or dask_workers) else None
    run = finish_run(settings, summary, kind="nightly", source=str(folder), began=began, recordings_date=the_day,
                     still_writing=len(growing), workers=workers)
    hours, wall = run["audio_hours"], run["wall_seconds"]
    summary.still_writing = len(growing)
    logger.info(
        "nightly %s: scored %d, failed %d, already scored %d, still being written %d; %.2f audio hours in %.0f s",
        the_day, summary.scored, summary.failed, summary.skipped, len(growing), hours, wall,
    )
    return summary
