"""Speech to text with faster-whisper: words with times, one script, no phantom lines.

The ASR path never imports torch: faster-whisper runs on CTranslate2 and its Silero VAD on
onnxruntime, so scoring stereo recordings needs neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qc.config import AsrConfig, Settings
from qc.errors import ConfigError
from qc.models import resolve_whisper_folder, whisper_model
from qc.records import Word
from qc.text import collapse_repetitions, is_phantom, to_script

log = logging.getLogger(__name__)

# Whisper large-v3 added a Cantonese token (100 languages); smaller models write "yue" as nonsense.
MIN_LANGUAGES_FOR_CANTONESE = 100


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


class Transcriber:
    """Holds the loaded model and the decoding options; ``transcribe`` is safe across threads."""

    def __init__(self, settings: Settings):
        asr = settings.asr
        folder, self.languages = resolve_whisper_folder(asr.model, settings.models_dir, settings.model_cache_dir)
        threads = asr.cpu_threads or max(1, _cores() // settings.workers)
        self.model = whisper_model(str(folder), asr.device, asr.compute_type, threads, settings.workers)
        self.options = asr
        self.rubrics_dir = settings.rubrics_dir

    def transcribe(
        self, audio: np.ndarray, language: str | None, script: str, narrowband: bool = False, vocabulary: tuple[str, ...] = ()
    ) -> Transcript:
        """``narrowband``: the recording was 8 kHz (telephone band) before resampling."""
        check_language(language, self.languages)
        options = decode_options(self.options, language, narrowband)
        if vocabulary and self.options.vocabulary == "hotwords":
            options["hotwords"] = " ".join(vocabulary)
        elif vocabulary and self.options.vocabulary == "prompt":
            options["initial_prompt"] = "，".join(vocabulary) + "。"
        segments, info = self.model.transcribe(audio, **options)
        kept: list[Segment] = []
        warnings: list[str] = []
        for seg in segments:
            text, looped = collapse_repetitions(to_script(seg.text.strip(), script))
            if is_phantom(text):
                log.debug("dropped phantom line %r at %.1f s", seg.text, seg.start)
                warnings.append(f"dropped a phantom line at {seg.start:.1f} s: {seg.text.strip()!r}")
                continue
            if looped:
                warnings.append(f"collapsed a repetition loop at {seg.start:.1f} s")
            words = tuple(
                Word(to_script(w.word, script), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4))
                for w in (seg.words or ())
            )
            kept.append(Segment(round(float(seg.start), 3), round(float(seg.end), 3), text, words, round(float(seg.avg_logprob), 4)))
        return Transcript(info.language, round(float(info.language_probability), 4), tuple(kept), tuple(warnings))


def decode_options(asr: AsrConfig, language: str | None, narrowband: bool = False) -> dict:
    return dict(
        language=language,
        beam_size=asr.beam_size,
        temperature=list(asr.temperatures),
        # Each segment decodes on its own: one bad segment cannot drag the rest into a loop.
        condition_on_previous_text=False,
        word_timestamps=True,
        vad_filter=True,
        vad_parameters=dict(
            threshold=asr.vad_threshold_for(narrowband),
            min_silence_duration_ms=asr.vad_min_silence_ms,
            speech_pad_ms=asr.vad_speech_pad_ms,
        ),
        compression_ratio_threshold=2.4,
        log_prob_threshold=-1.0,
        no_speech_threshold=0.6,
    )


def load_vocabulary(path: "Path | None") -> tuple[str, ...]:
    """Terms of a vocabulary file: one per line, # comments."""
    if path is None or not path.is_file():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(t.strip() for t in lines if t.strip() and not t.strip().startswith("#"))


def check_language(language: str | None, model_languages: int) -> None:
    if language == "yue" and model_languages < MIN_LANGUAGES_FOR_CANTONESE:
        raise ConfigError(
            f"Cantonese (yue) needs a Whisper model with at least {MIN_LANGUAGES_FOR_CANTONESE} languages "
            f"(large-v3); this one has {model_languages} and would return garbage. Set the line's language "
            "to 'zh' (written Chinese) or point asr.model at a local large-v3 CTranslate2 folder."
        )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
