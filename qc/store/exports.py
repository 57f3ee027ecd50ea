"""Exports of calls, verdicts, utterances and alerts to CSV, Parquet or JSON lines, written by DuckDB's COPY.

Texts are the redacted ones; ``raw=True`` (the caller has checked the user may see raw data, and audits it)
puts the unredacted utterances in where they were kept.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

KINDS = ("calls", "verdicts", "utterances", "alerts")
FORMATS = {"csv": "(FORMAT csv, HEADER)", "parquet": "(FORMAT parquet)", "jsonl": "(FORMAT json)"}

_REVIEW_SCORE = ("(SELECT arg_max(s.score, s.scored_at) FROM scores s WHERE s.call_id = c.call_id AND s.scored_by LIKE 'review:%')")
_SELECTS = {
    "calls": f"""SELECT c.call_id, c.change_seq, c.file_name, c.line, c.agent_id, a.team, c.started_at, c.scored_at, c.duration_s,
                c.language, c.status, c.failure_stage, c.failure_reason, c.rubric_id, c.rubric_version, c.score,
                coalesce({_REVIEW_SCORE}, c.score) AS final_score, c.flags, c.case_type, c.case_title, c.urgency, c.repeat_count,
                c.repeat_level, c.agent_arousal, c.agent_negativity, c.caller_distress, c.caller_anger,
                EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id AND r.purpose <> 'calibration') AS reviewed
            FROM calls c LEFT JOIN agents a ON a.agent_id = c.agent_id WHERE {{where}} ORDER BY c.change_seq""",
    "verdicts": """SELECT h.call_id, c.line, c.agent_id, h.rubric_id, h.rubric_version, h.item_id, h.title, h.verdict,
                (SELECT arg_max(v.human_verdict, v.reviewed_at) FROM reviews v WHERE v.call_id = h.call_id AND v.item_id = h.item_id
                 AND v.purpose <> 'calibration' AND v.rubric_version IS NOT DISTINCT FROM h.rubric_version) AS human_verdict,
                h.points, h.max_points, h.severity, h.reason, h.evidence
            FROM rule_hits h JOIN calls c ON c.call_id = h.call_id AND h.rubric_version IS NOT DISTINCT FROM c.rubric_version
            WHERE {where} ORDER BY c.change_seq, h.item_id""",
    "utterances": """SELECT u.call_id, u.idx, u.speaker, u.role, u.channel, u.start_s, u.end_s, {text} AS text
            FROM utterances u JOIN calls c ON c.call_id = u.call_id {raw_join} WHERE {where} ORDER BY c.change_seq, u.idx""",
    "alerts": """SELECT al.call_id, c.line, c.agent_id, al.kind, al.severity, al.start_s, al.message, al.raised_at
            FROM alerts al JOIN calls c ON c.call_id = al.call_id WHERE {where} ORDER BY c.change_seq, al.start_s NULLS FIRST, al.kind""",
}


class ExportError(ValueError):
    """An export that cannot be made as asked (kind, format, file), in words for the operator."""


def export_sql(kind: str, where: str, raw: bool) -> str:
    if kind not in KINDS:
        raise ExportError(f"unknown export '{kind}' (one of {', '.join(KINDS)})")
    text = "coalesce(ur.text, u.text)" if raw else "u.text"
    raw_join = "LEFT JOIN utterances_raw ur ON ur.call_id = u.call_id AND ur.idx = u.idx" if raw else ""
    return _SELECTS[kind].format(where=where, text=text, raw_join=raw_join)


def since_until(since: datetime | None, until: datetime | None) -> tuple[list[str], list]:
    where, params = [], []
    if since is not None:
        where.append("c.scored_at >= ?")
        params.append(since)
    if until is not None:
        where.append("c.scored_at < ?")
        params.append(until)
    return where, params


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection), and a caller's words or a
# reviewer's note can start with "=": such text cells get a leading apostrophe in CSV files, as OWASP advises.
FORMULA_START = r"^[=+\-@\t\r]"


def csv_safe(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> str:
    """``sql`` with every text column's formula-like values prefixed with an apostrophe."""
    selected = []
    for name, column_type, *_ in con.execute(f"DESCRIBE ({sql})", params).fetchall():
        quoted = '"' + name.replace('"', '""') + '"'
        if column_type == "VARCHAR":
            selected.append(f"CASE WHEN regexp_matches({quoted}, '{FORMULA_START}') THEN chr(39) || {quoted} "
                            f"ELSE {quoted} END AS {quoted}")
        else:
            selected.append(quoted)
    return f"SELECT {', '.join(selected)} FROM ({sql})"


def copy_to(con: duckdb.DuckDBPyConnection, sql: str, params: list, out: Path, fmt: str) -> int:
    """Write the query's rows to ``out`` with COPY; the number of rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
    out.parent.mkdir(parents=True, exist_ok=True)
    literal = "'" + str(out).replace("'", "''") + "'"
    query = csv_safe(con, sql, params) if fmt == "csv" else sql
    # COPY answers with the number of rows it wrote: the export query runs once.
    return int(con.execute(f"COPY ({query}) TO {literal} {FORMATS[fmt]}", params).fetchone()[0])


def export(con: duckdb.DuckDBPyConnection, kind: str, out: Path, fmt: str, *, scope: tuple[str, list] = ("TRUE", []),
           conditions: tuple[list[str], list] = ([], []), raw: bool = False) -> int:
    """Export ``kind`` for the calls in ``scope`` (SQL over ``calls c``) that meet ``conditions``."""
    where = " AND ".join([scope[0], *conditions[0]])
    return copy_to(con, export_sql(kind, where, raw), [*scope[1], *conditions[1]], out, fmt)
