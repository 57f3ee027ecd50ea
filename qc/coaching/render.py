"""Coaching reports as self-contained HTML (Jinja2, charts inlined as data: URIs) and as PDF (headless Chromium).

Chromium prints the very HTML a team lead opens in the app, so the PDF and the page cannot drift apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from qc.coaching import plots
from qc.coaching.data import ReportError
from qc.coaching.files import safe_name
from qc.coaching.i18n import item_title, labels
from qc.coaching.summary import AgentSummary, Summary, TeamSummary

TEMPLATES = Path(__file__).with_name("templates")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)


class PdfUnavailable(ReportError):
    """The HTML report was written but no PDF could be printed from it."""


# --- HTML -------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, points=_points, signed=_signed, clock=_clock, highlight=_highlight)
    return env


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.0f}%"


def _points(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def _signed(v: float | None, scale: float = 1.0) -> str:
    return "—" if v is None else f"{scale * v:+.1f}"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _highlight(text: str | None, matched: str | None) -> Markup:
    """The evidence sentence with the words the rule matched marked."""
    text = text or ""
    if not matched or matched not in text:
        return escape(text)
    before, _, after = text.partition(matched)
    return escape(before) + Markup("<mark>") + escape(matched) + Markup("</mark>") + escape(after)


def _charts(s: Summary, lang: str, own_label: str, peer_label: str) -> dict[str, str | None]:
    t = labels(lang)
    charts: dict[str, str | None] = {
        "trend": plots.data_uri(plots.score_trend(s.trend, s.peer_trend, own_label, peer_label, t["mean_score"], lang)),
        "items": None,
        "alerts": None,
    }
    if s.items:
        charts["items"] = plots.data_uri(plots.item_rates(
            [item_title(i.title, lang) for i in s.items], [i.rate for i in s.items], [i.peer_rate for i in s.items],
            own_label, peer_label, t["pass_rate"] + " (%)", lang,
        ))
    if s.alerts:
        kinds = {k[len("kind_"):]: v for k, v in t.items() if k.startswith("kind_")}
        first = next(i for i, (o, p) in enumerate(zip(s.trend, s.peer_trend)) if o.calls or p.calls or i == len(s.trend) - 1)
        weeks = [w.week for w in s.trend[first:]]
        charts["alerts"] = plots.data_uri(plots.alerts_per_week(weeks, s.alerts, kinds, t["alerts"], lang))
    return charts


def _common(s: Summary, lang: str, generated_at: datetime) -> dict:
    t = labels(lang)
    return {
        "t": t,
        "lang": lang,
        "html_lang": {"zh": "zh-CN", "zh-HK": "zh-HK", "en": "en"}[lang],
        "s": s,
        "title_of": lambda title: item_title(title, lang),
        "label": lambda prefix, key: t.get(f"{prefix}_{key}", key or ""),
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M"),
    }


def agent_html(report: AgentSummary, lang: str, generated_at: datetime | None = None) -> str:
    t = labels(lang)
    s = report.summary
    peer_label = t["team_mean"] if s.peer == "team" else t["line_mean"]
    name = report.agent.name or report.agent.agent_id
    context = _common(s, lang, generated_at or datetime.now())
    context.update(
        r=report, name=name, peer_label=peer_label,
        peer_word=t[f"vs_{s.peer}"],
        charts=_charts(s, lang, name, peer_label),
        title=f"{t['agent_report']} · {name} · {s.week}",
    )
    return _env().get_template("agent.html").render(context)


def team_html(report: TeamSummary, lang: str, generated_at: datetime | None = None) -> str:
    t = labels(lang)
    s = report.summary
    context = _common(s, lang, generated_at or datetime.now())
    charts = _charts(s, lang, report.team, t["centre_mean"])
    if report.agents:
        charts["agents"] = plots.data_uri(plots.agent_scores(
            [a.name or a.agent_id for a in report.agents], [a.mean_score for a in report.agents], s.this_week.mean_score,
            t["team_mean"], t["mean_score"], lang,
        ))
    context.update(
        r=report, peer_label=t["centre_mean"], charts=charts,
        agent_file=lambda agent_id: f"agent-{safe_name(agent_id)}.html",
        title=f"{t['team_report']} · {report.team} · {s.week}",
    )
    return _env().get_template("team.html").render(context)


# --- Chromium ---------------------------------------------------------------------------------------

def find_chromium() -> str | None:
    """$QC_CHROMIUM, else the first Chromium-like browser on PATH."""
    given = os.environ.get("QC_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium(args: list[str], html: Path, what: str, timeout_s: float) -> None:
    browser = find_chromium()
    if browser is None:
        raise PdfUnavailable(
            f"cannot make the {what}: no Chromium found (install the Debian package 'chromium' or set QC_CHROMIUM "
            f"to a Chromium binary); the HTML report is at {html}"
        )
    # A profile of its own per run: report tasks on parallel threads would otherwise fight over one.
    with tempfile.TemporaryDirectory(prefix="qc-chromium-") as profile:
        cmd = [browser, *_CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, html.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"Chromium took over {timeout_s:.0f} s to make the {what} of {html}") from exc
        except OSError as exc:
            raise PdfUnavailable(f"cannot run Chromium ({browser}) for the {what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise PdfUnavailable(f"Chromium failed (exit {done.returncode}) making the {what} of {html}: {' | '.join(tail)}")


def write_pdf(html: Path, pdf: Path, timeout_s: float = 120.0) -> Path:
    """Print ``html`` to ``pdf`` (A4, backgrounds on) with headless Chromium."""
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        _chromium([f"--print-to-pdf={tmp}", "--no-pdf-header-footer"], html, "PDF", timeout_s)
        if not tmp.is_file() or tmp.read_bytes()[:5] != b"%PDF-":
            raise PdfUnavailable(f"Chromium wrote no PDF for {html}")
        os.replace(tmp, pdf)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf


def screenshot(html: Path, png: Path, size: tuple[int, int] = (1200, 1600), timeout_s: float = 120.0) -> Path:
    """A PNG of the report's first ``size`` pixels (for the README)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    _chromium([f"--screenshot={png.resolve()}", f"--window-size={size[0]},{size[1]}"], html, "screenshot", timeout_s)
    if not png.is_file():
        raise PdfUnavailable(f"Chromium wrote no screenshot of {html}")
    return png
