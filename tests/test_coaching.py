"""Coaching reports on a store written without speech recognition (qc/testing/coaching_site.py spells out the data)."""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qc.coaching import PdfUnavailable, ReportError, build_agent_report, build_team_report, list_reports
from qc.coaching import plots
from qc.coaching.data import Scope, call_url, item_counts, parse_week, previous_week, weeks_ending
from qc.coaching.i18n import item_title, labels, report_language
from qc.coaching.render import find_chromium
from qc.coaching.summary import agent_summary, team_summary
from qc.cli.report import report
from qc.testing.coaching_site import (
    AGENTS, CALIBRATED_CALL, ITEMS, LAST_WEEK, MATCHED, NO_EVIDENCE, REVIEWED_CALL, WEEK, build_store, evidence_text, final_fails,
    results,
)

BASE = "http://qc.example:8080"
NORTH = ("A1", "A2", "A3")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("coaching") / "qc.duckdb")


@pytest.fixture
def con(db):
    from qc.store import database

    with database(db).cursor(write=False) as cursor:
        yield cursor


def expected_rate(agents, item: str, week: str = WEEK) -> float:
    calls = 5 * len(agents)
    return (calls - sum(final_fails(a, week, item) for a in agents)) / calls


def final_scores(agents, week: str = WEEK) -> list[float]:
    scores = {r.call_id: r.score for r in results() if r.status == "scored" and r.meta.agent_id in agents and week in r.call_id}
    if REVIEWED_CALL in scores:
        scores[REVIEWED_CALL] = 100.0  # the reviewer passed its only failed item
    return list(scores.values())


# --- weeks ------------------------------------------------------------------------------------------

def test_iso_weeks_across_a_year_end():
    assert parse_week("2026-W48").isoformat() == "2026-11-23"
    assert previous_week("2027-W01") == "2026-W53"  # 2026 has 53 ISO weeks
    assert weeks_ending("2027-W02", 3) == ["2026-W53", "2027-W01", "2027-W02"]
    for bad in ("2026-48", "W48", "2025-W53", ""):
        with pytest.raises(ReportError, match="2026-W48|no week"):
            parse_week(bad)


# --- numbers ----------------------------------------------------------------------------------------

def test_agent_pass_rates_against_the_team_use_final_verdicts(con):
    s = agent_summary(con, "A1", WEEK, BASE).summary
    assert s.this_week.calls == 5  # the failed call is not counted
    rates = {i.item_id: i for i in s.items}
    assert set(rates) == {item for item, _ in ITEMS}  # the item that never applied has no rate
    for item, _ in ITEMS:
        assert rates[item].rate == pytest.approx(expected_rate(["A1"], item)), item
        assert rates[item].peer_rate == pytest.approx(expected_rate(NORTH, item)), item
    assert rates["next_steps"].passed == 1  # the reviewer's pass stands over the machine's fail
    calibration = con.execute("SELECT human_verdict FROM reviews WHERE call_id = ? AND purpose = 'calibration'", [CALIBRATED_CALL]).fetchall()
    assert calibration == [("fail",)] and rates["greeting"].rate == 1.0  # a calibration verdict changes nobody's numbers
    assert s.this_week.mean_score == pytest.approx(sum(final_scores(["A1"])) / 5)
    assert s.peer_week.mean_score == pytest.approx(sum(final_scores(NORTH)) / 15)
    assert s.previous_mean == pytest.approx(sum(final_scores(["A1"], LAST_WEEK)) / 4)


def test_weakest_items_are_the_ones_failed_most_with_clips_of_that_agent(con):
    s = agent_summary(con, "A1", WEEK, BASE).summary
    assert [w.item.item_id for w in s.weakest] == ["next_steps", "confirm_details", "closing"]
    for weak in s.weakest:
        assert 2 <= len(weak.clips) <= 3
        for clip in weak.clips:
            assert clip.call_id.startswith(f"A1-{WEEK}-") and clip.agent_id == "A1"
            assert clip.url == f"{BASE}/calls/{clip.call_id}#item-{weak.item.item_id}"
            if clip.call_id not in NO_EVIDENCE:
                (ev,) = clip.evidence
                assert ev.text == evidence_text(clip.call_id) and ev.matched == MATCHED and ev.role == "agent"
                assert ev.start_s < ev.end_s
        # Clips with the words come before clips without.
        has_words = [bool(c.evidence) for c in weak.clips]
        assert has_words == sorted(has_words, reverse=True)
    closing = s.weakest[2]
    assert [c.call_id for c in closing.clips] == [f"A1-{WEEK}-1", f"A1-{WEEK}-3"] and closing.clips[1].evidence == ()
    # The call the reviewer passed is no example of failing next steps.
    assert REVIEWED_CALL not in {c.call_id for c in s.weakest[0].clips}


def test_strengths_rank_and_tone_alerts(con):
    a = agent_summary(con, "A1", WEEK, BASE)
    s = a.summary
    assert [i.item_id for i in s.strengths] == ["greeting", "no_forbidden_words"]
    assert s.strengths[0].difference == pytest.approx(1.0 - expected_rate(NORTH, "greeting"))
    assert (a.rank, a.team_size) == (3, 3)
    assert [(al.week, al.kind) for al in s.alerts] == [(LAST_WEEK, "agent_agitated"), (WEEK, "agent_agitated")]
    (now,) = s.alerts_this_week
    assert now.call_id == f"A1-{WEEK}-1" and now.start_s == 12.5 and now.url == f"{BASE}/calls/A1-{WEEK}-1"
    assert agent_summary(con, "B1", WEEK).summary.alerts == ()


def test_team_against_the_centre(con):
    t = team_summary(con, "north", WEEK, BASE)
    s = t.summary
    assert [a.agent_id for a in t.agents] == ["A1", "A2", "A3"]  # lowest mean first; A4 had no calls this week
    assert [a.calls for a in t.agents] == [5, 5, 5] and t.agents[0].tone_alerts == 1
    assert t.agents[0].previous_mean == pytest.approx(sum(final_scores(["A1"], LAST_WEEK)) / 4)
    assert s.this_week.calls == 15 and s.peer_week.calls == 30
    everyone = [a for a in AGENTS if a != "A4"]
    rates = {i.item_id: i for i in s.items}
    assert rates["next_steps"].rate == pytest.approx(expected_rate(NORTH, "next_steps"))
    assert rates["next_steps"].peer_rate == pytest.approx(expected_rate(everyone, "next_steps"))
    assert s.weakest[0].item.item_id == "next_steps"
    assert len({c.agent_id for c in s.weakest[0].clips}) == 3  # one clip per agent before a second of anyone's
    assert t.weakest_by_agent["A1"].item_id == "next_steps" and t.weakest_by_agent["A2"].item_id == "greeting"
    assert {a.kind for a in s.alerts} == {"agent_agitated"}  # the urgent-case alert is not about tone
    counts = item_counts(con, Scope(team="south"), WEEK)
    assert {c.item_id: c.failed for c in counts}["confirm_details"] == 2


def test_no_calls_that_week_unknown_agent_and_team(db, tmp_path):
    with pytest.raises(ReportError, match=rf"agent A4 has no scored calls in week {WEEK}.*{LAST_WEEK}"):
        build_agent_report(db, "A4", WEEK, tmp_path, pdf=False)
    with pytest.raises(ReportError, match="no agent 'Z9'"):
        build_agent_report(db, "Z9", WEEK, tmp_path, pdf=False)
    with pytest.raises(ReportError, match=r"no team 'east' \(teams: north, south\)"):
        build_team_report(db, "east", WEEK, tmp_path, pdf=False)
    with pytest.raises(ReportError, match="no database"):
        build_agent_report(tmp_path / "none.duckdb", "A1", WEEK, tmp_path, pdf=False)
    assert not list(tmp_path.rglob("*.html"))


# --- HTML, PDF, files -------------------------------------------------------------------------------

def _pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_agent_report_html(db, tmp_path):
    files = build_agent_report(db, "A1", WEEK, tmp_path, BASE, pdf=False)
    assert files.html == tmp_path / WEEK / "agent-A1.html" and files.pdf is None
    html = files.html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "<h1>坐席辅导报告 · 王芳</h1>" in html
    for heading in ("本周概况", "得分趋势", "各评分项通过率（对比班组）", "最需改进的三项", "优势项", "语气预警"):
        assert f"<h2>{heading}</h2>" in html, heading
    pngs = _pngs(html)
    assert len(pngs) == 3 and all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)  # trend, items, tone alerts
    assert f'href="{BASE}/calls/A1-{WEEK}-1#item-next_steps"' in html
    assert f"<mark>{MATCHED}</mark>，您等通知吧（A1-{WEEK}-1）" in html
    assert "告知处理流程与时限" in html and "Tells what happens next" not in html
    assert "语气激动" in html and "燃气泄漏" not in html
    meta = json.loads(files.meta.read_text(encoding="utf-8"))
    assert meta["kind"] == "agent" and meta["id"] == "A1" and meta["calls"] == 5 and meta["lang"] == "zh"


def test_report_without_tone_alerts_says_none(db, tmp_path):
    html = build_agent_report(db, "B1", WEEK, tmp_path, pdf=False).html.read_text(encoding="utf-8")
    assert '<p class="none" data-testid="tone-alerts-none">无</p>' in html
    assert len(_pngs(html)) == 2  # no alert chart
    assert 'href="/calls/B1-' in html  # no base URL: links relative to the web app


def test_team_report_html(db, tmp_path):
    files = build_team_report(db, "north", WEEK, tmp_path, BASE, pdf=False)
    assert files.html.name == "team-north.html"
    html = files.html.read_text(encoding="utf-8")
    assert "<h1>班组辅导报告 · north</h1>" in html and "<h2>坐席概况</h2>" in html and "中心平均" in html
    for agent in NORTH:
        assert f'href="agent-{agent}.html"' in html
    assert "赵敏" not in html  # A4: no calls this week
    assert len(_pngs(html)) == 4
    assert f'href="{BASE}/calls/A2-{WEEK}-0#item-next_steps"' in html


def test_languages():
    assert report_language("12345") == "zh" and report_language("12320") == "zh"
    assert report_language("1823") == "zh-HK" and report_language("12345-en") == "en"
    assert labels("zh-HK")["agent_report"] == "坐席輔導報告"
    assert item_title("核实诉求信息 / Confirms the details back", "en") == "Confirms the details back"
    assert item_title("開場 / Opening", "zh-HK") == "開場"


def test_english_and_hong_kong_reports(db, tmp_path):
    en = build_agent_report(db, "A1", WEEK, tmp_path / "en", pdf=False, lang="en").html.read_text(encoding="utf-8")
    assert "<h1>Agent coaching report · 王芳</h1>" in en and "<h2>Three items to work on</h2>" in en
    assert "Tells what happens next and when" in en and "最需改进" not in en
    hk = build_agent_report(db, "A1", WEEK, tmp_path / "hk", pdf=False, lang="zh-HK").html.read_text(encoding="utf-8")
    assert '<html lang="zh-HK">' in hk and "<h2>最需改進的三項</h2>" in hk and "<h2>語氣預警</h2>" in hk


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (Debian package chromium)")
def test_pdf_is_printed_by_chromium(db, tmp_path):
    files = build_agent_report(db, "A1", WEEK, tmp_path, BASE)
    assert files.pdf == tmp_path / WEEK / "agent-A1.pdf"
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000  # text, fonts and three charts
    assert json.loads(files.meta.read_text(encoding="utf-8"))["pdf"] == "agent-A1.pdf"


def test_without_chromium_the_html_stays_and_the_error_says_why(db, tmp_path, monkeypatch):
    monkeypatch.setenv("QC_CHROMIUM", str(tmp_path / "no-such-chromium"))
    stale = tmp_path / WEEK / "agent-A1.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF- last week's numbers")
    with pytest.raises(PdfUnavailable, match="no Chromium found.*QC_CHROMIUM.*agent-A1.html"):
        build_agent_report(db, "A1", WEEK, tmp_path)
    assert (tmp_path / WEEK / "agent-A1.html").is_file() and not stale.exists()
    (entry,) = list_reports(tmp_path)
    assert entry.id == "A1" and entry.pdf is None


def test_list_reports(db, tmp_path):
    build_team_report(db, "north", WEEK, tmp_path, pdf=False)
    build_agent_report(db, "B1", WEEK, tmp_path, pdf=False)
    build_agent_report(db, "A1", LAST_WEEK, tmp_path, pdf=False)
    (tmp_path / WEEK / "agent-junk.json").write_text("{not json", encoding="utf-8")  # ignored
    (tmp_path / WEEK / "agent-orphan.json").write_text('{"kind": "agent", "id": "orphan"}', encoding="utf-8")  # no HTML
    found = list_reports(tmp_path)
    assert [(e.week, e.kind, e.id) for e in found] == [(WEEK, "agent", "B1"), (WEEK, "team", "north"), (LAST_WEEK, "agent", "A1")]
    assert found[1].html == tmp_path / WEEK / "team-north.html" and found[1].pdf is None
    assert list_reports(tmp_path / "nothing-here") == []


def test_odd_ids_make_safe_file_names(tmp_path):
    from qc.coaching.files import report_stem

    assert report_stem(tmp_path, WEEK, "team", "一组/夜班").name == "team-一组_夜班"
    assert report_stem(tmp_path, WEEK, "agent", "../../etc").parent == tmp_path / WEEK
    assert call_url("", "abc 1", "x/y") == "/calls/abc%201#item-x%2Fy"


def test_charts_without_a_chinese_font_warn_and_still_draw(monkeypatch, caplog):
    monkeypatch.setattr(plots, "_CJK_FONTS", {"zh": ("No Such Font",)})
    plots.cjk_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="qc.coaching.plots"):
            png = plots.item_rates(["核实诉求信息"], [0.4], [0.8], "王芳", "班组平均", "通过率", "zh")
        assert png.startswith(b"\x89PNG") and "fonts-noto-cjk" in caplog.text
    finally:
        monkeypatch.undo()
        plots.cjk_font.cache_clear()
    assert plots.cjk_font("zh") is not None  # this machine has Noto CJK (Debian fonts-noto-cjk)


def test_a_chinese_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch):
    from matplotlib import font_manager

    # matplotlib's cached list from before fonts-noto-cjk was installed: no CJK face in it.
    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    plots.cjk_font.cache_clear()
    try:
        assert plots.cjk_font("zh") == "Noto Sans CJK SC"  # this machine has Debian fonts-noto-cjk
    finally:
        monkeypatch.undo()
        plots.cjk_font.cache_clear()


# --- CLI and flow -----------------------------------------------------------------------------------

def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report)
    app.command("noop")(lambda: None)  # two commands, so `report` is named as it will be under `qc`
    return app


def test_report_command(db, tmp_path):
    out = tmp_path / "reports"
    ok = CliRunner().invoke(_cli(), ["report", "--db", str(db), "--agent", "A1", "--team", "south", "--week", WEEK,
                                     "--out", str(out), "--no-pdf", "--base-url", BASE])
    assert ok.exit_code == 0, ok.output
    assert f"agent A1 {WEEK}: {out / WEEK / 'agent-A1.html'}" in ok.output and "team-south.html" in ok.output
    assert f'href="{BASE}/calls/' in (out / WEEK / "agent-A1.html").read_text(encoding="utf-8")
    nobody = CliRunner().invoke(_cli(), ["report", "--db", str(db), "--week", WEEK])
    assert nobody.exit_code == 2 and "--agent" in nobody.output
    quiet = CliRunner().invoke(_cli(), ["report", "--db", str(db), "--agent", "A4", "--week", WEEK, "--out", str(out), "--no-pdf"])
    assert quiet.exit_code == 2 and "no scored calls in week 2026-W48" in quiet.output
    bad = CliRunner().invoke(_cli(), ["report", "--db", str(db), "--agent", "A1", "--week", "48", "--out", str(out)])
    assert bad.exit_code == 2 and "not an ISO week" in bad.output


def test_deployment_runs_monday_morning():
    from pipelines.coaching import deployment

    d = deployment(out="/srv/reports")
    (schedule,) = d.schedules
    assert schedule.schedule.cron == "0 6 * * 1" and schedule.schedule.timezone == "Asia/Shanghai"
    assert d.parameters == {"out": "/srv/reports"}


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_weekly_flow_builds_every_report_and_lists_a_failure(db, tmp_path, monkeypatch):
    import pipelines.coaching as coaching

    real = coaching.build_team_report

    def broken_south(db_path, team, *args, **kw):
        if team == "south":
            raise RuntimeError("disk full")
        return real(db_path, team, *args, **kw)

    monkeypatch.setattr(coaching, "build_team_report", broken_south)
    run = coaching.weekly_coaching_reports(week=WEEK, db_path=str(db), out=str(tmp_path), pdf=False)
    assert [(r["kind"], r["id"]) for r in run.built] == [("agent", a) for a in ("A1", "A2", "A3", "B1", "B2", "B3")] + [("team", "north")]
    assert run.failed == [{"kind": "team", "id": "south", "error": "disk full"}]
    assert {(e.kind, e.id) for e in list_reports(tmp_path)} == {(r["kind"], r["id"]) for r in run.built}
    empty = coaching.weekly_coaching_reports(week="2026-W40", db_path=str(db), out=str(tmp_path), pdf=False)
    assert empty.built == [] and empty.failed == []
