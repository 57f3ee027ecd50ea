"""A week of one agent or one team against its peers: the numbers a coaching report shows.

The comparisons (which items are weakest, which are strengths) are pure functions of item counts;
``agent_summary`` and ``team_summary`` run the queries and put the pieces together.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from qc.coaching.data import (
    AgentInfo, AgentWeek, ExampleClip, ItemCount, ReportError, Scope, ToneAlert, WeekScore, agent_info, agent_weeks,
    examples, item_counts, main_line, team_agents, tone_alerts, week_scores, weeks_ending,
)

TREND_WEEKS = 8
WEAKEST = 3
CLIPS = 3


@dataclass(frozen=True)
class ItemRate:
    """One rubric item: its pass rate for the subject (agent or team) and for the peers it is measured against."""

    item_id: str
    title: str
    severity: str | None
    passed: int
    failed: int
    rate: float | None
    peer_rate: float | None

    @property
    def difference(self) -> float | None:
        return None if self.rate is None or self.peer_rate is None else self.rate - self.peer_rate


@dataclass(frozen=True)
class WeakItem:
    item: ItemRate
    clips: tuple[ExampleClip, ...]


@dataclass(frozen=True)
class Summary:
    """What both kinds of report share."""

    week: str
    line: str | None
    peer: str  # "team" | "line" | "centre": whom the subject is measured against
    this_week: WeekScore
    peer_week: WeekScore
    trend: tuple[WeekScore, ...]
    peer_trend: tuple[WeekScore, ...]
    items: tuple[ItemRate, ...]
    weakest: tuple[WeakItem, ...]
    strengths: tuple[ItemRate, ...]
    alerts: tuple[ToneAlert, ...]  # over the trend weeks

    @property
    def previous_mean(self) -> float | None:
        return self.trend[-2].mean_score if len(self.trend) > 1 else None

    @property
    def alerts_this_week(self) -> tuple[ToneAlert, ...]:
        return tuple(a for a in self.alerts if a.week == self.week)


@dataclass(frozen=True)
class AgentSummary:
    agent: AgentInfo
    summary: Summary
    rank: int | None  # by mean score within the team that week, 1 = best
    team_size: int


@dataclass(frozen=True)
class TeamSummary:
    team: str
    summary: Summary
    agents: tuple[AgentWeek, ...]
    weakest_by_agent: dict[str, ItemRate]


def compare(own: list[ItemCount], peers: list[ItemCount]) -> list[ItemRate]:
    """Each item the subject was judged on, with the peers' pass rate beside it; lowest pass rate first."""
    peer_rate = {p.item_id: p.rate for p in peers}
    rates = [
        ItemRate(c.item_id, c.title, c.severity, c.passed, c.failed, c.rate, peer_rate.get(c.item_id))
        for c in own
        if c.rate is not None
    ]
    return sorted(rates, key=lambda i: (i.rate, i.item_id))


def weakest(items: list[ItemRate], n: int = WEAKEST) -> list[ItemRate]:
    """Items failed at least once: lowest pass rate first, then the most failures, then the furthest below peers."""
    failed = [i for i in items if i.failed > 0]
    return sorted(failed, key=lambda i: (i.rate, -i.failed, i.difference if i.difference is not None else 0.0, i.item_id))[:n]


def strengths(items: list[ItemRate], n: int = WEAKEST, exclude: set[str] = frozenset()) -> list[ItemRate]:
    """Items at or above the peers: furthest above first, then the highest pass rate."""
    good = [i for i in items if i.item_id not in exclude and (i.difference is None or i.difference >= 0) and i.rate >= 0.5]
    return sorted(good, key=lambda i: (-(i.difference or 0.0), -i.rate, -i.passed, i.item_id))[:n]


def _summary(con: duckdb.DuckDBPyConnection, scope: Scope, peers: Scope, peer: str, week: str, line: str | None,
             base_url: str, trend_weeks: int) -> Summary:
    weeks = weeks_ending(week, trend_weeks)
    trend = week_scores(con, scope, weeks)
    peer_trend = week_scores(con, peers, weeks)
    items = compare(item_counts(con, scope, week), item_counts(con, peers, week))
    weak = weakest(items)
    return Summary(
        week=week, line=line, peer=peer, this_week=trend[-1], peer_week=peer_trend[-1], trend=tuple(trend),
        peer_trend=tuple(peer_trend), items=tuple(items),
        weakest=tuple(WeakItem(i, tuple(examples(con, scope, week, i.item_id, base_url, CLIPS))) for i in weak),
        strengths=tuple(strengths(items, exclude={i.item_id for i in weak})),
        alerts=tuple(tone_alerts(con, scope, weeks, base_url)),
    )


def _no_calls(who: str, con: duckdb.DuckDBPyConnection, scope: Scope, week: str) -> ReportError:
    where, params = scope.where()
    row = con.execute(
        f"SELECT max(coalesce(c.started_at, c.scored_at)) FROM calls c LEFT JOIN agents a USING (agent_id) "
        f"WHERE c.status = 'scored' AND {where}", params,
    ).fetchone()
    latest = f"; the latest scored call is from {row[0]:%G-W%V} ({row[0]:%Y-%m-%d})" if row and row[0] else "; no scored calls at all"
    return ReportError(f"{who} has no scored calls in week {week}{latest}")


def agent_summary(con: duckdb.DuckDBPyConnection, agent_id: str, week: str, base_url: str = "",
                  trend_weeks: int = TREND_WEEKS) -> AgentSummary:
    agent = agent_info(con, agent_id)
    scope = Scope(agent_id=agent_id)
    line = agent.line or main_line(con, scope, week)
    if week_scores(con, scope, [week])[0].calls == 0:
        raise _no_calls(f"agent {agent_id}", con, scope, week)
    # Measured against the team; an agent not registered in a team, against everyone on the same line.
    peers, peer = (Scope(team=agent.team), "team") if agent.team else (Scope(lines=(line,) if line else ()), "line")
    summary = _summary(con, scope, peers, peer, week, line, base_url, trend_weeks)
    rank, size = None, 0
    if agent.team:
        ranked = [a for a in agent_weeks(con, peers, week) if a.mean_score is not None]
        ranked.sort(key=lambda a: -a.mean_score)
        size = len(ranked)
        rank = next((k + 1 for k, a in enumerate(ranked) if a.agent_id == agent_id), None)
    return AgentSummary(agent, summary, rank, size)


def team_summary(con: duckdb.DuckDBPyConnection, team: str, week: str, base_url: str = "",
                 trend_weeks: int = TREND_WEEKS) -> TeamSummary:
    team_agents(con, team)  # a clear error for a team nobody is in
    scope = Scope(team=team)
    if week_scores(con, scope, [week])[0].calls == 0:
        raise _no_calls(f"team {team}", con, scope, week)
    line = main_line(con, scope, week)
    # The centre: every agent on the team's main line (other lines score other rubrics).
    summary = _summary(con, scope, Scope(lines=(line,) if line else ()), "centre", week, line, base_url, trend_weeks)
    agents = agent_weeks(con, scope, week)
    team_counts = item_counts(con, scope, week)
    by_agent: dict[str, list[ItemCount]] = {}
    for count in item_counts(con, scope, week, by_agent=True):
        by_agent.setdefault(count.agent_id, []).append(count)
    weakest_by_agent = {}
    for agent_id, counts in by_agent.items():
        worst = weakest(compare(counts, team_counts), 1)
        if worst:
            weakest_by_agent[agent_id] = worst[0]
    return TeamSummary(team, summary, tuple(agents), weakest_by_agent)


__all__ = [
    "AgentSummary", "ItemRate", "Summary", "TeamSummary", "WeakItem", "agent_summary", "compare",
    "strengths", "team_summary", "weakest",
]
