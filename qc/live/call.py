"""One live call: frames in (any order), finished utterances out, each one transcribed, redacted,
tone-scored against the agent's baseline and run through the real-time part of the rubric.

``receive`` is cheap and runs on the server's event loop; ``analyse`` (speech recognition) runs in a
worker thread, one utterance of a call at a time.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from qc.audio.decode import TARGET_RATE, resample
from qc.config import LineConfig, Settings
from qc.crisis import LEVEL_RANK, Assessment, CallCrisis, assess_text
from qc.crisis.voice import Turn, voice_cues
from qc.live.endpointing import EndpointOptions, Endpointer, Segment
from qc.live.protocol import LiveStart
from qc.pii.protect import protect
from qc.records import CallMeta, Utterance, Word
from qc.rubric import CallContext, Rubric
from qc.rubric.evaluate import classify, evaluate_item
from qc.speech.transcribe import Transcriber, load_vocabulary
from qc.tone import AgentBaseline, BaselinePolicy, cool_down, update_baseline, utterance_alerts, utterance_tone
from qc.tone.call import CALLER_MIN_UTTERANCES
from qc.tone.records import ToneAlert
from qc.tone.score import CRISIS_ALERTS, accumulated_crisis_alert, without_lesser_crisis
from qc.tone.score import DEFAULT_OPTIONS as TONE_OPTIONS

# Callers have no history: each is compared with their own earlier utterances in this call.
CALLER_OPTIONS = replace(TONE_OPTIONS, baseline_policy=BaselinePolicy(CALLER_MIN_UTTERANCES, TONE_OPTIONS.baseline_policy.z_clip))


@dataclass(frozen=True)
class LiveAlert:
    kind: str
    severity: str
    call_time_s: float
    message_zh: str
    message_en: str
    evidence: tuple[str, ...]
    speech_ended_at: float  # wall clock (epoch s) when the audio that ended the utterance arrived
    evidence_words: tuple[str, ...] = ()  # the matched words (rubric alerts), for de-duplication


@dataclass
class CallStats:
    frames: int = 0
    bad_frames: int = 0
    late_frames: int = 0
    lost_frames: int = 0
    utterances: int = 0


class FrameOrder:
    """Puts frames back in sequence within a small window; later stragglers are dropped, gaps skipped."""

    def __init__(self, window: int):
        self.window = window
        self.expected: int | None = None
        self._held: dict[int, np.ndarray] = {}

    def add(self, sequence: int, samples: np.ndarray, stats: CallStats) -> list[np.ndarray]:
        if self.expected is None:
            self.expected = sequence
        if sequence < self.expected or sequence in self._held:
            stats.late_frames += 1
            return []
        self._held[sequence] = samples
        ready: list[np.ndarray] = []
        while True:
            if self.expected in self._held:
                ready.append(self._held.pop(self.expected))
                self.expected += 1
            elif len(self._held) > self.window:
                # The missing frame is not coming: play on from the next one we have.
                nxt = min(self._held)
                stats.lost_frames += nxt - self.expected
                self.expected = nxt
            else:
                return ready

    def drain(self) -> list[np.ndarray]:
        out = [self._held[k] for k in sorted(self._held)]
        self._held.clear()
        return out


@dataclass
class LiveCall:
    start: LiveStart
    line: LineConfig
    rubric: Rubric | None
    settings: Settings
    transcriber: Transcriber
    baseline: AgentBaseline | None = None
    team_baseline: AgentBaseline | None = None
    stats: CallStats = field(default_factory=CallStats)
    started_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        live = self.settings.live
        options = EndpointOptions(end_silence_s=live.end_silence_s, max_utterance_s=live.max_utterance_s)
        self.endpointers = [Endpointer(self.start.sample_rate, options) for _ in range(self.start.channels)]
        self.order = FrameOrder(live.reorder_frames)
        self.utterances: list[Utterance] = []
        # The agent's utterances so far in this call: the second reference while they are compared with the team.
        self._agent_in_call = AgentBaseline("agent")
        self._caller_baselines: dict[str, AgentBaseline] = {}
        self._last_alerts: dict[str, ToneAlert] = {}
        self._raised_once: set[str] = set()
        # Weak signs of crisis over the caller's utterances (qc.crisis): together they raise a possible crisis.
        self.crisis = CallCrisis()
        self._crisis_alerted = False
        self._urgent_crisis = False
        self._turns: list[Turn] = []  # what voice cues read: every utterance so far, with how it sounded
        self._voice_cues_seen: set[tuple] = set()
        self._arrivals: deque[tuple[float, float]] = deque(maxlen=4096)  # (stream time at frame end, wall time)
        self.last_frame_at = time.time()
        self.agent_channel = self.start.agent_channel if self.start.agent_channel is not None else self.line.agent_channel
        self.vocabulary = load_vocabulary(self.settings.rubrics_dir / self.line.vocabulary) if self.line.vocabulary else ()

    @property
    def audio_s(self) -> float:
        return self.endpointers[0].seconds

    def receive(self, sequence: int, samples: np.ndarray, arrived_at: float | None = None) -> list[tuple[int, Segment, float]]:
        """Frames in; (channel, finished utterance, wall time its end arrived) out."""
        self.stats.frames += 1
        self.last_frame_at = arrived_at or time.time()
        finished = []
        for block in self.order.add(sequence, samples, self.stats):
            finished += self._feed(block, self.last_frame_at)
        return finished

    def finish(self) -> list[tuple[int, Segment, float]]:
        finished = []
        for block in self.order.drain():
            finished += self._feed(block, self.last_frame_at)
        for channel, endpointer in enumerate(self.endpointers):
            finished += [(channel, s, self.last_frame_at) for s in endpointer.flush()]
        return finished

    def _feed(self, block: np.ndarray, arrived_at: float) -> list[tuple[int, Segment, float]]:
        out = []
        for channel, endpointer in enumerate(self.endpointers):
            for segment in endpointer.push(block[:, channel]):
                out.append((channel, segment, self._arrival_of(segment.end_s)))
        self._arrivals.append((self.endpointers[0].seconds, arrived_at))
        return out

    def _arrival_of(self, stream_s: float) -> float:
        for frame_end, wall in self._arrivals:
            if frame_end >= stream_s:
                return wall
        return self.last_frame_at

    # -- the heavy part: runs in a worker thread ---------------------------------------------------

    def analyse(self, channel: int, segment: Segment, speech_ended_at: float) -> list[LiveAlert]:
        utterance = self._transcribe(channel, segment)
        if utterance is None:
            return []
        (redacted,), _ = protect((utterance,), self.line, self.settings)
        self.utterances.append(redacted)
        self.stats.utterances += 1
        candidates = self._tone_alerts(redacted, segment, len(self.utterances) - 1)
        candidates += self._accumulated_crisis(redacted, candidates, len(self.utterances) - 1)
        raised, self._last_alerts = cool_down(candidates, self._last_alerts, self.settings.live.cooldown_s)
        raised = without_lesser_crisis(raised, urgent_before=self._urgent_crisis)
        self._urgent_crisis |= any(a.severity == "critical" and a.kind in CRISIS_ALERTS for a in raised)
        alerts = [LiveAlert(a.kind, a.severity, round(segment.end_s, 2), a.message_zh, a.message_en, tuple(a.evidence), speech_ended_at)
                  for a in raised]
        # One pop-up per cause: a rubric hit on words a tone alert just quoted adds nothing for the agent.
        quoted = {w for a in candidates for w in a.evidence}
        rubric = [a for a in self._rubric_alerts(segment.end_s, speech_ended_at)
                  if not (a.kind.startswith("rubric_") and a.evidence_words and set(a.evidence_words) <= quoted)]
        if any(a.kind == "urgent_case" for a in rubric):
            self._urgent_crisis = True  # 特急 raised: a possible crisis now would only repeat it
            alerts = [a for a in alerts if a.kind != "possible_crisis"]
        return alerts + rubric

    def _transcribe(self, channel: int, segment: Segment) -> Utterance | None:
        audio = segment.audio if self.start.sample_rate == TARGET_RATE else resample(segment.audio, self.start.sample_rate)
        transcript = self.transcriber.transcribe(audio, self.line.language, self.line.script,
                                                 narrowband=self.start.sample_rate <= 8000, vocabulary=self.vocabulary)
        if not transcript.segments:
            return None
        joiner = " " if (transcript.language or self.line.language) == "en" else ""
        text = joiner.join(s.text for s in transcript.segments).strip()
        if not text:
            return None
        words = tuple(Word(w.text, round(w.start + segment.start_s, 3), round(w.end + segment.start_s, 3), w.probability)
                      for s in transcript.segments for w in s.words)
        if self.start.channels == 1:
            role = "unknown"
        else:
            role = "agent" if channel == self.agent_channel else "caller"
        return Utterance(f"ch{channel}", role, round(segment.start_s, 3), round(segment.end_s, 3), text, words, channel)

    def _tone_alerts(self, utterance: Utterance, segment: Segment, index: int) -> list[ToneAlert]:
        # Tone reads the utterance's own audio: shift its times to the segment's start.
        local = replace(utterance, start=utterance.start - segment.start_s, end=utterance.end - segment.start_s,
                        words=tuple(w._replace(start=w.start - segment.start_s, end=w.end - segment.start_s) for w in utterance.words))
        if utterance.role == "agent":
            tone = utterance_tone(local, segment.audio, self.start.sample_rate, self.baseline, team=self.team_baseline, index=index,
                                  in_call=self._agent_in_call)
            self._agent_in_call = update_baseline(self._agent_in_call, [tone.features])
        else:
            own = self._caller_baselines.get(utterance.speaker, AgentBaseline(utterance.speaker))
            tone = utterance_tone(local, segment.audio, self.start.sample_rate, own, index=index,
                                  options=replace(CALLER_OPTIONS, learned_crisis=self.settings.crisis_model))
            self._caller_baselines[utterance.speaker] = update_baseline(own, [tone.features])
        tone = replace(tone, start=utterance.start, end=utterance.end)
        self._turns.append(Turn(utterance.role, utterance.start, utterance.end, utterance.text, tone.features))
        return utterance_alerts(tone)

    def _accumulated_crisis(self, utterance: Utterance, candidates: list[ToneAlert], index: int) -> list[ToneAlert]:
        """The batch's rule, live: weak signs over the caller's turns that add up to a possible crisis."""
        self._crisis_alerted |= any(a.kind in CRISIS_ALERTS for a in candidates)
        if utterance.role != "agent":
            self.crisis.add(assess_text(utterance.text))
        for cue in voice_cues(self._turns):
            if (cue.why, cue.start_s) not in self._voice_cues_seen:
                self._voice_cues_seen.add((cue.why, cue.start_s))
                self.crisis.add(Assessment(cue.level, (cue,)))
        if self._crisis_alerted or LEVEL_RANK[self.crisis.level] < LEVEL_RANK["possible"]:
            return []
        self._crisis_alerted = True
        words = [s.matched or s.why.split(":")[0] for s in self.crisis.signals]
        return [accumulated_crisis_alert(words, utterance.start, utterance.end, index)]

    def _rubric_alerts(self, now_s: float, speech_ended_at: float) -> list[LiveAlert]:
        if self.rubric is None:
            return []
        ordered = tuple(sorted(self.utterances, key=lambda u: u.start))
        ctx = CallContext(ordered, now_s, CallMeta(line=self.start.line, agent_id=self.start.agent_id),
                          roles_known=self.start.channels == 2)
        out = []
        case = classify(self.rubric, ctx)
        if case.urgency == "urgent" and "urgent_case" not in self._raised_once:
            self._raised_once.add("urgent_case")
            words = "、".join(e.matched for e in case.urgency_evidence if e.matched)[:60]
            out.append(LiveAlert("urgent_case", "critical", round(now_s, 2),
                                 f"特急工单：{case.urgency_title or '特急'}「{words}」 — 已通知值班主管",
                                 f"Urgent case ({case.urgency_title or 'urgent'}: «{words}») — duty supervisor notified",
                                 tuple(e.text for e in case.urgency_evidence), speech_ended_at))
        wanted = set(self.settings.live.realtime_items)
        for item in self.rubric.items:
            if item.id not in wanted or item.id in self._raised_once:
                continue
            verdict = evaluate_item(item, ctx)
            if verdict.verdict == "fail":
                self._raised_once.add(item.id)
                matched = tuple(e.matched for e in verdict.evidence if e.matched)
                words = "、".join(matched)[:60]
                out.append(LiveAlert(f"rubric_{item.id}", "high", round(now_s, 2),
                                     f"评分项未通过：{item.title.split(' / ')[0]}「{words}」 — 请注意服务用语",
                                     f"Rubric item failed: {item.title.split(' / ')[-1]} («{words}») — mind the service wording",
                                     tuple(e.text for e in verdict.evidence), speech_ended_at, matched))
        return out

