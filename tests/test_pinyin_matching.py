"""Pinyin-tolerant phrase matching: Whisper's homophones count, look-alike words do not."""

from __future__ import annotations

import random

import pytest

from qc.testing.pinyin_cases import CASES
from qc.text.pinyin import (
    DEFAULT_THRESHOLD,
    HOMOPHONE,
    INSERTION_COST,
    PhraseMatch,
    best_match,
    find_phrase,
    syllable_similarity,
)



def _confusion(threshold: float) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for text, phrase, should in CASES:
        got = bool(find_phrase(text, phrase, threshold))
        tp += got and should
        fp += got and not should
        fn += should and not got
    return tp, fp, fn


def test_case_list_is_large_and_balanced():
    positives = sum(1 for *_, should in CASES if should)
    assert len(CASES) >= 60
    assert positives >= 25 and len(CASES) - positives >= 25


def test_precision_and_recall_at_the_default_threshold_are_as_documented():
    tp, fp, fn = _confusion(DEFAULT_THRESHOLD)
    wrong = [(t, p, s) for t, p, s in CASES if bool(find_phrase(t, p)) != s]
    assert (fp, fn) == (0, 0), wrong
    assert tp == sum(1 for *_, should in CASES if should)


def test_a_stricter_threshold_loses_recall_and_a_looser_one_precision():
    # The default sits inside the range where the case list is clean, not at its edge by accident.
    _, fp_loose, _ = _confusion(0.6)
    _, _, fn_strict = _confusion(0.97)
    assert fp_loose > 0
    assert fn_strict > 0


def test_exact_match_scores_one_with_offsets():
    match = best_match("您好请问有什么可以帮您", "请问有什么可以帮您")
    assert match == PhraseMatch(start=2, end=11, score=1.0, matched="请问有什么可以帮您", exact=True)


def test_homophone_is_found_below_one():
    [match] = find_phrase("我想资讯一下", "咨询")
    assert (match.start, match.end, match.matched, match.exact) == (2, 4, "资讯", False)
    assert 0.85 <= match.score < 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("zhi", "zi"), ("chi", "ci"), ("shi", "si"), ("nan", "lan"), ("fu", "hu"), ("re", "le"),
        ("ban", "bang"), ("men", "meng"), ("min", "ming"), ("xian", "xiang"), ("guan", "guang"),
    ],
)
def test_each_confusion_pair_earns_partial_credit(a, b):
    assert syllable_similarity(a, b) == syllable_similarity(b, a)
    assert 0.6 < syllable_similarity(a, b) < 1.0


@pytest.mark.parametrize(("a", "b"), [("zhi", "ji"), ("nan", "ran"), ("bao", "liao"), ("su", "teng"), ("ran", "nuan")])
def test_unrelated_syllables_earn_little(a, b):
    assert syllable_similarity(a, b) <= 0.25


def test_same_initial_or_final_alone_is_a_small_credit():
    assert 0.0 < syllable_similarity("bao", "ban") <= 0.3  # same initial
    assert 0.0 < syllable_similarity("xiu", "jiu") <= 0.3  # same final
    assert syllable_similarity("sha", "ji") == 0.0


def test_a_dropped_syllable_is_tolerated_in_a_long_phrase():
    [match] = find_phrase("好的再和您确认下地址", "再和您确认一下")
    assert match.matched == "再和您确认下"
    assert (match.start, match.end) == (2, 8)


def test_an_inserted_syllable_is_tolerated_in_a_long_phrase():
    [match] = find_phrase("您好请问有什么可以帮助您", "请问有什么可以帮您")
    assert match.matched == "请问有什么可以帮助您"
    assert (match.start, match.end) == (2, 12)


def test_a_short_phrase_tolerates_no_dropped_or_inserted_syllable():
    assert find_phrase("社保卡补了办", "补办") == []
    assert find_phrase("户口本", "户口本子") == []


def test_english_matches_exactly_only():
    assert find_phrase("howcanihelpyou", "howcanihelp")[0].exact
    assert find_phrase("howcanhelpyou", "howcanihelp") == []
    assert find_phrase("howcanihalp", "howcanihelp") == []


def test_digits_in_a_mixed_phrase_must_be_identical():
    assert find_phrase("打12345乐线", "12345热线")[0].matched == "12345乐线"
    assert find_phrase("打12346热线", "12345热线") == []
    assert find_phrase("打123456热线", "12345热线") == []


def test_single_han_character_phrases_match_exactly_only():
    assert find_phrase("号码是多少", "号") != []
    assert find_phrase("好的", "号") == []
    assert find_phrase("你好", "您") == []
    assert find_phrase("好a", "号a") == []  # one Han character plus a letter is still exact only


def test_multiple_matches_are_non_overlapping_in_text_order():
    matches = find_phrase("补办不办好的补办", "补办")
    assert [(m.start, m.end, m.exact) for m in matches] == [(0, 2, True), (2, 4, False), (6, 8, True)]
    assert [m.matched for m in matches] == ["补办", "不办", "补办"]


def test_overlapping_windows_keep_only_the_best():
    # 资讯讯: windows 资讯 and 讯讯 overlap; only the better one (资讯) is returned.
    matches = find_phrase("资讯讯", "咨询")
    assert [(m.start, m.end) for m in matches] == [(0, 2)]


def test_exact_match_wins_over_an_overlapping_fuzzy_window():
    matches = find_phrase("资咨询", "咨询")
    assert [(m.start, m.end, m.exact) for m in matches] == [(1, 3, True)]


def test_best_match_prefers_the_exact_occurrence():
    match = best_match("我想资讯一下然后咨询", "咨询")
    assert match is not None and match.exact and match.start == 8
    assert best_match("没有相关内容", "咨询") is None


def test_threshold_decides_a_borderline_window():
    [match] = find_phrase("居住怎过期了", "居住证")
    assert find_phrase("居住怎过期了", "居住证", threshold=match.score) != []
    assert find_phrase("居住怎过期了", "居住证", threshold=match.score + 0.01) == []


def test_threshold_one_means_exact_characters_only():
    assert find_phrase("我想资讯一下", "咨询", threshold=1.0) == []
    assert find_phrase("我想咨询一下", "咨询", threshold=1.0)[0].exact


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01])
def test_a_threshold_out_of_range_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        find_phrase("咨询", "咨询", threshold)


def test_an_empty_phrase_is_refused():
    with pytest.raises(ValueError, match="empty"):
        find_phrase("咨询", "")


def test_heteronym_read_differently_in_context_still_matches_its_own_character():
    # 行 is hang in the phrase 银行 but xing in the text's 行走: the same character must still count.
    [match] = find_phrase("我在音行走", "银行")
    assert (match.matched, match.exact) == ("音行", False)


def test_a_two_character_phrase_never_matches_a_single_character_window():
    assert all(m.end - m.start == 2 for m in find_phrase("附近公帝工人", "工地", threshold=0.3))


def test_text_shorter_than_the_phrase_finds_nothing():
    assert find_phrase("咨", "咨询") == []
    assert find_phrase("", "咨询") == []


# ---------------------------------------------------------------- the prefilter never hides a window

_CONFUSABLE_POOL = "补不办帮班资咨讯询自字知杀撒沙公工帝地九就点店城层管馆您你好号"


def _reference_windows(text: str, phrase: str, threshold: float) -> dict[tuple[int, int], float]:
    """Every fuzzy window at or above the threshold, by brute force over all positions and gaps."""
    from pypinyin import Style, lazy_pinyin

    ts, ps = lazy_pinyin(text, style=Style.NORMAL), lazy_pinyin(phrase, style=Style.NORMAL)
    n, length = len(phrase), len(text)

    def sim(j: int, i: int) -> float:
        if phrase[j] == text[i]:
            return 1.0
        return HOMOPHONE if ps[j] == ts[i] else syllable_similarity(ps[j], ts[i])

    scores: dict[tuple[int, int], float] = {}
    for s in range(length - n + 1):
        scores[(s, s + n)] = sum(sim(j, s + j) for j in range(n)) / n
    for s in range(length - n):
        best = max(sum(sim(j, s + j) for j in range(g)) + sum(sim(j, s + j + 1) for j in range(g, n)) for g in range(1, n))
        scores[(s, s + n + 1)] = (best - INSERTION_COST) / n
    if n >= 3:
        for s in range(length - n + 2):
            best = max(sum(sim(j, s + j) for j in range(g)) + sum(sim(j, s + j - 1) for j in range(g + 1, n)) for g in range(n))
            scores[(s, s + n - 1)] = best / n
    exact = [(m.start, m.end) for m in find_phrase(text, phrase, 1.0)]
    return {
        w: v
        for w, v in scores.items()
        if v >= threshold - 1e-9 and text[w[0] : w[1]] != phrase and all(w[1] <= a or w[0] >= b for a, b in exact)
    }


def _near_miss(rng: random.Random) -> tuple[str, str, float]:
    """A text and a phrase cut from it, then mangled: substituted, dropped and inserted syllables."""
    text = "".join(rng.choice(_CONFUSABLE_POOL) for _ in range(rng.randint(8, 60)))
    at, n = rng.randrange(len(text) - 4), rng.randint(3, 7)
    phrase = list(text[at : at + n])
    for _ in range(rng.randint(0, 2)):
        phrase[rng.randrange(len(phrase))] = rng.choice(_CONFUSABLE_POOL)
    edit = rng.choice(["none", "drop", "insert"])
    if edit == "drop" and len(phrase) > 2:
        del phrase[rng.randrange(1, len(phrase) - 1)]
    elif edit == "insert":
        phrase.insert(rng.randrange(1, len(phrase)), rng.choice(_CONFUSABLE_POOL))
    return text, "".join(phrase), rng.choice([0.5, 0.6, 0.7, 0.8, 0.85])


@pytest.mark.parametrize("seed", range(150))
def test_fuzzy_results_agree_with_brute_force(seed):
    text, phrase, threshold = _near_miss(random.Random(seed))
    reference = _reference_windows(text, phrase, threshold)
    found = [m for m in find_phrase(text, phrase, threshold) if not m.exact]
    for m in found:
        assert m.score == pytest.approx(reference[(m.start, m.end)], abs=1e-4)
    chosen = [(m.start, m.end) for m in find_phrase(text, phrase, threshold)]
    for a, b in reference:  # anything left out must have lost to an overlapping, better window
        assert any(a < e and s < b for s, e in chosen), (text, phrase, threshold, (a, b))
    best = best_match(text, phrase, threshold)
    if reference and (best is None or not best.exact):
        assert best is not None and best.score == pytest.approx(max(reference.values()), abs=1e-4)


# -- sound-alikes on whole words (qc.text.words), as rubrics search an utterance --------------------------------


def _rubric_hit(text: str, phrase: str):
    from qc.records import Utterance, Word
    from qc.rubric import CallContext

    u = Utterance("caller", "caller", 0.0, 1.0, text, (Word(text, 0.0, 1.0, 1.0),))
    context = CallContext((u,), 1.0)
    return context.find_in((0,), phrase, fuzzy=True), context.find(0, phrase, fuzzy=True)


@pytest.mark.parametrize("text, phrase", [
    ("房间一直漏水", "建议"),  # 间一 sounds like 建议 but is half of 房间 and half of 一直
    ("时间一长就坏了", "建议"),
    ("三号楼七零一", "漏气"),  # house numbers are read digit by digit: 七 is a digit, not 气
    ("幺二三四五你们又让我找环保局", "唔理"),
    ("您好请问有什么可以帮您", "还有什么可以帮您"),  # the greeting's tail: a window slid off 请问
    ("我打电话给你记一下", "立即"),  # two-syllable phrases need 0.9: ni/li and a homophone is 0.875
])
def test_a_sound_alike_across_words_is_no_match(text, phrase):
    assert _rubric_hit(text, phrase) == (None, None), (text, phrase)


@pytest.mark.parametrize("text, phrase, should", [(t, p, s) for t, p, s in CASES if p not in t and s])
def test_whisper_errors_still_match_on_whole_words(text, phrase, should):
    in_scope, in_utterance = _rubric_hit(text, phrase)
    assert in_scope is not None and in_utterance is not None, (text, phrase)


def test_words_respect_rules_are_one_implementation():
    from qc.text.words import keeps_to_words, sound_alike_threshold, word_boundaries

    assert sound_alike_threshold("建议", DEFAULT_THRESHOLD) == 0.9 and sound_alike_threshold("燃气泄漏", 0.85) == 0.85
    assert 2 in word_boundaries("房间一直漏水") and 1 not in word_boundaries("房间一直漏水")
    assert keeps_to_words("社保卡丢了要怎么不办", 8, 10, "补办")
    assert not keeps_to_words("房间一直漏水", 1, 3, "建议")
