"""The queries behind the pages: the flag queue, one call, the dashboard, appeals and calibration.

Every query that lists calls takes the user's scope (``access.call_scope``) so a role never sees a
row it may not, whatever the URL says. Parameters are always bound, never formatted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from qc.accounts import User
from qc.review import ItemVerdict, cohen_kappa, current_human_verdicts
from qc.web.access import call_scope

# Urgent cases and callers in distress first, then possible crises (a person should listen), then critical
# failures, then flagged calls, then agent-tone alerts. Alerts are summarised per call once (a join), not
# looked up per row: the queue sorts 100,000+ calls.
_ALERT_SUMMARY_SQL = """SELECT call_id,
        bool_or(kind IN ('urgent_case', 'caller_distress', 'caller_danger')) AS urgent,
        bool_or(kind = 'possible_crisis') AS possible,
        bool_or(kind = 'critical_fail') AS critical,
        bool_or(kind LIKE 'agent_%') AS tone
    FROM alerts GROUP BY call_id"""
_PRIORITY_SQL = """CASE
    WHEN c.urgency = 'urgent' OR coalesce(al.urgent, false) THEN 0
    WHEN coalesce(al.possible, false) THEN 1
    WHEN coalesce(al.critical, false) THEN 2
    WHEN len(coalesce(c.flags, [])) > 0 THEN 3
    WHEN coalesce(al.tone, false) THEN 4
    ELSE 5 END"""
PRIORITY_LABELS = {0: "urgent", 1: "possible", 2: "critical", 3: "flagged", 4: "tone", 5: "ok"}


@dataclass(frozen=True)
class QueueFilter:
    date_from: date | None = None
    date_to: date | None = None
    line: str | None = None
    agent: str | None = None
    team: str | None = None
    item: str | None = None  # calls that failed this rubric item
    case_type: str | None = None
    language: str | None = None
    reviewed: str | None = None  # "yes" | "no" | None (all)
    status: str = "scored"  # scored | failed | all
    search: str | None = None  # substring of the transcript (Chinese works: no word splitting)
    page: int = 1

    def query_string(self, **changes: object) -> str:
        from urllib.parse import urlencode

        values = {k: v for k, v in {**self.__dict__, **changes}.items() if v not in (None, "", 1) or k == "page" and v != 1}
        if values.get("status") == "scored":
            values.pop("status")
        return urlencode({k: str(v) for k, v in values.items()})


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict]
    total: int
    page: int
    pages: int
    filters: QueueFilter
    options: dict[str, list[str]] = field(default_factory=dict)


def queue(con: duckdb.DuckDBPyConnection, user: User, f: QueueFilter, page_size: int) -> QueuePage:
    condition, params = queue_condition(user, f)
    rows, total = _ranked_page(con, condition, params, page_size, max(1, f.page))
    if not rows and f.page > 1:  # past the last page: count, then show the last one
        total = con.execute(f"SELECT count(*) FROM calls c WHERE {condition}", params).fetchone()[0]
        rows, _ = _ranked_page(con, condition, params, page_size, max(1, -(-total // page_size)))
    pages = max(1, -(-total // page_size))
    page = min(max(1, f.page), pages)
    for row in rows:
        row["priority_label"] = PRIORITY_LABELS[row["priority"]]
    return QueuePage(rows, total, page, pages, f, _filter_options(con))


def queue_condition(user: User, f: QueueFilter) -> tuple[str, list]:
    """The queue's filters and the user's scope, as SQL over ``calls c`` (the page and its CSV download)."""
    scope, params = call_scope(user)
    where = [scope]
    if f.status != "all":
        where.append("c.status = ?")
        params.append(f.status)
    for column, value in (("line", f.line), ("agent_id", f.agent), ("case_type", f.case_type), ("language", f.language)):
        if value:
            where.append(f"c.{column} = ?")
            params.append(value)
    if f.team:
        where.append("c.agent_id IN (SELECT agent_id FROM agents WHERE team = ?)")
        params.append(f.team)
    if f.item:
        where.append("list_contains(c.flags, ?)")
        params.append(f.item)
    if f.date_from:
        where.append("coalesce(c.started_at, c.scored_at) >= ?")
        params.append(f.date_from)
    if f.date_to:
        where.append("coalesce(c.started_at, c.scored_at) < ? + INTERVAL 1 DAY")
        params.append(f.date_to)
    if f.reviewed in ("yes", "no"):
        where.append(("" if f.reviewed == "yes" else "NOT ") +
                     "EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id AND r.purpose <> 'calibration')")
    if f.search:
        where.append("c.call_id IN (SELECT call_id FROM call_text WHERE contains(text, ?))")
        params.append(f.search)
    return " AND ".join(where), params


def _ranked_page(con: duckdb.DuckDBPyConnection, condition: str, params: list, page_size: int, page: int) -> tuple[list[dict], int]:
    """One page of the queue and the number of calls matching, in one pass over the calls.

    Ranks on the few columns the order needs, then fetches the page's details for its rows only.
    """
    cur = con.execute(
        f"""WITH al AS ({_ALERT_SUMMARY_SQL}),
            page AS (
                SELECT c.call_id, {_PRIORITY_SQL} AS priority, c.score, c.started_at, count(*) OVER () AS total
                FROM calls c LEFT JOIN al USING (call_id) WHERE {condition}
                ORDER BY priority, c.score ASC NULLS LAST, c.started_at DESC NULLS LAST, c.call_id
                LIMIT ? OFFSET ?)
            SELECT c.call_id, c.file_name, c.line, c.agent_id, c.started_at, c.scored_at, c.duration_s, c.language, c.score,
                   c.flags, c.case_title, c.urgency, c.repeat_level, c.status, c.failure_reason, page.priority, page.total,
                   (SELECT arg_max(s.score, s.scored_at) FROM scores s WHERE s.call_id = c.call_id AND s.scored_by LIKE 'review:%') AS reviewed_score,
                   EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id AND r.purpose <> 'calibration') AS reviewed
            FROM page JOIN calls c USING (call_id)
            ORDER BY page.priority, c.score ASC NULLS LAST, c.started_at DESC NULLS LAST, c.call_id""",
        params + [page_size, (page - 1) * page_size],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    return rows, (rows[0]["total"] if rows else 0)


def _filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    def distinct(sql: str) -> list[str]:
        return [r[0] for r in con.execute(sql).fetchall() if r[0] is not None]

    return {
        "line": distinct("SELECT DISTINCT line FROM calls ORDER BY 1"),
        "team": distinct("SELECT DISTINCT team FROM agents ORDER BY 1"),
        "case_type": distinct("SELECT DISTINCT case_type FROM calls ORDER BY 1"),
        "language": distinct("SELECT DISTINCT language FROM calls ORDER BY 1"),
        "item": distinct("SELECT DISTINCT unnest(flags) FROM calls ORDER BY 1"),
    }


def call_header(con: duckdb.DuckDBPyConnection, call_id: str) -> dict | None:
    cur = con.execute(
        "SELECT c.*, a.team AS agent_team, a.name AS agent_name FROM calls c LEFT JOIN agents a USING (agent_id) WHERE c.call_id = ?",
        [call_id],
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def call_items(con: duckdb.DuckDBPyConnection, call: dict) -> list[dict]:
    """The rubric items of the version that scored the call, each with the reviewers' verdict and history."""
    call_id = call["call_id"]
    items = _rows(
        con,
        "SELECT item_id, title, verdict, points, max_points, severity, reason, evidence FROM rule_hits "
        "WHERE call_id = ? AND rubric_version IS NOT DISTINCT FROM ? ORDER BY item_id",
        [call_id, call["rubric_version"]],
    )
    human = current_human_verdicts(con, call_id, call["rubric_version"])
    history = _rows(con, "SELECT * FROM reviews WHERE call_id = ? ORDER BY reviewed_at", [call_id])
    for item in items:
        item["human_verdict"] = human.get(item["item_id"])
        item["reviews"] = [r for r in history if r["item_id"] == item["item_id"]]
    return items


def call_detail(con: duckdb.DuckDBPyConnection, call: dict, raw: bool) -> dict:
    """Transcript (redacted, or raw where allowed and kept), items with reviews, alerts, appeals, scores."""
    call_id = call["call_id"]
    utterances = _rows(con, "SELECT idx, speaker, role, start_s, end_s, text FROM utterances WHERE call_id = ? ORDER BY idx", [call_id])
    if raw:
        raw_text = dict(con.execute("SELECT idx, text FROM utterances_raw WHERE call_id = ?", [call_id]).fetchall())
        for u in utterances:
            u["text"] = raw_text.get(u["idx"], u["text"])
    final = _rows(
        con, "SELECT score, scored_by, scored_at FROM scores WHERE call_id = ? AND scored_by LIKE 'review:%' ORDER BY scored_at DESC LIMIT 1",
        [call_id],
    )
    return {
        "utterances": utterances,
        "items": call_items(con, call),
        "alerts": _rows(con, "SELECT kind, severity, start_s, message FROM alerts WHERE call_id = ? ORDER BY start_s NULLS FIRST", [call_id]),
        "appeals": _rows(con, "SELECT * FROM appeals WHERE call_id = ? ORDER BY filed_at", [call_id]),
        "final_score": final[0]["score"] if final else call["score"],
        "reviewed_by": final[0]["scored_by"].split(":", 1)[1] if final else None,
        "corrections": _rows(con, "SELECT channel, original, replacement, start_s, probability FROM asr_corrections "
                                  "WHERE call_id = ? ORDER BY start_s", [call_id]),
        "tone": _rows(con, "SELECT idx, role, start_s, end_s, arousal, negativity, cues, reasons FROM utterance_tone "
                           "WHERE call_id = ? ORDER BY start_s", [call_id]),
        "pii_spans": con.execute("SELECT count(*) FROM pii_spans WHERE call_id = ?", [call_id]).fetchone()[0],
        "has_raw": con.execute("SELECT count(*) FROM utterances_raw WHERE call_id = ?", [call_id]).fetchone()[0] > 0,
    }


def item_verdicts(items: list[dict], section_of: dict[str, str | None]) -> list[ItemVerdict]:
    return [ItemVerdict(i["item_id"], i["verdict"], i["points"] or 0.0, i["max_points"] or 0.0, i["severity"] or "normal",
                        section_of.get(i["item_id"])) for i in items]


def appeals(con: duckdb.DuckDBPyConnection, user: User) -> list[dict]:
    scope, params = call_scope(user)
    return _rows(
        con,
        f"SELECT p.*, c.file_name, c.score, c.line FROM appeals p JOIN calls c USING (call_id) WHERE {scope} "
        "ORDER BY CASE p.status WHEN 'open' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END, p.filed_at DESC LIMIT 500",
        params,
    )


@dataclass(frozen=True)
class DashboardFilter:
    date_from: date | None = None  # recording day (scoring day if unknown)
    date_to: date | None = None
    line: str | None = None
    team: str | None = None

    def query_string(self) -> str:
        from urllib.parse import urlencode

        return urlencode({k: str(v) for k, v in self.__dict__.items() if v not in (None, "")})


def dashboard_condition(user: User, f: DashboardFilter) -> tuple[str, list]:
    """The user's scope and the dashboard's filters, as SQL over ``calls c``."""
    scope, params = call_scope(user)
    where = [scope]
    for sql, value in (("coalesce(c.started_at, c.scored_at) >= ?", f.date_from),
                       ("coalesce(c.started_at, c.scored_at) < ? + INTERVAL 1 DAY", f.date_to), ("c.line = ?", f.line),
                       ("c.agent_id IN (SELECT agent_id FROM agents WHERE team = ?)", f.team)):
        if value is not None:
            where.append(sql)
            params.append(value)
    return "(" + " AND ".join(where) + ")", params


def dashboard(con: duckdb.DuckDBPyConnection, user: User, f: DashboardFilter = DashboardFilter()) -> dict:
    scope, params = dashboard_condition(user, f)

    def rows(sql: str) -> list[dict]:
        return _rows(con, sql.format(scope=scope), list(params))

    totals = rows(
        "SELECT count(*) FILTER (WHERE status = 'scored') AS scored, count(*) FILTER (WHERE status = 'failed') AS failed, "
        "count(*) AS received, avg(score) FILTER (WHERE status = 'scored') AS mean_score, "
        "count(*) FILTER (WHERE urgency = 'urgent') AS urgent FROM calls c WHERE {scope}"
    )[0]
    totals["coverage"] = totals["scored"] / totals["received"] if totals["received"] else None
    return {
        "totals": totals,
        "histogram": rows(
            "SELECT least(floor(score / 10) * 10, 90)::INTEGER AS bucket, count(*) AS n FROM calls c "
            "WHERE {scope} AND score IS NOT NULL GROUP BY 1 ORDER BY 1"
        ),
        "top_failed": rows(
            "SELECT h.item_id, any_value(h.title) AS title, count(*) AS fails FROM rule_hits h JOIN calls c USING (call_id) "
            "WHERE {scope} AND h.verdict = 'fail' AND h.rubric_version IS NOT DISTINCT FROM c.rubric_version "
            "GROUP BY 1 ORDER BY fails DESC LIMIT 10"
        ),
        "weekly": rows(
            "SELECT strftime(coalesce(started_at, scored_at), '%G-W%V') AS week, count(*) AS calls, round(avg(score), 1) AS mean_score "
            "FROM calls c WHERE {scope} AND status = 'scored' GROUP BY 1 ORDER BY 1 DESC LIMIT 12"
        ),
        "agents": rows(
            "SELECT c.agent_id, any_value(a.team) AS team, count(*) AS calls, round(avg(score), 1) AS mean_score "
            "FROM calls c LEFT JOIN agents a USING (agent_id) WHERE {scope} AND status = 'scored' "
            "GROUP BY 1 ORDER BY mean_score ASC NULLS LAST LIMIT 50"
        ),
        "urgent": rows(
            "SELECT c.call_id, c.file_name, c.urgency_title, c.started_at, "
            "EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = c.call_id) AS reviewed FROM calls c "
            "WHERE {scope} AND urgency = 'urgent' ORDER BY coalesce(started_at, scored_at) DESC LIMIT 20"
        ),
        "runs": _rows(con, "SELECT * FROM runs ORDER BY started_at DESC LIMIT 5", []),
        "options": {
            "line": [r[0] for r in con.execute("SELECT DISTINCT line FROM calls WHERE line IS NOT NULL ORDER BY 1").fetchall()],
            "team": [r[0] for r in con.execute("SELECT DISTINCT team FROM agents WHERE team IS NOT NULL ORDER BY 1").fetchall()],
        },
        "agreement": review_agreement(con),
    }


def review_agreement(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per rubric item: how often reviewers agreed with the machine (which rules need fixing)."""
    return _rows(
        con,
        "SELECT item_id, count(*) AS reviews, round(avg((machine_verdict = human_verdict)::INTEGER), 3) AS agreement "
        "FROM reviews WHERE purpose <> 'calibration' GROUP BY 1 ORDER BY agreement, item_id",
        [],
    )


def calibration_agreement(con: duckdb.DuckDBPyConnection, week: str | None = None) -> dict:
    """Cohen's kappa between inspectors who double-reviewed the same call and item, per item and overall."""
    sql = ("SELECT r.call_id, r.item_id, r.reviewer, arg_max(r.human_verdict, r.reviewed_at) AS verdict "
           "FROM reviews r WHERE r.purpose = 'calibration'")
    params: list = []
    if week:
        sql += " AND r.call_id IN (SELECT call_id FROM calibration WHERE week = ?)"
        params.append(week)
    sql += " GROUP BY ALL ORDER BY r.call_id, r.item_id, r.reviewer"
    by_key: dict[tuple[str, str], list[str]] = {}
    for call_id, item_id, _reviewer, verdict in con.execute(sql, params).fetchall():
        by_key.setdefault((call_id, item_id), []).append(verdict)
    pairs_by_item: dict[str, list[tuple[str, str]]] = {}
    for (_, item_id), verdicts in by_key.items():
        if len(verdicts) >= 2:
            pairs_by_item.setdefault(item_id, []).append((verdicts[0], verdicts[1]))
    everything = [p for ps in pairs_by_item.values() for p in ps]
    return {
        "items": [{"item_id": k, "pairs": len(v), "kappa": cohen_kappa(v),
                   "agreement": round(sum(a == b for a, b in v) / len(v), 3)} for k, v in sorted(pairs_by_item.items())],
        "overall_kappa": cohen_kappa(everything),
        "pairs": len(everything),
    }


def calibration_assignments(con: duckdb.DuckDBPyConnection, inspector: str, week: str) -> list[dict]:
    return _rows(
        con,
        "SELECT k.call_id, c.file_name, c.score, "
        "EXISTS (SELECT 1 FROM reviews r WHERE r.call_id = k.call_id AND r.reviewer = k.inspector AND r.purpose = 'calibration') AS done "
        "FROM calibration k JOIN calls c USING (call_id) WHERE k.inspector = ? AND k.week = ? ORDER BY k.call_id",
        [inspector, week],
    )
