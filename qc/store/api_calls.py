"""The API's reads of calls: filtered lists paged by change number, and one call in full.

Every list takes the caller's scope (an SQL condition over ``calls c``, from ``qc.web.access.call_scope``)
so a role never gets a row it may not see. Parameters are always bound, never formatted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

# What a list row of a call holds (beside the team, the reviewed score and whether it was reviewed).
SUMMARY_COLUMNS = (
    "call_id", "change_seq", "file_name", "line", "agent_id", "started_at", "scored_at", "duration_s", "language", "status",
    "failure_stage", "failure_reason", "speakers_status", "warnings", "rubric_id", "rubric_version", "score", "flags",
    "case_type", "case_title", "urgency", "repeat_count", "repeat_level", "agent_arousal", "agent_negativity",
    "caller_distress", "caller_anger",
)
_REVIEW_SCORE_SQL = ("(SELECT arg_max(s.score, s.scored_at) FROM scores s WHERE s.call_id = c.call_id "
                     "AND s.scored_by LIKE 'review:%')")
_REVIEWED_SQL = "EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id AND r.purpose <> 'calibration')"


@dataclass(frozen=True)
class CallQuery:
    """Which calls a client asks for; ``None`` leaves a filter out."""

    since: datetime | None = None  # scored at or after
    until: datetime | None = None  # scored before
    recorded_from: date | None = None  # recording started on or after this day
    recorded_to: date | None = None  # ... on or before this day
    line: str | None = None
    agent: str | None = None
    team: str | None = None
    status: str | None = None  # scored | failed; None: both
    min_score: float | None = None
    max_score: float | None = None
    flags: tuple[str, ...] = ()  # failed every one of these rubric items
    case_type: str | None = None
    urgency: str | None = None
    repeat_level: str | None = None
    reviewed: bool | None = None

    def where(self) -> tuple[list[str], list]:
        """SQL conditions over ``calls c`` and their parameters."""
        where: list[str] = []
        params: list = []
        for column, value in (("line", self.line), ("agent_id", self.agent), ("status", self.status),
                              ("case_type", self.case_type), ("urgency", self.urgency), ("repeat_level", self.repeat_level)):
            if value is not None:
                where.append(f"c.{column} = ?")
                params.append(value)
        for sql, value in (("c.scored_at >= ?", self.since), ("c.scored_at < ?", self.until),
                           ("c.started_at >= ?", self.recorded_from),
                           ("c.started_at < ? + INTERVAL 1 DAY", self.recorded_to),
                           ("c.score >= ?", self.min_score), ("c.score <= ?", self.max_score)):
            if value is not None:
                where.append(sql)
                params.append(value.replace(tzinfo=None) if isinstance(value, datetime) else value)
        if self.team is not None:
            where.append("c.agent_id IN (SELECT agent_id FROM agents WHERE team = ?)")
            params.append(self.team)
        if self.flags:
            where.append("list_has_all(coalesce(c.flags, []), ?)")
            params.append(list(self.flags))
        if self.reviewed is not None:
            where.append(_REVIEWED_SQL if self.reviewed else f"NOT {_REVIEWED_SQL}")
        return where, params


def list_calls(con: duckdb.DuckDBPyConnection, scope: tuple[str, list], query: CallQuery, after_seq: int,
               limit: int) -> list[dict]:
    """Up to ``limit`` calls with a change number above ``after_seq``, in change order."""
    where, params = query.where()
    condition = " AND ".join([scope[0], *where, "c.change_seq > ?"])
    columns = ", ".join(f"c.{name}" for name in SUMMARY_COLUMNS)
    # The page's ids first (a top-N on one column), then its columns, team and reviews for those rows only.
    return _rows(
        con,
        f"""WITH page AS (SELECT c.call_id FROM calls c WHERE {condition} ORDER BY c.change_seq LIMIT ?)
            SELECT {columns}, a.team, {_REVIEW_SCORE_SQL} AS review_score, {_REVIEWED_SQL} AS reviewed
            FROM page JOIN calls c USING (call_id) LEFT JOIN agents a ON a.agent_id = c.agent_id
            ORDER BY c.change_seq""",
        [*scope[1], *params, after_seq, limit],
    )


def call_with_team(con: duckdb.DuckDBPyConnection, call_id: str) -> dict | None:
    columns = ", ".join(f"c.{name}" for name in SUMMARY_COLUMNS)
    rows = _rows(
        con,
        f"""SELECT {columns}, a.team, {_REVIEW_SCORE_SQL} AS review_score, {_REVIEWED_SQL} AS reviewed
            FROM calls c LEFT JOIN agents a ON a.agent_id = c.agent_id WHERE c.call_id = ?""",
        [call_id],
    )
    return rows[0] if rows else None


def call_parts(con: duckdb.DuckDBPyConnection, call: dict, raw: bool) -> dict:
    """A call's utterances (raw text where asked and kept), verdicts with evidence and reviewers' verdicts,
    alerts, tone per utterance and every review."""
    call_id = call["call_id"]
    text = "coalesce(r.text, u.text)" if raw else "u.text"
    raw_join = "LEFT JOIN utterances_raw r ON r.call_id = u.call_id AND r.idx = u.idx" if raw else ""
    utterances = _rows(
        con,
        f"SELECT u.idx, u.speaker, u.role, u.channel, u.start_s, u.end_s, {text} AS text FROM utterances u {raw_join} "
        "WHERE u.call_id = ? ORDER BY u.idx",
        [call_id],
    )
    verdicts = _rows(
        con,
        "SELECT h.item_id, h.title, h.verdict, h.points, h.max_points, h.severity, h.reason, h.evidence, "
        "(SELECT arg_max(v.human_verdict, v.reviewed_at) FROM reviews v WHERE v.call_id = h.call_id AND v.item_id = h.item_id "
        " AND v.purpose <> 'calibration' AND v.rubric_version IS NOT DISTINCT FROM h.rubric_version) AS human_verdict "
        "FROM rule_hits h WHERE h.call_id = ? AND h.rubric_version IS NOT DISTINCT FROM ? ORDER BY h.item_id",
        [call_id, call["rubric_version"]],
    )
    return {
        "utterances": utterances,
        "verdicts": verdicts,
        "alerts": _rows(con, "SELECT kind, severity, start_s, message, evidence, raised_at FROM alerts WHERE call_id = ? "
                             "ORDER BY start_s NULLS FIRST, kind", [call_id]),
        "tone": _rows(con, "SELECT idx, role, start_s, end_s, arousal, negativity, baseline_source, cues, reasons "
                           "FROM utterance_tone WHERE call_id = ? ORDER BY start_s, idx", [call_id]),
        "reviews": _rows(con, "SELECT review_id, item_id, reviewer, purpose, machine_verdict, human_verdict, comment, reviewed_at "
                              "FROM reviews WHERE call_id = ? ORDER BY reviewed_at", [call_id]),
    }


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
