"""Callers in crisis (qc/crisis): every rule of the crisis lexicon, in Mandarin, Cantonese and English, and the
same detector in the tone cues, the rubric's urgency and the live path."""

from __future__ import annotations

import pytest
import yaml

from qc.crisis import CallCrisis, assess_text, find_mentions, load_crisis_lexicon
from qc.crisis.lexicon import DEFAULT_CRISIS_LEXICON
from qc.errors import ConfigError


def level(text: str) -> str:
    return assess_text(text).level


# ---------------------------------------------------------------- self-harm

@pytest.mark.parametrize("text", [
    "我真的不想活了", "活着没意思，我想自杀", "我已經不想活了，想跳樓", "我唔想生存喇", "I just want to kill myself.",
    "I've been thinking about SUICIDE", "不 想 活 了", "我不想，活了",
])
def test_direct_self_harm_is_urgent_in_every_script_and_language(text):
    assert level(text) == "urgent", text


@pytest.mark.parametrize("text", [
    "活着太累了，撑不下去了", "我不想再拖累家人了", "后事我都安排好了", "做人好攰，撐唔落去",
    "Everyone would be better off without me", "This is the last time I'll call you",
])
def test_indirect_self_harm_is_at_least_possible(text):
    assert level(text) in ("possible", "urgent"), text


def test_means_at_hand_is_possible_and_an_amount_taken_is_urgent():
    assert level("药我都在手边了") == "possible"
    assert level("我把一整瓶安眠药都吞了") == "urgent" and level("I swallowed all my sleeping pills") == "urgent"


@pytest.mark.parametrize("text", [
    "绳子已经挂好了", "我现在站在我家楼顶上", "我啱啱食咗好多藥", "I've tied the rope already",
    "I'm standing on the edge of the bridge", "手腕上已经划了好几道", "煤气我已经打开了，门窗都关好了",
])
def test_means_or_a_place_with_what_the_caller_does_is_urgent(text):
    assert level(text) == "urgent", text


def test_a_sound_alike_of_a_long_phrase_counts_but_only_on_whole_words():
    # Whisper writes homophones: 不想活 heard as 不想或.
    (mention,) = find_mentions("我真的不想或了", load_crisis_lexicon())
    assert mention.by_sound and mention.phrase == "不想活" and level("我真的不想或了") == "urgent"
    # A two-syllable phrase never matches by sound: 青生 is not 轻生.
    assert level("我想问问青生社区的事") == "none"


def test_a_sound_alike_must_line_up_with_words():
    from qc.text.words import word_boundaries

    bounds = word_boundaries("房间一直漏水")
    assert 1 not in bounds and 2 in bounds  # 间一 is not a word: it starts inside 房间


@pytest.mark.parametrize("text", ["新闻里说有人跳楼了", "I read in the paper that a student killed himself", "聽講隔籬屋有人自殺"])
def test_reported_self_harm_is_not_the_caller(text):
    assert level(text) == "none", text


@pytest.mark.parametrize("text", ["我没有想自杀", "I'm not going to kill myself", "想死你了", "楼上装修吵到我想死", "笑死我了"])
def test_a_denial_or_a_figure_of_speech_alone_is_only_weak(text):
    assert level(text) in ("none", "weak"), text


def test_weak_signs_add_up_within_an_utterance_and_over_a_call():
    assert level("我不是想死，我就是太累了") == "possible"
    call = CallCrisis()
    assert call.add(assess_text("我没有想自杀啊")) == "weak"
    assert call.add(assess_text("就是最近睡不着")) == "possible"


@pytest.mark.parametrize("text", ["以前我想过自杀", "要是再这样下去我就不想活了", "If they deport me I'll end it all"])
def test_past_or_conditional_self_harm_talk_is_possible_never_dropped(text):
    assert level(text) == "possible", text


# ---------------------------------------------------------------- emergencies

@pytest.mark.parametrize("text", [
    "楼下着火了，快来人", "楼道里煤气味很重", "樓要塌了", "有人被困在电梯里", "我爸倒在地上叫不醒", "楼下有人拿着刀在追人",
    "孩子锁在车里了", "There's a gas leak in the building", "My neighbour collapsed and isn't breathing",
    "A man with a knife is attacking people outside", "水管爆了，水漫进来了", "The ceiling above the bed is coming down",
])
def test_an_emergency_happening_now_is_urgent(text):
    assert level(text) == "urgent", text


@pytest.mark.parametrize("text, frame", [
    ("要是哪天着火了怎么办", "hypothetical"), ("如果楼塌了谁负责", "hypothetical"),
    ("What if the building collapses one day, who pays?", "hypothetical"), ("萬一漏煤氣點算", "hypothetical"),
    ("上次着火以后物业一直没来修", "past"), ("The gas leak last year was fixed", "past"), ("尋日個𨋢困咗我哋十分鐘", "past"),
    ("没有着火，就是有人在楼道里烧纸", "negated"), ("There's no smoke coming out, it's just the alarm beeping", "negated"),
    ("新闻上说昨晚化工厂爆炸了", "reported"), ("I saw on the news a bus caught fire", "reported"),
    ("厨房着火了，不过已经扑灭了，人没事，想问问谁来赔", "all_clear"),
])
def test_an_emergency_framed_as_not_now_raises_nothing(text, frame):
    lexicon = load_crisis_lexicon()
    mentions = [m for m in find_mentions(text, lexicon) if m.kind != "self_harm"]
    assert mentions and all(frame in m.frames for m in mentions), [(m.kind, m.frames) for m in mentions]
    assert level(text) == "none", text


def test_a_pair_catches_a_new_wording_and_its_words_never_frame_it():
    # No phrase names it: a thing (the ceiling) and what happens to it (coming down), close together.
    (mention,) = find_mentions("卧室的天花板一块一块往下掉", load_crisis_lexicon())
    assert mention.kind == "structure" and " … " not in mention.phrase or mention.phrase
    # A past marker between the two words frames it: "外墙去年掉过瓷砖" is last year's tile.
    assert level("外墙去年掉过瓷砖，想问新楼有没有检测") == "none"
    # The phrase's own words are not its frame: "last time" is inside "the last time I'll call".
    assert level("This is the last time I'll call you") != "none"


def test_a_vague_sign_is_possible_and_says_now_to_become_urgent():
    assert level("楼道里有一股焦味") == "possible"
    assert level("楼道里有一股焦味，现在越来越浓") == "urgent"


@pytest.mark.parametrize("text", ["我家燃气灶打不着火了", "我想交燃气费", "I nearly had a heart attack when I saw the water bill",
                                  "我被噪音困扰很久了", "这是火灾隐患", "我氣到爆炸"])
def test_ordinary_talk_with_alarming_words_raises_nothing(text):
    assert level(text) == "none", text


# ---------------------------------------------------------------- the lexicon file

def test_every_phrase_of_the_lexicon_finds_itself():
    lexicon = load_crisis_lexicon()
    for phrase in lexicon.phrases:
        found = [m for m in find_mentions(phrase.text, lexicon) if m.kind == phrase.kind]
        assert found, (phrase.kind, phrase.text)


def test_a_broken_lexicon_is_a_config_error(tmp_path):
    spec = yaml.safe_load(DEFAULT_CRISIS_LEXICON.read_text(encoding="utf-8"))
    spec["emergencies"]["self_harm"] = spec["emergencies"]["fire"]
    path = tmp_path / "crisis.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="not an emergency"):
        load_crisis_lexicon(path)
    path.write_text("version: 1\nframes: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid"):
        load_crisis_lexicon(path)


# ---------------------------------------------------------------- the same detector everywhere

def test_the_rubric_urgency_uses_the_crisis_detector_with_evidence():
    from qc.config import load_settings
    from qc.records import CallMeta, Utterance, Word
    from qc.rubric import CallContext, load_rubric
    from qc.rubric.evaluate import classify

    settings = load_settings()
    rubric = load_rubric(settings.rubrics_dir / "12345.yaml")

    def call(text):
        words = tuple(Word(c, 5 + i * 0.2, 5.2 + i * 0.2, 0.9) for i, c in enumerate(text))
        u = Utterance("caller", "caller", 5.0, 5.0 + len(text) * 0.2, text, words, 1)
        return classify(rubric, CallContext((u,), 20.0, CallMeta(line="12345")))

    urgent = call("我们楼道里着火了，快来人")
    assert urgent.urgency == "urgent" and urgent.urgency_evidence[0].matched == "着火了"
    assert urgent.urgency_evidence[0].start >= 5.0
    assert call("要是哪天着火了怎么办").urgency == "normal"


def test_a_rubric_naming_an_unknown_crisis_kind_is_refused(tmp_path):
    from qc.rubric import RubricError, load_rubric

    text = (DEFAULT_CRISIS_LEXICON.parents[1] / "12345.yaml").read_text(encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text(text.replace("crisis: {level: urgent, by: caller}", "crisis: {level: urgent, by: caller, kinds: [meteor]}"),
                    encoding="utf-8")
    with pytest.raises(RubricError, match="unknown crisis kind meteor"):
        load_rubric(path)


def test_the_batch_raises_a_possible_crisis_from_weak_signs_spread_over_the_call():
    from qc.records import Utterance, Word
    from qc.tone.call import score_call_tone
    from qc.tone.records import ProsodyFeatures

    texts = [("agent", "您好，请问有什么可以帮您"), ("caller", "我没有想自杀啊，别担心"), ("agent", "好的"), ("caller", "就是最近一直睡不着")]
    utterances = [Utterance(r, r, i * 3.0, i * 3.0 + 2, t, (Word(t, i * 3.0, i * 3.0 + 2, 0.9),), 0 if r == "agent" else 1)
                  for i, (r, t) in enumerate(texts)]

    class Heard:
        def __init__(self, d):
            self.features = ProsodyFeatures(duration_s=d)
            self.model_scores = {}

    _, _, alerts = score_call_tone(utterances, [Heard(2.0) for _ in utterances], None)
    (crisis,) = [a for a in alerts if a.kind == "possible_crisis"]
    assert crisis.severity == "high" and crisis.start == 3.0 and "自杀" in crisis.evidence


def test_the_live_path_raises_the_same_alerts_from_the_same_words():
    from qc.config import load_settings
    from qc.live.call import LiveCall
    from qc.live.endpointing import Segment
    from qc.live.protocol import LiveStart
    from qc.records import Utterance, Word
    from qc.rubric import load_rubric
    import numpy as np

    settings = load_settings()
    _, line = settings.line("12345")

    class Scripted:
        """Stands in for Whisper: the test is about what the live path does with the words."""

        def __init__(self, texts):
            self.texts = list(texts)

    call = LiveCall(LiveStart(call_id="c1", agent_id="A1", line="12345", sample_rate=8000, channels=2), line,
                    load_rubric(settings.rubrics_dir / "12345.yaml"), settings, Scripted([]))
    said = iter(["我没有想自杀", "就是最近一直睡不着"])

    def transcribe(channel, segment):
        text = next(said)
        return Utterance("ch1", "caller", segment.start_s, segment.end_s, text, (Word(text, segment.start_s, segment.end_s, 0.9),), 1)

    call._transcribe = transcribe  # the words as the recogniser would give them
    audio = (0.1 * np.sin(np.arange(16000) / 8000 * 2 * np.pi * 200)).astype(np.float32)
    first = call.analyse(1, Segment(0.0, 2.0, audio), 100.0)
    second = call.analyse(1, Segment(3.0, 5.0, audio), 105.0)
    assert not [a for a in first if a.kind == "possible_crisis"]
    assert [a.severity for a in second if a.kind == "possible_crisis"] == ["high"]


def test_a_possible_crisis_after_an_urgent_one_adds_nothing():
    from qc.tone.records import ToneAlert
    from qc.tone.score import without_lesser_crisis

    urgent = ToneAlert("caller_distress", "critical", 1.0, 2.0, "zh", "en", ("不想活",), 0)
    possible = ToneAlert("possible_crisis", "high", 5.0, 6.0, "zh", "en", ("好累",), 2)
    assert without_lesser_crisis([urgent, possible]) == [urgent]
    assert without_lesser_crisis([possible]) == [possible]
    assert without_lesser_crisis([possible], urgent_before=True) == []


def test_tired_and_lonely_words_alone_never_add_up():
    call = CallCrisis()
    call.add(assess_text("楼下工地天天施工，孩子根本睡不着"))
    call.add(assess_text("我真是受够了，一个人带孩子"))
    assert call.level == "weak"
    call.add(assess_text("我也不是想不开"))
    assert call.level == "possible"  # with a mention of self-harm, even denied, they do


# Everyday hotline requests with alarming-looking words (written after the medication and keys false alarms
# of an earlier lexicon): medicine, keys, phones, roads and smoke from a barbecue are not crises.
EVERYDAY = [
    '钥匙锁在房间里了，能帮我找开锁的吗',
    '我的车被锁在停车场里了出不来，物业不给开门',
    '电梯坏了好几天了，老人上下楼很不方便',
    '孩子在学校被同学打了，老师不管',
    '我家孩子发烧三十九度，社区医院几点开门',
    '水管有点漏水，物业什么时候来修',
    '楼上空调外机在滴水，滴到我家窗台上',
    '我想问一下燃气灶坏了找谁修',
    '今天风很大，小区的树倒了一棵，挡住了路',
    '暖气片漏水了，地板都湿了',
    '我爸血压高，头有点晕，想问问能不能上门量血压',
    '邻居家的狗一直叫，吵得我睡不着',
    '我的手机掉进水里了，还能修吗',
    '孩子的手被门夹了一下，肿了，要去哪个医院',
    'I locked my keys inside the car, can someone help',
    'My son fell off his bike and scraped his knee',
    'The lift is stuck on the fifth floor again, nobody inside but it keeps happening',
    'The bin room smells terrible, like something died in there',
    'My neighbour was shouting at his kids again last night',
    '我想投诉，楼下烧烤店的烟太大了，熏得我们不能开窗',
    '电线杆上的电线掉下来一截，挂在树上',
    '孩子一个人在家写作业，我下班晚',
    '小区门口的路塌了一个坑，车过不去',
    '我家猫跑丢了，能不能帮忙发个寻猫启事',
    '我想把家里的旧衣服送给有需要的人',
    '医生让我把药全部吃完再去复查',
    'The baby has had a fever since last night, which clinic is open on Sunday',
    'My dad fell last week and now he needs a walking frame',
    '我妈住院了，我想请问陪护证怎么办',
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_requests_raise_nothing(text):
    assert level(text) in ("none", "weak"), text


def test_a_thing_locked_in_is_not_a_person_trapped():
    assert level("钥匙锁在房间里了") == "none" and level("我妈被锁在房间里出不来了") in ("possible", "urgent")
    assert level("I locked my keys inside the car") == "none" and level("My toddler is locked inside the car") == "urgent"


# ---------------------------------------------------------------- context forms (issue 22), each language

@pytest.mark.parametrize("text", [
    # hypothetical / conditional
    "要是哪天着火了怎么办", "如果楼塌了谁负责", "假如燃气泄漏了该找谁", "万一电梯困人了打哪个电话",
    "如果著火點算", "假如層樓冧咗邊個負責", "萬一漏煤氣點算", "要係著火嘅話點算",
    "What if the building collapses?", "In case there is a gas leak, who do I call?", "If there is a fire, where do we go?",
    # negated
    "没有着火，就是想问问消防检查", "不是漏气，是燃气费的问题", "冇著火，只係想問下", "唔係漏煤氣，係想問收費",
    "There is no fire, I just want to ask about alarms", "It's not a gas leak, it's about the bill", "We never had a flood here",
    # past
    "上次着火以后楼道一直没修", "以前漏过气，现在想换管子", "上次著火之後啲走火通道仲未整好", "以前漏過煤氣，想問下點換喉", "尋日著火嗰間舖頭幾時再開",
    "Last time the building caught fire the alarm didn't work", "We used to smell gas in the hallway, is it checked now?",
    # reported (hearsay)
    "听说隔壁小区着火了，我们这边安全吗", "新闻说有楼塌了", "聽講隔籬邨著火，我哋會唔會有事", "They say there was a fire in the next block last night",
])
def test_hypothetical_negated_past_and_reported_emergencies_are_not_urgent(text):
    assert level(text) == "none", text


@pytest.mark.parametrize("text", ["现在着火了", "墙已经裂开了", "而家著火呀", "The kitchen is on fire right now", "快来，燃气泄漏了"])
def test_emergencies_happening_now_are_urgent(text):
    assert level(text) == "urgent", text


@pytest.mark.parametrize("text", ["佢話隔籬著火", "他说楼下着火了", "She says smoke is coming under her door"])
def test_an_emergency_passed_on_by_a_person_is_possible_and_urgent_when_now(text):
    assert level(text) == "possible", text


@pytest.mark.parametrize("text", ["佢話而家隔籬著火", "他说现在楼下着火了", "She said the kitchen is on fire right now"])
def test_an_emergency_passed_on_with_now_is_urgent(text):
    assert level(text) == "urgent", text


@pytest.mark.parametrize("text", [
    # the negator belongs to the phrase or to another verb: distress stays urgent
    "我不想活了", "没有人能帮我，我不想活了", "没人管我，我真的想死", "不，我是真的想死", "我不是开玩笑，我想自杀",
    "冇人幫到我，我唔想活", "No, I want to kill myself", "Nobody can help me, I want to die", "I'm not joking, I want to end my life",
    # said as a condition, the way ideation is often said: possible at least
])
def test_a_negation_near_self_harm_does_not_hide_it(text):
    assert level(text) == "urgent", text


@pytest.mark.parametrize("text", [
    "如果再这样下去我就不想活了", "要係再咁落去我都唔想活", "If this goes on I'll kill myself", "以前想过自杀", "I used to want to kill myself",
    "他说他想死", "佢話佢唔想活", "My son said he wants to kill himself",
])
def test_conditional_past_or_passed_on_self_harm_is_never_dropped(text):
    assert level(text) in ("possible", "urgent"), text


@pytest.mark.parametrize("text", ["没有人能帮我", "冇人幫到我", "没人能帮我了"])
def test_no_one_to_help_is_a_weak_sign_that_adds_up(text):
    assert level(text) == "weak", text
    call = CallCrisis()
    call.add(assess_text(text))
    call.add(assess_text("我没有想自杀"))
    assert call.level == "possible"


def test_frame_scopes_are_declared_in_the_lexicon():
    frames = load_crisis_lexicon().frames
    assert frames["negated"].scope == "clause_before" and frames["negated"].within_chars == 4
    assert frames["hypothetical"].scope == "sentence_before" and frames["now"].scope == "sentence"
    # the declared scope is the one applied: a conditional after the clause's end does not frame a mention before it
    assert level("现在着火了，如果你们不来怎么办") == "urgent"
