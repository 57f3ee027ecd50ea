"""Punctuation from pauses and particles: readable marks, the same words and times."""

from __future__ import annotations

import pytest

from qc.evaluation import normalise_for_cer
from qc.speech.punctuation import PunctuationOptions, punctuate
from qc.records import Word


def timed(*pieces: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(t, s, e, 0.9) for t, s, e in pieces)


def text(ws) -> str:
    return "".join(w.text for w in ws)


def test_pauses_become_commas_and_the_end_a_full_stop():
    ws = timed(("好的", 0.0, 0.4), ("我", 0.9, 1.0), ("帮您", 1.05, 1.4), ("登记", 1.45, 1.8))
    assert text(punctuate(ws)) == "好的，我帮您登记。"


def test_a_short_gap_is_not_a_pause_and_a_long_one_ends_a_sentence():
    ws = timed(("请您", 0.0, 0.4), ("稍等", 0.5, 0.9), ("好的", 2.5, 2.9))
    assert text(punctuate(ws)) == "请您稍等。好的。"


@pytest.mark.parametrize(
    "said, expected",
    [
        (("是在", "本市", "办理的吗"), "是在本市办理的吗？"),
        (("有什么", "可以", "帮您"), "有什么可以帮您？"),
        (("你", "呢"), "你呢？"),
        (("是", "这个", "地址", "对吧"), "是这个地址对吧？"),
        (("没什么", "事了"), "没什么事了。"),
        (("好吧",), "好吧。"),
    ],
)
def test_questions_get_a_question_mark(said, expected):
    ws = tuple(Word(t, 0.2 * i, 0.2 * i + 0.15, 0.9) for i, t in enumerate(said))
    assert text(punctuate(ws)) == expected


def test_whispers_ascii_marks_become_full_width_and_a_question_at_a_comma():
    ws = timed(("对", 0.0, 0.2), ("吗,", 0.2, 0.4), ("好的,", 0.5, 0.8), ("再见", 0.9, 1.2))
    assert text(punctuate(ws)) == "对吗？好的，再见。"


def test_no_comma_between_the_digit_groups_of_a_number():
    ws = timed(("138", 0.0, 0.6), ("0012", 1.0, 1.8), ("3456", 2.2, 3.0))
    assert text(punctuate(ws)) == "13800123456。"


def test_only_marks_change_words_times_and_scoring_text_stay():
    ws = timed(("你好,", 0.0, 0.4), ("我想", 0.9, 1.2), ("问一下", 1.25, 1.7), ("怎么", 2.2, 2.4), ("补办", 2.45, 2.8))
    out = punctuate(ws, PunctuationOptions(comma_pause_s=0.4))
    assert [(w.start, w.end, w.probability) for w in out] == [(w.start, w.end, w.probability) for w in ws]
    assert normalise_for_cer(text(out)) == normalise_for_cer(text(ws))
    assert text(out) == "你好，我想问一下，怎么补办？"


def test_nothing_in_nothing_out():
    assert punctuate(()) == ()
