"""One recording through every stage: audio -> speakers -> speech -> rubric -> a CallResult.

Plain functions, no Prefect: the flows in ``pipelines/`` call ``score_call`` as a task, and tests
and benchmarks call it directly. A bad recording becomes a failed CallResult with the reason; only
errors worth a retry (TransientError) or that stop every call (ModelUnavailable) propagate.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from qc import PIPELINE_VERSION
from qc.audio import TARGET_RATE, DecodedAudio, decode, probe
from qc.cases import repeat_count, repeat_from_words
from qc.config import LineConfig, Settings
from qc.diarization import Diarization, diarize, place_turns_by_voice, speech_regions
from qc.errors import BadRecording, ConfigError
from qc.pii import PiiOptions, detect_pii, redact_utterances
from qc.records import Alert, AudioInfo, CallMeta, CallResult, Evidence, PersonalData, SpeakersStatus, Utterance
from qc.rubric import CallContext, Rubric, evaluate, load_rubric
from qc.rubric.schema import rubric_tests_measures
from qc.sources import call_id_for
from qc.speakers import (
    assign_mono_roles,
    diarized_utterances,
    stereo_utterances,
    swapped_channel_warning,
    undiarized_utterances,
)
from qc.speech import Transcriber, load_vocabulary
from qc.tone import AgentBaseline, hear_call, score_call_tone
from qc.enrolment import Voiceprint, speech_embedding
from qc.voiceprint import SpeakerEmbedder

log = logging.getLogger(__name__)

_TRANSCRIBERS: dict[str, Transcriber] = {}
_TRANSCRIBERS_LOCK = threading.Lock()


def get_transcriber(settings: Settings) -> Transcriber:
    """One Transcriber (and so one loaded model) per process and ASR configuration."""
    key = f"{settings.asr.model_dump_json()}|{settings.workers}|{settings.models_dir}|{settings.model_cache_dir}"
    with _TRANSCRIBERS_LOCK:
        if key not in _TRANSCRIBERS:
            _TRANSCRIBERS[key] = Transcriber(settings)
        return _TRANSCRIBERS[key]


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


@dataclass(frozen=True)
class Speakers:
    utterances: tuple[Utterance, ...]
    layout: str
    status: SpeakersStatus
    language: str | None
    language_probability: float | None
    warnings: tuple[str, ...]
    role_rule: str | None = None
    role_confidence: float | None = None
    corrections: tuple = ()  # (channel, qc.correction.Correction)


def score_call(path: Path, meta: CallMeta, settings: Settings) -> CallResult:
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
        rubric = load_rubric(settings.rubrics_dir / line.rubric)
        transcriber = get_transcriber(settings)
        agent_channel = line.agent_channel if meta.agent_channel is None else meta.agent_channel
        speakers = (
            _stereo(audio, line, agent_channel, transcriber, timer, meta, settings)
            if len(audio.channels) == 2
            else _mono(audio, line, transcriber, settings, timer, meta)
        )
        if not speakers.utterances:
            raise BadRecording("no speech detected in the recording", stage="speech")
        with timer("privacy"):
            utterances, personal = protect(speakers.utterances, line, settings)
        with timer("tone"):
            # Heard from the unredacted words: a placeholder is not how fast the caller spoke.
            heard = hear_call(audio.channels, TARGET_RATE, speakers.utterances)
        with timer("rubric"):
            # Rules judge the redacted words: evidence quoted to inspectors carries no ID or phone number.
            ctx = CallContext(
                utterances, audio.duration_s, meta, roles_known=speakers.status != "unresolved",
                repeat_count=repeat_from_words(utterances),
            )
            judged = evaluate(rubric, ctx)
        return CallResult(
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
            heard=heard,
            raw_utterances=speakers.utterances if settings.privacy.keep_raw_transcripts and personal else (),
            stage_seconds=timer.seconds,
            **judged.call_fields(),
        )
    except BadRecording as exc:
        return failed_result(call_id, path, meta, exc.stage, exc.reason, info, timer.seconds)
    except ConfigError as exc:
        # A per-call setting (an unknown line in a sidecar, Cantonese on a small model) fails this
        # call only; the message says what to change.
        return failed_result(call_id, path, meta, "config", str(exc), info, timer.seconds)


def protect(utterances: tuple[Utterance, ...], line: LineConfig, settings: Settings) -> tuple[tuple[Utterance, ...], tuple[PersonalData, ...]]:
    """Redact personal data from the utterances; return them and where the data was (no values)."""
    if not settings.privacy.redact:
        return utterances, ()
    spans = detect_pii(utterances, PiiOptions(region=line.pii_region))
    if not spans:
        return utterances, ()
    redacted, spans = redact_utterances(utterances, spans)
    found = tuple(PersonalData(s.kind, s.utterance_index, s.start_s, s.end_s, round(s.confidence, 2)) for s in spans)
    return tuple(redacted), found


def with_history(result: CallResult, prior_calls: int, settings: Settings) -> CallResult:
    """Fold in the call history (earlier calls from the same number about the same problem).

    The history lives in the store, which only the writer touches; workers (threads, processes or
    Dask) score without it and the writer applies it here, re-judging the rubric when the count moves.
    """
    if result.status != "scored":
        return result
    count = repeat_count(prior_calls, result.case.repeat_count)
    if count == result.case.repeat_count:
        return result
    return _judged_again(result, _rubric_of(result, settings), repeat_count=count)


# Call-level tone the rubric can test: ``measure: {name: agent_arousal, above: 0.8}``.
TONE_MEASURES = ("agent_arousal", "agent_negativity", "caller_distress", "caller_anger")


def with_tone(result: CallResult, agent_baseline: AgentBaseline | None, team_baseline: AgentBaseline | None,
              settings: Settings | None = None) -> CallResult:
    """Score the call's tone against the agent's baseline as it stood before this call (the writer's step).

    With ``settings``, a rubric that tests tone measures is judged again now that they exist.
    """
    if result.status != "scored" or len(result.heard) != len(result.utterances):
        return result
    tones, call_tone, tone_alerts = score_call_tone(result.utterances, result.heard, agent_baseline, team_baseline)
    if settings is not None:
        result = _judged_with_tone(result, call_tone, settings)
    raised = tuple(
        Alert(a.kind, a.severity, a.start, f"{a.message_zh} / {a.message_en}",
              tuple(Evidence(a.start, a.end, result.utterances[a.utterance].role if a.utterance is not None else "unknown", word,
                             result.utterances[a.utterance].text if a.utterance is not None else "")
                    for word in a.evidence[:5]))
        for a in tone_alerts
    )
    return replace(result, tones=tones, call_tone=call_tone, alerts=result.alerts + raised)


def _judged_with_tone(result: CallResult, call_tone, settings: Settings) -> CallResult:
    rubric = _rubric_of(result, settings)
    if not rubric_tests_measures(rubric):
        return result
    return _judged_again(result, rubric, measures={name: getattr(call_tone, name).value for name in TONE_MEASURES})


def _rubric_of(result: CallResult, settings: Settings) -> Rubric:
    _, line = settings.line(result.meta.line)
    return load_rubric(settings.rubrics_dir / line.rubric)


def _judged_again(result: CallResult, rubric: Rubric, **known: object) -> CallResult:
    """The rubric applied again to a scored call's words, with what the writer knows now (history, tone)."""
    duration = result.audio.duration_s if result.audio else 0.0
    ctx = CallContext(result.utterances, duration, result.meta, roles_known=result.speakers_status != "unresolved",
                      **{"repeat_count": result.case.repeat_count, **known})
    return replace(result, **evaluate(rubric, ctx).call_fields())


def failed_result(
    call_id: str, path: Path, meta: CallMeta, stage: str, reason: str, info: AudioInfo | None = None,
    stage_seconds: dict[str, float] | None = None,
) -> CallResult:
    log.warning("%s: %s failed: %s", path, stage, reason)
    return CallResult(
        call_id=call_id,
        path=str(path),
        status="failed",
        meta=meta,
        pipeline_version=PIPELINE_VERSION,
        scored_at=datetime.now(timezone.utc),
        audio=info,
        failure_stage=stage,
        failure_reason=reason,
        stage_seconds=stage_seconds or {},
    )


def _vocabulary(line: LineConfig, transcriber: Transcriber) -> tuple[str, ...]:
    """The line's terms: they correct the transcript, and hint the decoder where asr.vocabulary says so."""
    return load_vocabulary(transcriber.rubrics_dir / line.vocabulary) if line.vocabulary else ()


def _stereo(audio: DecodedAudio, line: LineConfig, agent_channel: int, transcriber: Transcriber, timer: StageTimer,
            meta: CallMeta, settings: Settings) -> Speakers:
    with timer("speech"):
        words = _vocabulary(line, transcriber)
        transcripts = {
            ch: transcriber.transcribe(audio.channels[ch], line.language, line.script, audio.narrowband, words) for ch in (0, 1)
        }
    with timer("speakers"):
        utterances = stereo_utterances({ch: t.segments for ch, t in transcripts.items()}, agent_channel)
        warnings = [w for t in transcripts.values() for w in t.warnings]
        swapped = swapped_channel_warning(utterances, line.agent_opening_cues)
        if swapped:
            warnings.append(swapped)
    main = transcripts[agent_channel] if transcripts[agent_channel].segments else transcripts[1 - agent_channel]
    similarity = None
    if meta.agent_voiceprint and transcripts[agent_channel].segments:
        # An enrolled voiceprint checks the configured channel: is the logged-in agent the one speaking?
        with timer("voiceprint"):
            # Silero's speech regions, not Whisper's segments: those run on into silence, which has no voice.
            regions = speech_regions(audio.channels[agent_channel], settings.asr.vad_threshold_for(audio.narrowband))
            vector, _ = speech_embedding(SpeakerEmbedder(settings.models_dir), audio.channels[agent_channel], regions)
            similarity = Voiceprint(meta.agent_id or "", meta.agent_voiceprint, 0.0, 0).similarity(vector)
        if similarity < settings.speakers.voiceprint_threshold:
            warnings.append(
                f"the voice on the agent channel does not match agent {meta.agent_id}'s voiceprint (similarity {similarity:.2f} < "
                f"{settings.speakers.voiceprint_threshold:.2f}): someone else may be using this login, or the channels are swapped"
            )
    corrections = tuple((ch, c) for ch, t in transcripts.items() for c in t.corrections)
    return Speakers(tuple(utterances), "stereo", "channels", main.language, main.language_probability, tuple(warnings),
                    "channel", similarity, corrections)


def diarize_mono(signal, embedder: SpeakerEmbedder, settings: Settings, narrowband: bool) -> Diarization:
    """Who spoke when on a mono call: window clustering, then frame-level turns from pyannote (config)."""
    diarization = diarize(signal, embedder, settings.asr.vad_threshold_for(narrowband))
    if settings.speakers.mono_diarization == "pyannote" and diarization.resolved:
        from qc.frame_diarization import frame_pipeline, refine

        pipeline = frame_pipeline(settings.models_dir, settings.threads_per_worker())
        diarization = place_turns_by_voice(signal, refine(signal, diarization, pipeline), embedder)
    return diarization


def _mono(audio: DecodedAudio, line: LineConfig, transcriber: Transcriber, settings: Settings, timer: StageTimer,
          meta: CallMeta) -> Speakers:
    signal = audio.channels[0]
    with timer("speech"):
        transcript = transcriber.transcribe(signal, line.language, line.script, audio.narrowband, _vocabulary(line, transcriber))
    warnings = list(transcript.warnings)
    with timer("speakers"):
        embedder = SpeakerEmbedder(settings.models_dir)
        diarization = diarize_mono(signal, embedder, settings, audio.narrowband)
        if diarization.resolved and diarization.voices:
            by_voice, similarity = _voiceprint_speaker(diarization.voices.raw_centroids, meta, settings)
            utterances, how = assign_mono_roles(
                diarized_utterances(transcript.segments, diarization), line.agent_opening_cues, by_voice
            )
            status: SpeakersStatus = "diarized"
            rule = "voiceprint" if "voiceprint" in how else "opening words" if "opening words" in how else "first voice"
            if rule == "first voice":
                warnings.append(f"roles: {how}; no opening words were heard, so agent and caller may be swapped")
            if diarization.third_voice_share:
                warnings.append(f"a third voice was heard ({diarization.third_voice_share:.0%} of the speech): a transfer or "
                                "someone joining the call? Its words are given to the agent or the caller")
        else:
            utterances = undiarized_utterances(transcript.segments)
            status = "unresolved"
            rule, similarity = None, None
            warnings.append(f"speakers unresolved: {diarization.reason}")
    return Speakers(tuple(utterances), "mono", status, transcript.language, transcript.language_probability, tuple(warnings),
                    rule, similarity if rule == "voiceprint" else None, tuple((None, c) for c in transcript.corrections))


def _voiceprint_speaker(raw_centroids: dict, meta: CallMeta, settings: Settings) -> tuple[str | None, float | None]:
    """The diarized speaker whose voice matches the agent's voiceprint clearly better than the other's."""
    if not meta.agent_voiceprint or len(raw_centroids) < 2:
        return None, None
    print_ = Voiceprint(meta.agent_id or "", meta.agent_voiceprint, 0.0, 0)
    ranked = sorted(((print_.similarity(c), s) for s, c in raw_centroids.items()), reverse=True)
    (best, speaker), (second, _) = ranked[0], ranked[1]
    if best >= settings.speakers.voiceprint_threshold and best - second >= settings.speakers.voiceprint_margin:
        return speaker, best
    return None, None
