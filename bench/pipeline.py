"""Benchmark: the whole pipeline against raw faster-whisper on the same calls, in the same run.

For each call, in fresh processes and interleaved (raw then pipeline, pipeline then raw on the next call, so
the load other users put on the machine falls on both alike):

* raw: faster-whisper alone as its README runs it: the same Whisper weights and threads, beam 5, its default
  VAD and temperature fallback, every channel of the file (decoded by faster-whisper itself), the call's
  language given; model loading excluded.
* pipeline: ``qc.pipeline.score_call``, every stage (decode, recognition, speakers or diarization, personal
  data, tone, rubric); model loading excluded. Peak RSS is the process's, the loaded models included.

Reports the speed ratio (raw seconds ÷ pipeline seconds: above 1 the pipeline is faster) per call, for
stereo and mono calls and overall, the load average during each measure, × real time per stage, accuracy
against the ground truth (CER per role, rubric verdicts, DER on mono calls), the night's throughput in
audio-hours per wall-hour and the machines a 19,000-call night needs. Writes reports/bench/pipeline.{json,md}.

    .venv/bin/python bench/pipeline.py [--beam-size 5] [--samples NAME ...] [--devset]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "audio_samples"
REPORTS = ROOT / "reports" / "bench"
NIGHT_AUDIO_HOURS = 1300  # 19,000 calls of about 4 minutes
NIGHT_HOURS = 8.0
WARM_UP_SECONDS = 20.0
# The calls the batched decoder was tuned and checked on (reports/bench/history.md): their figures are not blind.
TUNING_CALLS = ("devset/dev05_hukou_transfer", "devset/dev20_gas_pipe_repair", "devset/dev02_housing_fund",
                "devset/dev07_construction_noise", "zh_stereo_8k_no_greeting", "zh_stereo_8k_caller_first_right_agent",
                "zh_stereo_8k_agitated_distress", "en_stereo_8k_good")
RAW_BEAM_SIZE = 5  # the baseline is faster-whisper as its README runs it, whatever beam the pipeline uses
sys.path.insert(0, str(ROOT))


def run_one(name: str, beam_size: int) -> dict:
    """Score one sample in this process and return timings, memory and the result."""
    from qc.config import load_settings
    from qc.pipeline import score_call
    from qc.speech.transcribe import get_transcriber
    from qc.sources import read_meta
    from qc.speakers.embedding import SpeakerEmbedder

    _, path = _truth(name)
    settings = load_settings()
    # The unredacted words are kept for the CER only: raw faster-whisper's transcript has no [电话] placeholders.
    settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"beam_size": beam_size}),
                                           "privacy": settings.privacy.model_copy(update={"keep_raw_transcripts": True})})
    began = time.perf_counter()
    get_transcriber(settings)
    SpeakerEmbedder(settings.models_dir)
    load_s = time.perf_counter() - began
    with warm_up_copy(path) as copy:
        score_call(copy, read_meta(copy), settings)
    began = time.perf_counter()
    result = score_call(path, read_meta(path), settings)
    wall = time.perf_counter() - began
    return {
        "name": name,
        "status": result.status,
        "failure": result.failure_reason,
        "load_s": round(load_s, 2),
        "wall_s": round(wall, 2),
        "stage_s": result.stage_seconds,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "speakers_status": result.speakers_status,
        "utterances": [asdict(u) for u in result.utterances],
        "raw_utterances": [asdict(u) for u in result.raw_utterances],
        "verdicts": {v.item_id: v.verdict for v in result.verdicts},
        "transcript_sha1": hashlib.sha1("\n".join(f"{u.start} {u.role} {u.text}" for u in result.utterances).encode()).hexdigest()[:12],
    }


def accuracy(run: dict, truth: dict) -> dict:
    from qc.evaluation import cer, diarization_error_rate

    utts = run["utterances"]
    out: dict = {}
    roles = sorted({t["speaker"] for t in truth["turns"]})
    if truth["layout"] == "stereo":
        for role in roles:
            ref = "".join(t["text"] for t in truth["turns"] if t["speaker"] == role)
            hyp = "".join(u["text"] for u in utts if u["role"] == role)
            out[f"cer_{role}"] = round(cer(ref, hyp), 3)
    else:
        ref_turns = [(t["start"], t["end"], t["speaker"]) for t in truth["turns"]]
        out["der_utterances"] = round(diarization_error_rate(ref_turns, [(u["start"], u["end"], u["speaker"]) for u in utts]), 3)
    ref_all = "".join(t["text"] for t in sorted(truth["turns"], key=lambda t: t["start"]))
    out["cer"] = round(cer(ref_all, "".join(u["text"] for u in utts)), 3)
    expected = truth.get("expected") or {}
    checked = {k: v for k, v in expected.items() if v is not None}
    out["rubric_agreement"] = f"{sum(run['verdicts'].get(k) == v for k, v in checked.items())}/{len(checked)}" if checked else "n/a"
    return out


def run_raw(name: str) -> dict:
    """faster-whisper alone on one sample (see the module docstring) in this process."""
    from faster_whisper import decode_audio

    from qc.config import load_settings
    from qc.models import resolve_whisper_folder, whisper_model

    truth, path = _truth(name)
    settings = load_settings()
    folder, _ = resolve_whisper_folder(settings.asr.model, settings.models_dir, settings.model_cache_dir)
    model = whisper_model(str(folder), settings.asr.device, settings.asr.compute_type, settings.threads_per_worker(), 1)
    with warm_up_copy(path) as copy:
        for channel in _channels(decode_audio(str(copy), sampling_rate=16000, split_stereo=truth["layout"] == "stereo")):
            list(model.transcribe(channel, language=truth["language"], beam_size=RAW_BEAM_SIZE, vad_filter=True)[0])
    began = time.perf_counter()
    audio = decode_audio(str(path), sampling_rate=16000, split_stereo=truth["layout"] == "stereo")
    texts = []
    kept = 0.0
    for channel in _channels(audio):
        segments, info = model.transcribe(channel, language=truth["language"], beam_size=RAW_BEAM_SIZE, vad_filter=True)
        texts.append("".join(s.text for s in segments))
        kept += info.duration_after_vad
    return {"name": name, "wall_s": round(time.perf_counter() - began, 2), "texts": texts, "speech_s": round(kept, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _channels(audio) -> list:
    return list(audio) if isinstance(audio, tuple) else [audio]


@contextmanager
def warm_up_copy(path: Path) -> Iterator[Path]:
    """The recording's first seconds (and its sidecar) in a temporary folder: scored once before the measure,
    so both sides are timed as a batch's later calls are, with every library imported and every cache filled."""
    import soundfile

    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / f"{path.stem}.flac"
        soundfile.write(str(copy), audio[: int(WARM_UP_SECONDS * rate)], rate)
        sidecar = path.with_name(f"{path.stem}.meta.json")
        if sidecar.is_file():
            copy.with_name(sidecar.name).write_text(sidecar.read_text(encoding="utf-8"), encoding="utf-8")
        yield copy


def _truth(name: str) -> tuple[dict, Path]:
    for folder in (SAMPLES, SAMPLES / "devset"):
        if (folder / f"{name}.json").is_file():
            truth = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            return truth, folder / truth["audio"]
    raise SystemExit(f"no sample called {name!r}")


def channel_cer(texts: list[str], truth: dict) -> float:
    """CER of each channel's text against its speaker's turns, channels in order on both sides (mono: the whole
    call): the same measure for raw faster-whisper and the pipeline, whatever order their utterances come in."""
    from qc.evaluation import cer

    turns = sorted(truth["turns"], key=lambda t: t["start"])
    if len(texts) == 1:
        return round(cer("".join(t["text"] for t in turns), texts[0]), 3)
    roles = ["agent" if channel == truth["agent_channel"] else "caller" for channel in range(len(texts))]
    reference = "".join(t["text"] for role in roles for t in turns if t["speaker"] == role)
    return round(cer(reference, "".join(texts)), 3)


def pipeline_texts(run: dict, truth: dict) -> list[str]:
    """The pipeline's unredacted words per channel (mono: one text)."""
    utterances = sorted(run["raw_utterances"] or run["utterances"], key=lambda u: u["start"])
    if truth["layout"] != "stereo":
        return ["".join(u["text"] for u in utterances)]
    return ["".join(u["text"] for u in utterances if u["channel"] == channel) for channel in (0, 1)]


def speech_heard(name: str) -> float:
    """Seconds of the call the pipeline's VAD passes to the decoder, all channels (untimed, for the profile)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from qc.audio.decode import decode, probe
    from qc.config import load_settings
    from qc.speech.batched import CHUNK_SECONDS

    settings = load_settings()
    audio = decode(probe(_truth(name)[1]), settings.audio)
    asr = settings.asr
    options = VadOptions(threshold=asr.vad_threshold_for(audio.narrowband), min_silence_duration_ms=asr.vad_min_silence_ms,
                         speech_pad_ms=asr.vad_speech_pad_ms, max_speech_duration_s=CHUNK_SECONDS)
    return round(sum(c["end"] - c["start"] for ch in audio.channels for c in get_speech_timestamps(ch, options)) / 16000, 1)


def _in_fresh_process(flag: str, name: str, beam_size: int) -> tuple[dict, float]:
    """One measure in its own process, and the 1-minute load average as it ended."""
    proc = subprocess.run(
        [sys.executable, __file__, flag, name, "--beam-size", str(beam_size)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(proc.stdout.strip().splitlines()[-1]), round(os.getloadavg()[0], 2)


def measure(name: str, beam_size: int, raw_first: bool) -> dict:
    truth, _ = _truth(name)
    if raw_first:
        raw, raw_load = _in_fresh_process("--raw", name, beam_size)
        run, load = _in_fresh_process("--one", name, beam_size)
    else:
        run, load = _in_fresh_process("--one", name, beam_size)
        raw, raw_load = _in_fresh_process("--raw", name, beam_size)
    audio_s = truth["duration"]
    return {
        "sample": name,
        "layout": f"{truth['layout']} {truth['sample_rate'] // 1000} kHz",
        "language": truth["language"],
        "audio_s": audio_s,
        "wall_s": run["wall_s"],
        "raw_wall_s": raw["wall_s"],
        "speed_vs_raw": round(raw["wall_s"] / run["wall_s"], 2),
        "load": {"raw": raw_load, "pipeline": load},
        "x_realtime": round(audio_s / run["wall_s"], 2),
        "stage_x_realtime": {k: round(audio_s / v, 1) for k, v in run["stage_s"].items() if v > 0.005},
        "stage_s": run["stage_s"],
        "model_load_s": run["load_s"],
        "peak_rss_mb": run["peak_rss_mb"],
        "raw_peak_rss_mb": raw["peak_rss_mb"],
        "speakers": run["speakers_status"],
        **accuracy(run, truth),
        "cer_channels": channel_cer(pipeline_texts(run, truth), truth),
        "raw_cer_channels": channel_cer(raw["texts"], truth),
        "speech_s": speech_heard(name),
        "raw_speech_s": raw["speech_s"],
        "raw_text_chars": len("".join(raw["texts"])),
        "text_chars": len("".join(pipeline_texts(run, truth))),
        "reference_chars": len("".join(t["text"] for t in truth["turns"])),
        "transcript_sha1": run["transcript_sha1"],
    }


def ratio(rows: list[dict]) -> float | None:
    return round(sum(r["raw_wall_s"] for r in rows) / sum(r["wall_s"] for r in rows), 2) if rows else None


def summary(rows: list[dict], beam_size: int) -> dict:
    stereo = [r for r in rows if r["layout"].startswith("stereo")]
    mono = [r for r in rows if r["layout"].startswith("mono")]
    total_audio = sum(r["audio_s"] for r in rows)
    total_wall = sum(r["wall_s"] for r in rows)
    per_wall_hour = total_audio / total_wall
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "beam_size": beam_size,
        "total_audio_s": round(total_audio, 1),
        "total_wall_s": round(total_wall, 1),
        "total_raw_wall_s": round(sum(r["raw_wall_s"] for r in rows), 1),
        "total_x_realtime": round(per_wall_hour, 2),
        "speed_vs_raw": {"stereo": ratio(stereo), "mono": ratio(mono), "all": ratio(rows)},
        "peak_rss_mb": {"stereo": max((r["peak_rss_mb"] for r in stereo), default=None),
                        "mono": max((r["peak_rss_mb"] for r in mono), default=None)},
        "load_average": {"min": min(min(r["load"].values()) for r in rows), "max": max(max(r["load"].values()) for r in rows)},
        "night": {"audio_hours_per_wall_hour": round(per_wall_hour, 2), "night_audio_hours": NIGHT_AUDIO_HOURS,
                  "window_hours": NIGHT_HOURS, "machines": round(NIGHT_AUDIO_HOURS / (per_wall_hour * NIGHT_HOURS), 1)},
        "samples": rows,
    }


def run_batch(names: list[str], workers: int, beam_size: int) -> dict:
    """The names scored as one ``qc score`` batch (the real Prefect flow, a fresh DuckDB) with ``workers``."""
    from pipelines.score import run_scoring
    from qc.config import load_settings

    paths = [_truth(name)[1] for name in names]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(db_path=Path(tmp) / "batch.duckdb", workers=workers)
        settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"beam_size": beam_size})})
        began = time.perf_counter()
        summary = run_scoring(paths, settings)
        wall = time.perf_counter() - began
    return {
        "workers": workers, "calls": len(names), "scored": summary.scored, "audio_s": round(summary.audio_seconds, 1),
        "wall_s": round(wall, 1), "flow_s": summary.wall_seconds, "prefect_start_and_stop_s": round(wall - summary.wall_seconds, 1),
        "audio_hours_per_wall_hour": round(summary.audio_seconds / wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def batches(names: list[str], beam_size: int) -> list[dict]:
    """The same batch with 1, 2, then 1 and 2 workers again, each in a fresh process, with the load as it ended."""
    out = []
    for workers in (1, 2, 1, 2):
        command = [sys.executable, __file__, "--batch-of", str(workers), "--beam-size", str(beam_size), "--samples", *names]
        proc = subprocess.run(command, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore", "PREFECT_LOGGING_LEVEL": "WARNING"})
        out.append({**json.loads(proc.stdout.strip().splitlines()[-1]), "load": round(os.getloadavg()[0], 2)})
        print(json.dumps(out[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--beam-size", type=int, default=None, help="default: the configured beam size")
    parser.add_argument("--samples", nargs="*", help="sample names (default: all with ground truth)")
    parser.add_argument("--devset", action="store_true", help="also the 24 dev calls (audio_samples/devset)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--raw", help=argparse.SUPPRESS)
    parser.add_argument("--batch-of", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch", nargs="*", help="also score these calls as one batch (the real flow), workers 1 vs 2")
    parser.add_argument("--out", default=str(REPORTS), help="folder for pipeline.json and pipeline.md")
    args = parser.parse_args()
    from qc.config import load_settings

    configured_beam = load_settings().asr.beam_size
    if args.beam_size is None:
        args.beam_size = configured_beam
    if args.batch_of:
        print(json.dumps(run_batch(args.samples, args.batch_of, args.beam_size)))
        return
    if args.one or args.raw:
        print(json.dumps(run_one(args.one, args.beam_size) if args.one else run_raw(args.raw), ensure_ascii=False))
        return
    names = args.samples or sorted(p.stem for p in SAMPLES.glob("*.json") if not p.name.endswith(".meta.json"))
    if args.devset:
        names += sorted(p.stem for p in (SAMPLES / "devset").glob("*.json") if not p.name.endswith(".meta.json"))
    rows = []
    for i, name in enumerate(names):
        row = measure(name, args.beam_size, raw_first=i % 2 == 0)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False))
    report = summary(rows, args.beam_size)
    if args.batch:
        report["batches"] = batches(args.batch, args.beam_size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.out != str(REPORTS) or args.beam_size == configured_beam else f"-beam{args.beam_size}"
    (out / f"pipeline{suffix}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / f"pipeline{suffix}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def profile(rows: list[dict]) -> list[str]:
    """Where the pipeline's time goes, and each side's decoding speed per second of speech its VAD passed on."""
    lines = ["## Where the time goes", ""]
    for layout in ("stereo", "mono"):
        mine = [r for r in rows if r["layout"].startswith(layout)]
        if not mine:
            continue
        wall = sum(r["wall_s"] for r in mine)
        stages = {}
        for r in mine:
            for stage, seconds in r["stage_s"].items():
                stages[stage] = stages.get(stage, 0.0) + seconds
        shares = ", ".join(f"{stage} {100 * seconds / wall:.0f} %" for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1])
                           if seconds / wall >= 0.01)
        line = f"- {layout.capitalize()}: of {wall:.1f} s, {shares}."
        timed = [r for r in mine if isinstance(r.get("speech_s"), (int, float)) and isinstance(r.get("raw_speech_s"), (int, float))]
        if timed:
            ours = sum(r["speech_s"] for r in timed) / sum(r["stage_s"]["speech"] for r in timed)
            raw = sum(r["raw_speech_s"] for r in timed) / sum(r["raw_wall_s"] for r in timed)
            line += (f" Seconds of speech decoded per second: pipeline {ours:.2f} (its speech stage, word times included), "
                     f"raw {raw:.2f}; the pipeline's VAD passed {sum(r['speech_s'] for r in timed):.0f} s, raw's "
                     f"{sum(r['raw_speech_s'] for r in timed):.0f} s.")
        lines.append(line)
    return lines + [""]


def markdown(report: dict) -> str:
    speed, night, load = report["speed_vs_raw"], report["night"], report["load_average"]
    lines = [
        f"# Pipeline benchmark — {report['measured_at']}",
        "",
        f"Machine: {report['machine']}, shared (1-minute load average {load['min']}–{load['max']} during the measures). "
        f"Whisper base int8 on CPU, beam {report['beam_size']} (raw: beam {RAW_BEAM_SIZE}), one call at a time, each measure in a fresh process "
        f"after a warm-up on the call's first {WARM_UP_SECONDS:g} s, so imports and caches are paid once as in a batch "
        "(peak RSS includes the loaded models). Raw: faster-whisper alone on the same file, same weights and threads, "
        "beam 5, its default VAD and fallback, every channel; run interleaved with the pipeline, call by call. "
        "vs raw: raw seconds ÷ pipeline seconds (above 1: the whole pipeline is faster than raw recognition alone). "
        "Speech s: seconds of audio each side's VAD passed to the decoder, all channels (the pipeline's threshold is 0.25 on "
        "8 kHz audio, raw's 0.5).",
        "",
        "| sample | layout | audio s | wall s | raw s | vs raw | × real time | speech × | speech s | raw speech s | peak RSS MB | CER | CER by channel | raw CER by channel | CER agent | CER caller | DER | rubric |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["samples"]:
        lines.append(
            f"| {r['sample']} | {r['layout']} | {r['audio_s']:.1f} | {r['wall_s']:.1f} | {r['raw_wall_s']:.1f} | {r['speed_vs_raw']} | "
            f"{r['x_realtime']} | {r['stage_x_realtime'].get('speech', '-')} | {r.get('speech_s', '-')} | {r.get('raw_speech_s', '-')} | "
            f"{r['peak_rss_mb']:.0f} | {r['cer']} | {r['cer_channels']} | {r['raw_cer_channels']} | "
            f"{r.get('cer_agent', '-')} | {r.get('cer_caller', '-')} | {r.get('der_utterances', '-')} | {r['rubric_agreement']} |"
        )
    lines += [
        "",
        f"All samples: {report['total_audio_s']} s of audio in {report['total_wall_s']} s "
        f"= **{report['total_x_realtime']}× real time** (model loading excluded; it is once per worker process); "
        f"raw faster-whisper took {report['total_raw_wall_s']} s.",
        "",
        f"Speed against raw faster-whisper, same run: **stereo {speed['stereo']}×**, **mono {speed['mono']}×** "
        f"(diarization included), all {speed['all']}×. Peak RSS: stereo {report['peak_rss_mb']['stereo']} MB, "
        f"mono {report['peak_rss_mb']['mono']} MB.",
        "",
        f"Night: {night['audio_hours_per_wall_hour']} audio-hours per wall-hour on this machine, one call at a time; "
        f"{night['night_audio_hours']:,} audio hours (19,000 calls) in {night['window_hours']:g} hours need "
        f"**{night['machines']} machines like this one**.",
        "",
    ]
    lines += profile(report["samples"])
    lines += [f"Calls used to tune or check the batched decoder (not blind): {', '.join(TUNING_CALLS)}; the dev calls "
              "(audio_samples/devset) measured its accuracy (asr.md).", ""]
    if report.get("batches"):
        best = max(report["batches"], key=lambda b: b["audio_hours_per_wall_hour"])
        machines = NIGHT_AUDIO_HOURS / (best["audio_hours_per_wall_hour"] * NIGHT_HOURS)
        lines += [
            "## One batch through the real flow (`qc score`): workers 1 vs 2", "",
            "The same calls scored by `pipelines.score.run_scoring` (Prefect's temporary server, a fresh DuckDB), each "
            "run in a fresh process, alternating. Wall time includes the model loads and Prefect's start and stop.", "",
            "| workers | calls | audio s | wall s | Prefect start + stop s | audio-hours per wall-hour | peak RSS MB | load |",
            "|---|---|---|---|---|---|---|---|",
            *[f"| {b['workers']} | {b['calls']} | {b['audio_s']} | {b['wall_s']} | {b['prefect_start_and_stop_s']} | "
              f"{b['audio_hours_per_wall_hour']} | {b['peak_rss_mb']:.0f} | {b['load']} |" for b in report["batches"]],
            "", f"Best: {best['audio_hours_per_wall_hour']} audio-hours per wall-hour with {best['workers']} worker(s): "
            f"{NIGHT_AUDIO_HOURS:,} audio hours in {NIGHT_HOURS:g} hours need **{machines:.1f} machines like this one**.", "",
        ]
    lines += [
        "CER: character error rate after Traditional→Simplified, punctuation/case removal and spoken-digit "
        "normalisation (幺二三四五 = 12345). English CER is on letters. DER (mono only): utterance speaker labels "
        "against the reference turns, 0.25 s collar, missed + false alarm + confusion. CER by channel: each channel's text "
        "against its speaker's turns (mono: the whole call), the same measure for the pipeline and raw faster-whisper.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
