#!/usr/bin/env python3
"""Build the real-voice set: 6 dev-set calls re-spoken by two real, distinct human voices.

A developer tool, not a dependency of the product. The dev set (``devset/``) is
spoken by one TTS voice pitch-shifted per speaker, so its two speakers sound
alike; this set keeps six of its scripts and speaks every turn with recorded
syllables of two real people, a man and a woman, to measure diarization on
voices that really differ. Output: ``realvoice/`` next to this script, which
``bench/diarization.py`` measures when it exists. It is built on each machine and
not committed: the recordings' licences (below) are not the project's MIT.

    python make_realvoice.py --voices DIR/usr/share/gcin-voice/ogg   # build, then verify
    python make_realvoice.py --verify-only                            # needs only numpy + soundfile

It needs numpy, scipy, soundfile, pypinyin and the ``sox`` command, not
TensorFlow: it imports only plain helpers from ``synth.py`` (the helpers the
generators in this folder share).

The voices
----------
Debian's ``gcin-voice`` package (upstream http://hyperrate.com/thread.php?tid=30325,
made for the gcin input method's "speak the syllable" feature) holds one Ogg
Vorbis recording per Mandarin syllable and tone, in a folder named by its zhuyin
(bopomofo) and tone digit: no digit for tone 1, ``2``..``4`` for tones 2-4, and
``1`` for the neutral tone (13 folders only, the particles 的 了 吗 么 呢 吧 啊 ...:
their clips are half as long as the others). Get it with::

    apt-get download gcin-voice && dpkg-deb -x gcin-voice_*.deb DIR

Each folder has up to two speakers:

* ``3.ogg``: Edward Der-Hua Liu (male), (c) 2014, licence GPL-3 or LGPL-3.
* ``5.ogg``: the voice actress Chu Lo (羅竺), recorded by the ChionMeilin (徵音梅林)
  development committee (聲優 羅竺與徵音梅林開發委員會錄音組), licence CC BY 3.0,
  which requires this attribution and a note that the work was modified.

How a call is made
------------------
1. Script: the turns (speaker, exact text) of a dev-set call and its gaps
   between turns (next start - previous end), read from ``devset/<name>.json``.
   In three calls the agent is voice 5 and the caller voice 3, in the other
   three the other way round (``CALLS``).
2. Text to syllables: pypinyin, ``Style.BOPOMOFO`` with tone sandhi (你好 ->
   ní hǎo, 一/不). Digits are read one by one (1 as 幺, as in phone numbers);
   Latin letters and other symbols are skipped and counted. ，、；： give a
   0.15 s pause, 。？！ a 0.30 s pause (none after a turn's last syllable).
3. A syllable whose clip the voice lacks falls back, in this order: the same
   zhuyin in tone 1, 4, 2, 3, neutral (the requested tone left out); for the
   neutral tone that is the gcin neutral clip, then tones 1, 4, 2, 3. If no
   tone exists, the final nasal is swapped (-ㄥ <-> -ㄣ, e.g. 性 xìng -> xìn)
   with the same tone order. Otherwise the syllable is skipped. Every fallback
   is counted and printed.
4. Each clip is decoded (soundfile; sox if that fails), resampled to 16 kHz,
   its leading/trailing silence cut (10 ms frames 45 dB below the loudest,
   5 ms fades: ``synth.trim``), its last 30 ms faded out (voice 5's
   clips all have the same length and some stop mid-vowel, which clicked) and
   scaled so that its loudest 10 ms frame is at -12 dBFS (the recordings vary
   in level by 10 dB and more).
5. Syllables between two punctuation marks are joined with a 5 ms overlap
   (the two 5 ms fades make a linear crossfade), then sped up with sox
   ``tempo -s`` so that the turn, its pauses included, runs at 4.3
   syllables/s like the source calls (one factor per turn, clamped to
   0.8..1.8), and trimmed again. Phrases are joined with the pauses of step 2.
6. Layout: turns in script order, agent track on channel 0, caller on
   channel 1, 0.6 s lead-in, 0.8 s after the last turn. The gap before a turn
   is the source call's gap: a negative gap (overlap) is kept down to -0.8 s,
   a positive one is clamped to 0.3..1.5 s (so the dev set's 8-10 s holds
   become 1.5 s); a turn never starts less than 0.3 s after its own speaker's
   previous turn ended. The reference times are the first and last sample of
   each placed turn (first sample of its first syllable, last of its last
   syllable), rounded to 0.01 s.
7. Telephone band as in the dev set: sox ``rate -v 8k sinc 300-3400``; each
   turn is then brought to -26 dBFS RMS on its channel (peaks under 0.97),
   white noise at -79 dBFS RMS is added per channel, the stereo mix makes a
   G.711 mu-law round trip (sox; the noise floor reads -74.4 dBFS after it)
   and is stored as 16-bit FLAC at 8 kHz. Both levels are 6 dB under the dev
   set's, at the same signal-to-noise ratio, to keep the set under 4 MB.
8. ``realvoice/<name>_rv.json`` (the dev set's ground-truth format with a
   ``voices`` field, no annotations), ``<name>_rv.meta.json`` (the source
   call's recorder sidecar, agent_channel 0), ``README.md`` and
   ``gcin-voice.copyright`` (the package's copyright file) are written.

Verification (also run after every build) re-reads each FLAC: 2 channels,
8 kHz, duration as in the JSON, every turn's own channel >= 20 dB above the
noise floor and >= 30 dB above the other channel where the other speaker is
silent, texts as in the source script, folder under 4 MB.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import (  # noqa: E402  (plain numpy/sox helpers; no TTS engine is imported)
    A, C, FRAME_S, WORK_SR, db, mix_tracks, print_errors, read_json, require_sox, rms, separations, sox, sox_file,
    telephone_band, trim, truth_head, turn_levels, turn_mask, write_json, write_mulaw_flac,
)

SOURCE = HERE / "devset"
OUT = HERE / "realvoice"
SR = 8000
# Speech and noise sit 6 dB lower than in the dev set (-20 / -68.5 dBFS on the file), at the same
# signal-to-noise ratio (48.5 dB): that keeps the 6 calls under 4 MB, the noise floor taking half the FLAC bits.
TURN_RMS_DB = -26.0               # every turn's RMS on its channel (ITU-T's nominal speech level, -26 dBov)
TURN_PEAK = 0.97
NOISE_RMS_DB = -79.0              # white noise added per channel; -74.4 dBFS after the mu-law round trip
LEAD_S, TAIL_S = 0.6, 0.8
MAX_OVERLAP_S = 0.8
MIN_GAP_S, MAX_GAP_S = 0.3, 1.5
RATE = 4.3                        # syllables/s over a turn, pauses included (the 6 source calls: 3.8-4.6)
TEMPO_RANGE = (0.8, 1.8)
XFADE_S = 0.005                   # equals synth.FADE_S, so the overlapped fades form a crossfade
CLIP_PEAK_DB = -12.0              # loudest 10 ms frame of every syllable clip
FADE_OUT_S = 0.030                # voice 5's clips are cut at a fixed length, some mid-vowel: soften those ends
MAX_FOLDER_BYTES = 4_000_000
PAUSES = {**dict.fromkeys("，、；：,;:", 0.15), **dict.fromkeys("。？！?!.…", 0.30)}
DIGITS = dict(zip("0123456789", "零幺二三四五六七八九"))
TONE_MARKS = {"ˊ": 2, "ˇ": 3, "ˋ": 4, "˙": 0}  # no mark: tone 1; 0 = neutral
TONE_ORDER = (1, 4, 2, 3, 0)
NASAL_SWAP = {"ㄥ": "ㄣ", "ㄣ": "ㄥ"}
VOICE_NAMES = {"3": "gcin-voice 3", "5": "gcin-voice 5"}
COPYRIGHT_FILE = "gcin-voice.copyright"

# call -> agent's voice (the caller gets the other one). dev02/09/18 share agent id A102: voice 5 in all three.
CALLS = {
    "dev02_housing_fund": "5",
    "dev07_construction_noise": "3",
    "dev09_property_mgmt_2nd": "5",
    "dev16_missing_elder": "3",
    "dev18_illegal_building": "5",
    "dev22_urgent_suicide": "3",
}


def other_voice(voice: str) -> str:
    return "3" if voice == "5" else "5"


def out_name(name: str) -> str:
    return f"{name}_rv"


# --------------------------------------------------------------------------
# Text -> syllables and pauses
# --------------------------------------------------------------------------
@dataclass
class Stats:
    """What became of the script's characters, per voice."""
    syllables: int = 0
    fallbacks: dict[str, int] = field(default_factory=dict)  # "ㄇㄚ1 -> ㄇㄚ" -> count
    missing: dict[str, int] = field(default_factory=dict)    # zhuyin+tone with no clip at all
    skipped_chars: dict[str, int] = field(default_factory=dict)
    digits: int = 0

    def add(self, other: Stats) -> None:
        self.syllables += other.syllables
        self.digits += other.digits
        for mine, theirs in ((self.fallbacks, other.fallbacks), (self.missing, other.missing),
                             (self.skipped_chars, other.skipped_chars)):
            for k, n in theirs.items():
                mine[k] = mine.get(k, 0) + n


def bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def parse_zhuyin(item: str) -> tuple[str, int] | None:
    """'ㄏㄠˇ' -> ('ㄏㄠ', 3); 'ㄇㄚ˙' -> ('ㄇㄚ', 0); None if ``item`` is not a zhuyin syllable."""
    base, tone = "", 1
    for ch in item:
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        elif "\u3105" <= ch <= "\u312f":
            base += ch
        else:
            return None
    return (base, tone) if base else None


def phrases(text: str, stats: Stats) -> list[tuple[list[tuple[str, int]], float]]:
    """The text as phrases: (syllables, pause after it); the last phrase has no pause."""
    from pypinyin import Style, lazy_pinyin

    stats.digits += sum(ch in DIGITS for ch in text)
    spoken = "".join(DIGITS.get(ch, ch) for ch in text)
    items = lazy_pinyin(spoken, style=Style.BOPOMOFO, tone_sandhi=True, errors=lambda s: list(s))
    out: list[tuple[list[tuple[str, int]], float]] = [([], 0.0)]
    for item in items:
        syl = parse_zhuyin(item)
        if syl:
            if out[-1][1]:
                out.append(([], 0.0))
            out[-1][0].append(syl)
        elif item in PAUSES:
            if out[-1][0]:
                out[-1] = (out[-1][0], max(out[-1][1], PAUSES[item]))
        elif not item.isspace():
            bump(stats.skipped_chars, item)
    out = [p for p in out if p[0]]
    if out:
        out[-1] = (out[-1][0], 0.0)
    return out


# --------------------------------------------------------------------------
# Syllable clips
# --------------------------------------------------------------------------
def folder_name(base: str, tone: int) -> str:
    return base + {1: "", 2: "2", 3: "3", 4: "4", 0: "1"}[tone]


def candidates(base: str, tone: int) -> list[str]:
    """Folders to try for one syllable, best first (module docstring, step 3)."""
    tones = [tone] + [t for t in TONE_ORDER if t != tone]
    bases = [base] + ([base[:-1] + NASAL_SWAP[base[-1]]] if base[-1] in NASAL_SWAP else [])
    return [folder_name(b, t) for b in bases for t in tones]


def read_ogg(path: Path) -> tuple[np.ndarray, int]:
    try:
        x, sr = sf.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError):
        with tempfile.TemporaryDirectory() as td:
            wav = Path(td) / "clip.wav"
            sox(str(path), "-e", "floating-point", "-b", "32", str(wav))
            x, sr = sf.read(wav, dtype="float32", always_2d=True)
    return x.mean(axis=1), sr


def peak_frame_rms(x: np.ndarray, sr: int) -> float:
    n = int(FRAME_S * sr)
    frames = max(1, len(x) // n)
    return float(np.sqrt(np.mean(np.square(x[: frames * n].reshape(frames, -1), dtype=np.float64), axis=1)).max())


def fade_out(y: np.ndarray, seconds: float) -> np.ndarray:
    """A half-cosine fade over the last ``seconds`` (at WORK_SR)."""
    n = min(len(y), int(seconds * WORK_SR))
    y = y.copy()
    y[len(y) - n:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n))).astype(np.float32)
    return y


class Voice:
    """One gcin-voice speaker: syllable clips at 16 kHz, trimmed and level-matched, cached."""

    def __init__(self, root: Path, voice: str):
        self.root, self.voice = root, voice
        self._clips: dict[str, np.ndarray] = {}

    def _load(self, folder: str) -> np.ndarray:
        if folder not in self._clips:
            from scipy.signal import resample_poly

            x, sr = read_ogg(self.root / folder / f"{self.voice}.ogg")
            y = resample_poly(x, WORK_SR, sr).astype(np.float32)
            y = fade_out(trim(y, WORK_SR), FADE_OUT_S)
            self._clips[folder] = y * np.float32(10 ** (CLIP_PEAK_DB / 20) / peak_frame_rms(y, WORK_SR))
        return self._clips[folder]

    def clip(self, base: str, tone: int, stats: Stats) -> np.ndarray | None:
        stats.syllables += 1
        wanted = folder_name(base, tone)
        for folder in candidates(base, tone):
            if (self.root / folder / f"{self.voice}.ogg").is_file():
                if folder != wanted:
                    bump(stats.fallbacks, f"{wanted} -> {folder}")
                return self._load(folder)
        bump(stats.missing, wanted)
        return None


# --------------------------------------------------------------------------
# Turns
# --------------------------------------------------------------------------
def crossfade_concat(clips: list[np.ndarray]) -> np.ndarray:
    """Overlap consecutive clips by XFADE_S; their 5 ms fade-in/out make a linear crossfade."""
    n = int(XFADE_S * WORK_SR)
    out = np.zeros(sum(len(c) for c in clips) - n * (len(clips) - 1), dtype=np.float32)
    pos = 0
    for c in clips:
        out[pos: pos + len(c)] += c
        pos += len(c) - n
    return out


def speak_turn(voice: Voice, text: str, stats: Stats) -> np.ndarray:
    """The turn's audio at 16 kHz, starting at its first syllable's first sample, ending at its last's last."""
    parts = [([c for syl in syls if (c := voice.clip(*syl, stats)) is not None], pause)
             for syls, pause in phrases(text, stats)]
    parts = [(clips, pause) for clips, pause in parts if clips]
    if not parts:
        raise SystemExit(f"nothing pronounceable in {text!r}")
    n_syl = sum(len(clips) for clips, _ in parts)
    natural_s = sum(len(crossfade_concat(clips)) for clips, _ in parts) / WORK_SR
    pauses_s = sum(pause for _, pause in parts)
    tempo = float(np.clip(natural_s / max(n_syl / RATE - pauses_s, 1e-3), *TEMPO_RANGE))
    out: list[np.ndarray] = []
    for clips, pause in parts:
        y, _ = sox_file(crossfade_concat(clips), WORK_SR, ["tempo", "-s", f"{tempo:.3f}"])
        out += [trim(y.astype(np.float32), WORK_SR), np.zeros(int(round(pause * WORK_SR)), dtype=np.float32)]
    return np.concatenate(out)


def source_gaps(turns: list[dict]) -> list[float]:
    """Gap before each turn in the source call (next start - previous end); the first is the lead-in."""
    return [LEAD_S] + [b["start"] - a["end"] for a, b in zip(turns, turns[1:])]


def clamp_gap(gap: float) -> float:
    return max(gap, -MAX_OVERLAP_S) if gap < 0 else min(max(gap, MIN_GAP_S), MAX_GAP_S)


def place(segments: list[tuple[str, np.ndarray]], gaps: list[float]) -> list[tuple[int, int]]:
    """(start, end) sample of each segment at WORK_SR, in script order."""
    spans: list[tuple[int, int]] = []
    own_end: dict[str, int] = {}
    for (spk, y), gap in zip(segments, gaps):
        start = spans[-1][1] + int(round(clamp_gap(gap) * WORK_SR)) if spans else int(round(gap * WORK_SR))
        if spk in own_end:
            start = max(start, own_end[spk] + int(MIN_GAP_S * WORK_SR))
        spans.append((start, start + len(y)))
        own_end[spk] = start + len(y)
    return spans


def level_turns(track: np.ndarray, spans: list[tuple[int, int]]) -> None:
    """In place, at 8 kHz: every turn of this track to TURN_RMS_DB, then peaks kept under TURN_PEAK."""
    for s, e in spans:
        seg = track[s // 2: e // 2]
        seg *= 10 ** (TURN_RMS_DB / 20) / rms(seg)
        seg *= min(1.0, TURN_PEAK / float(np.max(np.abs(seg))))


def build(name: str, agent_voice: str, voices: dict[str, Voice], out_dir: Path, seed: int) -> tuple[dict, dict]:
    """Build one call; return its ground truth and its per-voice syllable stats."""
    print(f"[build] {out_name(name)}", flush=True)
    src = read_json(SOURCE / f"{name}.json")
    who = {A: agent_voice, C: other_voice(agent_voice)}
    stats = {v: Stats() for v in voices}
    segments = [(t["speaker"], speak_turn(voices[who[t["speaker"]]], t["text"], stats[who[t["speaker"]]]))
                for t in src["turns"]]
    spans = place(segments, source_gaps(src["turns"]))
    n = max(e for _, e in spans) + int(TAIL_S * WORK_SR)
    n += n % 2
    tracks = {spk: np.zeros(n, dtype=np.float32) for spk in (A, C)}
    for (spk, y), (s, e) in zip(segments, spans):
        tracks[spk][s:e] = y
    tracks = {spk: telephone_band(tr) for spk, tr in tracks.items()}
    for spk, tr in tracks.items():
        level_turns(tr, [sp for (k, _), sp in zip(segments, spans) if k == spk])
    mix = mix_tracks(tracks, "stereo", 0, np.random.default_rng(seed), NOISE_RMS_DB)

    out_dir.mkdir(parents=True, exist_ok=True)
    audio = out_dir / f"{out_name(name)}.flac"
    write_mulaw_flac(mix, SR, audio)
    truth = {
        **truth_head(out_name(name), audio, "zh", "stereo", 0),
        "turns": [{"speaker": t["speaker"], "start": round(s / WORK_SR, 2), "end": round(e / WORK_SR, 2),
                   "text": t["text"]} for t, (s, e) in zip(src["turns"], spans)],
        "voices": {spk: VOICE_NAMES[v] for spk, v in who.items()},
        "source": f"script and turn gaps of devset/{name}.json; Debian gcin-voice 0~20170223 syllable recordings "
                  f"(agent: voice {who[A]}, caller: voice {who[C]}) concatenated at {RATE} syllables/s; "
                  "telephone band (sox rate 8k + sinc 300-3400); "
                  f"{TURN_RMS_DB:.0f} dBFS RMS per turn, white noise {NOISE_RMS_DB:.0f} dBFS per channel; "
                  "G.711 mu-law round trip; stored as FLAC 16-bit 8 kHz; made by audio_samples/make_realvoice.py",
    }
    write_json(out_dir / f"{truth['name']}.json", truth)
    meta = read_json(SOURCE / f"{name}.meta.json")
    meta["agent_channel"] = 0
    write_json(out_dir / f"{truth['name']}.meta.json", meta)
    return truth, stats


# --------------------------------------------------------------------------
# Report and README
# --------------------------------------------------------------------------
def overlaps(turns: list[dict]) -> int:
    """Turns that start before an earlier turn of the other speaker ends."""
    return sum(any(u["speaker"] != t["speaker"] and u["end"] > t["start"] for u in turns[:i])
               for i, t in enumerate(turns))


def stats_lines(stats: dict[str, Stats]) -> list[str]:
    lines = []
    for v, s in sorted(stats.items()):
        fb = ", ".join(f"{k} ×{n}" for k, n in sorted(s.fallbacks.items())) or "none"
        miss = ", ".join(f"{k} ×{n}" for k, n in sorted(s.missing.items())) or "none"
        skipped = ", ".join(f"{k!r} ×{n}" for k, n in sorted(s.skipped_chars.items())) or "none"
        lines.append(f"voice {v}: {s.syllables} syllables, {sum(s.fallbacks.values())} by fallback ({fb}); "
                     f"missing (skipped): {miss}; digits read: {s.digits}; other characters skipped: {skipped}")
    return lines


README = """\
# Real-voice set: 6 dev-set calls spoken by two real voices

The dev set (`../devset/`) is spoken by one TTS voice, pitch-shifted per speaker, so its agent and caller
sound alike. These 6 calls keep the scripts of 6 stereo dev-set calls (exact turn texts, speakers and the
gaps between turns) and speak them with **recorded syllables of two real people**, a man and a woman, to
measure diarization on voices that really differ. Every file is made by `../make_realvoice.py`:

```sh
apt-get download gcin-voice && dpkg-deb -x gcin-voice_*.deb /tmp/gcin
.venv/bin/python audio_samples/make_realvoice.py --voices /tmp/gcin/usr/share/gcin-voice/ogg
.venv/bin/python audio_samples/make_realvoice.py --verify-only
```

* {n} calls, {total:.1f} s ({minutes:.1f} min) in all. The folder takes {mb:.2f} MB, this README included.
* All stereo, agent on channel 0 (left), caller on channel 1; 8 kHz telephone band (300-3400 Hz) after a
  G.711 μ-law round trip, stored as 16-bit FLAC. Every turn is at -26 dBFS RMS on its channel, over a white
  noise floor of -74.4 dBFS RMS (as read on the file): 6 dB under the dev set's levels (-20 and -68.5), at the
  same signal-to-noise ratio (the noise floor takes about half of the FLAC bits, and the folder had to stay
  under 4 MB).
* `<call>_rv.json`: ground truth in the dev set's format (`name`, `audio`, `language`, `layout`,
  `sample_rate`, `agent_channel`, `duration`, `turns` with times and the script's exact text, `source`),
  plus `voices` (which recording speaker is the agent and which the caller); no `annotations`.
  Turn times are the first and last sample of the placed syllables, rounded to 0.01 s.
* `<call>_rv.meta.json`: the source call's recorder sidecar (same `agent_id`, `caller_hash`, `started_at`).

| call | s | agent voice | caller voice | turns | overlaps | source call |
|---|---|---|---|---|---|---|
{table}

"overlaps": turns that start before the other speaker's previous turn has ended (the source's overlaps,
at most 0.8 s).

## The voices and their licences

Both come from Debian's `gcin-voice` package (0~20170223; upstream
<http://hyperrate.com/thread.php?tid=30325>), one Ogg Vorbis clip per Mandarin syllable and tone:

* **Voice 3**, male: Edward Der-Hua Liu, © 2014, licensed **GPL-3 or LGPL-3** (at your choice).
* **Voice 5**, female: recorded by the voice actress **Chu Lo (羅竺)** for the **ChionMeilin (徵音梅林)
  development committee** (聲優 羅竺與徵音梅林開發委員會錄音組), licensed under
  **Creative Commons Attribution 3.0** (<https://creativecommons.org/licenses/by/3.0/>).

**These files are modified versions of those recordings**: the syllables were cut, resampled, level-matched,
time-stretched (sox `tempo`), concatenated into sentences, band-limited to telephone band and μ-law coded.
The licences above apply to the audio in this folder, not the MIT licence of the project; the corresponding
source is the `gcin-voice` package plus `../make_realvoice.py`. `gcin-voice.copyright` here is the package's
Debian copyright file, with the CC BY 3.0 and LGPL-3 texts (GPL-3: <https://www.gnu.org/licenses/gpl-3.0.html>).

## Syllable coverage

Text to zhuyin with pypinyin (tone sandhi on). The neutral tone uses gcin's neutral-tone clips, which exist
for 13 particles only (的 了 吗 么 呢 吧 啊 ...; folders with the digit 1). A syllable a voice lacks falls back to
another tone of the same zhuyin (1, 4, 2, 3, neutral; for the neutral tone: 1, 4, 2, 3), then to the other final
nasal (-ng/-n), with the same tone order; the rest is skipped. In this build (`A -> B`: wanted, used):

{stats}

## Limits

* Isolated syllables in citation tones, concatenated: robotic prosody, no coarticulation, no intonation
  over the sentence, every turn at about the same rate (4.3 syllables/s, pauses included).
* Only two voices, one male and one female, so they are very distinct: median F0 on these calls (librosa
  pyin over 2 turns per voice and call) about 150 Hz for voice 3 and 360 Hz for voice 5, a high,
  young-sounding voice (about 390 Hz in tone 1). An easy case for diarization, the opposite end from the
  dev set's look-alike voices. The same two people speak all 6 calls, so voice 3 is the agent in 3 calls
  and a caller in the other 3 (and dev07's A101 and dev16/dev22's A103 share voice 3).
* Gaps are the source call's, clamped to 0.3-1.5 s: the dev set's long holds are gone (dev09's 8.8 s hold
  is 1.5 s here); overlaps are kept.
* The speakers are probably Taiwanese (gcin is a Taiwanese input method), the readings are pypinyin's
  (mainland standard), and the scripts are mainland hotline dialogs.
"""


def write_readme(out_dir: Path, truths: list[tuple[str, dict]], stats: dict[str, Stats]) -> None:
    rows = [f"| `{t['name']}` | {t['duration']:.1f} | {t['voices'][A]} | {t['voices'][C]} | {len(t['turns'])} | "
            f"{overlaps(t['turns'])} | `devset/{src}` |" for src, t in truths]
    total = sum(t["duration"] for _, t in truths)
    path = out_dir / "README.md"

    def text(mb: float) -> str:
        return README.format(n=len(truths), total=total, minutes=total / 60, mb=mb, table="\n".join(rows),
                             stats="\n".join(f"* {line}" for line in stats_lines(stats)))

    others = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file() and p != path)
    # "{mb:.2f}" has the same width for any size under 10 MB, so the README's own size is known beforehand
    path.write_text(text((others + len(text(0.0).encode())) / 1e6), encoding="utf-8")


def copy_copyright(voices_dir: Path, out_dir: Path) -> None:
    """The package's copyright file (licence texts), next to the audio derived from it."""
    src = voices_dir.parent.parent / "doc" / "gcin-voice" / "copyright"
    if src.is_file():
        shutil.copyfile(src, out_dir / COPYRIGHT_FILE)
    else:
        print(f"warning: {src} not found; {COPYRIGHT_FILE} not written")


# --------------------------------------------------------------------------
# Verification (numpy + soundfile only)
# --------------------------------------------------------------------------
def verify_call(out_dir: Path, name: str) -> tuple[list[str], str]:
    """Errors found in one call, and a report line."""
    jp = out_dir / f"{out_name(name)}.json"
    truth = read_json(jp)
    meta = read_json(out_dir / f"{out_name(name)}.meta.json")
    source = read_json(SOURCE / f"{name}.json")
    x, sr = sf.read(out_dir / truth["audio"], dtype="float32", always_2d=True)
    turns, errs = truth["turns"], []
    if x.shape[1] != 2:
        errs.append(f"{x.shape[1]} channels")
    if sr != SR or truth["sample_rate"] != SR:
        errs.append(f"sample rate {sr}")
    if abs(len(x) / sr - truth["duration"]) > 0.011:
        errs.append(f"duration {len(x) / sr:.3f} s != {truth['duration']}")
    if truth["agent_channel"] != 0 or meta.get("agent_channel") != 0:
        errs.append("agent_channel is not 0")
    if [(t["speaker"], t["text"]) for t in turns] != [(t["speaker"], t["text"]) for t in source["turns"]]:
        errs.append("turns differ from the source script")
    if any(not 0 <= t["start"] < t["end"] <= truth["duration"] for t in turns):
        errs.append("a turn lies outside the audio")
    chan = {A: 0, C: 1}
    noise = max(db(rms(x[~turn_mask(turns, len(x), sr, lambda t: True, 0.05), c])) for c in (0, 1))
    own = turn_levels(turns, x, sr, chan)
    sep = separations(turns, x, sr, chan)  # where the other speaker is silent
    if min(own) < noise + 20:
        errs.append(f"a turn is at {min(own):.1f} dB on its channel, noise floor {noise:.1f} dB")
    if [t["start"] for t in turns] != sorted(t["start"] for t in turns):
        errs.append("turns not ordered by start")
    if min(sep, default=np.inf) < 30:
        errs.append(f"a turn is only {min(sep):.1f} dB above the other channel")
    line = (f"{truth['audio']:34s} {x.shape[1]:2d} {sr:5d} {len(x) / sr:6.2f} {len(turns):5d} "
            f"{overlaps(turns):3d} {min(own):8.1f} {noise:7.1f} {min(sep, default=np.inf):6.1f}")
    return errs, line


def verify(out_dir: Path) -> bool:
    ok = True
    print(f"\n{'file':34s} {'ch':>2s} {'sr':>5s} {'dur':>6s} {'turns':>5s} {'ovl':>3s} {'turn dB':>8s} "
          f"{'noise':>7s} {'sep dB':>6s}")
    for name in CALLS:
        errs, line = verify_call(out_dir, name)
        print(line)
        ok &= print_errors(errs)
    folder = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    if folder > MAX_FOLDER_BYTES:
        print(f"   ERROR folder is {folder / 1e6:.2f} MB, over {MAX_FOLDER_BYTES / 1e6:.0f} MB")
        ok = False
    print(f"{len(CALLS)} calls; folder {folder / 1e6:.2f} MB; {'OK' if ok else 'FAILED'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--voices", type=Path, help="gcin-voice's ogg folder (DIR/usr/share/gcin-voice/ogg)")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default: realvoice/ next to this script)")
    ap.add_argument("--verify-only", action="store_true", help="only check the files already there")
    args = ap.parse_args()
    if not args.verify_only:
        if args.voices is None or not args.voices.is_dir():
            sys.exit("--voices DIR: the ogg folder of the gcin-voice package (see this script's docstring)")
        require_sox()
        voices = {v: Voice(args.voices, v) for v in VOICE_NAMES}
        stats = {v: Stats() for v in VOICE_NAMES}
        truths = []
        for i, (name, agent_voice) in enumerate(CALLS.items()):
            truth, call_stats = build(name, agent_voice, voices, args.out, seed=2000 + i)
            truths.append((name, truth))
            for v, s in call_stats.items():
                stats[v].add(s)
        for line in stats_lines(stats):
            print(line)
        copy_copyright(args.voices, args.out)
        write_readme(args.out, truths, stats)
    return 0 if verify(args.out) else 1


if __name__ == "__main__":
    sys.exit(main())
