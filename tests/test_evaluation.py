import pytest

from qc.evaluation import cer, edit_distance


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_cer_normalises_script_punctuation_and_spoken_digits():
    assert cer("您好，幺二三四五，请问有什么可以帮您？", "您好,12345,請問有什麼可以幫您") == 0.0
    assert cer("补办社保卡", "不办社保卡") == pytest.approx(0.2)
    assert cer("", "") == 0.0 and cer("", "x") == 1.0
