"""``/metrics``: Prometheus' text format, for a token with read:metrics (or a signed-in admin)."""

from __future__ import annotations

from datetime import timezone

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from qc.metrics import HTTP_LATENCY, LIVE_ALERT_LATENCY, gauge
from qc.store.api_reports import metrics_counts
from qc.web.api_auth import api_caller, require
from qc.web.context import WebContext

router = APIRouter()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_store_metrics(counts: dict) -> list[str]:
    scored, failed, skipped, run_hours, last_finished = counts["runs"]
    lines = [
        *gauge("qc_calls", "Calls in the store by status and line (retention deletes old ones).",
               [({"status": s, "line": line}, n) for s, line, n in counts["calls"]]),
        *gauge("qc_runs_calls_total", "Calls handled by batch runs (qc score, the nightly run), by outcome.",
               [({"outcome": "scored"}, scored), ({"outcome": "failed"}, failed), ({"outcome": "skipped"}, skipped)], "counter"),
        *gauge("qc_failures_total", "Failed attempts by pipeline stage (the failures history, within its retention).",
               [({"stage": stage}, n) for stage, n in counts["failures"]], "counter"),
        *gauge("qc_runs_audio_hours_total", "Hours of audio batch runs scored.", [({}, run_hours)], "counter"),
        *gauge("qc_scored_audio_hours", "Hours of audio of the scored calls in the store.", [({}, counts["audio_hours"])]),
        *gauge("qc_review_queue_depth", "Urgent or flagged scored calls no reviewer has looked at yet.", [({}, counts["review_queue"])]),
        *gauge("qc_open_appeals", "Appeals open or accepted, waiting for a decision or a re-score.", [({}, counts["open_appeals"])]),
        *gauge("qc_live_alerts_unacknowledged", "Live alerts nobody on the wall has acknowledged.",
               [({}, counts["unacknowledged_live_alerts"])]),
        *gauge("qc_change_seq", "The latest change number of calls (API sync position).", [({}, counts["change_seq"])]),
    ]
    if last_finished is not None:
        lines += gauge("qc_last_run_finished_timestamp_seconds", "When the latest batch run finished (Unix time, UTC).",
                       [({}, last_finished.replace(tzinfo=timezone.utc).timestamp())])
    return lines


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request):
    ctx: WebContext = request.app.state.ctx
    with ctx.db(write=False) as con:
        caller = api_caller(request, ctx, con)
        require(caller, "read:metrics")
        counts = metrics_counts(con)
    lines = [*render_store_metrics(counts), *HTTP_LATENCY.render(), *LIVE_ALERT_LATENCY.render()]
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)
