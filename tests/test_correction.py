"""Homophone correction against the line's vocabulary, gated by the decoder's word probabilities."""

from __future__ import annotations

import pytest

from qc.records import Correction
from qc.speech.correction import CorrectionOptions, Corrector
from qc.records import Word

VOCABULARY = ("咨询", "补办", "社保卡", "话务员", "公积金", "工单", "医保", "12345")


def words(*pieces: tuple[str, float]) -> tuple[Word, ...]:
    """Words 0.3 s apart from (text, probability) pairs."""
    return tuple(Word(text, round(0.3 * i, 2), round(0.3 * i + 0.25, 2), p) for i, (text, p) in enumerate(pieces))


def text(ws) -> str:
    return "".join(w.text for w in ws)


@pytest.fixture(scope="module")
def corrector() -> Corrector:
    return Corrector(VOCABULARY, CorrectionOptions(max_probability=0.5))


@pytest.mark.parametrize(
    "heard, expected",
    [
        ((("我想", 0.9), ("资讯", 0.2), ("一下", 0.9)), "我想咨询一下"),
        ((("社保卡", 0.9), ("不办", 0.3)), "社保卡补办"),
        ((("我是", 0.9), ("花", 0.1), ("务员", 0.8)), "我是话务员"),
        ((("工", 0.3), ("基金", 0.4)), "公积金"),
        ((("你的", 0.9), ("公单", 0.2)), "你的工单"),
    ],
)
def test_unsure_homophones_of_vocabulary_terms_are_put_right(corrector, heard, expected):
    out, fixed = corrector.correct(words(*heard))
    assert text(out) == expected
    assert len(fixed) == 1 and fixed[0].replacement in expected and fixed[0].original not in expected


@pytest.mark.parametrize(
    "heard",
    [
        (("我想", 0.9), ("资讯", 0.93), ("一下", 0.9)),  # the decoder is sure: a real word, left alone
        (("社保卡", 0.9), ("不办", 0.5)),  # at the threshold is not below it
        (("我们", 0.9), ("可以", 0.2), ("保", 0.2), ("留", 0.9)),  # 以保 would cut the decoded word 可以
        (("我想", 0.9), ("咨询", 0.1)),  # already the term
        (("今天", 0.2), ("天气", 0.2)),  # sounds like nothing in the vocabulary
    ],
)
def test_words_are_left_alone_when_sure_exact_or_unrelated(corrector, heard):
    ws = words(*heard)
    out, fixed = corrector.correct(ws)
    assert out == ws and fixed == ()


def test_a_correction_records_what_where_and_how_sure(corrector):
    ws = words(("社保卡", 0.9), ("不", 0.31), ("办", 0.12), ("了", 0.9))
    out, (c,) = corrector.correct(ws)
    assert (c.original, c.replacement, c.term) == ("不办", "补办", "补办")
    assert (c.start, c.end) == (ws[1].start, ws[2].end)
    assert c.probability == 0.31  # the surest of the changed words
    assert 0.0 < c.pinyin_distance <= 0.05  # 不/补 are both "bu"
    # Words keep their number, times and probabilities; only the text changes.
    assert [(w.start, w.end, w.probability) for w in out] == [(w.start, w.end, w.probability) for w in ws]
    assert Correction.from_dict(c.to_dict()) == c


def test_telephone_confusions_count_but_far_sounds_do_not():
    corrector = Corrector(("居住证", "燃气"), CorrectionOptions(max_probability=0.5, min_similarity=0.8))
    out, fixed = corrector.correct(words(("机", 0.2), ("驻", 0.3), ("证", 0.9)))  # ji-zhu vs ju-zhu: i/ü
    assert text(out) == "居住证" and fixed[0].pinyin_distance > 0.05
    out, fixed = corrector.correct(words(("延期", 0.1)))  # ran vs yan: no known confusion
    assert text(out) == "延期" and fixed == ()


def test_the_phones_one_heard_as_yao_inside_a_number():
    corrector = Corrector((), CorrectionOptions(max_probability=0.5))
    out, (c,) = corrector.correct(words(("电话", 0.9), ("要", 0.2), ("三八", 0.9), ("零零", 0.9)))
    assert text(out) == "电话幺三八零零" and c.replacement == "幺"
    for heard in ((("我", 0.9), ("要", 0.2), ("三个", 0.9)), (("电话", 0.9), ("要", 0.8), ("三八", 0.9), ("零零", 0.9))):
        ws = words(*heard)
        assert corrector.correct(ws) == (ws, ())


def test_overlapping_candidates_keep_the_closest():
    corrector = Corrector(("社保卡", "补卡", "社保"), CorrectionOptions(max_probability=0.5))
    out, fixed = corrector.correct(words(("设", 0.2), ("保", 0.3), ("卡", 0.3)))
    assert text(out) == "社保卡" and [c.replacement for c in fixed] == ["社保卡"]


def test_terms_without_two_han_characters_are_not_matched_by_sound():
    corrector = Corrector(("12345", "卡", "app下载"), CorrectionOptions(max_probability=1.0))
    assert corrector.terms == ()
    ws = words(("一二三四五", 0.1))
    assert corrector.correct(ws) == (ws, ())


def test_a_changed_sound_needs_a_less_sure_decoder_than_a_homophone():
    corrector = Corrector(("居住证", "补办"), CorrectionOptions(max_probability=0.7, max_probability_near=0.35))
    assert text(corrector.correct(words(("不办", 0.6)))[0]) == "补办"  # same sounds: p 0.6 is unsure enough
    ws = words(("机驻证", 0.6))  # ji/ju: a sound changes, p 0.6 is too sure
    assert corrector.correct(ws) == (ws, ())
    assert text(corrector.correct(words(("机驻证", 0.3)))[0]) == "居住证"
