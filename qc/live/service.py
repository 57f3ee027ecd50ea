"""The live calls of one server: sockets in, analysis on worker threads, events out, rows stored.

One ``LiveService`` per web app. Speech recognition runs on a thread pool sized to the cores, one
utterance per call at a time; database reads and writes go through one more thread so they never hold
up recognition or the event loop. Alerts reach desks and walls at once, whatever the store is doing:
a row the store cannot take yet (the batch has its turn) is kept and written again until it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from qc.config import Settings, usable_cores
from qc.live.call import LiveAlert, LiveCall
from qc.live.hub import Event, Hub
from qc.errors import ConfigError
from qc.live.protocol import LiveStart, ProtocolError
from qc.metrics import LIVE_ALERT_LATENCY
from qc.rubric import Rubric, RubricError, load_rubric
from qc.store import Store, StoreBusy
from qc.tone import AgentBaseline

log = logging.getLogger(__name__)
# Utterances of one call waiting for recognition. Beyond this the socket is not read until recognition
# catches up (back-pressure on a client sending faster than real time): nothing is dropped, memory stays bounded.
MAX_PENDING_PER_CALL = 4


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class CallState:
    call: LiveCall
    state: str = "live"
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0
    alerts: int = 0
    resumed_at: float = 0.0  # when reading resumed after back-pressure
    closing: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)


class LiveService:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.cores = usable_cores()
        self.pool = ThreadPoolExecutor(max_workers=self.cores, thread_name_prefix="live-asr")
        # Rows are written in order on one thread (retried while the store is busy); reads that a request
        # waits for (baselines, acknowledgements, replay) have threads of their own, never behind a retry.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-db-write")
        self.reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-db")
        self.calls: dict[str, CallState] = {}
        self.awaiting_start = 0  # connections accepted whose start message has not come yet
        self.hub = Hub()
        self._started = False
        self._watchdog: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transcriber = None

    # -- set-up --------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Event ids go on from the stored alerts' (read once, on the writer thread, never on the event loop)."""
        if self._started:
            return
        self._loop = asyncio.get_running_loop()
        stored = await self._loop.run_in_executor(self.reader, self._highest_alert_id)
        self.hub.continue_after(stored)
        self._started = True

    def _highest_alert_id(self) -> int:
        with Store(self.settings.db_path, wait_s=self.settings.web.db_wait_s) as store:
            return int(store.con.execute("SELECT coalesce(max(alert_id), 0) FROM live_alerts").fetchone()[0])

    def transcriber(self):
        if self._transcriber is None:
            self._transcriber = live_transcriber(self.settings, self.cores)
        return self._transcriber

    def rubric_for(self, line_id: str | None) -> Rubric | None:
        _, line = self.settings.line(line_id)
        try:
            return load_rubric(self.settings.rubrics_dir / line.rubric)
        except RubricError as exc:
            log.error("live: rubric for line %s unusable: %s", line_id, exc)
            return None

    def baselines(self, agent_id: str, line: str | None) -> tuple[AgentBaseline | None, AgentBaseline | None]:
        with Store(self.settings.db_path, read_only=True, wait_s=self.settings.web.db_wait_s) as store:
            return store.tone_baselines(agent_id, line)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def ensure_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    # -- a call's life -------------------------------------------------------------------------------

    async def open_call(self, start: LiveStart) -> CallState:
        await self.start()
        if start.call_id in self.calls:
            raise ValueError(f"call {start.call_id} is already streaming")
        if len(self.calls) >= self.settings.live.max_calls:
            raise ValueError(f"this server takes at most {self.settings.live.max_calls} live calls")
        try:
            _, line = self.settings.line(start.line)
        except ConfigError as exc:
            raise ProtocolError(f"line '{start.line}' is not configured on this server") from exc
        loop = asyncio.get_running_loop()
        baseline, team = await loop.run_in_executor(self.reader, self.baselines, start.agent_id, start.line)
        await loop.run_in_executor(self.pool, self.transcriber)  # loaded once, before the first utterance
        call = LiveCall(start, line, self.rubric_for(start.line), self.settings, self.transcriber(), baseline, team)
        state = CallState(call)
        self.calls[start.call_id] = state
        loop.run_in_executor(self.writer, self._persist, self._store_call, state, None)
        self._publish_call(state)
        self.ensure_watchdog()
        return state

    async def frame(self, state: CallState, sequence: int, samples) -> None:
        if state.pending >= MAX_PENDING_PER_CALL:
            while state.pending >= MAX_PENDING_PER_CALL:
                await asyncio.sleep(0.02)
            state.resumed_at = time.time()
        for channel, segment, ended_at in state.call.receive(sequence, samples, time.time()):
            self._schedule(state, channel, segment, ended_at)

    def _schedule(self, state: CallState, channel: int, segment, ended_at: float) -> None:
        state.pending += 1
        asyncio.get_running_loop().create_task(self._analyse(state, channel, segment, ended_at))

    async def _analyse(self, state: CallState, channel: int, segment, ended_at: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with state.lock:  # one utterance of a call at a time: the call's state is not shared
                alerts = await loop.run_in_executor(self.pool, state.call.analyse, channel, segment, ended_at)
        except Exception:
            log.exception("live call %s: analysis of an utterance failed", state.call.start.call_id)
            alerts = []
        finally:
            state.pending -= 1
        for alert in alerts:
            self.raise_alert(state, alert)
        self._publish_call(state)

    def raise_alert(self, state: CallState, alert: LiveAlert) -> Event:
        start = state.call.start
        event_id = self.hub.next_id()
        row = dict(alert_id=event_id, live_call_id=start.call_id, agent_id=start.agent_id, kind=alert.kind, severity=alert.severity,
                   call_time_s=alert.call_time_s, message_zh=alert.message_zh, message_en=alert.message_en,
                   evidence=list(alert.evidence), raised_at=_now())
        asyncio.get_running_loop().run_in_executor(self.writer, self._persist, self._store_alert, row, start.line)
        state.alerts += 1
        LIVE_ALERT_LATENCY.observe(max(0.0, time.time() - alert.speech_ended_at), kind=alert.kind)
        return self.hub.publish("alert", {**row, "raised_at": row["raised_at"].isoformat(), "speech_ended_at": alert.speech_ended_at,
                                          "published_at": time.time()}, agent_id=start.agent_id, event_id=event_id)

    async def close_call(self, state: CallState, how: str, detail: str | None = None) -> None:
        if state.closing:  # the watchdog and the socket may both end a call: the second waits for the first
            await state.closed.wait()
            return
        state.closing = True
        for channel, segment, ended_at in state.call.finish():
            self._schedule(state, channel, segment, ended_at)
        while state.pending:
            await asyncio.sleep(0.05)
        state.state = how
        self.calls.pop(state.call.start.call_id, None)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.writer, self._persist, self._store_call, state, detail)
        self._publish_call(state)
        state.closed.set()

    async def _watch(self) -> None:
        stall = self.settings.live.stall_after_s
        while self.calls:
            await asyncio.sleep(min(1.0, stall / 4))
            now = time.time()
            for state in list(self.calls.values()):
                if state.pending or state.closing:
                    continue  # busy recognising: the socket is not being read, the client is not silent
                quiet = now - max(state.call.last_frame_at, state.resumed_at)
                if quiet >= 2 * stall:
                    await self.close_call(state, "stalled", f"no audio for {quiet:.0f} s")
                elif quiet >= stall and state.state == "live":
                    state.state = "silent"
                    self._publish_call(state)
                elif quiet < stall and state.state == "silent":
                    state.state = "live"
                    self._publish_call(state)

    # -- events and rows -----------------------------------------------------------------------------

    def _publish_call(self, state: CallState) -> None:
        call, stats = state.call, state.call.stats
        self.hub.publish("call", {
            "live_call_id": call.start.call_id, "agent_id": call.start.agent_id, "line": call.start.line, "state": state.state,
            "audio_s": round(call.audio_s, 1), "utterances": stats.utterances, "alerts": state.alerts,
            "bad_frames": stats.bad_frames, "late_frames": stats.late_frames, "lost_frames": stats.lost_frames,
        }, agent_id=call.start.agent_id)

    def _persist(self, write, *args) -> None:
        """Run one write on the writer thread until it is stored: a live alert is never lost to a busy store."""
        delay = 0.5
        while True:
            try:
                write(*args)
                return
            except StoreBusy as exc:
                log.warning("live: store busy, writing again in %.1f s: %s", delay, exc)
            except Exception:
                log.exception("live: a row could not be stored")
                return
            time.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _store_call(self, state: CallState, detail: str | None = None) -> None:
        call, stats = state.call, state.call.stats
        ended = _now() if state.state != "live" else None
        with Store(self.settings.db_path) as store:
            store.con.execute(
                "INSERT INTO live_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (live_call_id) DO UPDATE SET "
                "ended_at = excluded.ended_at, state = excluded.state, audio_s = excluded.audio_s, utterances = excluded.utterances, "
                "frames = excluded.frames, bad_frames = excluded.bad_frames, late_frames = excluded.late_frames, detail = excluded.detail",
                [call.start.call_id, call.start.agent_id, call.start.line, call.start.sample_rate, call.start.channels,
                 datetime.fromtimestamp(call.started_at, timezone.utc).replace(tzinfo=None), ended, state.state, round(call.audio_s, 2),
                 stats.utterances, stats.frames, stats.bad_frames, stats.late_frames, detail],
            )

    def _store_alert(self, row: dict, line: str | None = None) -> None:
        # The alert and its webhook event (urgent_case, caller_distress) commit together, or neither does.
        with Store(self.settings.db_path) as store:
            store.store_live_alert(row, line)

    def store_acknowledgement(self, alert_id: int, username: str) -> bool:
        """Mark an alert seen (worker thread), then tell every wall and desk (event loop)."""
        with Store(self.settings.db_path, wait_s=self.settings.web.db_wait_s) as store:
            changed = store.con.execute(
                "UPDATE live_alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE alert_id = ? AND acknowledged_by IS NULL "
                "RETURNING agent_id", [username, _now(), alert_id]).fetchall()
            if changed:
                from qc.audit import record

                record(store.con, username, "live.alert.ack", str(alert_id))
        if changed:
            self.loop.call_soon_threadsafe(self.hub.publish, "ack", {"alert_id": alert_id, "by": username}, changed[0][0])
        return bool(changed)

    def stored_alerts(self, after_id: int, before_id: int) -> list[Event]:
        """Alerts older than the hub's memory, for a browser that was away for long (or a restart)."""
        with Store(self.settings.db_path, read_only=True, wait_s=self.settings.web.db_wait_s) as store:
            cur = store.con.execute("SELECT * FROM live_alerts WHERE alert_id > ? AND alert_id < ? ORDER BY alert_id", [after_id, before_id])
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        return [Event(r["alert_id"], "alert", r["agent_id"], {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()})
                for r in rows]


def live_transcriber(settings: Settings, parallel_calls: int = 1):
    """Whisper for the live path: the live beam size, one thread per utterance, ``parallel_calls`` at once."""
    from qc.speech.transcribe import Transcriber

    return Transcriber(settings.model_copy(update={
        "workers": parallel_calls,
        "asr": settings.asr.model_copy(update={"beam_size": settings.live.beam_size, "cpu_threads": 1}),
    }))

