"""The API's other reads: alerts paged in change order, batch runs, agents' weekly summaries, and the
counts behind ``/metrics``."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from qc.store.api_calls import _rows

_ALERTS_SQL = """SELECT c.change_seq, a.call_id, c.line, c.agent_id, a.kind, a.severity, a.start_s, a.message, a.evidence,
        a.raised_at, row_number() OVER (PARTITION BY a.call_id ORDER BY a.kind, a.start_s NULLS FIRST, a.message) AS ordinal
    FROM alerts a JOIN calls c USING (call_id) WHERE {condition}"""


def list_alerts(con: duckdb.DuckDBPyConnection, scope: tuple[str, list], *, since: datetime | None, until: datetime | None,
                kind: str | None, severity: str | None, line: str | None, agent: str | None, after: tuple[int, int],
                limit: int) -> list[dict]:
    """Alerts of the calls in scope, in (change number, place in the call) order, after ``after``."""
    where, params = [scope[0], "c.change_seq >= ?"], [*scope[1], after[0]]
    for sql, value in (("a.raised_at >= ?", since), ("a.raised_at < ?", until), ("a.kind = ?", kind),
                       ("a.severity = ?", severity), ("c.line = ?", line), ("c.agent_id = ?", agent)):
        if value is not None:
            where.append(sql)
            params.append(value.replace(tzinfo=None) if isinstance(value, datetime) else value)
    sql = _ALERTS_SQL.format(condition=" AND ".join(where))
    return _rows(con, f"SELECT * FROM ({sql}) WHERE (change_seq, ordinal) > (?, ?) ORDER BY change_seq, ordinal LIMIT ?",
                 [*params, after[0], after[1], limit])


def list_runs(con: duckdb.DuckDBPyConnection, since: datetime | None, limit: int) -> list[dict]:
    where, params = ("WHERE started_at >= ?", [since.replace(tzinfo=None)]) if since else ("", [])
    return _rows(con, f"SELECT * FROM runs {where} ORDER BY started_at DESC NULLS LAST LIMIT ?", [*params, limit])


def weekly_summaries(con: duckdb.DuckDBPyConnection, scope: tuple[str, list], *, recorded_from: date | None,
                     recorded_to: date | None, agent: str | None, team: str | None, line: str | None) -> list[dict]:
    """Per agent and ISO week (of the recording, else of the scoring): calls, scores, flags, urgent cases, reviews."""
    return _rows(con, *weekly_sql(scope, recorded_from=recorded_from, recorded_to=recorded_to, agent=agent, team=team, line=line))


def weekly_sql(scope: tuple[str, list], *, recorded_from: date | None, recorded_to: date | None, agent: str | None,
               team: str | None, line: str | None) -> tuple[str, list]:
    where, params = [scope[0], "c.agent_id IS NOT NULL"], list(scope[1])
    for sql, value in (("coalesce(c.started_at, c.scored_at) >= ?", recorded_from),
                       ("coalesce(c.started_at, c.scored_at) < ? + INTERVAL 1 DAY", recorded_to),
                       ("c.agent_id = ?", agent), ("c.line = ?", line),
                       ("c.agent_id IN (SELECT agent_id FROM agents WHERE team = ?)", team)):
        if value is not None:
            where.append(sql)
            params.append(value)
    return (
        f"""SELECT strftime(coalesce(c.started_at, c.scored_at), '%G-W%V') AS week, c.agent_id, any_value(a.team) AS team,
                   count(*) AS calls, count(*) FILTER (WHERE c.status = 'scored') AS scored,
                   count(*) FILTER (WHERE c.status = 'failed') AS failed,
                   round(avg(c.score) FILTER (WHERE c.status = 'scored'), 2) AS mean_score,
                   min(c.score) AS min_score,
                   count(*) FILTER (WHERE len(coalesce(c.flags, [])) > 0) AS flagged,
                   count(*) FILTER (WHERE c.urgency = 'urgent') AS urgent,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id
                                                  AND r.purpose <> 'calibration')) AS reviewed,
                   round(sum(c.duration_s) / 3600, 3) AS audio_hours
            FROM calls c LEFT JOIN agents a ON a.agent_id = c.agent_id WHERE {" AND ".join(where)}
            GROUP BY 1, 2 ORDER BY week DESC, c.agent_id LIMIT 5000""",
        params,
    )


def metrics_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """What ``/metrics`` reports from the store: stored calls, failures by stage, audio hours, queues."""
    return {
        "calls": con.execute("SELECT status, coalesce(line, ''), count(*) FROM calls GROUP BY ALL ORDER BY ALL").fetchall(),
        "failures": con.execute("SELECT coalesce(stage, 'unknown'), count(*) FROM failures GROUP BY ALL ORDER BY ALL").fetchall(),
        "audio_hours": con.execute("SELECT coalesce(sum(duration_s), 0) / 3600 FROM calls WHERE status = 'scored'").fetchone()[0],
        "runs": con.execute("SELECT coalesce(sum(scored), 0), coalesce(sum(failed), 0), coalesce(sum(skipped), 0), "
                            "coalesce(sum(audio_hours), 0), max(finished_at) FROM runs").fetchone(),
        "review_queue": con.execute(
            "SELECT count(*) FROM calls c WHERE c.status = 'scored' AND (c.urgency = 'urgent' OR len(coalesce(c.flags, [])) > 0) "
            "AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id AND r.purpose <> 'calibration')").fetchone()[0],
        "open_appeals": con.execute("SELECT count(*) FROM appeals WHERE status IN ('open', 'accepted')").fetchone()[0],
        "unacknowledged_live_alerts": con.execute(
            "SELECT count(*) FROM live_alerts WHERE acknowledged_at IS NULL").fetchone()[0],
        "change_seq": con.execute("SELECT seq FROM change_counter WHERE name = 'calls'").fetchone()[0],
    }
