import pytest
import yaml

from qc.errors import ConfigError
from qc.tone.lexicon import DEFAULT_LEXICON, dampened, find_cues, load_lexicon, normalise


def cues_of(text: str, cue: str):
    return find_cues(text).of(cue)


@pytest.mark.parametrize(
    "text",
    [
        "我真的不想活了",  # zh-Hans
        "活着没意思，我想自杀",
        "我已經不想活了，想跳樓",  # zh-Hant
        "我唔想生存喇",  # Cantonese (1823)
        "真係想死咗佢算",
        "做人冇意思",
        "I just want to kill myself.",  # English
        "I've been thinking about SUICIDE",
        "I don't want to live anymore",
        "不 想 活 了",  # recogniser spacing
        "我不想，活了",  # recogniser punctuation inside the phrase
    ],
)
def test_distress_is_found_in_every_script_and_language(text):
    assert cues_of(text, "distress"), text


def test_a_denial_with_another_sign_is_a_possible_distress_cue():
    # Self-harm comes from the crisis lexicon: a denial alone is weak; with tiredness it is a possible crisis.
    hits = cues_of("我不是想死，我就是太累了", "distress")
    assert hits and all(h.near_miss for h in hits)


@pytest.mark.parametrize("text", ["我没有想自杀", "I'm not going to kill myself"])
def test_a_bare_denial_is_no_distress_cue(text):
    assert not cues_of(text, "distress")


@pytest.mark.parametrize("text", ["电脑死机了", "笑死我了", "楼下工地吵死了", "热死了空调坏了", "他们家狗死了"])
def test_figures_of_speech_with_death_are_not_distress(text):
    assert not cues_of(text, "distress")


@pytest.mark.parametrize("text", ["想死你了", "哎呀想死我了", "商场搞跳楼价大甩卖"])
def test_documented_figures_of_speech_are_no_distress_cue(text):
    assert not cues_of(text, "distress")


def test_a_real_distress_phrase_beside_a_figure_of_speech_is_urgent():
    hits = cues_of("想死你了，其实我是真的不想活了", "distress")
    assert [h.matched for h in hits if not h.near_miss] == ["不想活"]


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("你听不懂吗？", "你听不懂吗"),
        ("我不是说过了吗", "我不是说过了吗"),
        ("这个你自己去查", "自己去查"),
        ("这事不归我们管", "不归我们管"),
        ("爱找谁找谁", "爱找谁找谁"),
        ("What's your problem?", "what's your problem"),
        ("唔關我哋事", "唔关我哋事"),
    ],
)
def test_agent_impatience_phrases(text, phrase):
    assert [h.phrase for h in cues_of(text, "impatience")] == [phrase]


def test_overlapping_phrases_of_one_class_give_one_hit():
    hits = cues_of("你听不懂吗", "impatience")  # both 你听不懂吗 and 听不懂吗 match here
    assert len(hits) == 1 and hits[0].matched == "你听不懂吗"


def test_evidence_keeps_the_callers_script():
    hits = cues_of("你們這些人到底管不管", "anger")
    assert {h.matched for h in hits} == {"你們這些", "到底管不管"}


def test_negation_dampens_anger():
    negated = cues_of("我不是投诉你，我是想问问", "anger")
    plain = cues_of("我要投诉你", "anger")
    assert negated[0].negated and dampened(negated[0])
    assert not plain[0].negated


def test_a_not_a_questions_are_not_negations():
    assert not cues_of("你是不是听不懂吗", "impatience")[0].negated


def test_negation_does_not_reach_across_a_clause():
    assert not cues_of("不是我说，你们这些人太过分了", "anger")[0].negated


@pytest.mark.parametrize("text", ["我被噪音困扰很久了", "这是火灾隐患"])
def test_danger_near_misses_are_dropped(text):
    assert not cues_of(text, "danger")


@pytest.mark.parametrize("text", ["有人被困在电梯里", "闻到很大的煤气味", "There's a gas leak in the building", "樓要塌了"])
def test_danger(text):
    assert cues_of(text, "danger")


@pytest.mark.parametrize("text", ["please shut upstairs windows", "stupidity of the rules", "the diet plan"])
def test_english_phrases_match_whole_words_only(text):
    assert not find_cues(text).of("abuse") and not find_cues(text).of("distress")


def test_rubbish_is_not_abuse():
    assert not cues_of("小区垃圾一直没人清运", "abuse")


def test_every_class_is_documented_and_every_phrase_finds_itself():
    spec = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    wanted = {"anger", "impatience", "abuse", "fear", "sadness", "politeness"}
    assert wanted <= spec["classes"].keys()
    for name, cls in spec["classes"].items():
        assert len(cls["description"]) > 20, name
        for phrase in (p for group in cls["phrases"].values() for p in group):
            assert name in find_cues(phrase).classes, (name, phrase)


def test_normalise_maps_back_to_the_original_text():
    norm, origin = normalise("您好，  請問？Hello")
    assert norm == "您好|请问|hello"
    assert origin is not None and len(origin) == len(norm)


def test_distress_cannot_be_listed_in_the_tone_lexicon(tmp_path):
    # Self-harm words are judged in their sentence by the crisis lexicon; a second list would bypass that.
    spec = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    spec["classes"]["distress"] = {"description": "self-harm words, listed where they do not belong", "negation": "keep",
                                   "phrases": {"zh": ["不想活"]}}
    path = tmp_path / "tone.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="crisis lexicon"):
        load_lexicon(path)


def test_a_broken_lexicon_is_a_config_error(tmp_path):
    path = tmp_path / "tone.yaml"
    path.write_text("version: 1\nclasses: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid"):
        load_lexicon(path)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_lexicon(tmp_path / "missing.yaml")
