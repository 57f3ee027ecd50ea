from qc.speakers.windows import Diarization, SpeakerTurn
from qc.records import Word
from qc.speakers.assign import (
    assign_mono_roles,
    diarized_utterances,
    speech_units,
    stereo_utterances,
    swapped_channel_warning,
)
from qc.speech.transcribe import Segment

CUES = ["请问有什么可以帮", "12345", "how can i help"]


def seg(start, text, step=0.3, gap_after=None, prob=-0.2):
    """A segment whose words are its characters; ``gap_after`` inserts a pause after that index."""
    words, t = [], start
    for i, ch in enumerate(text):
        words.append(Word(ch, round(t, 2), round(t + step, 2), 0.9))
        t += step + (1.5 if gap_after is not None and i == gap_after else 0.0)
    return Segment(start, t, text, tuple(words), prob)


def test_stereo_roles_follow_the_agent_channel_and_long_pauses_split_utterances():
    by_channel = {0: (seg(0.5, "您好请问", gap_after=1),), 1: (seg(1.0, "你好"),)}
    utts = stereo_utterances(by_channel, agent_channel=1)
    assert [(u.speaker, u.role, u.text) for u in utts] == [
        ("ch0", "caller", "您好"), ("ch1", "agent", "你好"), ("ch0", "caller", "请问"),
    ]


def test_swapped_channel_is_noticed_from_the_opening_words():
    by_channel = {0: (seg(0.5, "喂你好"),), 1: (seg(1.5, "您好12345请问有什么可以帮您"),)}
    assert swapped_channel_warning(stereo_utterances(by_channel, agent_channel=0), CUES)
    assert swapped_channel_warning(stereo_utterances(by_channel, agent_channel=1), CUES) is None


def test_speech_units_split_at_sentence_ends_and_pauses():
    words = (Word("好", 0, 0.3, 0.9), Word("吗?", 0.3, 0.6, 0.9), Word("对", 0.7, 0.9, 0.9), Word("的", 1.5, 1.8, 0.9))
    units = speech_units((Segment(0, 1.8, "好吗?对的", words, -0.1),))
    assert ["".join(w.text for w in u) for u in units] == ["好吗?", "对", "的"]


def test_diarized_words_follow_the_turns():
    segment = seg(0.0, "您好请问。我要投诉。")  # two sentences, 0.3 s a character
    turns = Diarization(True, (SpeakerTurn(0.0, 1.2, "S1"), SpeakerTurn(1.2, 3.0, "S2")), 0.5)
    by_turns = diarized_utterances((segment,), turns)
    assert [(u.speaker, u.text) for u in by_turns] == [("S1", "您好请问。"), ("S2", "我要投诉。")]


def test_a_sentence_spanning_a_turn_change_is_split_word_by_word():
    segment = seg(0.0, "您好请问我要投诉")  # one Whisper sentence, no pause, no punctuation at the change
    turns = Diarization(True, (SpeakerTurn(0.0, 1.2, "S1"), SpeakerTurn(1.2, 2.4, "S2")), 0.5)
    utts = diarized_utterances((segment,), turns)
    assert [(u.speaker, u.text, u.start, u.end) for u in utts] == [("S1", "您好请问", 0.0, 1.2), ("S2", "我要投诉", 1.2, 2.4)]


def test_one_word_cut_off_at_either_end_of_a_unit_stays_with_the_unit():
    # Seen on the dev calls: a question's last "吗？" given to the caller, the "请" of "请问" to the caller before.
    question = seg(0.0, "核对一下对吗？")  # a word a character, 0.3 s each: the turn change lands before "吗"
    turns = Diarization(True, (SpeakerTurn(0.0, 1.5, "S1"), SpeakerTurn(1.5, 4.0, "S2")), 0.5)
    assert [(u.speaker, u.text) for u in diarized_utterances((question,), turns)] == [("S1", "核对一下对吗？")]
    opening = seg(1.5, "请问您的地址")
    turns = Diarization(True, (SpeakerTurn(0.0, 1.8, "S2"), SpeakerTurn(1.8, 4.0, "S1")), 0.5)
    assert [(u.speaker, u.text) for u in diarized_utterances((opening,), turns)] == [("S1", "请问您的地址")]
    # Two words each side are two people; so are one word against one.
    both = Diarization(True, (SpeakerTurn(0.0, 0.6, "S1"), SpeakerTurn(0.6, 2.0, "S2")), 0.5)
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.0, "好的我要"),), both)] == [("S1", "好的"), ("S2", "我要")]
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.3, "嗯好"),), both)] == [("S1", "嗯"), ("S2", "好")]


def test_a_sentence_final_particle_stays_with_the_clause_it_closes():
    # "对|吗？" one word against one: "吗" ends the question, so it is not the other person's reply.
    turns = Diarization(True, (SpeakerTurn(0.0, 0.3, "S1"), SpeakerTurn(0.3, 2.0, "S2")), 0.5)
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.0, "对吗？"),), turns)] == [("S1", "对吗？")]
    # Cantonese too; and a word that is not a particle stays split one against one.
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.0, "係咩？"),), turns)] == [("S1", "係咩？")]
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.0, "对好"),), turns)] == [("S1", "对"), ("S2", "好")]
    # A particle that opens a unit is not closing anything before it.
    late = Diarization(True, (SpeakerTurn(0.0, 0.3, "S2"), SpeakerTurn(0.3, 2.0, "S1")), 0.5)
    assert [(u.speaker, u.text) for u in diarized_utterances((seg(0.0, "啊对"),), late)] == [("S2", "啊"), ("S1", "对")]


def test_a_word_timed_over_the_pause_before_a_turn_goes_with_the_words_after_it():
    # Measured on dev06: Whisper timed the caller's "一个" from the end of the agent's turn, over the pause.
    words = (Word("扣费。", 27.86, 28.28, 0.9), Word("一个", 28.28, 29.10, 0.9), Word("月", 29.40, 29.56, 0.9),
             Word("交多少钱？", 29.56, 30.72, 0.9))
    turns = Diarization(True, (SpeakerTurn(20.3, 28.45, "S1"), SpeakerTurn(29.19, 30.76, "S2")), 0.5)
    utts = diarized_utterances((Segment(27.86, 30.72, "扣费。一个月交多少钱？", words, -0.2),), turns)
    assert [(u.speaker, u.text) for u in utts] == [("S1", "扣费。"), ("S2", "一个月交多少钱？")]
    # Alone in its unit, such a word takes the turn nearest its end (the turn it was said at the start of).
    lone = diarized_utterances((Segment(37.4, 38.24, "好的，", (Word("好的，", 37.40, 38.24, 0.9),), -0.2),),
                               Diarization(True, (SpeakerTurn(31.3, 37.65, "S1"), SpeakerTurn(38.39, 45.5, "S2")), 0.5))
    assert [u.speaker for u in lone] == ["S2"]


def test_mono_agent_is_who_says_the_opening_words_else_who_speaks_first():
    segment_a = seg(0.0, "喂你好。")
    segment_b = seg(2.0, "您好12345请问有什么可以帮您。")
    turns = Diarization(True, (SpeakerTurn(0, 1.9, "S1"), SpeakerTurn(1.9, 20, "S2")), 0.5)
    utts, how = assign_mono_roles(diarized_utterances((segment_a, segment_b), turns), CUES)
    assert {u.speaker: u.role for u in utts} == {"S1": "caller", "S2": "agent"}
    assert "opening words" in how
    plain = diarized_utterances((seg(0.0, "在吗。"), seg(2.0, "在的。")), turns)
    utts, how = assign_mono_roles(plain, CUES)
    assert {u.speaker: u.role for u in utts} == {"S1": "agent", "S2": "caller"} and "spoke first" in how
