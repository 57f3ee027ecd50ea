"""Weekly coaching reports for team leads: per agent and per team, as HTML and PDF.

A report shows the week's score against the peers, the score trend, each rubric item's pass rate
against the team (or, for a team, the centre), the three weakest items with example calls that link
into the web app's call page, the agent's tone alerts, and strengths. The store is opened read-only
and only while the numbers are read, so reports can be built while the web app or a nightly run works.

    build_agent_report("qc.duckdb", "A001", "2026-W48")   # reports/coaching/2026-W48/agent-A001.html|.pdf
    build_team_report("qc.duckdb", "north", "2026-W48")   # reports/coaching/2026-W48/team-north.html|.pdf
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator, Mapping

from qc.coaching.data import ReportError, current_week, parse_week, previous_week
from qc.coaching.files import ReportEntry, list_reports, report_stem, write_atomic, write_meta
from qc.coaching.render import PdfUnavailable

__all__ = [
    "DEFAULT_OUT", "PdfUnavailable", "ReportEntry", "ReportError", "ReportFiles", "build_agent_report", "build_team_report",
    "current_week", "list_reports", "previous_week",
]

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("reports/coaching")


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path | None
    meta: Path


@contextmanager
def _read_only(db_path: Path | str) -> Iterator:
    from qc.store import Store

    try:
        store = Store(db_path, read_only=True)
    except FileNotFoundError as exc:
        raise ReportError(str(exc)) from exc
    try:
        yield store.con
    finally:
        store.close()


def _write(stem: Path, html: str, meta: dict, pdf: bool) -> ReportFiles:
    from qc.coaching.render import write_pdf

    html_path = write_atomic(stem.with_suffix(".html"), html)
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.unlink(missing_ok=True)  # a PDF of last run's numbers must not sit beside this run's HTML
    problem = None
    if pdf:
        try:
            write_pdf(html_path, pdf_path)
        except PdfUnavailable as exc:
            problem = exc
    meta_path = write_meta(stem, {**meta, "generated_at": datetime.now().isoformat(timespec="seconds"),
                                  "pdf": pdf_path.name if pdf_path.is_file() else None})
    if problem is not None:
        raise problem
    log.info("coaching report %s", html_path)
    return ReportFiles(html_path, pdf_path if pdf_path.is_file() else None, meta_path)


def build_agent_report(db_path: Path | str, agent_id: str, week: str, out_dir: Path | str = DEFAULT_OUT, base_url: str = "", *,
                       pdf: bool = True, lines: Mapping[str, object] | None = None, lang: str | None = None,
                       trend_weeks: int = 8) -> ReportFiles:
    """Write ``<out_dir>/<week>/agent-<id>.html`` (and ``.pdf``); links point at ``<base_url>/calls/<id>#item-<item>``.

    ``lines`` (the settings' line configs) decides the language unless ``lang`` is given. Raises
    ReportError when the agent is unknown or has no scored calls that week, PdfUnavailable (after the
    HTML is written) when no PDF could be printed.
    """
    from qc.coaching.i18n import report_language
    from qc.coaching.render import agent_html
    from qc.coaching.summary import agent_summary

    parse_week(week)
    with _read_only(db_path) as con:
        report = agent_summary(con, agent_id, week, base_url, trend_weeks)
    s = report.summary
    lang = lang or report_language(s.line, lines)
    meta = {"kind": "agent", "id": agent_id, "week": week, "name": report.agent.name, "team": report.agent.team,
            "line": s.line, "lang": lang, "calls": s.this_week.calls, "mean_score": s.this_week.mean_score}
    return _write(report_stem(Path(out_dir), week, "agent", agent_id), agent_html(report, lang), meta, pdf)


def build_team_report(db_path: Path | str, team: str, week: str, out_dir: Path | str = DEFAULT_OUT, base_url: str = "", *,
                      pdf: bool = True, lines: Mapping[str, object] | None = None, lang: str | None = None,
                      trend_weeks: int = 8) -> ReportFiles:
    """Write ``<out_dir>/<week>/team-<team>.html`` (and ``.pdf``): the team against the centre, agent by agent."""
    from qc.coaching.i18n import report_language
    from qc.coaching.render import team_html
    from qc.coaching.summary import team_summary

    parse_week(week)
    with _read_only(db_path) as con:
        report = team_summary(con, team, week, base_url, trend_weeks)
    s = report.summary
    lang = lang or report_language(s.line, lines)
    meta = {"kind": "team", "id": team, "week": week, "line": s.line, "lang": lang, "agents": len(report.agents),
            "calls": s.this_week.calls, "mean_score": s.this_week.mean_score}
    return _write(report_stem(Path(out_dir), week, "team", team), team_html(report, lang), meta, pdf)
