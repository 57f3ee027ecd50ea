"""Benchmark: hotline-qc's transcripts against raw faster-whisper + Whisper base, on 8 kHz Mandarin calls.

Two sets, each call with its exact ground truth: the 24 dev calls (audio_samples/devset) and the four
Mandarin sample calls (audio_samples/zh_*). Character error rate after the same normalisation on both
sides (Simplified script, no punctuation or spaces, spoken digits as digits), stereo calls per channel.

* raw: ``faster_whisper.WhisperModel.transcribe`` with its own defaults (beam 5, VAD on with its default
  parameters, temperature fallback, conditioning on previous text), ``language="zh"``, on the same
  16 kHz channels the pipeline decodes; the same loaded weights (Whisper base, int8). Its text is only
  joined, never cleaned.
* hotline-qc: the whole pipeline (``qc.pipeline.score_call``), the unredacted words it recognised.
* steps: each post-processing step's share, replayed from the decoder output the pipeline's settings
  produce (cached), so the contribution of each step is measured on the very same decode.
* ``--sweep``: decoding settings (beam, conditioning, temperature fallback, VAD threshold, resampling).

Decoder outputs are cached as JSON (``--cache``, default /tmp/hotline-qc-asr) by settings, so re-running
a report or tuning post-processing does not decode again. Writes reports/bench/asr.{json,md}.

    .venv/bin/python bench/asr.py [--sweep] [--cache DIR] [--no-pipeline]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "audio_samples"
DEVSET = SAMPLES / "devset"
REPORTS = ROOT / "reports" / "bench"
DEFAULT_CACHE = Path("/tmp/hotline-qc-asr")


@dataclass(frozen=True)
class Call:
    name: str
    group: str  # "dev" or "samples"
    path: Path
    truth: dict

    def role_of(self, channel: int, channels: int) -> str | None:
        """The role a channel's words are scored against (None: the whole mono call)."""
        if channels == 1 or self.truth["layout"] != "stereo":
            return None
        return "agent" if channel == self.truth["agent_channel"] else "caller"

    def reference(self, role: str | None) -> str:
        return "".join(t["text"] for t in self.truth["turns"] if role is None or t["speaker"] == role)


def corpus() -> list[Call]:
    calls = []
    for group, folder, pattern in (("dev", DEVSET, "*.json"), ("samples", SAMPLES, "zh_*.json")):
        for truth_path in sorted(folder.glob(pattern)):
            if truth_path.name.endswith(".meta.json"):
                continue
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            if truth.get("language") == "zh":
                calls.append(Call(truth["name"], group, folder / truth["audio"], truth))
    return calls


# ---------------------------------------------------------------- audio and resampling


def resampled_channels(call: Call, resampler: str = "poly") -> tuple[list[np.ndarray], int]:
    """The call's channels at 16 kHz, the way ``resampler`` makes them; and the source rate.

    "poly" is what the pipeline does (qc.audio.decode.decode: scipy resample_poly); the others are the
    alternatives the sweep compares.
    """
    from qc.audio.decode import TARGET_RATE, decode, probe
    from qc.config import AudioLimits

    if resampler == "poly":
        audio = decode(probe(call.path), AudioLimits())
        return list(audio.channels), audio.source_rate
    import soundfile

    data, rate = soundfile.read(str(call.path), dtype="float32", always_2d=True)
    channels = [data[:, i] for i in range(data.shape[1])]
    if rate == TARGET_RATE:
        return channels, rate
    if resampler == "soxr":
        import soxr

        out = [soxr.resample(ch, rate, TARGET_RATE, quality="VHQ") for ch in channels]
    elif resampler == "fft":
        from scipy.signal import resample

        out = [resample(ch, int(round(len(ch) * TARGET_RATE / rate))) for ch in channels]
    elif resampler == "linear":
        n = int(round(len(channels[0]) * TARGET_RATE / rate))
        t = np.arange(n) * rate / TARGET_RATE
        out = [np.interp(t, np.arange(len(ch)), ch) for ch in channels]
    else:
        raise SystemExit(f"unknown resampler {resampler!r}")
    return [np.asarray(ch, dtype=np.float32) for ch in out], rate


# ---------------------------------------------------------------- decoding, cached


def _model():
    from qc.config import load_settings
    from qc.models import resolve_whisper_folder, whisper_model
    from qc.config import usable_cores

    settings = load_settings()
    folder, _ = resolve_whisper_folder(settings.asr.model, settings.models_dir, settings.model_cache_dir)
    return whisper_model(str(folder), "cpu", "int8", usable_cores(), 1)


def _segment_dict(seg) -> dict:
    return {
        "start": round(float(seg.start), 3), "end": round(float(seg.end), 3), "text": seg.text,
        "avg_logprob": round(float(seg.avg_logprob), 4), "no_speech_prob": round(float(seg.no_speech_prob), 4),
        "compression_ratio": round(float(seg.compression_ratio), 3), "temperature": seg.temperature,
        "words": [[w.word, round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4)] for w in seg.words or ()],
    }


def decode_all(calls: list[Call], options: dict, resampler: str, cache: Path, label: str) -> dict:
    """{call name: {"channels": [[segment dict, ...], ...], "seconds": decode time, "audio_s": duration}}.

    Cached per call under ``cache/<label>-<hash of the settings>/``.
    """
    key = hashlib.sha1(json.dumps([options, resampler], sort_keys=True).encode()).hexdigest()[:12]
    folder = cache / f"{label}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"options": options, "resampler": resampler}), encoding="utf-8")
    out = {}
    for call in calls:
        path = folder / f"{call.name}.json"
        if not path.is_file():
            channels, _ = resampled_channels(call, resampler)
            model = _model()
            began = time.perf_counter()
            if options.get("batched"):
                from qc.speech.batched import DecodeOptions, decode_signals

                signals = decode_signals(model, channels, DecodeOptions(**options["batched"]))
                decoded = [[_segment_dict(s) for s in signal.segments] for signal in signals]
            else:
                decoded = [[_segment_dict(s) for s in model.transcribe(channel, **options)[0]] for channel in channels]
            result = {"channels": decoded, "seconds": round(time.perf_counter() - began, 2), "audio_s": round(len(channels[0]) / 16000, 2)}
            path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            print(f"  {label} {call.name}: {result['seconds']} s", file=sys.stderr)
        out[call.name] = json.loads(path.read_text(encoding="utf-8"))
    return out


RAW_OPTIONS = {"language": "zh", "beam_size": 5, "vad_filter": True}
# The sequential decoding the pipeline used before batched recognition (issue #25).
BEFORE_BATCHING = {"beam_size": 5, "temperature": [0.0, 0.2, 0.4]}


def our_options(**changes) -> dict:
    """The decoding options the pipeline uses (qc.speech.transcribe.decode_options), with ``changes``."""
    from qc.config import load_settings
    from qc.speech.transcribe import decode_options

    asr = load_settings().asr
    options = decode_options(asr, "zh", narrowband=True)
    vad = dict(options["vad_parameters"])
    for name, field in (("vad_threshold", "threshold"), ("vad_speech_pad_ms", "speech_pad_ms"), ("vad_min_silence_ms", "min_silence_duration_ms")):
        if name in changes:
            vad[field] = changes.pop(name)
    options.update(changes, vad_parameters=vad)
    options["temperature"] = list(options["temperature"])
    return options


def batched_options(**changes) -> dict:
    """The pipeline's batched decoding (qc.speech.batched, both channels together), as ``decode_all`` options."""
    from dataclasses import asdict

    from qc.config import load_settings
    from qc.speech.transcribe import batch_options

    return {"batched": {**asdict(batch_options(load_settings().asr, "zh", True, ())), **changes}}


# ---------------------------------------------------------------- scoring


def normalise(text: str) -> str:
    """Both sides of a comparison: Simplified, numbers as digits (qc.pii.itn, so 十五 and 15 agree), no
    punctuation or spaces, and the digit characters qc.evaluation maps."""
    from qc.evaluation import normalise_for_cer
    from qc.pii.itn import normalise_numbers
    from qc.text.normalise import to_script

    return normalise_for_cer(normalise_numbers(to_script(text, "t2s")).text)


def score(calls: list[Call], texts: dict[str, list[str]]) -> dict:
    """CER over ``calls``; ``texts``: per call, one hypothesis per channel."""
    from qc.evaluation import edit_distance

    errors = chars = 0
    per_call = {}
    for call in calls:
        hyps = texts[call.name]
        call_errors = call_chars = 0
        for channel, hyp in enumerate(hyps):
            ref = normalise(call.reference(call.role_of(channel, len(hyps))))
            call_errors += edit_distance(ref, normalise(hyp))
            call_chars += len(ref)
        per_call[call.name] = round(call_errors / max(call_chars, 1), 4)
        errors += call_errors
        chars += call_chars
    return {"cer": round(errors / max(chars, 1), 4), "errors": errors, "chars": chars, "per_call": per_call}


def raw_texts(decoded: dict, calls: list[Call]) -> dict[str, list[str]]:
    return {c.name: ["".join(s["text"] for s in ch) for ch in decoded[c.name]["channels"]] for c in calls}


def rtf(decoded: dict, calls: list[Call]) -> float:
    return round(sum(decoded[c.name]["seconds"] for c in calls) / sum(decoded[c.name]["audio_s"] for c in calls), 4)


# ---------------------------------------------------------------- hotline-qc: cleaning replayed, and the pipeline


def cleaned_texts(decoded: dict, calls: list[Call], cleaning) -> dict[str, list[str]]:
    """Per call and channel, the text qc.speech.transcribe.clean_segments makes of the cached decoder output."""
    return {c.name: ["".join(seg.text for seg in _replayed(ch, cleaning)) for ch in decoded[c.name]["channels"]] for c in calls}


def _replayed(segments: list[dict], cleaning) -> tuple:
    from types import SimpleNamespace

    from qc.speech.transcribe import clean_segments

    replay = [
        SimpleNamespace(**{**s, "words": [SimpleNamespace(word=w, start=a, end=b, probability=p) for w, a, b, p in s["words"]]})
        for s in segments
    ]
    return clean_segments(replay, cleaning)[0]


def cleanings(vocabulary: tuple[str, ...]) -> list[tuple[str, object]]:
    """Each post-processing step added in turn, with the settings qc.speech.transcribe uses by default."""
    from qc.config import load_settings
    from qc.speech.punctuation import PunctuationOptions
    from qc.speech.transcribe import LOG_PROB_THRESHOLD, Cleaning, _corrector, correction_options

    options = correction_options(load_settings().asr)
    corrector = _corrector(vocabulary, "t2s", options)
    floor = LOG_PROB_THRESHOLD
    return [
        ("+ phantom and unreliable lines dropped, loops cut, script (t2s)", Cleaning("t2s", min_avg_logprob=floor)),
        ("+ vocabulary correction", Cleaning("t2s", corrector, min_avg_logprob=floor)),
        ("+ punctuation", Cleaning("t2s", corrector, PunctuationOptions(), floor)),
    ]


def logged_corrections(decoded: dict, calls: list[Call], corrector) -> list[dict]:
    """Every correction on the cached decode, with what it did to its channel's errors (- fewer, + more).

    Replays the steps before correction (qc.speech.transcribe.clean_segments without a corrector), corrects each
    segment's words, and scores the channel with that one correction undone.
    """
    from qc.evaluation import edit_distance
    from qc.speech.transcribe import Cleaning

    log = []
    for call in calls:
        channels = decoded[call.name]["channels"]
        for channel in range(len(channels)):
            segments = _replayed(channels[channel], Cleaning("t2s"))
            words = [corrector.correct(seg.words) for seg in segments]
            ref = normalise(call.reference(call.role_of(channel, len(channels))))
            fixed_text = "".join(w.text for ws, _ in words for w in ws)
            errors = edit_distance(ref, normalise(fixed_text))
            for i, (_, corrections) in enumerate(words):
                for c in corrections:
                    undone = "".join(
                        orig.text if j == i and c.start <= orig.start and orig.end <= c.end else new.text
                        for j, (fixed, _) in enumerate(words) for new, orig in zip(fixed, segments[j].words)
                    )
                    log.append({"call": call.name, "channel": channel, **c.to_dict(),
                                "effect": errors - edit_distance(ref, normalise(undone))})
    return log


def pipeline_texts(calls: list[Call]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """The whole pipeline's unredacted words per channel (mono: one), and its speech-stage seconds."""
    import os

    os.environ["QC_PRIVACY__KEEP_RAW_TRANSCRIPTS"] = "true"
    from qc.config import load_settings
    from qc.pipeline import score_call
    from qc.sources import read_meta

    settings = load_settings()
    texts, seconds = {}, {}
    for call in calls:
        result = score_call(call.path, read_meta(call.path), settings)
        utterances = result.raw_utterances or result.utterances
        if call.truth["layout"] == "stereo":
            agent = call.truth["agent_channel"]
            by_role = {r: "".join(u.text for u in utterances if u.role == r) for r in ("agent", "caller")}
            texts[call.name] = [by_role["agent" if ch == agent else "caller"] for ch in (0, 1)]
        else:
            texts[call.name] = ["".join(u.text for u in utterances)]
        seconds[call.name] = result.stage_seconds.get("speech", 0.0)
        print(f"  pipeline {call.name}: {seconds[call.name]} s", file=sys.stderr)
    return texts, seconds


# ---------------------------------------------------------------- the report

# Each row is complete, so it measures the same thing whatever the configured defaults are today:
# the settings the pipeline had before this sweep, each changed alone, then the combinations chosen.
_BEFORE = {"beam_size": 5, "condition_on_previous_text": False, "temperature": [0.0, 0.2, 0.4], "vad_threshold": 0.25,
           "vad_speech_pad_ms": 200}
_FULL_FALLBACK = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
SWEEP = [  # (label, decoding options, resampler)
    ("before: beam 5, no conditioning, T 0/0.2/0.4, VAD 0.25, pad 200 ms, resample_poly", _BEFORE, "poly"),
    ("beam 1", {**_BEFORE, "beam_size": 1}, "poly"),
    ("beam 3", {**_BEFORE, "beam_size": 3}, "poly"),
    ("condition_on_previous_text on", {**_BEFORE, "condition_on_previous_text": True}, "poly"),
    ("temperature 0 only (no fallback)", {**_BEFORE, "temperature": [0.0]}, "poly"),
    ("temperature fallback 0-1.0 (faster-whisper default)", {**_BEFORE, "temperature": _FULL_FALLBACK}, "poly"),
    ("VAD threshold 0.15", {**_BEFORE, "vad_threshold": 0.15}, "poly"),
    ("VAD threshold 0.35", {**_BEFORE, "vad_threshold": 0.35}, "poly"),
    ("VAD threshold 0.5 (faster-whisper default)", {**_BEFORE, "vad_threshold": 0.5}, "poly"),
    ("VAD speech pad 400 ms", {**_BEFORE, "vad_speech_pad_ms": 400}, "poly"),
    ("resampling: soxr VHQ", _BEFORE, "soxr"),
    ("resampling: FFT (scipy.signal.resample)", _BEFORE, "fft"),
    ("resampling: linear interpolation", _BEFORE, "linear"),
    ("conditioning on + fallback 0-1.0", {**_BEFORE, "condition_on_previous_text": True, "temperature": _FULL_FALLBACK}, "poly"),
    ("conditioning on + pad 400 ms", {**_BEFORE, "condition_on_previous_text": True, "vad_speech_pad_ms": 400}, "poly"),
    ("conditioning on + pad 400 ms + fallback 0-1.0",
     {**_BEFORE, "condition_on_previous_text": True, "vad_speech_pad_ms": 400, "temperature": _FULL_FALLBACK}, "poly"),
]


def _brief(options: dict) -> str:
    keys = ("beam_size", "condition_on_previous_text", "temperature", "vad_filter", "vad_parameters")
    return ", ".join(f"{k}={options[k]}" for k in keys if k in options)


def _reduction(raw: float, ours: float) -> str:
    return f"{100 * (raw - ours) / raw:.1f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="decoder outputs by settings (JSON)")
    parser.add_argument("--sweep", action="store_true", help="also compare decoding settings (12 decodes, cached)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end run (steps from the cache only)")
    args = parser.parse_args()
    from qc.speech.transcribe import load_vocabulary

    calls = corpus()
    groups = {g: [c for c in calls if c.group == g] for g in ("dev", "samples")}
    raw = decode_all(calls, RAW_OPTIONS, "poly", args.cache, "raw")
    sequential = decode_all(calls, our_options(**BEFORE_BATCHING), "poly", args.cache, "dec")
    ours = decode_all(calls, batched_options(), "poly", args.cache, "batched")
    vocabulary = load_vocabulary(ROOT / "rubrics" / "vocabulary" / "12345.txt")
    steps = cleanings(vocabulary)
    rows = [("raw faster-whisper (beam 5, default VAD, language zh)", raw_texts(raw, calls), rtf(raw, calls)),
            ("before: sequential decoding, channel by channel, beam 5, fallback temperatures 0/0.2/0.4, all steps",
             cleaned_texts(sequential, calls, steps[-1][1]), rtf(sequential, calls)),
            ("batched decoding at beam 3 (measured, not chosen: reports/bench/history.md), all steps",
             cleaned_texts(decode_all(calls, batched_options(beam_size=3), "poly", args.cache, "batched"), calls, steps[-1][1]), None),
            ("hotline-qc decoding (batched, both channels together, beam search only), text only joined",
             raw_texts(ours, calls), rtf(ours, calls))]
    rows += [(label, cleaned_texts(ours, calls, cleaning), None) for label, cleaning in steps]
    report: dict = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "steps": [], "summary": {},
                    "settings": {"raw": RAW_OPTIONS, "hotline_qc": batched_options(), "before": our_options(**BEFORE_BATCHING)}}
    for label, texts, speed in rows:
        report["steps"].append({"step": label, "rtf": speed, **{g: score(cs, texts) for g, cs in groups.items()}})
    final = report["steps"][-1]
    if not args.no_pipeline:
        texts, seconds = pipeline_texts(calls)
        speed = round(sum(seconds.values()) / sum(ours[c.name]["audio_s"] for c in calls), 4)
        final = {"step": "hotline-qc pipeline (score_call), end to end", "rtf": speed, **{g: score(cs, texts) for g, cs in groups.items()},
                 "texts": texts}
        report["steps"].append(final)
    corrector = steps[-1][1].corrector
    log = logged_corrections(ours, calls, corrector)
    report["corrections"] = log
    punctuated = cleaned_texts(ours, groups["samples"][-1:], steps[-1][1])
    report["punctuation_example"] = {"call": groups["samples"][-1].name, "text": punctuated[groups["samples"][-1].name]}
    for g in groups:
        report["summary"][g] = {"raw": report["steps"][0][g]["cer"], "hotline_qc": final[g]["cer"],
                                "reduction": _reduction(report["steps"][0][g]["cer"], final[g]["cer"])}
    if args.sweep:
        report["sweep"] = []
        for label, settings, resampler in SWEEP:
            decoded = decode_all(calls, our_options(**settings), resampler, args.cache, "dec")
            row = {"settings": label, "rtf": rtf(decoded, calls)}
            for g, cs in groups.items():
                row[g] = score(cs, cleaned_texts(decoded, cs, steps[-1][1]))["cer"]
            report["sweep"].append(row)
    write(report)


def write(report: dict) -> None:
    s = report["summary"]
    n_dev, n_samples = (len(report["steps"][0][g]["per_call"]) for g in ("dev", "samples"))
    lines = [
        f"# Transcription benchmark — {report['measured_at']}", "",
        f"Character error rate on {n_dev} dev calls (audio_samples/devset, 8 kHz) and {n_samples} Mandarin sample calls "
        "(audio_samples/zh_*, three at 8 kHz, one at 16 kHz); Whisper base int8 on CPU, same weights for both. Both sides "
        "normalised the same way: Simplified script, numbers as digits (qc.pii.itn), no punctuation or spaces; stereo "
        "calls per channel against that speaker's turns. RTF: decoding seconds per second of call audio (both "
        "channels decoded on stereo calls), on a shared 2-core machine, so only roughly comparable.", "",
        "| | dev CER | samples CER |", "|---|---|---|",
        f"| raw faster-whisper + Whisper base | {s['dev']['raw']:.4f} | {s['samples']['raw']:.4f} |",
        f"| hotline-qc | {s['dev']['hotline_qc']:.4f} | {s['samples']['hotline_qc']:.4f} |",
        f"| reduction | **{s['dev']['reduction']}** | **{s['samples']['reduction']}** |", "",
        f"hotline-qc decoding (8 kHz calls, qc.speech.batched): `{report['settings']['hotline_qc']['batched']}`; before: "
        f"`{_brief(report['settings']['before'])}`; raw: "
        f"`{_brief(report['settings']['raw'])}` and faster-whisper's defaults for the rest.", "",
        "## Step by step", "",
        "Steps after the raw baseline and the sequential decoding used before replay the post-processing "
        "(qc.speech.transcribe.clean_segments) on one cached batched decode with the pipeline's 8 kHz settings (on every "
        "call, the 16 kHz sample too); the last row, where present, is the whole pipeline run end to end (wideband VAD "
        "threshold on the 16 kHz sample, role split by the pipeline). The sequential row's fallback temperatures sample, "
        "so it can differ run to run; the batched decode does not sample.", "",
        "| step | dev CER | dev errors | samples CER | samples errors | RTF |", "|---|---|---|---|---|---|",
    ]
    for r in report["steps"]:
        lines.append(f"| {r['step']} | {r['dev']['cer']:.4f} | {r['dev']['errors']} | {r['samples']['cer']:.4f} | "
                     f"{r['samples']['errors']} | {r['rtf'] if r['rtf'] is not None else '–'} |")
    first, last = report["steps"][0], report["steps"][-1]
    lines += ["", "Per sample call (raw → hotline-qc):", ""]
    lines += [f"- {name}: {first['samples']['per_call'][name]:.3f} → {last['samples']['per_call'][name]:.3f}"
              for name in first["samples"]["per_call"]]
    log = report["corrections"]
    good, bad = [c for c in log if c["effect"] < 0], [c for c in log if c["effect"] > 0]
    lines += ["", "## Corrections (all calls)", "",
              f"{len(log)} corrections: {len(good)} removed errors, {len(bad)} added errors, {len(log) - len(good) - len(bad)} "
              "changed nothing the scoring sees (幺 for 要 inside numbers that qc.pii.itn reads as 1 anyway).", "",
              "| call | ch | heard | written | seconds | p | pinyin distance | errors |", "|---|---|---|---|---|---|---|---|"]
    for c in log:
        lines.append(f"| {c['call']} | {c['channel']} | {c['original']} | {c['replacement']} | {c['start']:.2f}-{c['end']:.2f} | "
                     f"{c['probability']:.2f} | {c['pinyin_distance']:.3f} | {c['effect']:+d} |")
    example = report["punctuation_example"]
    lines += ["", f"## Punctuation example ({example['call']}, per channel)", ""] + [f"> {t}" for t in example["text"]]
    if "sweep" in report:
        lines += ["", "## Decoding settings (full post-processing on each; RTF from cached decodes, machine load varied)", "",
                  "| settings | dev CER | samples CER | RTF |", "|---|---|---|---|"]
        lines += [f"| {r['settings']} | {r['dev']:.4f} | {r['samples']:.4f} | {r['rtf']} |" for r in report["sweep"]]
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "asr.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (REPORTS / "asr.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
