"""The scoring flow: recordings in, results in DuckDB, a summary out.

``score_calls`` maps the ``listen`` task over recordings on a thread pool (CTranslate2 releases
the GIL, and threads share one loaded Whisper model), retries transient errors, and isolates every
call: one bad file is one failed row, never a failed run. Only the flow thread touches DuckDB: it
judges each heard call with the store's history (``qc.judge``) and writes it.
Runs with no Prefect server (ephemeral mode) by default; the same flow runs on a work pool.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from qc import PIPELINE_VERSION
from qc.audio.decode import file_sha256
from qc.config import Settings, load_settings
from qc.speakers.voiceprints import load_all as load_voiceprints
from qc.errors import ConfigError, TransientError
from qc.metadata import BadMetadata
from qc.judge import HeardCall, judge
from qc.pipeline import listen
from qc.records import CallMeta, CallResult, failed_result
from qc.sources import call_id_for, read_meta
from qc.speech.transcribe import get_transcriber
from qc.store import StorageError, Store, StoreBusy

from pipelines.runs import finish_run, score_run_name, shared_folder
from pipelines.runtime import prefect_api

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    scored: int = 0
    failed: int = 0
    skipped: int = 0
    still_writing: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    db_path: str = ""
    results: list[CallResult] = field(default_factory=list)

    @property
    def realtime_factor(self) -> float | None:
        return round(self.audio_seconds / self.wall_seconds, 2) if self.wall_seconds and self.audio_seconds else None


def _retry_only_transient(task, task_run, state) -> bool:
    """Retry errors that may pass (I/O hiccups); a bad recording fails the same way every time."""
    try:
        state.result()
    except TransientError:
        return True
    except Exception:  # noqa: BLE001 - any other error is not worth a retry
        return False
    return False


@task(
    name="hear-call",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_only_transient,
    cache_policy=NO_CACHE,
    task_run_name="hear {path.name}",
)
def listen_task(path: Path, meta: CallMeta, settings: Settings) -> HeardCall:
    return listen(path, meta, settings)


@task(name="load-models", cache_policy=NO_CACHE)
def load_models_task(settings: Settings) -> None:
    # Fail the run at once, with the install hint, when the weights are missing, instead of
    # failing every call; and load the model once before the workers start.
    get_transcriber(settings)


@flow(name="score-calls", validate_parameters=False, log_prints=False, flow_run_name=score_run_name)
def score_calls(
    paths: list[str],
    settings: Settings | None = None,
    defaults: CallMeta | None = None,
    force: bool = False,
    on_result: Callable[[CallResult], None] | None = None,
    metas: dict[str, CallMeta | BadMetadata] | None = None,
    source: str | None = None,
    run_kind: str | None = "score",
) -> RunSummary:
    """Score recordings into the DuckDB store; skip calls this pipeline version already scored.

    ``metas``: metadata per recording path (e.g. from a recorder's manifest, where a bad row is its
    ``BadMetadata``); a sidecar file's fields win. Bad metadata fails that recording only. ``source``: what
    the operator named (the run's name, ``score <source>``). ``run_kind``: the kind of the ``runs`` row this
    flow stores at its end, with a summary artifact (None: the calling flow stores its own, as the nightly does).
    """
    settings = settings or load_settings()
    logger = get_run_logger()
    began = time.perf_counter()
    began_at = datetime.now(timezone.utc)
    summary = RunSummary(db_path=str(settings.db_path))
    load_models_task(settings)
    # The database is opened per write, not for the whole run, so others can read in between.
    with Store(settings.db_path) as store:
        done = set() if force else store.scored_ids(PIPELINE_VERSION)
        voiceprints = load_voiceprints(store.con)
    futures = {}
    for raw in paths:
        path = Path(raw)
        if not force and _already_scored(path, done):
            summary.skipped += 1
            continue
        try:
            given = (metas or {}).get(str(path.resolve()), defaults)
            if isinstance(given, BadMetadata):
                raise given
            meta = read_meta(path, given)
            if meta.agent_id in voiceprints:
                meta = replace(meta, agent_voiceprint=voiceprints[meta.agent_id].vector)
        except Exception as exc:  # noqa: BLE001 - bad metadata fails this call only
            _record(settings, summary, HeardCall(failed_result(_safe_call_id(path), path, defaults or CallMeta(), "metadata", str(exc))),
                    on_result)
            continue
        futures[listen_task.submit(path, meta, settings)] = (path, meta)
    for future in as_completed(list(futures)):
        path, meta = futures[future]
        try:
            heard = future.result()
        except Exception as exc:  # noqa: BLE001 - isolate the call, keep the batch going
            logger.error("%s: unexpected error: %s", path, exc)
            heard = HeardCall(failed_result(_safe_call_id(path), path, meta, "internal", f"internal error: {type(exc).__name__}: {exc}"))
        _record(settings, summary, heard, on_result)
    summary.wall_seconds = round(time.perf_counter() - began, 2)
    if run_kind:
        finish_run(settings, summary, kind=run_kind, source=source or shared_folder([str(p) for p in paths]), began=began_at)
    logger.info(
        "scored %d, failed %d, skipped %d; %.0f s of audio in %.0f s",
        summary.scored, summary.failed, summary.skipped, summary.audio_seconds, summary.wall_seconds,
    )
    return summary


def _record(settings: Settings, summary: RunSummary, heard: HeardCall, on_result: Callable[[CallResult], None] | None) -> None:
    """Judge the heard call with the store's history (the repeat count, the agent's tone baseline) and write it."""
    result = heard.call
    try:
        with Store(settings.db_path) as store:
            result = judge(heard, store, settings)
            store.write([result])
    except (StorageError, StoreBusy):
        raise  # the store itself cannot take writes: stop the run, a re-run resumes
    except ConfigError as exc:  # the line's rubric cannot be read: this call fails, saying what to change
        result = failed_result(result.call_id, Path(result.path), CallMeta(), "config", str(exc))
        with Store(settings.db_path) as store:
            store.write([result])
    except Exception as exc:  # a result the store refuses fails that call, not the batch
        log.exception("%s: could not be stored", result.path)
        # Its metadata may be what the store refused: the failed row keeps none of it.
        result = failed_result(result.call_id, Path(result.path), CallMeta(), "store",
                               f"could not be stored: {type(exc).__name__}: {str(exc)[:300]}")
        with Store(settings.db_path) as store:
            store.write([result])
    summary.results.append(result)
    if result.status == "scored":
        summary.scored += 1
        summary.audio_seconds += result.audio.duration_s if result.audio else 0.0
    else:
        summary.failed += 1
    if on_result:
        on_result(result)


def _already_scored(path: Path, done: set[str]) -> bool:
    if not done or not path.is_file():
        return False
    try:
        return call_id_for(file_sha256(path), path) in done
    except OSError:
        return False


def _safe_call_id(path: Path) -> str:
    try:
        return call_id_for(file_sha256(path), path)
    except OSError:
        return call_id_for(None, path)


def task_runner(settings: Settings, dask_address: str | None = None, dask_workers: int = 0):
    """Threads on this machine (default), or a Dask cluster: an address, or N local worker processes."""
    if dask_address or dask_workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # One thread per worker process: CTranslate2 uses the cores itself, and each process loads
        # the model once.
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True})
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def run_scoring(
    paths: list[Path],
    settings: Settings,
    defaults: CallMeta | None = None,
    force: bool = False,
    on_result: Callable[[CallResult], None] | None = None,
    source: str | None = None,
) -> RunSummary:
    """Run the flow with a thread pool sized to ``settings.workers``, on the configured or a temporary Prefect API."""
    with prefect_api():
        return score_calls.with_options(task_runner=task_runner(settings))(
            [str(p) for p in paths], settings=settings, defaults=defaults, force=force, on_result=on_result, source=source,
        )
