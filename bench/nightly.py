"""Benchmark: nightly-batch throughput with 1 and 2 worker processes, and the workers a night needs.

A generated day of >= 50 calls (the dev set and the sample calls, each copy made unique by a few
milliseconds of trailing silence) is scored by the nightly flow twice, into fresh databases: on one
process (threads), then on a local Dask cluster of 2 worker processes. Prints and writes
reports/bench/nightly.{json,md}: audio-hours per wall-hour and per core, the scaling ratio, and a
projection of the workers a 19,000-call night needs.

    .venv/bin/python bench/nightly.py [--calls 54]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORTS = ROOT / "reports" / "bench"
DAY = "2026-11-24"
CALLS_PER_NIGHT = 19_000
MINUTES_PER_CALL = 4.0  # hotline calls run 3-5 minutes
NIGHT_HOURS = 8.0


def make_day(root: Path, n_calls: int) -> float:
    """Write n unique recordings (and sidecars) under root/DAY; return their total audio seconds."""
    sources = sorted((ROOT / "audio_samples" / "devset").glob("*.flac"))
    sources += [p for p in sorted((ROOT / "audio_samples").glob("*.*")) if p.suffix in (".flac", ".wav") and "pyannote" not in p.name]
    folder = root / DAY
    folder.mkdir(parents=True)
    total = 0.0
    old = time.time() - 3600
    for i in range(n_calls):
        src = sources[i % len(sources)]
        audio, rate = sf.read(str(src), dtype="float32", always_2d=True)
        pad = np.zeros((int(rate * 0.01 * (1 + i // len(sources))), audio.shape[1]), dtype=np.float32)
        out = folder / f"call-{i:03d}.flac"
        sf.write(str(out), np.concatenate([audio, pad]), rate)
        sidecar = src.with_name(src.stem + ".meta.json")
        if sidecar.is_file():
            out.with_name(out.stem + ".meta.json").write_text(sidecar.read_text(encoding="utf-8"), encoding="utf-8")
        os.utime(out, (old, old))
        total += len(audio) / rate
    return total


def run(root: Path, db: Path, dask_workers: int) -> dict:
    from pipelines.nightly import nightly
    from qc.config import load_settings

    settings = load_settings(db_path=db)
    began = time.perf_counter()
    summary = nightly(str(root), DAY, settings=settings, settle_seconds=60, dask_workers=dask_workers)
    wall = time.perf_counter() - began
    hours = summary.audio_seconds / 3600
    return {
        "workers": f"{dask_workers} Dask processes" if dask_workers else "1 process (threads)",
        "scored": summary.scored, "failed": summary.failed, "audio_hours": round(hours, 3), "wall_seconds": round(wall, 1),
        "audio_hours_per_wall_hour": round(hours / (wall / 3600), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=54)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "recordings"
        audio_s = make_day(root, args.calls)
        results = [run(root, Path(tmp) / "one.duckdb", 0), run(root, Path(tmp) / "two.duckdb", 2)]
    one, two = results
    per_machine = two["audio_hours_per_wall_hour"]
    night_audio_h = CALLS_PER_NIGHT * MINUTES_PER_CALL / 60
    machines = night_audio_h / (per_machine * NIGHT_HOURS)
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{cores} cores", "calls": args.calls, "audio_hours": round(audio_s / 3600, 3),
        "runs": results,
        "scaling_2_vs_1": round(two["audio_hours_per_wall_hour"] / one["audio_hours_per_wall_hour"], 2),
        "per_core_audio_hours_per_wall_hour": round(per_machine / cores, 2),
        "projection": {
            "night_calls": CALLS_PER_NIGHT, "minutes_per_call": MINUTES_PER_CALL, "night_audio_hours": round(night_audio_h),
            "window_hours": NIGHT_HOURS, "machines_like_this": round(machines, 1), "cores": round(machines * cores),
        },
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "nightly.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Nightly batch benchmark — {report['measured_at']}", "",
        f"{args.calls} calls, {report['audio_hours']} audio hours (dev set + samples, 8/16 kHz, stereo and mono), "
        f"Whisper base int8 beam 5, {cores}-core machine.", "",
        "| workers | scored | failed | wall s | audio-hours per wall-hour |", "|---|---|---|---|---|",
        *[f"| {r['workers']} | {r['scored']} | {r['failed']} | {r['wall_seconds']} | {r['audio_hours_per_wall_hour']} |" for r in results],
        "", f"2 processes vs 1: **{report['scaling_2_vs_1']}×**; per core: {report['per_core_audio_hours_per_wall_hour']} audio-hours per wall-hour.", "",
        f"Projection: {CALLS_PER_NIGHT:,} calls × {MINUTES_PER_CALL:g} min = {report['projection']['night_audio_hours']} audio hours a night; "
        f"in an {NIGHT_HOURS:g}-hour window that needs **{report['projection']['machines_like_this']} machines like this one** "
        f"(~{report['projection']['cores']} CPU cores) on CPU. A GPU worker was not measured here.", "",
    ]
    (REPORTS / "nightly.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
