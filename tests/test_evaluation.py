import pytest

from qc.evaluation import cer, diarization_error_rate, edit_distance, reference_word_roles, word_role_accuracy


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_cer_normalises_script_punctuation_and_spoken_digits():
    assert cer("您好，幺二三四五，请问有什么可以帮您？", "您好,12345,請問有什麼可以幫您") == 0.0
    assert cer("补办社保卡", "不办社保卡") == pytest.approx(0.2)
    assert cer("", "") == 0.0 and cer("", "x") == 1.0


TURNS = [
    {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "您好，请问有什么可以帮您？"},
    {"speaker": "caller", "start": 2.5, "end": 4.0, "text": "我家停水了。"},
    {"speaker": "agent", "start": 3.8, "end": 5.0, "text": "好的。"},
]


def test_a_word_timed_across_a_turn_change_keeps_the_role_it_was_said_in():
    # Whisper ran "帮您" on into the caller's turn: by time it overlaps the caller more, by text it is the agent's.
    words = [("您好，", 0.0, 0.6), ("请问有什么可以", 0.6, 1.6), ("帮您？", 1.6, 3.0), ("我家停水了。", 3.0, 3.9), ("好的。", 4.0, 4.6)]
    assert reference_word_roles(words, TURNS) == ["agent", "agent", "agent", "caller", "agent"]


def test_a_word_not_in_the_reference_text_goes_by_time():
    assert reference_word_roles([("嗯", 2.6, 2.9), ("呃", 0.5, 0.7)], TURNS) == ["caller", "agent"]


def test_word_role_accuracy_weights_by_time_and_skips_punctuation():
    words = [("您好请问有什么可以帮您", 0.0, 2.0, "agent"), ("我家停水了", 2.5, 3.5, "agent"), ("。", 3.5, 3.6, "caller")]
    assert word_role_accuracy(words, TURNS) == pytest.approx(2.0 / 3.0)
    assert word_role_accuracy([(w, a, b, "caller" if w.startswith("我") else "agent") for w, a, b, _ in words], TURNS) == 1.0
    assert word_role_accuracy([], TURNS) is None


def test_der_uses_pyannote_metrics_collars():
    ref = [(0.0, 5.0, "a"), (5.0, 9.0, "b")]
    assert diarization_error_rate(ref, [(0.0, 5.0, "y"), (5.0, 9.0, "x")]) == 0.0
    # One label for both speakers: b's 3.75 s (collars cut 0.125 s each side of every boundary) of 8.5 s scored.
    assert diarization_error_rate(ref, [(0.0, 9.0, "x")]) == pytest.approx(3.75 / 8.5)
    assert diarization_error_rate(ref, [(0.0, 9.0, "x")], collar=0.0) == pytest.approx(4.0 / 9.0)


def test_an_agent_reading_back_the_callers_number_keeps_the_agents_role():
    turns = [
        {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "请问您的电话？"},
        {"speaker": "caller", "start": 2.5, "end": 6.0, "text": "幺三八，二二三三，四四五五。"},
        {"speaker": "agent", "start": 20.0, "end": 26.0, "text": "我再确认一下，电话幺三八二二三三四四五五，对吗？"},
        {"speaker": "caller", "start": 26.5, "end": 27.0, "text": "对。"},
    ]
    words = [("请问您的电话", 0.0, 2.0), ("138", 2.5, 3.5), ("2233", 3.5, 4.7), ("4455", 4.7, 6.0),
             ("我再确认一下", 20.0, 21.5), ("电话", 21.5, 22.0), ("138", 22.0, 23.0), ("22334455", 23.0, 25.2),
             ("对吗", 25.2, 26.0), ("对", 26.5, 27.0)]
    assert reference_word_roles(words, turns) == ["agent", "caller", "caller", "caller", "agent", "agent", "agent",
                                                  "agent", "agent", "caller"]
