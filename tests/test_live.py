"""The live path: protocol checks, frame ordering, streaming endpointing, and whole calls streamed
over a real WebSocket into a real server (real speech recognition), with alerts to SSE clients."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import numpy as np
import pytest

from qc.live.call import CallStats, FrameOrder
from qc.live.endpointing import EndpointOptions, Endpointer
from qc.live.protocol import ProtocolError, frame, parse_frame, parse_start
from tests.conftest import SAMPLES, silence, voice

DISTRESS_CALL = SAMPLES / "devset" / "dev22_urgent_suicide.flac"


# ---------------------------------------------------------------- protocol and ordering (pure)

def test_start_message_is_checked_with_reasons():
    ok = parse_start('{"call_id": "c1", "agent_id": "A01", "sample_rate": 8000, "channels": 2}')
    assert (ok.sample_rate, ok.channels) == (8000, 2)
    for bad, words in (('{"call_id": "c1", "agent_id": "A01", "sample_rate": 44100}', "44100 is not supported"),
                       ('{"call_id": "c1", "sample_rate": 8000}', "agent_id"),
                       ("not json", "bad start message"),
                       ('{"call_id": "../etc", "agent_id": "A", "sample_rate": 8000}', "call_id"),
                       ('{"call_id": "c", "agent_id": "A", "sample_rate": 8000, "encoding": "opus"}', "opus")):
        with pytest.raises(ProtocolError, match=words):
            parse_start(bad)


def test_frames_round_trip_and_garbage_is_refused():
    samples = np.linspace(-0.5, 0.5, 160 * 2, dtype=np.float32).reshape(160, 2)
    sequence, decoded = parse_frame(frame(7, samples), channels=2)
    assert sequence == 7 and decoded.shape == (160, 2) and np.allclose(decoded, samples, atol=1e-4)
    with pytest.raises(ProtocolError, match="not whole 16-bit samples"):
        parse_frame(frame(1, samples)[:-1], channels=2)
    with pytest.raises(ProtocolError, match="no audio"):
        parse_frame(b"\x00\x00\x00\x01", channels=1)
    with pytest.raises(ProtocolError, match="longer than 1 s"):
        parse_frame(b"\x00" * 100_000, channels=1)


def test_frames_out_of_order_are_put_back_late_ones_dropped_gaps_skipped():
    order, stats = FrameOrder(window=2), CallStats()
    blocks = {i: np.full((4, 1), i, dtype=np.float32) for i in range(10)}
    got = order.add(0, blocks[0], stats) + order.add(2, blocks[2], stats) + order.add(1, blocks[1], stats)
    assert [int(b[0, 0]) for b in got] == [0, 1, 2]
    assert order.add(1, blocks[1], stats) == [] and stats.late_frames == 1  # a duplicate / straggler
    # Frame 3 never comes: after the window fills, play resumes from 4.
    got = order.add(4, blocks[4], stats) + order.add(5, blocks[5], stats) + order.add(6, blocks[6], stats)
    assert [int(b[0, 0]) for b in got] == [4, 5, 6] and stats.lost_frames == 1


def test_endpointer_finds_each_utterance_in_a_stream_of_small_frames():
    rate = 8000
    stream = np.concatenate([silence(1.0, rate), voice(1.5, 180, rate), silence(1.2, rate), voice(2.0, 200, rate, seed=3),
                             silence(1.0, rate)])
    endpointer = Endpointer(rate, EndpointOptions(end_silence_s=0.5))
    segments = []
    for offset in range(0, len(stream), 160):  # 20 ms frames, as a media fork sends
        segments += endpointer.push(stream[offset: offset + 160])
    segments += endpointer.flush()
    assert len(segments) == 2
    assert segments[0].start_s == pytest.approx(1.0, abs=0.2) and segments[0].end_s == pytest.approx(2.5, abs=0.25)
    assert segments[1].start_s == pytest.approx(3.7, abs=0.2) and segments[1].end_s == pytest.approx(5.7, abs=0.25)
    assert all(len(s.audio) == pytest.approx((s.end_s - s.start_s) * rate, abs=2) for s in segments)


def test_endpointer_cuts_a_monologue_and_ignores_a_click():
    rate = 16000
    endpointer = Endpointer(rate, EndpointOptions(max_utterance_s=3.0))
    click = np.zeros(rate // 2, dtype=np.float32)
    click[4000:4080] = 0.5
    segments = endpointer.push(np.concatenate([silence(0.5, rate), click, silence(1.0, rate)]))
    assert segments == []
    segments = endpointer.push(voice(7.5, 150, rate)) + endpointer.flush()
    assert len(segments) == 3 and max(s.end_s - s.start_s for s in segments) <= 3.2  # bounded memory per utterance


# ---------------------------------------------------------------- a real server



@pytest.fixture(scope="module")
def live_site(tmp_path_factory, model_cache):
    from qc.accounts import add_agent, add_user, create_token
    from qc.config import LiveConfig, WebConfig, load_settings
    from qc.store import Store
    from qc.web.app import create_app
    from qc.testing.browser import serving

    folder = tmp_path_factory.mktemp("live")
    settings = load_settings(db_path=folder / "qc.duckdb", model_cache_dir=model_cache, web=WebConfig(secret_key="live-test"),
                             live=LiveConfig(stall_after_s=2.0, max_bad_frames=3))
    with Store(settings.db_path) as store:
        add_agent(store.con, "A22", team="north")
        add_user(store.con, "recorder", "recorder-password", "recorder")
        add_user(store.con, "agent22", "agent22-password", "agent", agent_id="A22")
        add_user(store.con, "viewer", "viewer-password", "inspector")
        token = create_token(store.con, "recorder", "media fork")
        viewer_token = create_token(store.con, "viewer", "not a recorder")
    with serving(create_app(settings)) as base:
        yield {"settings": settings, "base": base, "ws": base.replace("http", "ws") + "/live/calls", "token": token,
               "viewer_token": viewer_token}


def rows(site, sql, *params):
    from tests.conftest import rows as store_rows

    return store_rows(site["settings"].db_path, sql, *params)


def run(coro):
    return asyncio.run(coro)


@pytest.mark.model
def test_a_streamed_call_raises_distress_and_urgent_alerts_and_a_desk_receives_them(live_site):
    from qc.live.simulate import simulate

    received: list[dict] = []
    desk = threading.Thread(target=_listen_desk, args=(live_site["base"], "agent22", "agent22-password", received, 2), daemon=True)
    desk.start()
    result = run(simulate(live_site["ws"], DISTRESS_CALL, agent_id="A22", token=live_site["token"], call_id="call-distress-1",
                          line="12345", speed=0))
    desk.join(timeout=60)
    kinds = {m["kind"] for m in result.messages if m["event"] == "alert"}
    assert {"caller_distress", "urgent_case"} <= kinds
    assert result.messages[-1]["event"] == "ended" and result.messages[-1]["utterances"] >= 10
    stored = rows(live_site, "SELECT kind, severity, call_time_s FROM live_alerts WHERE live_call_id = 'call-distress-1'")
    assert {"caller_distress", "urgent_case"} <= {k for k, _, _ in stored}
    assert all(sev == "critical" for k, sev, _ in stored if k in ("caller_distress", "urgent_case"))
    # The caller says it about 10 s in (ground truth); the alert is tied to that moment of the call.
    distress_at = next(t for k, _, t in stored if k == "caller_distress")
    assert 5.0 < distress_at < 20.0
    call = rows(live_site, "SELECT state, utterances, bad_frames, audio_s FROM live_calls WHERE live_call_id = 'call-distress-1'")[0]
    assert call[0] == "ended" and call[2] == 0 and call[3] == pytest.approx(result.seconds_sent, abs=0.2)
    assert {"caller_distress", "urgent_case"} <= {e["kind"] for e in received}


def _listen_desk(base: str, username: str, password: str, received: list, wanted: int, last_id: int | None = None) -> None:
    with httpx.Client(base_url=base, timeout=90) as client:
        client.post("/login", data={"username": username, "password": password})
        headers = {"Last-Event-ID": str(last_id)} if last_id is not None else {}
        with client.stream("GET", "/desk/events", headers=headers) as stream:
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "alert":
                    received.append(json.loads(line[6:]))
                    if len(received) >= wanted:
                        return


@pytest.mark.model
def test_a_desktop_that_reconnects_receives_what_it_missed(live_site):
    before = rows(live_site, "SELECT coalesce(max(alert_id), 0) FROM live_alerts")[0][0]
    from qc.live.simulate import simulate

    run(simulate(live_site["ws"], DISTRESS_CALL, agent_id="A22", token=live_site["token"], call_id="call-while-away", speed=0))
    missed = [r[0] for r in rows(live_site, "SELECT alert_id FROM live_alerts WHERE live_call_id = 'call-while-away' ORDER BY 1")]
    assert missed
    received: list[dict] = []
    _listen_desk(live_site["base"], "agent22", "agent22-password", received, len(missed), last_id=before)
    assert [e["alert_id"] for e in received] == missed


@pytest.mark.model
def test_bad_clients_get_clear_refusals_and_other_calls_go_on(live_site):
    import websockets

    async def scenario():
        async def refused(start: dict, token: str) -> tuple[int, str]:
            async with websockets.connect(live_site["ws"], additional_headers={"Authorization": f"Bearer {token}"}) as ws:
                try:
                    await ws.send(json.dumps(start))
                    async for _ in ws:
                        pass
                except websockets.ConnectionClosed:
                    pass
                return ws.close_code, ws.close_reason

        wrong_rate = await refused({"call_id": "r1", "agent_id": "A22", "sample_rate": 44100}, live_site["token"])
        not_a_recorder = await refused({"call_id": "r2", "agent_id": "A22", "sample_rate": 8000}, live_site["viewer_token"])

        async with websockets.connect(live_site["ws"], additional_headers={"Authorization": f"Bearer {live_site['token']}"}) as ws:
            await ws.send(json.dumps({"call_id": "garbage-1", "agent_id": "A22", "sample_rate": 8000, "channels": 2}))
            assert json.loads(await ws.recv())["event"] == "started"
            errors = []
            for _ in range(5):
                await ws.send(b"\x00\x00\x00\x01\x01\x02\x03")  # not whole stereo samples
            try:
                async for message in ws:
                    errors.append(json.loads(message))
            except websockets.ConnectionClosed:
                pass
            garbage_close = (ws.close_code, ws.close_reason)
        return wrong_rate, not_a_recorder, errors, garbage_close

    wrong_rate, not_a_recorder, errors, garbage_close = run(scenario())
    assert wrong_rate[0] == 1003 and "44100" in wrong_rate[1]
    assert not_a_recorder[0] == 1008
    assert errors and "not whole 16-bit samples" in errors[0]["error"]
    assert garbage_close[0] == 1003 and "too many bad frames" in garbage_close[1]
    assert rows(live_site, "SELECT state, bad_frames FROM live_calls WHERE live_call_id = 'garbage-1'")[0] == ("rejected", 4)


@pytest.mark.model
def test_a_client_that_disconnects_or_goes_silent_ends_its_call_and_keeps_what_it_said(live_site):
    import soundfile as sf
    import websockets

    from qc.live.protocol import frame as encode

    audio, rate = sf.read(str(DISTRESS_CALL), dtype="float32", always_2d=True)

    async def stream(call_id: str, seconds: float, then: str):
        async with websockets.connect(live_site["ws"], additional_headers={"Authorization": f"Bearer {live_site['token']}"}) as ws:
            await ws.send(json.dumps({"call_id": call_id, "agent_id": "A22", "sample_rate": rate, "channels": 2}))
            await ws.recv()
            step = rate // 10
            for i, offset in enumerate(range(0, int(seconds * rate), step)):
                await ws.send(encode(i, audio[offset: offset + step]))
            if then == "silent":
                await asyncio.sleep(6.0)  # stall_after_s = 2: stalled after 4 s without audio
            # leaving the block closes the socket without an end message: a dropped connection

    run(stream("dropped-1", 14.0, "drop"))
    run(stream("silent-1", 6.0, "silent"))
    for _ in range(100):
        states = dict(rows(live_site, "SELECT live_call_id, state FROM live_calls WHERE live_call_id IN ('dropped-1', 'silent-1')"))
        if states.get("dropped-1") == "disconnected" and states.get("silent-1") == "stalled":
            break
        asyncio.run(asyncio.sleep(0.2))
    assert states == {"dropped-1": "disconnected", "silent-1": "stalled"}
    # What was said before the drop was still analysed: the caller's words at ~10 s raised distress.
    assert "caller_distress" in {r[0] for r in rows(live_site, "SELECT kind FROM live_alerts WHERE live_call_id = 'dropped-1'")}


@pytest.mark.model
def test_fifty_calls_at_once_all_get_through_and_none_disturbs_another(live_site):
    """50 recorders connect together; each streams 3 s (near-silent, so no recognition load) and ends."""
    import websockets

    from qc.live.protocol import frame as encode

    quiet = np.zeros((800, 2), dtype=np.float32) + 0.0005

    async def one(i: int) -> tuple[str, str]:
        async with websockets.connect(live_site["ws"], additional_headers={"Authorization": f"Bearer {live_site['token']}"}) as ws:
            await ws.send(json.dumps({"call_id": f"crowd-{i}", "agent_id": "A22", "sample_rate": 8000, "channels": 2}))
            started = json.loads(await ws.recv())["event"]
            for n in range(30):
                await ws.send(encode(n, quiet))
                await asyncio.sleep(0.1)
            await ws.send(json.dumps({"event": "end"}))
            ended = None
            async for message in ws:
                parsed = json.loads(message)
                if parsed["event"] == "ended":
                    ended = parsed["event"]
            return started, ended

    async def crowd():
        return await asyncio.gather(*(one(i) for i in range(50)))

    outcomes = run(crowd())
    assert outcomes == [("started", "ended")] * 50
    states = rows(live_site, "SELECT state, count(*) FROM live_calls WHERE live_call_id LIKE 'crowd-%' GROUP BY ALL")
    assert states == [("ended", 50)]
    assert rows(live_site, "SELECT min(frames), max(frames), sum(bad_frames) FROM live_calls WHERE live_call_id LIKE 'crowd-%'")[0] == (30, 30, 0)
