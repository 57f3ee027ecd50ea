"""Every channel's speech decoded in batches: the VAD chunks of both sides of a call go through Whisper together.

faster-whisper's sequential loop decodes one 30-second window at a time, and a stereo call's channels one
after the other; its ``BatchedInferencePipeline`` batches the VAD chunks of one signal but keeps only the first
temperature and never decodes the rest of a chunk where Whisper stopped early (a caller's address lost). This
module does the batched decode for several signals at once, with the same Silero VAD, prompt, word timestamps
and segment splitting, and:

* like the sequential loop, decodes the rest of a chunk again where Whisper stopped before its end;
* decodes with beam search only, so the same audio gives the same words every time; where the decoder loops
  (compression ratio over the limit) or gives nothing for a chunk the VAD heard speech in, that chunk is
  decoded once more with a repetition penalty and no vocabulary prompt, also by beam search. Whisper's
  sampled fallback temperatures are not used: CTranslate2 seeds its sampler once per thread, so sampled
  transcripts differ run to run (reports/bench/pipeline.md).

The segments it returns have faster-whisper's ``Segment`` fields, in each signal's own time line, so
``qc.speech.transcribe.clean_segments`` reads them as it reads the sequential decoder's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from math import ceil
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# Whisper's window: a chunk of merged speech is at most this long.
CHUNK_SECONDS = 30
# Chunks encoded and decoded together (faster-whisper's default). Only one call's chunks are batched: four
# calls' chunks in one batch were slower than call by call on 2 cores (reports/bench/pipeline.md).
BATCH_SIZE = 8
# The retry where a chunk loops or gives nothing (reports/bench/history.md).
RETRY_REPETITION_PENALTY = 1.3
# A chunk the VAD heard at least this much speech in must give words (else it is retried), and a rest of a
# chunk this long after the point where Whisper stopped is decoded again.
MIN_SPEECH_FOR_WORDS_S = 1.0
# Decodes of the rests of a chunk at most (faster-whisper's loop has no bound; a 30 s chunk needed 3 at most).
MAX_PASSES = 6
# faster-whisper's defaults: punctuation that joins the word before or after it.
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class DecodeOptions:
    language: str | None
    beam_size: int = 5
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 500
    vad_speech_pad_ms: int = 200
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    hotwords: str | None = None
    initial_prompt: str | None = None
    repetition_penalty: float = 1.0
    batch_size: int = BATCH_SIZE


@dataclass(frozen=True)
class DecodedSignal:
    """One signal's segments (faster-whisper ``Segment`` objects, in the signal's time) and its language."""

    segments: tuple
    language: str
    language_probability: float
    retried_chunks: int = 0


@dataclass(frozen=True)
class _Chunk:
    signal: int
    audio: np.ndarray  # merged speech, at most 30 s
    offset: float  # seconds in the VAD-collapsed time line of its signal
    features: np.ndarray  # log-mel, padded to 30 s

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def _chunk(model, signal: int, audio: np.ndarray, offset: float) -> _Chunk:
    from faster_whisper.audio import pad_or_trim

    return _Chunk(signal, audio, offset, pad_or_trim(model.feature_extractor(audio)[..., :-1]))


def decode_signals(model, signals: Sequence[np.ndarray], options: DecodeOptions) -> list[DecodedSignal]:
    """Each 16 kHz signal's segments, all signals' VAD chunks decoded in shared batches."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import restore_speech_timestamps
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    vad = VadOptions(threshold=options.vad_threshold, min_silence_duration_ms=options.vad_min_silence_ms,
                     speech_pad_ms=options.vad_speech_pad_ms, max_speech_duration_s=CHUNK_SECONDS)
    chunks: list[_Chunk] = []
    speech: list[list[dict]] = []
    for index, signal in enumerate(signals):
        clips = get_speech_timestamps(signal, vad, SAMPLE_RATE)
        speech.append(clips)
        if clips:
            pieces, metas = collect_chunks(signal, clips, SAMPLE_RATE, max_duration=CHUNK_SECONDS)
            chunks += [_chunk(model, index, piece, meta["offset"]) for piece, meta in zip(pieces, metas) if len(piece)]

    languages = [_language(model, options.language, [c for c in chunks if c.signal == i]) for i in range(len(signals))]
    per_signal: list[list] = [[] for _ in signals]
    retried = [0] * len(signals)
    # One tokenizer per language; a call's channels share theirs.
    for language in sorted({lang for lang, _ in languages}):
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
        mine = [c for c in chunks if languages[c.signal][0] == language]
        for chunk, (segments, times_retried) in zip(mine, _decode_chunks(model, tokenizer, mine, options)):
            per_signal[chunk.signal].extend(segments)
            retried[chunk.signal] += times_retried
    out = []
    for index in range(len(signals)):
        restored = tuple(restore_speech_timestamps(per_signal[index], speech[index], SAMPLE_RATE)) if speech[index] else ()
        language, probability = languages[index]
        out.append(DecodedSignal(restored, language, probability, retried[index]))
    return out


def _language(model, language: str | None, chunks: list[_Chunk]) -> tuple[str, float]:
    if language is not None:
        return language, 1.0
    if not model.model.is_multilingual:
        return "en", 1.0
    if not chunks:
        return "en", 0.0
    detected, probability, _ = model.detect_language(features=chunks[0].features)
    return detected, float(probability)


def _decode_chunks(model, tokenizer, chunks: list[_Chunk], options: DecodeOptions) -> list[tuple[list, int]]:
    """Each chunk's segments (offset applied) and how many of its stretches needed the retry.

    Whisper often stops before the end of a window; like faster-whisper's sequential loop, the rest of the
    chunk is decoded again from the last timestamp, the rests of all chunks batched together.
    """
    segments: list[list] = [[] for _ in chunks]
    retried = [0] * len(chunks)
    pending = list(enumerate(chunks))
    for _ in range(MAX_PASSES):
        if not pending:
            break
        results = _decode_once(model, tokenizer, [c for _, c in pending], options)
        rests = []
        for (i, chunk), (result, was_retried) in zip(pending, results):
            segments[i].extend(result.segments)
            retried[i] += was_retried
            if result.resume_at is not None:
                at = int(result.resume_at * SAMPLE_RATE)
                rests.append((i, _chunk(model, chunk.signal, chunk.audio[at:], chunk.offset + at / SAMPLE_RATE)))
        pending = rests
    return list(zip(segments, retried))


def _decode_once(model, tokenizer, chunks: list[_Chunk], options: DecodeOptions) -> list[tuple["_Decoded", bool]]:
    """One decode of each chunk, in batches; where one loops or gives nothing, a second with a repetition penalty."""
    results: list = [None] * len(chunks)
    for start in range(0, len(chunks), options.batch_size):
        batch = chunks[start:start + options.batch_size]
        results[start:start + len(batch)] = _generate(model, tokenizer, batch, options)
    failing = [i for i, r in enumerate(results) if _needs_retry(r, chunks[i], options)]
    if failing:
        retry = replace(options, repetition_penalty=RETRY_REPETITION_PENALTY, hotwords=None, initial_prompt=None)
        for start in range(0, len(failing), options.batch_size):
            picked = failing[start:start + options.batch_size]
            again = _generate(model, tokenizer, [chunks[i] for i in picked], retry)
            for i, second in zip(picked, again):
                if _better(second, results[i], options):
                    results[i] = second
        log.debug("%d of %d chunks looped or gave nothing and were decoded again", len(failing), len(chunks))
    flagged = set(failing)
    return [(r, i in flagged) for i, r in enumerate(results)]


@dataclass(frozen=True)
class _Decoded:
    segments: list
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    # Seconds into the chunk where Whisper stopped before its end, so the rest is decoded again; None: done.
    resume_at: float | None = None


def _needs_retry(result: _Decoded, chunk: _Chunk, options: DecodeOptions) -> bool:
    loops = result.compression_ratio > options.compression_ratio_threshold
    nothing = not result.text.strip() and chunk.duration >= MIN_SPEECH_FOR_WORDS_S
    return loops or nothing


def _better(second: _Decoded, first: _Decoded, options: DecodeOptions) -> bool:
    """The retry replaces the first decode only where it stops the loop or finds words."""
    first_loops = first.compression_ratio > options.compression_ratio_threshold
    second_loops = second.compression_ratio > options.compression_ratio_threshold
    if not second.text.strip() or second_loops:
        return False
    return first_loops or not first.text.strip()


def _generate(model, tokenizer, batch: list[_Chunk], options: DecodeOptions) -> list[_Decoded]:
    from faster_whisper.transcribe import Segment, Word, get_compression_ratio, get_suppressed_tokens

    features = np.stack([c.features for c in batch])
    encoder_output = model.encode(features)
    prompt = model.get_prompt(
        tokenizer,
        previous_tokens=tokenizer.encode(" " + options.initial_prompt.strip()) if options.initial_prompt else [],
        without_timestamps=False,
        hotwords=options.hotwords,
    )
    generated = model.model.generate(
        encoder_output,
        [list(prompt) for _ in batch],
        beam_size=options.beam_size,
        max_length=model.max_length,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        return_scores=True,
        return_no_speech_prob=True,
        repetition_penalty=options.repetition_penalty,
    )
    stats: list[dict] = []
    pieces: list[list[dict]] = []
    sizes: list[int] = []
    for chunk, result in zip(batch, generated):
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        text = tokenizer.decode([t for t in tokens if t < tokenizer.eot])
        sizes.append(int(ceil(chunk.duration) * model.frames_per_second))
        silent = result.no_speech_prob > options.no_speech_threshold and avg_logprob < options.log_prob_threshold
        parts, resume_at = ([], None) if silent else _split(model, tokenizer, tokens, chunk)
        pieces.append(parts)
        stats.append(dict(text=text, avg_logprob=avg_logprob, no_speech_prob=result.no_speech_prob,
                          compression_ratio=get_compression_ratio(text), resume_at=resume_at))
    _add_word_times(model, tokenizer, encoder_output, pieces, sizes)
    out = []
    for parts, stat in zip(pieces, stats):
        segments = [
            Segment(id=0, seek=p["seek"], start=round(p["start"], 3), end=round(p["end"], 3), text=tokenizer.decode(p["tokens"]),
                    tokens=p["tokens"], avg_logprob=stat["avg_logprob"], compression_ratio=stat["compression_ratio"],
                    no_speech_prob=stat["no_speech_prob"], words=[Word(**w) for w in p.get("words", [])], temperature=0.0)
            for p in parts if any(t < tokenizer.eot for t in p["tokens"])
        ]
        out.append(_Decoded(segments, stat["text"], stat["avg_logprob"], stat["no_speech_prob"], stat["compression_ratio"],
                            stat["resume_at"]))
    return out


def _add_word_times(model, tokenizer, encoder_output, pieces: list[list[dict]], sizes: list[int]) -> None:
    """faster-whisper's word alignment, on the batch items that have words (it needs at least one segment each)."""
    import ctranslate2

    worded = [i for i, parts in enumerate(pieces) if parts]
    if not worded:
        return
    if len(worded) < len(pieces):
        encoder_output = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.array(encoder_output)[worded]))
    model.add_word_timestamps([pieces[i] for i in worded], tokenizer, encoder_output, [sizes[i] for i in worded],
                              PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS, 0.0)


def _split(model, tokenizer, tokens: list[int], chunk: _Chunk) -> tuple[list[dict], float | None]:
    """The chunk's segments by its timestamp tokens (faster-whisper's rule: words after the last timestamp pair
    are not kept), and where to decode again when Whisper stopped at least a second before the chunk's end."""
    size = int(ceil(chunk.duration) * model.frames_per_second)
    parts, seek, _ = model._split_segments_by_timestamps(
        tokenizer=tokenizer, tokens=tokens, time_offset=chunk.offset, segment_size=size,
        segment_duration=chunk.duration, seek=0,
    )
    stopped_at = seek / model.frames_per_second
    resume_at = stopped_at if 0 < stopped_at <= chunk.duration - MIN_SPEECH_FOR_WORDS_S else None
    first_frame = int(chunk.offset * model.frames_per_second)
    return [{**p, "seek": first_frame} for p in parts], resume_at
