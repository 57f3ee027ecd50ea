"""The events webhooks carry, built from the rows the store is about to write (pure functions).

An event is built inside the transaction that stores what it describes (``qc.store.outbox``), so a
rolled-back write leaves no event and a stored one always has its event. Payloads carry redacted text
only: the stored transcript is redacted already, and every text is passed through the personal-data
finder once more here, so a site running with ``privacy.redact`` off still sends placeholders.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable

from qc.records import Alert, CallResult, Evidence

EVENT_KINDS = ("urgent_case", "caller_distress", "caller_danger", "possible_crisis", "critical_fail", "call_scored",
               "run_finished")
# Alert kinds of a call that are events of their own (the first of each kind per call).
ALERT_EVENTS = ("urgent_case", "caller_distress", "caller_danger", "possible_crisis", "critical_fail")
# Sent before anything else waiting: a person may be in danger (a possible crisis too: recall comes first).
URGENT_KINDS = ("urgent_case", "caller_distress", "caller_danger", "possible_crisis")


@dataclass(frozen=True)
class OutboxEvent:
    event_id: str
    kind: str
    source: str  # batch | rescore | live | nightly | score
    subject: str | None
    created_at: datetime  # UTC, naive (as the store keeps times)
    data: dict

    def envelope(self) -> dict:
        """The JSON body a receiver gets."""
        return {"id": self.event_id, "type": self.kind, "created_at": self.created_at.isoformat() + "Z",
                "source": self.source, "data": self.data}


def new_event(kind: str, source: str, subject: str | None, data: dict, created_at: datetime | None = None) -> OutboxEvent:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    when = created_at or datetime.now(timezone.utc).replace(tzinfo=None)
    return OutboxEvent("evt_" + secrets.token_hex(10), kind, source, subject, when, data)


def call_events(result: CallResult, already_alerted: Iterable[str] = (), source: str = "batch",
                scored_event: bool = True) -> list[OutboxEvent]:
    """A scored call's events: ``call_scored`` (unless ``scored_event`` is off), and one per alert kind of
    ``ALERT_EVENTS`` that the call raises now and did not before (``already_alerted``: a re-score or a
    forced re-run does not tell a receiver twice about the same urgent case)."""
    if result.status != "scored":
        return []
    call = _call_data(result)
    events = [new_event("call_scored", source, result.call_id, call)] if scored_event else []
    before = set(already_alerted)
    for kind in ALERT_EVENTS:
        alerts = [a for a in result.alerts if a.kind == kind]
        if alerts and kind not in before:
            events.append(new_event(kind, source, result.call_id, {**call, "alerts": [_alert_data(a) for a in alerts]}))
    return events


def live_alert_event(row: dict, line: str | None) -> OutboxEvent | None:
    """The event of a live alert row (``live_alerts``), when its kind is one webhooks carry."""
    if row["kind"] not in URGENT_KINDS:
        return None
    data = {
        "live_call_id": row["live_call_id"], "alert_id": row["alert_id"], "agent_id": row.get("agent_id"), "line": line,
        "severity": row["severity"], "call_time_s": row.get("call_time_s"),
        "message_zh": scrub(row.get("message_zh")), "message_en": scrub(row.get("message_en")),
        "evidence": [scrub(e) for e in row.get("evidence") or []],
    }
    return new_event(row["kind"], "live", str(row["live_call_id"]), data)


def run_event(row: dict) -> OutboxEvent:
    """``run_finished`` for a batch run's ``runs`` row (figures only; no call content)."""
    keep = ("run_id", "kind", "recordings_date", "source", "started_at", "finished_at", "scored", "failed", "skipped",
            "still_writing", "audio_hours", "wall_seconds", "audio_hours_per_hour", "workers", "pipeline_version")
    data = {k: _plain(row.get(k)) for k in keep if k in row}
    return new_event("run_finished", row.get("kind") or "score", str(row["run_id"]), data)


def scrub(text: str | None) -> str | None:
    """Text with any personal data the finder sees replaced by placeholders (both regions' number rules)."""
    if not text:
        return text
    from qc.pii import PiiOptions, detect_pii_text, redact_text

    for region in ("cn", "hk"):
        text = redact_text(text, detect_pii_text(text, PiiOptions(region=region)))
    return text


def _call_data(result: CallResult) -> dict:
    return {
        "call_id": result.call_id, "line": result.meta.line, "agent_id": result.meta.agent_id,
        "started_at": _plain(result.meta.started_at), "duration_s": result.audio.duration_s if result.audio else None,
        "score": result.score, "flags": list(result.flags), "case_type": result.case.case_type,
        "urgency": result.case.urgency, "urgency_title": result.case.urgency_title,
        "repeat_level": result.case.repeat_level, "rubric_version": result.rubric_version,
    }


def _alert_data(alert: Alert) -> dict:
    return {"kind": alert.kind, "severity": alert.severity, "start_s": alert.start, "message": scrub(alert.message),
            "evidence": [_evidence(e) for e in alert.evidence]}


def _evidence(e: Evidence) -> dict:
    return {"start_s": e.start, "end_s": e.end, "role": e.role, "text": scrub(e.text)}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
