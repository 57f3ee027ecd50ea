"""Arrow tables of scored calls, one builder per table: how results become rows.

Rows go in as Arrow tables: DuckDB's executemany is far too slow for per-word data.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa

from qc.records import CallResult
from qc.rubric.context import stored_readings

_EVIDENCE_T = pa.struct(
    [("start_s", pa.float64()), ("end_s", pa.float64()), ("role", pa.string()), ("matched", pa.string()), ("text", pa.string())]
)


def evidence_rows(evidence) -> list[dict]:
    return [dict(start_s=e.start, end_s=e.end, role=e.role, matched=e.matched, text=e.text) for e in evidence]


def calls_table(results: list[CallResult]) -> pa.Table:
    rows = []
    for r in results:
        a = r.audio
        rows.append(
            dict(
                call_id=r.call_id,
                path=r.path,
                file_name=Path(r.path).name,
                size_bytes=a.size_bytes if a else None,
                line=r.meta.line,
                agent_id=r.meta.agent_id,
                caller_hash=r.meta.caller_hash,
                started_at=r.meta.started_at,
                duration_s=a.duration_s if a else None,
                sample_rate=a.sample_rate if a else None,
                channels=a.channels if a else None,
                container=a.container if a else None,
                layout=r.layout,
                language=r.language,
                language_probability=r.language_probability,
                speakers_status=r.speakers_status,
                role_rule=r.role_rule,
                role_confidence=r.role_confidence,
                status=r.status,
                failure_stage=r.failure_stage,
                failure_reason=r.failure_reason,
                warnings=list(r.warnings),
                rubric_id=r.rubric_id,
                rubric_version=r.rubric_version,
                score=r.score,
                flags=list(r.flags),
                case_type=r.case.case_type,
                case_title=r.case.case_title,
                case_evidence=evidence_rows(r.case.case_evidence),
                urgency=r.case.urgency if r.status == "scored" else None,
                urgency_title=r.case.urgency_title,
                urgency_evidence=evidence_rows(r.case.urgency_evidence),
                repeat_count=r.case.repeat_count,
                repeat_level=r.case.repeat_level,
                agent_arousal=r.call_tone.agent_arousal.value if r.call_tone else None,
                agent_negativity=r.call_tone.agent_negativity.value if r.call_tone else None,
                caller_distress=r.call_tone.caller_distress.value if r.call_tone else None,
                caller_anger=r.call_tone.caller_anger.value if r.call_tone else None,
                pipeline_version=r.pipeline_version,
                stage_seconds=json.dumps(r.stage_seconds),
                scored_at=r.scored_at.replace(tzinfo=None),
            )
        )
    return pa.Table.from_pylist(rows, schema=CALLS_SCHEMA)


CALLS_SCHEMA = pa.schema(
    [
        ("call_id", pa.string()), ("path", pa.string()), ("file_name", pa.string()), ("size_bytes", pa.int64()),
        ("line", pa.string()), ("agent_id", pa.string()), ("caller_hash", pa.string()), ("started_at", pa.timestamp("us")),
        ("duration_s", pa.float64()), ("sample_rate", pa.int32()), ("channels", pa.int32()), ("container", pa.string()),
        ("layout", pa.string()), ("language", pa.string()), ("language_probability", pa.float64()),
        ("speakers_status", pa.string()), ("role_rule", pa.string()), ("role_confidence", pa.float64()), ("status", pa.string()), ("failure_stage", pa.string()),
        ("failure_reason", pa.string()), ("warnings", pa.list_(pa.string())), ("rubric_id", pa.string()),
        ("rubric_version", pa.string()), ("score", pa.float64()), ("flags", pa.list_(pa.string())),
        ("case_type", pa.string()), ("case_title", pa.string()), ("case_evidence", pa.list_(_EVIDENCE_T)),
        ("urgency", pa.string()), ("urgency_title", pa.string()), ("urgency_evidence", pa.list_(_EVIDENCE_T)),
        ("repeat_count", pa.int32()), ("repeat_level", pa.string()),
        ("agent_arousal", pa.float64()), ("agent_negativity", pa.float64()), ("caller_distress", pa.float64()),
        ("caller_anger", pa.float64()),
        ("pipeline_version", pa.string()), ("stage_seconds", pa.string()), ("scored_at", pa.timestamp("us")),
    ]
)

_WORD = pa.struct([("text", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()), ("probability", pa.float64())])


def utterances_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, idx=i, speaker=u.speaker, role=u.role, channel=u.channel, start_s=u.start, end_s=u.end,
            text=u.text, avg_logprob=u.avg_logprob, pinyin=stored_readings(u.text),
            words=[dict(text=w.text, start_s=w.start, end_s=w.end, probability=w.probability) for w in u.words],
        )
        for r in results
        for i, u in enumerate(r.utterances)
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("idx", pa.int32()), ("speaker", pa.string()), ("role", pa.string()),
         ("channel", pa.int32()), ("start_s", pa.float64()), ("end_s", pa.float64()), ("text", pa.string()),
         ("avg_logprob", pa.float64()), ("pinyin", pa.string()), ("words", pa.list_(_WORD))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def rule_hits_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, rubric_id=r.rubric_id, rubric_version=r.rubric_version, item_id=v.item_id, title=v.title,
            verdict=v.verdict, points=v.points, max_points=v.max_points, severity=v.severity, reason=v.reason,
            evidence=evidence_rows(v.evidence),
        )
        for r in results
        for v in r.verdicts
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()), ("item_id", pa.string()),
         ("title", pa.string()), ("verdict", pa.string()), ("points", pa.float64()), ("max_points", pa.float64()), ("severity", pa.string()),
         ("reason", pa.string()), ("evidence", pa.list_(_EVIDENCE_T))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def pii_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, kind=p.kind, utterance_idx=p.utterance, start_s=p.start, end_s=p.end, confidence=p.confidence)
        for r in results
        for p in r.personal_data
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("kind", pa.string()), ("utterance_idx", pa.int32()), ("start_s", pa.float64()),
         ("end_s", pa.float64()), ("confidence", pa.float64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def raw_utterances_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, idx=i, text=u.text,
             words=[dict(text=w.text, start_s=w.start, end_s=w.end, probability=w.probability) for w in u.words])
        for r in results
        for i, u in enumerate(r.raw_utterances)
    ]
    schema = pa.schema([("call_id", pa.string()), ("idx", pa.int32()), ("text", pa.string()), ("words", pa.list_(_WORD))])
    return pa.Table.from_pylist(rows, schema=schema)


def call_text_table(results: list[CallResult]) -> pa.Table:
    rows = [dict(call_id=r.call_id, text=" ".join(u.text for u in r.utterances)) for r in results if r.utterances]
    return pa.Table.from_pylist(rows, schema=pa.schema([("call_id", pa.string()), ("text", pa.string())]))


def corrections_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, channel=channel, original=c.original, replacement=c.replacement, start_s=c.start, end_s=c.end,
             probability=c.probability, pinyin_distance=c.pinyin_distance, term=c.term)
        for r in results
        for channel, c in r.corrections
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("channel", pa.int32()), ("original", pa.string()), ("replacement", pa.string()),
         ("start_s", pa.float64()), ("end_s", pa.float64()), ("probability", pa.float64()), ("pinyin_distance", pa.float64()),
         ("term", pa.string())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def utterance_tone_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, idx=t.index, role=t.role, start_s=t.start, end_s=t.end, arousal=t.arousal, negativity=t.negativity,
             baseline_source=t.baseline_source, zscores=json.dumps(t.zscores), features=json.dumps(asdict(t.features)),
             cues=sorted(t.cues.classes), reasons=list(t.reasons))
        for r in results
        for t in r.tones
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("idx", pa.int32()), ("role", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()),
         ("arousal", pa.float64()), ("negativity", pa.float64()), ("baseline_source", pa.string()), ("zscores", pa.string()),
         ("features", pa.string()), ("cues", pa.list_(pa.string())), ("reasons", pa.list_(pa.string()))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def alerts_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, kind=a.kind, severity=a.severity, start_s=a.start, message=a.message,
             evidence=evidence_rows(a.evidence), raised_at=r.scored_at.replace(tzinfo=None))
        for r in results
        for a in r.alerts
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("kind", pa.string()), ("severity", pa.string()), ("start_s", pa.float64()),
         ("message", pa.string()), ("evidence", pa.list_(_EVIDENCE_T)), ("raised_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def scores_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, rubric_id=r.rubric_id, rubric_version=r.rubric_version, scored_by="machine",
            score=r.score,
            points=sum(v.points for v in r.verdicts if v.verdict != "na"),
            max_points=sum(v.max_points for v in r.verdicts if v.verdict != "na"),
            critical_failed=any(v.verdict == "fail" and v.severity == "critical" for v in r.verdicts),
            scored_at=r.scored_at.replace(tzinfo=None),
        )
        for r in results
        if r.status == "scored" and r.rubric_id
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()), ("scored_by", pa.string()),
         ("score", pa.float64()), ("points", pa.float64()), ("max_points", pa.float64()), ("critical_failed", pa.bool_()),
         ("scored_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def failures_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, path=r.path, stage=r.failure_stage, reason=r.failure_reason,
             pipeline_version=r.pipeline_version, failed_at=r.scored_at.replace(tzinfo=None))
        for r in results
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("path", pa.string()), ("stage", pa.string()), ("reason", pa.string()),
         ("pipeline_version", pa.string()), ("failed_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)
