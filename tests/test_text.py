from qc.text.normalise import collapse_repetitions, is_phantom, normalise_for_match, to_script


def test_traditional_to_simplified_and_to_hong_kong():
    assert to_script("您好，請問有什麼可以幫您？", "t2s") == "您好，请问有什么可以帮您？"
    assert to_script("请问有什么可以帮您", "s2hk") == "請問有什麼可以幫您"
    assert to_script("請問", "none") == "請問"


def test_match_form_ignores_punctuation_width_and_case():
    assert normalise_for_match("您好，１２３４５！ How can I help?") == "您好12345howcanihelp"


def test_known_phantom_lines_are_recognised_but_real_speech_is_kept():
    assert is_phantom("字幕由Amara.org社群提供")
    assert is_phantom("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目")
    assert is_phantom("  。")
    assert not is_phantom("好")
    assert not is_phantom("您好，请问有什么可以帮您")
    # A real sentence that merely contains a phantom phrase is not dropped.
    assert not is_phantom("我想投诉一下那个字幕制作公司的噪音问题")


def test_repetition_loops_are_collapsed():
    text, looped = collapse_repetitions("好的好的好的好的好的好的好的谢谢")
    assert looped and text == "好的好的谢谢"
    assert collapse_repetitions("谢谢谢谢") == ("谢谢谢谢", False)
