"""What each role may see: as an SQL condition on ``calls c`` and as a check on one call."""

from __future__ import annotations

from qc.accounts import User

# Pages each role may open (beside sign-in and their own calls).
ROLE_PAGES: dict[str, frozenset[str]] = {
    "admin": frozenset({"queue", "dashboard", "appeals", "calibration", "reports", "wall", "audit"}),
    "inspector": frozenset({"queue", "dashboard", "appeals", "calibration", "reports", "wall"}),
    "team_lead": frozenset({"queue", "dashboard", "appeals", "reports", "wall"}),
    "agent": frozenset({"desk", "queue", "appeals", "reports"}),
    "recorder": frozenset(),  # a machine: streams live audio, opens no page
}
# Who may stream live call audio in.
LIVE_SOURCES = frozenset({"recorder", "admin"})
REVIEWERS = frozenset({"inspector", "admin"})


def call_scope(user: User) -> tuple[str, list]:
    """SQL (over ``calls c``) limiting calls to those ``user`` may see, and its parameters."""
    if user.role in ("admin", "inspector"):
        return "TRUE", []
    if user.role == "team_lead":
        return "c.agent_id IN (SELECT agent_id FROM agents WHERE team = ?)", [user.team]
    if user.role == "agent":
        return "c.agent_id = ?", [user.agent_id]
    return "FALSE", []


def may_open_page(user: User, page: str) -> bool:
    return page in ROLE_PAGES.get(user.role, frozenset())


def may_see_call(user: User, agent_id: str | None, agent_team: str | None) -> bool:
    if user.role in ("admin", "inspector"):
        return True
    if user.role == "team_lead":
        return agent_team is not None and agent_team == user.team
    return user.role == "agent" and agent_id is not None and agent_id == user.agent_id


def may_see_report(user: User, kind: str, subject: str, agent_team: str | None) -> bool:
    """Coaching reports: leads their team's and its agents', agents their own, QA and admins all."""
    if user.role in ("admin", "inspector"):
        return True
    if user.role == "team_lead":
        return (kind == "team" and subject == user.team) or (kind == "agent" and agent_team is not None and agent_team == user.team)
    return user.role == "agent" and kind == "agent" and subject == user.agent_id
