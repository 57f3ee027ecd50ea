"""What coaching reports are made of, read from the store: weekly scores, item pass rates, example clips, tone alerts.

Every number is the *final* one: a call's score is the latest reviewer's score where a reviewer re-scored
it, else the machine's; an item's verdict is the latest human verdict (calibration excluded) where there
is one, else the machine's, for the rubric version that gave the call its score. A call belongs to the
ISO week of ``coalesce(started_at, scored_at)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote

import duckdb

__all__ = [
    "AgentInfo", "AgentWeek", "EvidenceSpan", "ExampleClip", "ItemCount", "ReportError", "Scope", "ToneAlert",
    "WeekScore", "active_in_week", "agent_info", "agent_weeks", "call_url", "current_week", "examples", "item_counts",
    "main_line", "parse_week", "previous_week", "team_agents", "tone_alerts", "week_scores", "weeks_ending",
]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class ReportError(ValueError):
    """A report that cannot be made as asked, in words for the team lead or ops person who asked."""


# --- weeks ------------------------------------------------------------------------------------------

def parse_week(week: str) -> date:
    """The Monday of an ISO week written like ``2026-W48``."""
    m = _WEEK.match(week or "")
    if not m:
        raise ReportError(f"'{week}' is not an ISO week: write it like 2026-W48")
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError as exc:
        raise ReportError(f"{week}: year {m[1]} has no week {int(m[2])}") from exc


def _label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def current_week(today: date | None = None) -> str:
    return _label(today or date.today())


def previous_week(week: str) -> str:
    return _label(parse_week(week) - timedelta(days=7))


def weeks_ending(week: str, n: int) -> list[str]:
    """The ``n`` ISO weeks up to and including ``week``, oldest first."""
    monday = parse_week(week)
    return [_label(monday - timedelta(days=7 * k)) for k in range(n - 1, -1, -1)]


def _span(first_week: str, last_week: str) -> tuple[datetime, datetime]:
    start = parse_week(first_week)
    end = parse_week(last_week) + timedelta(days=7)
    return datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day)


# --- records ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Whose calls: one agent, one team (from the agents table), some lines, or everyone."""

    agent_id: str | None = None
    team: str | None = None
    lines: tuple[str, ...] = ()

    def where(self) -> tuple[str, list]:
        parts, params = ["true"], []
        if self.agent_id is not None:
            parts.append("c.agent_id = ?")
            params.append(self.agent_id)
        if self.team is not None:
            parts.append("a.team = ?")
            params.append(self.team)
        if self.lines:
            parts.append("list_contains(?, c.line)")
            params.append(list(self.lines))
        return " AND ".join(parts), params


@dataclass(frozen=True)
class AgentInfo:
    agent_id: str
    name: str | None
    team: str | None
    line: str | None


@dataclass(frozen=True)
class WeekScore:
    week: str
    calls: int
    mean_score: float | None


@dataclass(frozen=True)
class AgentWeek:
    """One agent's week, as a line of the team report."""

    agent_id: str
    name: str | None
    week: str
    calls: int
    mean_score: float | None
    previous_mean: float | None
    tone_alerts: int


@dataclass(frozen=True)
class ItemCount:
    """Final verdicts of one rubric item over a set of calls."""

    item_id: str
    title: str
    severity: str | None
    passed: int
    failed: int
    na: int
    agent_id: str | None = None  # set when counted per agent

    @property
    def judged(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """Pass rate over the calls where the item applied; None where it never did."""
        return self.passed / self.judged if self.judged else None


@dataclass(frozen=True)
class EvidenceSpan:
    start_s: float | None
    end_s: float | None
    role: str | None
    matched: str | None
    text: str | None


@dataclass(frozen=True)
class ExampleClip:
    """A call where an item failed: where to open it, and what was (or was not) said."""

    call_id: str
    agent_id: str | None
    item_id: str
    started_at: datetime | None
    score: float | None
    url: str
    reason: str | None
    evidence: tuple[EvidenceSpan, ...]
    reviewed: bool  # a reviewer's verdict, not the machine's


@dataclass(frozen=True)
class ToneAlert:
    week: str
    call_id: str
    agent_id: str | None
    at: datetime | None
    kind: str
    severity: str
    start_s: float | None
    message: str | None
    url: str


def call_url(base_url: str, call_id: str, item_id: str | None = None) -> str:
    """A link into the web app's call page, optionally at one rubric item."""
    url = f"{base_url.rstrip('/')}/calls/{quote(call_id, safe='')}"
    return f"{url}#item-{quote(item_id, safe='')}" if item_id else url


# --- queries ----------------------------------------------------------------------------------------

def _calls_cte(scope: Scope, first_week: str, last_week: str) -> tuple[str, list]:
    """``c``: the scope's scored calls of those weeks with their final score; ``r``: standing human verdicts."""
    where, params = scope.where()
    start, end = _span(first_week, last_week)
    sql = f"""WITH c AS (
        SELECT c.call_id, c.agent_id, c.line, c.rubric_version, a.team,
               coalesce(c.started_at, c.scored_at) AS call_at,
               strftime(coalesce(c.started_at, c.scored_at), '%G-W%V') AS week,
               coalesce((SELECT arg_max(s.score, s.scored_at) FROM scores s
                         WHERE s.call_id = c.call_id AND s.scored_by LIKE 'review:%'), c.score) AS score
        FROM calls c LEFT JOIN agents a USING (agent_id)
        WHERE c.status = 'scored' AND coalesce(c.started_at, c.scored_at) >= ? AND coalesce(c.started_at, c.scored_at) < ?
          AND {where}
    ), r AS (
        SELECT call_id, item_id, rubric_version, arg_max(human_verdict, reviewed_at) AS verdict
        FROM reviews WHERE purpose <> 'calibration' AND call_id IN (SELECT call_id FROM c) GROUP BY ALL
    ), h AS (
        SELECT h.call_id, c.agent_id, c.call_at, c.score, h.item_id, h.title, h.severity, h.reason, h.evidence,
               coalesce(r.verdict, h.verdict) AS verdict, r.verdict IS NOT NULL AS reviewed
        FROM rule_hits h JOIN c ON h.call_id = c.call_id AND h.rubric_version IS NOT DISTINCT FROM c.rubric_version
        LEFT JOIN r ON r.call_id = h.call_id AND r.item_id = h.item_id AND r.rubric_version IS NOT DISTINCT FROM h.rubric_version
    )"""
    return sql, [start, end, *params]


def agent_info(con: duckdb.DuckDBPyConnection, agent_id: str) -> AgentInfo:
    row = con.execute("SELECT name, team, line FROM agents WHERE agent_id = ?", [agent_id]).fetchone()
    if row is not None:
        return AgentInfo(agent_id, *row)
    if con.execute("SELECT 1 FROM calls WHERE agent_id = ? LIMIT 1", [agent_id]).fetchone() is None:
        raise ReportError(f"no agent '{agent_id}': no calls carry that agent id and it is not registered (qc agents add)")
    return AgentInfo(agent_id, None, None, None)


def team_agents(con: duckdb.DuckDBPyConnection, team: str) -> list[AgentInfo]:
    rows = con.execute("SELECT agent_id, name, team, line FROM agents WHERE team = ? ORDER BY agent_id", [team]).fetchall()
    if not rows:
        known = [r[0] for r in con.execute("SELECT DISTINCT team FROM agents WHERE team IS NOT NULL ORDER BY 1").fetchall()]
        raise ReportError(f"no team '{team}' (teams: {', '.join(known) or 'none registered; use qc agents add --team'})")
    return [AgentInfo(*r) for r in rows]


def main_line(con: duckdb.DuckDBPyConnection, scope: Scope, week: str) -> str | None:
    """The line most of the scope's calls that week came in on."""
    cte, params = _calls_cte(scope, week, week)
    row = con.execute(f"{cte} SELECT line FROM c WHERE line IS NOT NULL GROUP BY line ORDER BY count(*) DESC, line LIMIT 1",
                      params).fetchone()
    return row[0] if row else None


def week_scores(con: duckdb.DuckDBPyConnection, scope: Scope, weeks: list[str]) -> list[WeekScore]:
    """Calls and mean final score per week, one entry per week asked (empty weeks included)."""
    cte, params = _calls_cte(scope, weeks[0], weeks[-1])
    found = {w: (n, m) for w, n, m in con.execute(f"{cte} SELECT week, count(*), avg(score) FROM c GROUP BY week", params).fetchall()}
    return [WeekScore(w, *found.get(w, (0, None))) for w in weeks]


def item_counts(con: duckdb.DuckDBPyConnection, scope: Scope, week: str, by_agent: bool = False) -> list[ItemCount]:
    cte, params = _calls_cte(scope, week, week)
    agent = "agent_id" if by_agent else "NULL"
    rows = con.execute(
        f"""{cte} SELECT item_id, arg_max(title, call_at), arg_max(severity, call_at),
                   count(*) FILTER (WHERE verdict = 'pass'), count(*) FILTER (WHERE verdict = 'fail'),
                   count(*) FILTER (WHERE verdict = 'na'), {agent} AS agent
            FROM h GROUP BY item_id, agent ORDER BY agent, item_id""",
        params,
    ).fetchall()
    return [ItemCount(item_id, title or item_id, severity, p, f, na, a) for item_id, title, severity, p, f, na, a in rows]


def examples(con: duckdb.DuckDBPyConnection, scope: Scope, week: str, item_id: str, base_url: str = "",
             limit: int = 3) -> list[ExampleClip]:
    """Calls of the week where the item finally failed: ones with evidence first, then the lowest scores.

    At most one clip per agent while other agents have some, so a team's examples are not one person's.
    """
    cte, params = _calls_cte(scope, week, week)
    rows = con.execute(
        f"""{cte} SELECT call_id, agent_id, call_at, score, reason, evidence, reviewed,
                   row_number() OVER (PARTITION BY agent_id ORDER BY len(evidence) > 0 DESC, score ASC NULLS LAST, call_at, call_id) AS nth
            FROM h WHERE item_id = ? AND verdict = 'fail'
            ORDER BY nth, len(evidence) > 0 DESC, score ASC NULLS LAST, call_at, call_id LIMIT ?""",
        params + [item_id, limit],
    ).fetchall()
    return [
        ExampleClip(
            call_id=call_id, agent_id=agent_id, item_id=item_id, started_at=at, score=score, url=call_url(base_url, call_id, item_id),
            reason=reason, reviewed=bool(reviewed),
            evidence=tuple(EvidenceSpan(e["start_s"], e["end_s"], e["role"], e["matched"], e["text"]) for e in evidence or ()),
        )
        for call_id, agent_id, at, score, reason, evidence, reviewed, _ in rows
    ]


def tone_alerts(con: duckdb.DuckDBPyConnection, scope: Scope, weeks: list[str], base_url: str = "") -> list[ToneAlert]:
    """Alerts about the agent's own voice or words (kinds ``agent_*``), oldest first."""
    cte, params = _calls_cte(scope, weeks[0], weeks[-1])
    rows = con.execute(
        f"""{cte} SELECT c.week, c.call_id, c.agent_id, c.call_at, al.kind, al.severity, al.start_s, al.message
            FROM alerts al JOIN c USING (call_id) WHERE starts_with(al.kind, 'agent_')
            ORDER BY c.call_at, c.call_id, al.start_s NULLS FIRST""",
        params,
    ).fetchall()
    return [ToneAlert(w, call_id, agent_id, at, kind, sev, start, msg, call_url(base_url, call_id))
            for w, call_id, agent_id, at, kind, sev, start, msg in rows]


def agent_weeks(con: duckdb.DuckDBPyConnection, scope: Scope, week: str) -> list[AgentWeek]:
    """Per agent of the scope with calls that week: calls, mean score, last week's mean, tone alerts; lowest first."""
    before = previous_week(week)
    cte, params = _calls_cte(scope, before, week)
    rows = con.execute(
        f"""{cte}, alerts_by_call AS (
                SELECT call_id, count(*) AS n FROM alerts WHERE starts_with(kind, 'agent_') AND call_id IN (SELECT call_id FROM c)
                GROUP BY call_id)
            SELECT c.agent_id, any_value(ag.name),
                   count(*) FILTER (WHERE week = ?), avg(score) FILTER (WHERE week = ?), avg(score) FILTER (WHERE week = ?),
                   coalesce(sum(abc.n) FILTER (WHERE week = ?), 0)
            FROM c LEFT JOIN agents ag USING (agent_id) LEFT JOIN alerts_by_call abc USING (call_id)
            GROUP BY c.agent_id HAVING count(*) FILTER (WHERE week = ?) > 0
            ORDER BY 4 ASC NULLS LAST, c.agent_id""",
        params + [week, week, before, week, week],
    ).fetchall()
    return [AgentWeek(a, name, week, int(n), mean, prev, int(alerts)) for a, name, n, mean, prev, alerts in rows]


def active_in_week(con: duckdb.DuckDBPyConnection, week: str) -> tuple[list[str], list[str]]:
    """(agents with scored calls that week, registered teams of those agents)."""
    cte, params = _calls_cte(Scope(), week, week)
    rows = con.execute(f"{cte} SELECT DISTINCT agent_id, team FROM c WHERE agent_id IS NOT NULL ORDER BY 1", params).fetchall()
    return [a for a, _ in rows], sorted({t for _, t in rows if t is not None})
