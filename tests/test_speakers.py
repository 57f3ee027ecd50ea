from qc.diarization import Diarization, SpeakerTurn
from qc.records import Word
from qc.speakers import (
    assign_mono_roles,
    diarized_utterances,
    speech_units,
    stereo_utterances,
    swapped_channel_warning,
)
from qc.speech import Segment

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


def test_diarized_words_follow_the_turns_and_long_units_their_own_voice():
    segment = seg(0.0, "您好请问。我要投诉。")  # two sentences, 0.3 s a character
    turns = Diarization(True, (SpeakerTurn(0.0, 1.2, "S1"), SpeakerTurn(1.2, 3.0, "S2")), 0.5)
    by_turns = diarized_utterances((segment,), turns)
    assert [(u.speaker, u.text) for u in by_turns] == [("S1", "您好请问。"), ("S2", "我要投诉。")]
    # A unit long enough to embed is placed by its voice, whatever the window turns say.
    by_voice = diarized_utterances((segment,), turns, voices_of=lambda spans: ["S2" for _ in spans])
    assert [(u.speaker, u.text) for u in by_voice] == [("S2", "您好请问。我要投诉。")]


def test_a_sentence_spanning_a_turn_change_is_split_word_by_word():
    segment = seg(0.0, "您好请问我要投诉")  # one Whisper sentence, no pause, no punctuation at the change
    turns = Diarization(True, (SpeakerTurn(0.0, 1.2, "S1"), SpeakerTurn(1.2, 2.4, "S2")), 0.5)
    utts = diarized_utterances((segment,), turns)
    assert [(u.speaker, u.text, u.start, u.end) for u in utts] == [("S1", "您好请问", 0.0, 1.2), ("S2", "我要投诉", 1.2, 2.4)]


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
