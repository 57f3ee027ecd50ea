"""Who said each utterance: the speakers stage's one entry point (``find_speakers``).

Stereo recordings: each channel is one person, the line (or the call's metadata) says which is the
agent, and an enrolled voiceprint checks it. Mono recordings: the voices are found by window
clustering (``windows``), refined frame by frame with pyannote when configured (``frames``), and the
agent is picked by voiceprint, opening words or first voice (``assign``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qc.audio.decode import DecodedAudio
from qc.config import LineConfig, Settings
from qc.records import CallMeta, SpeakersStatus, Utterance
from qc.speakers.assign import (
    assign_mono_roles,
    diarized_utterances,
    stereo_utterances,
    swapped_channel_warning,
    undiarized_utterances,
)
from qc.speakers.embedding import SpeakerEmbedder
from qc.speakers.voiceprints import Voiceprint, speech_embedding
from qc.speakers.windows import Diarization, diarize, place_turns_by_voice, speech_regions
from qc.speech.transcribe import Transcript


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
    corrections: tuple = ()  # (channel, qc.speech.correction.Correction)


def find_speakers(audio: DecodedAudio, transcripts: dict[int, Transcript], line: LineConfig, meta: CallMeta,
                  settings: Settings) -> Speakers:
    """The call's utterances with speaker and role, from its channels' transcripts."""
    if len(transcripts) == 2:
        agent_channel = line.agent_channel if meta.agent_channel is None else meta.agent_channel
        return _stereo(audio, transcripts, line, agent_channel, meta, settings)
    return _mono(audio.channels[0], transcripts[0], line, meta, settings, audio.narrowband)


def _stereo(audio: DecodedAudio, transcripts: dict[int, Transcript], line: LineConfig, agent_channel: int, meta: CallMeta,
            settings: Settings) -> Speakers:
    utterances = stereo_utterances({ch: t.segments for ch, t in transcripts.items()}, agent_channel)
    warnings = [w for t in transcripts.values() for w in t.warnings]
    swapped = swapped_channel_warning(utterances, line.agent_opening_cues)
    if swapped:
        warnings.append(swapped)
    main = transcripts[agent_channel] if transcripts[agent_channel].segments else transcripts[1 - agent_channel]
    similarity = None
    if meta.agent_voiceprint and transcripts[agent_channel].segments:
        # An enrolled voiceprint checks the configured channel: is the logged-in agent the one speaking?
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


def diarize_mono(signal: np.ndarray, embedder: SpeakerEmbedder, settings: Settings, narrowband: bool) -> Diarization:
    """Who spoke when on a mono call: window clustering, then frame-level turns from pyannote (config)."""
    diarization = diarize(signal, embedder, settings.asr.vad_threshold_for(narrowband))
    if settings.speakers.mono_diarization == "pyannote" and diarization.resolved:
        from qc.speakers.frames import frame_pipeline, refine

        pipeline = frame_pipeline(settings.models_dir, settings.threads_per_worker())
        diarization = place_turns_by_voice(signal, refine(signal, diarization, pipeline), embedder)
    return diarization


def _mono(signal: np.ndarray, transcript: Transcript, line: LineConfig, meta: CallMeta, settings: Settings,
          narrowband: bool) -> Speakers:
    warnings = list(transcript.warnings)
    embedder = SpeakerEmbedder(settings.models_dir)
    diarization = diarize_mono(signal, embedder, settings, narrowband)
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
