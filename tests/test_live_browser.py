"""End to end in headless Chromium: a call streamed live in which the agent grows agitated and the
caller mentions self-harm. The agent's desk shows the tone pop-up; the supervisors' wall shows the
urgent alert, which a lead acknowledges."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path

import pytest

from qc.testing.browser import browser, serving
from tests.conftest import SAMPLES, ground_truth

pytestmark = [pytest.mark.model, pytest.mark.browser]
CALL = SAMPLES / "zh_stereo_8k_agitated_distress.flac"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"


def _usual_voice(settings):
    """A007's baseline as the nightly batch would have built it from calm calls: the calm turns here."""
    from tests.conftest import hear
    from qc.records import CallMeta
    from qc.sources import read_meta
    from qc.tone import AgentBaseline, update_baseline

    heard = hear(CALL, read_meta(CALL, CallMeta()), settings)
    truth = ground_truth("zh_stereo_8k_agitated_distress")
    agitated = [truth["turns"][i] for i in truth["tone"]["agitated_agent_turns"]]
    calm = [h.features for h, u in zip(heard.prosody, heard.call.utterances)
            if u.role == "agent" and not any(min(u.end, t["end"]) > max(u.start, t["start"]) for t in agitated)]
    return update_baseline(AgentBaseline("A007"), calm * 8)


@pytest.fixture(scope="module")
def site(tmp_path_factory, model_cache):
    from qc.accounts import add_agent, add_user, create_token
    from qc.config import WebConfig, load_settings
    from qc.store import Store
    from qc.web.app import create_app

    folder = tmp_path_factory.mktemp("live-browser")
    settings = load_settings(db_path=folder / "qc.duckdb", model_cache_dir=model_cache, web=WebConfig(secret_key="live-browser"))
    baseline = _usual_voice(settings)
    with Store(settings.db_path) as store:
        add_agent(store.con, "A007", team="north")
        add_user(store.con, "agent7", "agent7-password", "agent", agent_id="A007")
        add_user(store.con, "lead", "lead-password1", "team_lead", team="north")
        add_user(store.con, "recorder", "recorder-password", "recorder")
        token = create_token(store.con, "recorder", "media fork")
        store.con.execute("INSERT INTO agent_baselines VALUES ('A007', ?, ?, 40, now())",
                          [baseline.utterances, json.dumps(baseline.to_dict())])
    with serving(create_app(settings)) as base:
        yield {"base": base, "token": token, "settings": settings}


def sign_in(chromium, base: str, username: str, password: str, page_path: str):
    page = chromium.new_page(viewport={"width": 1300, "height": 900})
    page.goto(f"{base}{page_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(f".*{page_path}$"))
    page.wait_for_selector("body[data-live=connected]")
    return page


def test_agent_desk_shows_the_tone_popup_and_the_wall_the_urgent_alert(site):
    from qc.live.simulate import simulate

    with browser() as chromium:
        desk = sign_in(chromium, site["base"], "agent7", "agent7-password", "/desk")
        wall = sign_in(chromium, site["base"], "lead", "lead-password1", "/wall")
        streamed = {}
        thread = threading.Thread(target=lambda: streamed.setdefault("result", asyncio.run(simulate(
            site["base"].replace("http", "ws") + "/live/calls", CALL, agent_id="A007", token=site["token"], call_id="live-e2e-1",
            line="12345", speed=0))))
        thread.start()
        desk.wait_for_selector(".popup[data-kind^=agent_]", timeout=120_000)
        wall.wait_for_selector("tr.sev-critical[data-alert]", timeout=120_000)
        thread.join(timeout=180)
        popup_kinds = {p.get_attribute("data-kind") for p in desk.query_selector_all(".popup")}
        assert popup_kinds & {"agent_agitated", "agent_impatient_words"}
        tone_popup = desk.inner_text(".popup[data-kind^=agent_]")
        assert "请" in tone_popup  # plain-worded advice to the agent
        assert "caller_distress" in popup_kinds  # the agent hears of it too: supervisor notified
        desk.screenshot(path=str(SCREENSHOTS / "agent-desk.png"))
        wall_text = wall.inner_text("[data-testid=wall-alerts]")
        assert "caller_distress" in wall_text and "live-e2e-1" in wall_text
        # The lead acknowledges the urgent alert; the wall shows who did.
        row = wall.locator("tr.sev-critical[data-alert]").first
        row.locator("button[data-ack]").click()
        row.locator("td.ack", has_text="✓ lead").wait_for(timeout=10_000)
        wall.screenshot(path=str(SCREENSHOTS / "supervisor-wall.png"))
        assert streamed["result"].messages[-1]["event"] == "ended"

        # A desktop opened after the call (or one that reconnects) gets the alerts it missed, once each.
        again = sign_in(chromium, site["base"], "agent7", "agent7-password", "/desk")
        assert again.evaluate("() => window.qcLive.received.length") == 0  # no Last-Event-ID: only new ones
        replayed = again.evaluate("""async () => {
            const reader = (await fetch('/desk/events', {headers: {'Last-Event-ID': '0'}})).body.getReader();
            let text = '';
            while (!text.includes('caller_distress')) text += new TextDecoder().decode((await reader.read()).value);
            reader.cancel();
            return text;
        }""")
        assert "agent_" in replayed and "caller_distress" in replayed
