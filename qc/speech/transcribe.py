"""Speech to text with faster-whisper: words with times, one script, no phantom lines.

After decoding, each segment is cleaned in order: phantom lines dropped and repetition loops cut
(qc.text.normalise), the line's script applied (OpenCC), homophones of the line's vocabulary put right where the
decoder was unsure (qc.speech.correction), and Chinese punctuation set from pauses and particles
(qc.speech.punctuation). Each step is measured in reports/bench/asr.md. A scored call's channels are decoded
together in batches by beam search (qc.speech.batched), so a recording gives the same words every run; live
utterances go through faster-whisper's own loop (``Transcriber.transcribe``).

The ASR path never imports torch: faster-whisper runs on CTranslate2 and its Silero VAD on
onnxruntime, so scoring stereo recordings needs neither.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from qc.audio.decode import DecodedAudio
from qc.config import AsrConfig, LineConfig, Settings
from qc.records import Correction
from qc.speech.batched import DecodeOptions, decode_signals
from qc.speech.correction import CorrectionOptions, Corrector
from qc.models import resolve_whisper_folder, whisper_model
from qc.speech.punctuation import PunctuationOptions, punctuate
from qc.records import Word
from qc.text.normalise import collapse_repetitions, is_phantom, to_script

log = logging.getLogger(__name__)

# Whisper large-v3 added a Cantonese token (100 languages); smaller models write "yue" as nonsense.
MIN_LANGUAGES_FOR_CANTONESE = 100
# Below this average token log-probability a decode counts as failed (faster-whisper retries at a higher
# temperature); a segment that fails at every temperature is dropped (Cleaning.min_avg_logprob).
LOG_PROB_THRESHOLD = -1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float


@dataclass(frozen=True)
class Transcript:
    language: str | None
    language_probability: float | None
    segments: tuple[Segment, ...]
    warnings: tuple[str, ...] = ()
    # Every homophone the vocabulary put right (qc.speech.correction), for the pipeline to store and inspectors to check.
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Cleaning:
    """What happens to decoded segments before anyone reads them (see the module docstring)."""

    script: str = "none"
    corrector: Corrector | None = None
    punctuation: PunctuationOptions | None = None
    # A segment still below this average log-probability after every fallback temperature is what the
    # decoder made up, not what it heard ("多谢您的收看", "作词作曲" on 8 kHz noise): dropped.
    min_avg_logprob: float | None = None


class Transcriber:
    """Holds the loaded model and the decoding options; ``transcribe`` is safe across threads."""

    def __init__(self, settings: Settings):
        asr = settings.asr
        folder, self.languages = resolve_whisper_folder(asr.model, settings.models_dir, settings.model_cache_dir)
        self.model = whisper_model(str(folder), asr.device, asr.compute_type, settings.threads_per_worker(), settings.workers)
        self.options = asr
        self.rubrics_dir = settings.rubrics_dir

    def transcribe(
        self, audio: np.ndarray, language: str | None, script: str, narrowband: bool = False, vocabulary: tuple[str, ...] = ()
    ) -> Transcript:
        """``narrowband``: the recording was 8 kHz (telephone band) before resampling."""
        decode_as, degraded = decoding_language(language, self.languages)
        options = {**decode_options(self.options, decode_as, narrowband), **vocabulary_hint(self.options, vocabulary)}
        segments, info = self.model.transcribe(audio, **options)
        cleaning = self.cleaning(script, info.language, vocabulary)
        kept, warnings, corrections = clean_segments(segments, cleaning)
        return _transcript(language, degraded, info.language, info.language_probability, kept, warnings, corrections)

    def transcribe_channels(
        self, channels: Sequence[np.ndarray], language: str | None, script: str, narrowband: bool = False,
        vocabulary: tuple[str, ...] = (),
    ) -> tuple[Transcript, ...]:
        """Every channel's transcript, their speech decoded in shared batches (qc.speech.batched): beam search
        only, so the same recording gives the same words."""
        decode_as, degraded = decoding_language(language, self.languages)
        options = batch_options(self.options, decode_as, narrowband, vocabulary)
        out = []
        for decoded in decode_signals(self.model, channels, options):
            cleaning = self.cleaning(script, decoded.language, vocabulary)
            kept, warnings, corrections = clean_segments(decoded.segments, cleaning)
            if decoded.retried_chunks:
                warnings = (f"{decoded.retried_chunks} stretch(es) looped or gave no words and were decoded again "
                            "with a repetition penalty", *warnings)
            out.append(_transcript(language, degraded, decoded.language, decoded.language_probability, kept, warnings,
                                   corrections))
        return tuple(out)

    def cleaning(self, script: str, language: str | None, vocabulary: tuple[str, ...]) -> Cleaning:
        asr = self.options
        chinese = language in ("zh", "yue")
        # The line's vocabulary corrects Chinese transcripts (pinyin space); it hints the decoder only
        # where asr.vocabulary asks for it.
        corrector = _corrector(vocabulary, script, correction_options(asr)) if asr.correction and chinese and vocabulary else None
        punctuation = PunctuationOptions() if chinese and asr.punctuation else None
        return Cleaning(script, corrector, punctuation, LOG_PROB_THRESHOLD)


def correction_options(asr: AsrConfig) -> CorrectionOptions:
    return CorrectionOptions(
        max_probability=asr.correction_max_probability,
        max_probability_near=asr.correction_max_probability_near,
        min_similarity=asr.correction_min_similarity,
    )


def clean_segments(segments: Iterable, cleaning: Cleaning) -> tuple[tuple[Segment, ...], tuple[str, ...], tuple[Correction, ...]]:
    """Decoded segments (faster-whisper's, or any objects with the same fields) made ready to read."""
    kept: list[Segment] = []
    warnings: list[str] = []
    corrections: list[Correction] = []
    script = cleaning.script
    for seg in segments:
        text, looped = collapse_repetitions(to_script(seg.text.strip(), script))
        if is_phantom(text):
            log.debug("dropped phantom line %r at %.1f s", seg.text, seg.start)
            warnings.append(f"dropped a phantom line at {seg.start:.1f} s: {seg.text.strip()!r}")
            continue
        if cleaning.min_avg_logprob is not None and seg.avg_logprob < cleaning.min_avg_logprob:
            warnings.append(f"dropped an unreliable line at {seg.start:.1f} s (avg log-probability {seg.avg_logprob:.2f}): {text!r}")
            continue
        if looped:
            warnings.append(f"collapsed a repetition loop at {seg.start:.1f} s")
        words = tuple(
            Word(to_script(w.word, script), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4))
            for w in (seg.words or ())
        )
        if looped:
            words = _without_loops(words)
        if cleaning.corrector is not None and words:
            words, fixed = cleaning.corrector.correct(words)
            corrections.extend(fixed)
            for c in fixed:
                log.debug("corrected %r to %r at %.2f s (p=%.2f, pinyin distance %.2f)", c.original, c.replacement, c.start, c.probability, c.pinyin_distance)
        if cleaning.punctuation is not None and words:
            words = punctuate(words, cleaning.punctuation)
        if words:
            # Utterances are built from the words, so the words must say what the text says.
            text = "".join(w.text for w in words).strip()
        kept.append(Segment(round(float(seg.start), 3), round(float(seg.end), 3), text, words, round(float(seg.avg_logprob), 4)))
    return tuple(kept), tuple(warnings), tuple(corrections)


def _without_loops(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """The words of a decoding loop cut like its text (collapse_repetitions): two repeats are kept."""
    joined = "".join(w.text for w in words)
    collapsed, _ = collapse_repetitions(joined)
    kept: list[Word] = []
    at = 0  # how much of ``collapsed`` the kept words have matched
    for w in words:
        if collapsed.startswith(w.text, at):
            kept.append(w)
            at += len(w.text)
    # A loop cut inside a word cannot be followed word by word: keep the words as they were.
    return tuple(kept) if at == len(collapsed) else words


@lru_cache(maxsize=16)
def _corrector(terms: tuple[str, ...], script: str, options: CorrectionOptions) -> Corrector:
    # Vocabulary files are Simplified; transcripts are in the line's script by now.
    return Corrector((to_script(t, script) for t in terms), options)


def _transcript(
    asked: str | None, degraded: str | None, heard: str | None, probability: float, kept, warnings, corrections
) -> Transcript:
    """A degraded language keeps the language asked for and says why first."""
    if degraded:
        return Transcript(asked, round(float(probability), 4), kept, (degraded, *warnings), corrections)
    return Transcript(heard, round(float(probability), 4), kept, tuple(warnings), corrections)


def vocabulary_hint(asr: AsrConfig, vocabulary: tuple[str, ...]) -> dict:
    """How the line's terms reach the decoder (``asr.vocabulary``): faster-whisper's hotwords, an initial prompt, or not."""
    if vocabulary and asr.vocabulary == "hotwords":
        return {"hotwords": " ".join(vocabulary)}
    if vocabulary and asr.vocabulary == "prompt":
        return {"initial_prompt": "，".join(vocabulary) + "。"}
    return {}


def batch_options(asr: AsrConfig, language: str | None, narrowband: bool, vocabulary: tuple[str, ...]) -> DecodeOptions:
    """The batched decoder's options: the same beam, VAD and thresholds as ``decode_options``."""
    return DecodeOptions(
        language=language,
        beam_size=asr.beam_size,
        vad_threshold=asr.vad_threshold_for(narrowband),
        vad_min_silence_ms=asr.vad_min_silence_ms,
        vad_speech_pad_ms=asr.vad_speech_pad_ms,
        log_prob_threshold=LOG_PROB_THRESHOLD,
        **vocabulary_hint(asr, vocabulary),
    )


def decode_options(asr: AsrConfig, language: str | None, narrowband: bool = False) -> dict:
    return dict(
        language=language,
        beam_size=asr.beam_size,
        temperature=list(asr.temperatures),
        # Each segment decodes on its own: one bad segment cannot drag the rest into a loop ("请请请…"), which
        # conditioning on the previous text did on a held-out call (reports/bench/history.md).
        condition_on_previous_text=False,
        word_timestamps=True,
        vad_filter=True,
        vad_parameters=dict(
            threshold=asr.vad_threshold_for(narrowband),
            min_silence_duration_ms=asr.vad_min_silence_ms,
            speech_pad_ms=asr.vad_speech_pad_ms,
        ),
        compression_ratio_threshold=2.4,
        log_prob_threshold=LOG_PROB_THRESHOLD,
        no_speech_threshold=0.6,
    )


_TRANSCRIBERS: dict[str, Transcriber] = {}
_TRANSCRIBERS_LOCK = threading.Lock()


def get_transcriber(settings: Settings) -> Transcriber:
    """One Transcriber (and so one loaded model) per process and ASR configuration."""
    key = f"{settings.asr.model_dump_json()}|{settings.workers}|{settings.models_dir}|{settings.model_cache_dir}"
    with _TRANSCRIBERS_LOCK:
        if key not in _TRANSCRIBERS:
            _TRANSCRIBERS[key] = Transcriber(settings)
        return _TRANSCRIBERS[key]


def transcribe_call(audio: DecodedAudio, line: LineConfig, transcriber: Transcriber) -> dict[int, Transcript]:
    """Each channel's transcript in the line's language and script; the line's terms correct it, and hint
    the decoder where ``asr.vocabulary`` says so."""
    terms = load_vocabulary(transcriber.rubrics_dir / line.vocabulary) if line.vocabulary else ()
    transcripts = transcriber.transcribe_channels(audio.channels, line.language, line.script, audio.narrowband, terms)
    return dict(enumerate(transcripts))


def load_vocabulary(path: "Path | None") -> tuple[str, ...]:
    """Terms of a vocabulary file: one per line, # comments."""
    if path is None or not path.is_file():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(t.strip() for t in lines if t.strip() and not t.strip().startswith("#"))


def decoding_language(language: str | None, model_languages: int) -> tuple[str | None, str | None]:
    """The language to decode with, and a warning when it is not the one asked for.

    Cantonese on a model without the Cantonese token is never decoded as "yue" (that returns garbage):
    it is written as standard Chinese, and the call says its accuracy is degraded.
    """
    if language == "yue" and model_languages < MIN_LANGUAGES_FOR_CANTONESE:
        return "zh", (
            f"language=yue, accuracy=degraded: this Whisper model has {model_languages} languages and no Cantonese, "
            "so Cantonese speech is written as standard Chinese; point asr.model at a local large-v3 "
            f"CTranslate2 folder (≥ {MIN_LANGUAGES_FOR_CANTONESE} languages) for Cantonese"
        )
    return language, None

