import pytest

from qc.rubric.cases import repeat_count, repeat_from_words, repeat_level
from qc.records import Utterance


def caller(text):
    return Utterance("ch1", "caller", 0, 1, text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("你好，这已经是我第三次打电话了", 3),
        ("我这是第2次来电反映这个事", 2),
        ("我都投诉了三次了还没人管", 4),
        ("我上周打过一次了", 2),
        ("我想咨询一下社保卡", None),
        ("我第三次去办事大厅了", None),  # third visit, not third call
    ],
)
def test_the_caller_says_how_many_times(text, expected):
    assert repeat_from_words((caller(text),)) == expected


def test_agent_words_do_not_count():
    assert repeat_from_words((Utterance("ch0", "agent", 0, 1, "这是您第三次打电话吗"),)) is None


def test_history_and_words_combine_and_the_larger_count_wins():
    assert repeat_count(prior_calls=0, from_words=None) == 1
    assert repeat_count(prior_calls=1, from_words=None) == 2
    assert repeat_count(prior_calls=0, from_words=3) == 3
    assert repeat_count(prior_calls=None, from_words=None) is None


def test_levels():
    assert [repeat_level(n) for n in (None, 1, 2, 3, 5)] == [None, None, "orange", "red", "red"]
