"""`qc report`: weekly coaching reports for an agent and/or a team, as HTML and PDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from qc.cli.common import ConfigOpt, DbOpt, console, err, settings_from


def report(
    agent: Optional[str] = typer.Option(None, "--agent", help="Agent id: the agent's report."),
    team: Optional[str] = typer.Option(None, "--team", help="Team name: the team's report."),
    week: Optional[str] = typer.Option(None, "--week", help="ISO week, e.g. 2026-W48. Default: this week."),
    out: Path = typer.Option(Path("reports/coaching"), "--out", help="Reports go to OUT/<week>/agent-<id>.html|.pdf, team-<team>.…"),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Web app address the call links point at. Default: http(s)://<web.host>:<web.port>."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print a PDF (needs Chromium)."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Write a coaching report: score trend, item pass rates against the team, weakest items with example calls, tone alerts, strengths."""
    from qc.coaching import PdfUnavailable, ReportError, build_agent_report, build_team_report, current_week

    if not agent and not team:
        err.print("[red]error:[/red] say whose report: --agent ID and/or --team NAME")
        raise typer.Exit(2)
    settings = settings_from(config, db)
    week = week or current_week()
    if base_url is None:
        web = settings.web
        base_url = f"{'https' if web.https else 'http'}://{web.host}:{web.port}"
    jobs = ([("agent", agent, build_agent_report)] if agent else []) + ([("team", team, build_team_report)] if team else [])
    code = 0
    for kind, subject, build in jobs:
        try:
            files = build(settings.db_path, subject, week, out, base_url, pdf=pdf, lines=settings.lines)
        except PdfUnavailable as exc:  # the HTML is there; only the PDF is missing
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            code = max(code, 1)
            continue
        except ReportError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            code = 2
            continue
        console.print(f"{kind} {subject} {week}: {files.html}" + (f"  {files.pdf}" if files.pdf else ""),
                      highlight=False, soft_wrap=True)
    if code:
        raise typer.Exit(code)
