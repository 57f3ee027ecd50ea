"""Inverse text normalisation: spoken numbers become digits, words made of numerals stay words."""

from __future__ import annotations

import pytest

from qc.pii.itn import normalise_numbers, parse_cardinal, spoken_digits_to_arabic

# (spoken, expected). The module docstring reports the score on this list.
CASES = [
    # digit by digit, as phone and ID numbers are read
    ("幺三八，二七二七，三八三八", "13827273838"),
    ("电话幺三九，一二三四，五六七八。", "电话13912345678。"),
    ("139 1234 伍陆柒捌", "13912345678"),
    ("一三九零一二三四五六七", "13901234567"),
    ("幺八六 幺二三四 五六七八", "18612345678"),
    ("零二一，六二三四，五六七八", "02162345678"),
    ("零七五五-八一二三四五六七", "075581234567"),
    ("+86 138 2727 3838", "+8613827273838"),
    ("四四零三零五，一九九零零三零七，幺二三六", "440305199003071236"),
    ("洞幺洞", "010"),
    ("您好，幺二三四五，请问有什么可以帮您？", "您好，12345，请问有什么可以帮您？"),
    ("打了幺二三四五，幺幺零，都没人管", "打了12345，110，都没人管"),
    ("工号幺零六", "工号106"),
    ("一二三四五", "12345"),
    ("二零二六年", "2026年"),
    ("零零后", "零零后"),
    ("六零二", "602"),
    ("１３８００１３８０００", "13800138000"),
    # cardinals
    ("三十二号", "32号"),
    ("一百零五", "105"),
    ("两千零二十六年十一月二十五号", "2026年11月25号"),
    ("三百二十五块", "325块"),
    ("三千五百块", "3500块"),
    ("三千五", "3500"),
    ("一万二", "12000"),
    ("一万零五百", "10500"),
    ("两百五十块", "250块"),
    ("七十六岁", "76岁"),
    ("二十四小时内", "24小时内"),
    ("十二号楼二单元六零二", "12号楼2单元602"),
    ("八十八号", "88号"),
    ("一千万", "10000000"),
    ("十万", "100000"),
    ("三万一", "31000"),
    ("十分钟", "10分钟"),
    ("三十多岁", "30多岁"),
    ("十一月", "11月"),
    # times
    ("下午五点半", "下午5点半"),
    ("晚上十一点", "晚上11点"),
    ("下午一点", "下午1点"),
    ("三点十分", "3点10分"),
    ("两点钟", "2点钟"),
    ("明天上午九点", "明天上午9点"),
    ("三点零五分", "3点05分"),
    # lone numerals before a unit
    ("二单元", "2单元"),
    ("五楼", "5楼"),
    ("一号线", "1号线"),
    ("三天", "3天"),
    # words that are not numbers
    ("一下", "一下"),
    ("一般", "一般"),
    ("一直", "一直"),
    ("万一", "万一"),
    ("十分感谢", "十分感谢"),
    ("一点点", "一点点"),
    ("三番五次", "三番五次"),
    ("一样", "一样"),
    ("统一", "统一"),
    ("早一点", "早一点"),
    ("差一点", "差一点"),
    ("千万别挂", "千万别挂"),
    ("上万块", "上万块"),
    ("几十块", "几十块"),
    ("十几个", "十几个"),
    ("十二三岁", "十二三岁"),
    ("五六个人", "五六个人"),
    ("三四天", "三四天"),
    ("三四百", "三四百"),
    ("你个二百五", "你个二百五"),
    ("十万火急", "十万火急"),
    ("乱七八糟", "乱七八糟"),
    ("三三两两", "三三两两"),
    ("一五一十", "一五一十"),
    ("第三次打电话", "第三次打电话"),
    ("星期一", "星期一"),
    ("两个人", "两个人"),
    ("一个月", "一个月"),
    ("一层灰", "一层灰"),
    ("洞洞鞋", "洞洞鞋"),
    ("伍先生", "伍先生"),
    ("陆女士", "陆女士"),
    ("万先生", "万先生"),
    ("零钱", "零钱"),
    ("十字路口", "十字路口"),
]


# Written after CASES passed and scored once: 29 of 30 (零点五公里 became 零点5公里); then fixed.
BLIND = [
 ("我们家住九楼", "我们家住9楼"),
 ("一共二十三个人", "一共23个人"),
 ("大概五十多米", "大概50多米"),
 ("十五号楼三单元", "15号楼3单元"),
 ("十二月三十一号", "12月31号"),
 ("二〇二六年", "2026年"),
 ("一九九八年出生", "1998年出生"),
 ("三点四十五分", "3点45分"),
 ("晚上八点多", "晚上8点多"),
 ("五百块钱", "500块钱"),
 ("一千零一夜", "1001夜"),
 ("他一个人在家", "他一个人在家"),
 ("一会儿再打", "一会儿再打"),
 ("一边走一边说", "一边走一边说"),
 ("第一时间处理", "第一时间处理"),
 ("一模一样的", "一模一样的"),
 ("不管三七二十一", "不管三七二十一"),
 ("七上八下的", "七上八下的"),
 ("八成是坏了", "八成是坏了"),
 ("一二十分钟", "一二十分钟"),
 ("两三天", "两三天"),
 ("百分之八十", "百分之80"),
 ("零点五公里", "零点五公里"),
 ("幺零八六", "1086"),
 ("九五五九八", "95598"),
 ("四百零四", "404"),
 ("万事如意", "万事如意"),
 ("一旦发生", "一旦发生"),
 ("三月份", "3月份"),
 ("七八十岁", "七八十岁"),
]


@pytest.mark.parametrize("spoken, expected", CASES + BLIND)
def test_case_list(spoken: str, expected: str) -> None:
    assert spoken_digits_to_arabic(spoken) == expected


def test_case_list_is_large_and_mixed() -> None:
    changed = sum(s != e for s, e in CASES)
    assert len(CASES) >= 80 and 35 <= changed <= len(CASES) - 30


@pytest.mark.parametrize("run, value", [
    ("十", 10), ("十一", 11), ("二十", 20), ("一百零五", 105), ("两千零二十六", 2026), ("三千五", 3500),
    ("一万二", 12000), ("三万五千", 35000), ("一亿二千万", 120_000_000), ("一千零一", 1001),
])
def test_parse_cardinal(run: str, value: int) -> None:
    assert parse_cardinal(run) == value


@pytest.mark.parametrize("run", ["十二三", "三四百", "一千五十", "三万五十", "一零", "百", "一千零五百", "零五"])
def test_parse_cardinal_refuses_what_is_not_one_number(run: str) -> None:
    assert parse_cardinal(run) is None


def test_offsets_map_digit_strings_back_character_by_character() -> None:
    text = "电话幺三八，二七二七，三八三八。"
    norm = normalise_numbers(text)
    assert norm.text == "电话13827273838。"
    assert len(norm.source_offsets) == len(norm.text) == len(norm.source_ends)
    start = norm.text.index("138")
    # the whole number spans the separators in the source
    assert norm.to_source(start, start + 11) == (2, 15)
    assert text[slice(*norm.to_source(start, start + 11))] == "幺三八，二七二七，三八三八"
    # the 5th digit (the first of the 2nd group) comes from after the first comma
    assert text[norm.source_offsets[start + 3]] == "二"
    assert norm.to_source(0, 2) == (0, 2)


def test_offsets_map_a_cardinal_to_its_whole_run() -> None:
    text = "住在青年路一百零五号"
    norm = normalise_numbers(text)
    assert norm.text == "住在青年路105号"
    at = norm.text.index("105")
    assert text[slice(*norm.to_source(at, at + 3))] == "一百零五"
    assert text[slice(*norm.to_source(at + 1, at + 2))] == "一百零五"  # any digit of it maps to the run
    assert text[slice(*norm.to_source(at, at + 4))] == "一百零五号"
    assert norm.to_source(len(norm.text), len(norm.text)) == (len(text), len(text))


def test_offsets_are_monotonic_and_cover_the_source() -> None:
    text = "两千零二十六年十一月二十五号下午五点半，打幺二三四五，电话幺三九 一二三四 五六七八"
    norm = normalise_numbers(text)
    assert list(norm.source_offsets) == sorted(norm.source_offsets)
    assert norm.to_source(0, len(norm.text)) == (0, len(text))


def test_span_outside_the_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        normalise_numbers("一二三").to_source(0, 9)


def test_groups_join_only_at_a_number_length() -> None:
    # 3 + 4 digits could be two numbers: a room and an extension; 7 is a local number length, joined
    assert spoken_digits_to_arabic("六零二，八八八八") == "6028888"
    # 602 and an 11-digit mobile: 14 is no number's length, the mobile is joined on its own
    assert spoken_digits_to_arabic("六零二，幺三八，二七二七，三八三八") == "602，13827273838"
    # two short groups that make no number length stay apart
    assert spoken_digits_to_arabic("幺二三，四五六") == "123，456"


def test_traditional_script() -> None:
    assert spoken_digits_to_arabic("兩千零二十六年") == "2026年"
    assert spoken_digits_to_arabic("九十八號三樓") == "98號3樓"
    assert spoken_digits_to_arabic("一萬二") == "12000"


def test_empty_and_plain_text() -> None:
    assert normalise_numbers("").text == ""
    norm = normalise_numbers("没有数字的句子")
    assert norm.text == "没有数字的句子" and norm.source_offsets == tuple(range(7))


def test_whisper_writes_幺_as_要_at_the_start_of_a_mobile() -> None:
    assert spoken_digits_to_arabic("电话要三八，二七二七，三八三八") == "电话13827273838"
    assert spoken_digits_to_arabic("要三八二七二七三八三八") == "13827273838"
    for text in ("我要三个", "要五六个", "要三八"):
        assert spoken_digits_to_arabic(text) == text
    assert spoken_digits_to_arabic("我要二零二六年的") == "我要2026年的"


def test_english_digit_words() -> None:
    text = "my number is five five five, two one eight, four four zero nine."
    norm = normalise_numbers(text)
    assert norm.text == "my number is 5552184409."
    assert text[slice(*norm.to_source(13, 23))] == "five five five, two one eight, four four zero nine"
    assert spoken_digits_to_arabic("Oh, hello. One of them, two of us") == "Oh, hello. One of them, two of us"
    assert spoken_digits_to_arabic("double five two one") == "55 2 1"  # too short to be joined


def test_spaced_single_digits_join_only_in_a_long_run() -> None:
    assert spoken_digits_to_arabic("1 3 8 2 7 2 7 3 8 3 8") == "13827273838"
    assert spoken_digits_to_arabic("I have 3 4 kids") == "I have 3 4 kids"


# Forms the hotline's blind evaluation found (issue 8): 雙 for a doubled digit, digits read one by one
# with spaces, 杠 between groups, a two-digit group inside a number read in parts.
HOTLINE_FORMS = [
    ("我電話係九雙八七，六二一五", "我電話係98876215"),
    ("五雙三四 雙七零二", "53347702"),
    ("电话是 一 三 九 四 七 九 零 六 一 二 五", "电话是 13947906125"),
    ("幺三八杠二二六四杠九零七幺", "13822649071"),
    ("K 七八三九 六七 括號 七", "K 7839 67 括號 七"),
    # left alone
    ("一双鞋", "一双鞋"),
    ("双方都同意", "双方都同意"),
    ("雙八", "雙八"),
    ("第 一 二 三 条", "第 一 二 三 条"),
    ("三四天", "三四天"),
]


@pytest.mark.parametrize("spoken, expected", HOTLINE_FORMS)
def test_hotline_forms(spoken: str, expected: str) -> None:
    assert spoken_digits_to_arabic(spoken) == expected


def test_digit_groups_are_kept_unjoined_with_their_places() -> None:
    text = "电话幺五二，嗯，六七三八。后面是四九零幺，三十二号"
    norm = normalise_numbers(text)
    assert [(g.digits, text[g.start:g.end]) for g in norm.groups] == [
        ("152", "幺五二"), ("6738", "六七三八"), ("4901", "四九零幺")]  # 三十二 is a cardinal, not a group
    assert [g.digits for g in normalise_numbers("nine one double six").groups] == ["9", "1", "66", ]
