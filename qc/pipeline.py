"""One recording through every stage, in the order data flows.

A worker hears the recording (``listen``): audio -> speech -> speakers -> personal data -> prosody.
The writer, which holds the store's history, judges it once (``qc.judge.judge``): tone against the
agent's baseline, then the rubric. ``score_call`` does both for a call scored on its own (tests,
benchmarks); the flows in ``pipelines/`` run ``listen`` as a task and judge in the writer.

A bad recording becomes a failed CallResult with the reason; only errors worth a retry
(TransientError) or that stop every call (ModelUnavailable) propagate.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from qc import PIPELINE_VERSION
from qc.audio.decode import TARGET_RATE, decode, probe
from qc.config import Settings
from qc.errors import BadRecording, ConfigError
from qc.judge import NO_HISTORY, CallHistory, HeardCall, judge
from qc.pii.protect import protect
from qc.records import AudioInfo, CallMeta, CallResult, failed_result
from qc.sources import call_id_for
from qc.speakers.find import find_speakers
from qc.speech.transcribe import get_transcriber, transcribe_call
from qc.tone import hear_call

log = logging.getLogger(__name__)


@dataclass
class StageTimer:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - began, 3)


def score_call(path: Path, meta: CallMeta, settings: Settings, history: CallHistory = NO_HISTORY) -> CallResult:
    """One recording heard and judged (with ``history``: none unless given)."""
    return judge(listen(path, meta, settings), history, settings)


def listen(path: Path, meta: CallMeta, settings: Settings) -> HeardCall:
    """Everything the recording itself says: the worker's half of scoring."""
    timer = StageTimer()
    info: AudioInfo | None = None
    call_id = call_id_for(None, path)
    try:
        with timer("probe"):
            info = probe(path)
        call_id = call_id_for(info.sha256, path)
        line_id, line = settings.line(meta.line)
        meta = replace(meta, line=line_id)
        with timer("decode"):
            audio = decode(info, settings.audio)
        with timer("speech"):
            transcripts = transcribe_call(audio, line, get_transcriber(settings))
        with timer("speakers"):
            speakers = find_speakers(audio, transcripts, line, meta, settings)
        if not speakers.utterances:
            raise BadRecording("no speech detected in the recording", stage="speech")
        with timer("privacy"):
            utterances, personal = protect(speakers.utterances, line, settings)
        with timer("tone"):
            # Heard from the unredacted words: a placeholder is not how fast the caller spoke.
            prosody = hear_call(audio.channels, TARGET_RATE, speakers.utterances)
        call = CallResult(
            call_id=call_id,
            path=str(path),
            status="scored",
            meta=meta,
            pipeline_version=PIPELINE_VERSION,
            scored_at=datetime.now(timezone.utc),
            audio=replace(info, duration_s=round(audio.duration_s, 3)),
            warnings=audio.warnings + speakers.warnings,
            layout=speakers.layout,  # type: ignore[arg-type]
            language=speakers.language,
            language_probability=speakers.language_probability,
            speakers_status=speakers.status,
            role_rule=speakers.role_rule,
            role_confidence=speakers.role_confidence,
            corrections=speakers.corrections,
            utterances=utterances,
            personal_data=personal,
            raw_utterances=speakers.utterances if settings.privacy.keep_raw_transcripts and personal else (),
            stage_seconds=timer.seconds,
        )
        return HeardCall(call, prosody)
    except BadRecording as exc:
        return HeardCall(failed_result(call_id, path, meta, exc.stage, exc.reason, info, timer.seconds))
    except ConfigError as exc:
        # A per-call setting (an unknown line in a sidecar, Cantonese on a small model) fails this
        # call only; the message says what to change.
        return HeardCall(failed_result(call_id, path, meta, "config", str(exc), info, timer.seconds))
