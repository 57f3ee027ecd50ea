"""Retention: delete what is due, per kind of data, and record what was deleted.

Each kind has its own period (``retention`` settings): unredacted transcripts go first, redacted
transcripts later, verdicts and call rows last. Recordings themselves belong to the recorder and
are not touched here. Run it daily (`qc retention run`, or serve it next to the nightly flow).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prefect import flow, get_run_logger

from qc.config import Settings, load_settings
from qc.store import Store

# kind -> (setting, tables). Order matters: call rows go last, after everything hanging off them.
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("raw_transcripts", "raw_transcripts_days", ("utterances_raw",)),
    ("transcripts", "transcripts_days", ("utterances", "call_text", "asr_corrections", "pii_spans")),
    ("failures", "failures_days", ("failures",)),
    ("results", "results_days", ("rule_hits", "scores", "alerts", "utterance_tone", "utterances_raw", "utterances", "call_text", "asr_corrections", "pii_spans", "calls")),
)


def deployment(cron: str = "30 3 * * *", timezone_name: str = "Asia/Shanghai", **parameters):
    """Retention as a Prefect deployment on a cron schedule (03:30 local every day by default)."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    return retention.to_deployment(
        name="daily-retention", schedule=Cron(cron, timezone=timezone_name), parameters=parameters,
        description="Delete stored data whose retention period has passed", entrypoint_type=EntrypointType.MODULE_PATH,
    )


@flow(name="retention", validate_parameters=False)
def retention(settings: Settings | None = None, now: datetime | None = None, dry_run: bool = False) -> list[dict]:
    settings = settings or load_settings()
    logger = get_run_logger()
    now = (now or datetime.now(timezone.utc)).replace(tzinfo=None)
    done = []
    with Store(settings.db_path) as store:
        for kind, setting, tables in KINDS:
            days = getattr(settings.retention, setting)
            if days is None:
                continue
            record = store.apply_retention(kind, tables, now - timedelta(days=days), days, dry_run)
            logger.info("%s: %s %d rows older than %d days", kind, "would delete" if dry_run else "deleted", record["rows"], days)
            done.append(record)
    return done
