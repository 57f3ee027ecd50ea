"""End to end in real headless Chromium against the web app on a real loopback server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qc.web.app import create_app
from qc.testing.browser import browser, serving
from tests.conftest import rows
from tests.web_site import PASSWORD, build_site

pytestmark = [pytest.mark.model, pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory, model_cache):
    return build_site(tmp_path_factory.mktemp("browser-site"), model_cache)


@pytest.fixture(scope="module")
def base_url(site):
    with serving(create_app(site.settings)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


def sign_in(chromium, base_url: str, username: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base_url}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue"))
    return page


def test_each_role_signs_in_and_sees_its_own_queue(chromium, base_url, site):
    a001, a004 = site.call_ids["zh_stereo_16k_good"], site.call_ids["zh_stereo_8k_caller_first_right_agent"]
    for username, visible, hidden in (("inspector1", {a001, a004}, set()), ("lead_south", {a004}, {a001}),
                                      ("agent_a001", {a001}, {a004}), ("admin1", {a001, a004}, set())):
        page = sign_in(chromium, base_url, username)
        links = {a.get_attribute("href").rsplit("/", 1)[1] for a in page.query_selector_all("[data-testid=queue] a")}
        assert links == visible, username
        assert username in page.inner_text("[data-testid=who]")
        for call_id in hidden:  # typing another agent's call into the address bar
            response = page.goto(f"{base_url}/calls/{call_id}")
            assert response.status == 403 and "own queue" in page.inner_text("[data-testid=error-message]")
        page.close()


def test_agent_sees_placeholders_and_silenced_audio_admin_sees_raw_with_audit(chromium, base_url, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    agent = sign_in(chromium, base_url, "agent_a001")
    agent.goto(f"{base_url}/calls/{call_id}")
    transcript = agent.inner_text("[data-testid=transcript]")
    assert re.search(r"\[(手机号|电话)\]", transcript) and "5678" not in transcript
    assert agent.query_selector("[data-testid=show-raw]") is None
    # The audio the agent's browser plays has the personal-data span silenced: decode it in the page.
    (span,) = rows(site.settings.db_path,
                   "SELECT min(start_s), min(end_s) FROM pii_spans WHERE call_id = ? AND kind IN ('mobile', 'landline')", call_id)
    levels = agent.evaluate(
        """async ([url, start, end]) => {
            const bytes = await (await fetch(url)).arrayBuffer();
            const ctx = new OfflineAudioContext(1, 16000, 16000);
            const audio = await ctx.decodeAudioData(bytes);
            const data = audio.getChannelData(0), rate = audio.sampleRate;
            let inside = 0, overall = 0;
            for (let i = Math.floor(start * rate); i < Math.floor(end * rate); i++) inside = Math.max(inside, Math.abs(data[i]));
            for (let i = 0; i < data.length; i++) overall = Math.max(overall, Math.abs(data[i]));
            return [inside, overall];
        }""",
        [f"{base_url}/calls/{call_id}/audio", span[0], span[1]],
    )
    assert levels[0] == 0 and levels[1] > 0.05
    agent.close()

    admin = sign_in(chromium, base_url, "admin1")
    admin.goto(f"{base_url}/calls/{call_id}")
    admin.click("[data-testid=show-raw]")
    admin.wait_for_url(re.compile(r".*raw=1"))
    assert "5678" in admin.inner_text("[data-testid=transcript]")
    admin.goto(f"{base_url}/audit?target={call_id}")
    assert "raw.transcript.read" in admin.inner_text("[data-testid=audit]")
    admin.close()


def test_inspector_plays_a_span_and_overturns_a_verdict(chromium, base_url, site):
    call_id = site.call_ids["zh_stereo_16k_good"]
    page = sign_in(chromium, base_url, "inspector1")
    page.goto(f"{base_url}/calls/{call_id}")
    page.wait_for_selector("#wave[data-ready='1']")
    # Play the greeting's evidence span: playback starts at its time and the transcript follows.
    button = page.query_selector("[data-testid=item-greeting] button.play")
    start = float(button.get_attribute("data-start"))
    button.click()
    page.wait_for_function("() => parseFloat(document.body.dataset.position || '-1') > 0.3")
    position = page.evaluate("() => document.getElementById('audio').currentTime")
    assert position >= start
    page.wait_for_selector(".utt.playing")
    page.screenshot(path=str(SCREENSHOTS / "call-page.png"), full_page=True)

    before = float(page.inner_text("[data-testid=final-score]").split()[0])
    form = page.locator("[data-testid=item-greeting] form.review")
    form.locator("select[name=verdict]").select_option("fail")
    form.locator("input[name=comment]").fill("开场白不完整")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=verdict-greeting]") == "fail"
    after = float(page.inner_text("[data-testid=final-score]").split()[0])
    assert after < before
    page.goto(f"{base_url}/queue")
    assert str(after) in page.inner_text("[data-testid=queue]")
    page.close()


def test_appeal_filed_by_agent_decided_by_lead_rescored_by_inspector(chromium, base_url, site):
    call_id = site.call_ids["zh_stereo_8k_caller_first_right_agent"]
    agent = sign_in(chromium, base_url, "agent_a004")
    agent.goto(f"{base_url}/calls/{call_id}")
    agent.fill("input[name=reason]", "客户先挂断，我已经说了结束语")
    agent.click(".appeal-form button[type=submit]")
    agent.wait_for_selector("[data-testid=appeal]")
    assert "open" in agent.inner_text("[data-testid=appeal]")
    agent.close()

    lead = sign_in(chromium, base_url, "lead_south")
    lead.goto(f"{base_url}/appeals")
    lead.fill("[data-testid=appeals] input[name=comment]", "同意复核")
    lead.click("[data-testid=appeals] button[value=accept]")
    lead.wait_for_load_state()
    assert lead.inner_text("[data-testid=appeal-status]").startswith("accepted")
    lead.close()

    inspector = sign_in(chromium, base_url, "inspector1")
    inspector.goto(f"{base_url}/appeals")
    inspector.click("text=Re-score")
    inspector.wait_for_url(re.compile(r".*appeal="))
    first_item = inspector.locator("article.item form.review").first
    first_item.locator("button[type=submit]").click()
    inspector.wait_for_load_state()
    inspector.goto(f"{base_url}/appeals")
    assert inspector.inner_text("[data-testid=appeal-status]").startswith("rescored")
    inspector.close()


def test_forged_form_and_expired_session_in_the_browser(chromium, base_url, site):
    page = sign_in(chromium, base_url, "inspector2")
    call_id = site.call_ids["zh_stereo_16k_good"]
    page.goto(f"{base_url}/calls/{call_id}")
    page.evaluate("() => document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'forged')")
    page.locator("article.item form.review").first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "CSRF" in page.inner_text("[data-testid=error-message]")
    page.context.clear_cookies()
    page.goto(f"{base_url}/dashboard")
    assert "/login" in page.url
    page.close()


def test_team_lead_opens_the_weeks_coaching_report(chromium, base_url, site):
    from qc.coaching import build_agent_report, build_team_report

    reports = site.settings.web.reports_dir
    build_team_report(site.settings.db_path, "north", "2026-W48", reports, pdf=False, lines=site.settings.lines)
    build_agent_report(site.settings.db_path, "A001", "2026-W48", reports, pdf=False, lines=site.settings.lines)
    build_agent_report(site.settings.db_path, "A004", "2026-W48", reports, pdf=False, lines=site.settings.lines)
    lead = sign_in(chromium, base_url, "lead_north")
    lead.goto(f"{base_url}/reports")
    listed = lead.inner_text("[data-testid=reports]")
    assert "north" in listed and "A001" in listed and "A004" not in listed  # another team's agent
    lead.click("text=HTML >> nth=0")
    lead.wait_for_load_state()
    body = lead.inner_text("body")
    assert "2026-W48" in body and ("周" in body or "辅导" in body)
    assert lead.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")  # plots render
    response = lead.goto(f"{base_url}/reports/2026-W48/agent-A004.html")
    assert response.status == 403
    lead.close()
    agent = sign_in(chromium, base_url, "agent_a001")
    agent.goto(f"{base_url}/reports")
    assert "A001" in agent.inner_text("[data-testid=reports]") and "north" not in agent.inner_text("[data-testid=reports]")
    agent.close()
