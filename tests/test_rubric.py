"""The rubric engine on hand-made transcripts: every operator, windows, scoring, case type, urgency."""

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from qc.records import CallMeta, Utterance, Word
from qc.rubric import CallContext, RubricError, evaluate, load_rubric
from qc.rubric.conditions import describe, holds
from qc.rubric.schema import OPERATORS, Rubric

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


def utt(role, start, end, text, speaker=None):
    """An utterance whose words are its characters, evenly spread over [start, end]."""
    step = (end - start) / max(len(text), 1)
    words = tuple(Word(ch, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9) for i, ch in enumerate(text))
    return Utterance(speaker or role, role, start, end, text, words)


def ctx(*utterances, duration=25.0, **kw):
    return CallContext(tuple(utterances), duration, **kw)


def cond(data):
    """Parse one condition the way a rubric file would."""
    rubric = Rubric.model_validate({"id": "t", "title": "t", "version": "1", "items": [{"id": "x", "title": "x", "points": 1, "check": data}]})
    return rubric.items[0].check


def check(data, context):
    return holds(cond(data), context)


GOOD = (
    utt("agent", 0.5, 4.0, "您好，12345，请问有什么可以帮您？"),
    utt("caller", 4.5, 9.0, "我要投诉，楼下饭店油烟太大了"),
    utt("agent", 9.5, 14.0, "好的，再和您确认一下，是阳光花园的饭店对吗？"),
    utt("caller", 14.5, 15.5, "对的"),
    utt("agent", 16.0, 20.0, "我们会转交相关部门，五个工作日内给您回复"),
    utt("agent", 21.0, 24.0, "还有其他可以帮您的吗？感谢您的来电，再见"),
)


# -- said ----------------------------------------------------------------------------------------


def test_said_reports_the_words_and_their_times():
    out = check({"said": {"phrases": ["请问有什么可以帮您"], "by": "agent", "within": {"first_seconds": 10}}}, ctx(*GOOD))
    assert out.holds
    (e,) = out.evidence
    assert e.role == "agent" and e.matched == "请问有什么可以帮您"
    assert 0.5 < e.start < e.end <= 4.0  # the matched words, not the whole utterance


def test_said_respects_role_and_windows():
    c = ctx(*GOOD)
    assert not check({"said": {"phrases": ["投诉"], "by": "agent"}}, c).holds
    assert check({"said": {"phrases": ["投诉"], "by": "caller"}}, c).holds
    assert not check({"said": {"phrases": ["再见"], "within": {"first_seconds": 15}}}, c).holds
    assert check({"said": {"phrases": ["再见"], "within": {"last_percent": 20}}}, c).holds
    assert not check({"said": {"phrases": ["再见"], "within": {"first_percent": 50}}}, c).holds
    assert check({"said": {"phrases": ["确认"], "within": {"first_turns": 2}}}, c).holds
    assert not check({"said": {"phrases": ["确认"], "within": {"first_turns": 1}}}, c).holds
    assert check({"said": {"phrases": ["再见"], "within": {"last_turns": 1}}}, c).holds


def test_said_modes_any_all_at_least():
    c = ctx(*GOOD)
    assert check({"said": {"phrases": ["您好", "不存在的词"], "mode": "any"}}, c).holds
    out = check({"said": {"phrases": ["您好", "不存在的词"], "mode": "all"}}, c)
    assert not out.holds and "不存在的词" in out.detail
    assert check({"said": {"phrases": ["您好", "再见", "谢谢"], "mode": "at_least", "n": 2}}, c).holds
    assert not check({"said": {"phrases": ["您好", "谢谢"], "mode": "at_least", "n": 2}}, c).holds


def test_homophones_whisper_writes_still_match_but_can_be_turned_off():
    c = ctx(utt("caller", 0, 3, "我想资讯一下社保卡不办的事"))
    fuzzy = check({"said": {"phrases": ["咨询"], "by": "caller"}}, c)
    assert fuzzy.holds and "资讯" in fuzzy.evidence[0].matched
    assert not check({"said": {"phrases": ["咨询"], "by": "caller", "fuzzy": False}}, c).holds
    assert check({"said": {"phrases": ["补办"], "by": "caller"}}, c).holds


def test_unresolved_speakers_let_any_voice_count_as_the_agent():
    c = ctx(utt("unknown", 0.5, 3, "您好请问有什么可以帮您", speaker="S?"), roles_known=False)
    assert check({"said": {"phrases": ["您好"], "by": "agent"}}, c).holds
    assert not check({"said": {"phrases": ["您好"], "by": "agent"}}, ctx(*c.utterances)).holds


# -- regex, near, sequence, not ----------------------------------------------------------------------


def test_regex_with_an_exclusion():
    c = ctx(utt("agent", 0, 3, "工号1234为您服务"), utt("agent", 5, 8, "订单号1234567"))
    out = check({"regex": {"pattern": r"工号\d{3,5}"}}, c)
    assert out.holds and out.evidence[0].matched == "工号1234"
    assert not check({"regex": {"pattern": r"\d{7}", "unless": "订单"}}, c).holds
    assert check({"regex": {"pattern": r"\d{7}"}}, c).holds


def test_near_counts_characters_between_the_phrases():
    c = ctx(utt("caller", 0, 4, "墙上有很大的裂缝感觉快要塌了"))
    assert check({"near": {"a": ["裂缝"], "b": ["塌"], "chars": 8, "by": "caller"}}, c).holds
    assert not check({"near": {"a": ["裂缝"], "b": ["塌"], "chars": 2, "by": "caller"}}, c).holds


def test_sequence_answer_after_the_caller_within_a_time():
    c = ctx(utt("caller", 0, 3, "我闻到煤气味了"), utt("agent", 4, 7, "请您马上离开房间"), utt("agent", 40, 42, "不要点火"))
    first = {"phrases": ["煤气味"], "by": "caller"}
    assert check({"sequence": {"first": first, "then": {"phrases": ["马上"]}, "within_seconds": 5}}, c).holds
    out = check({"sequence": {"first": first, "then": {"phrases": ["不要点火"]}, "within_seconds": 10}}, c)
    assert not out.holds and "within 10 s" in out.detail
    never = check({"sequence": {"first": {"phrases": ["着火"], "by": "caller"}, "then": {"phrases": ["马上"]}}}, c)
    assert never.na  # the caller never said it: the item is not applicable, not failed


def test_not_turns_a_forbidden_word_into_a_check_with_the_hit_as_evidence():
    c = ctx(utt("agent", 0, 3, "这个不归我们管，你自己去问"))
    out = check({"not": {"said": {"phrases": ["不归我们管"]}}}, c)
    assert not out.holds and out.evidence[0].matched == "不归我们管"
    assert check({"not": {"said": {"phrases": ["烦不烦"]}}}, c).holds


# -- conversation measures -------------------------------------------------------------------------


def test_silence_with_and_without_an_announced_hold():
    held = ctx(utt("agent", 0, 3, "请稍等，我帮您查一下"), utt("agent", 13, 15, "让您久等了"))
    dead = ctx(utt("agent", 0, 3, "这个嘛"), utt("agent", 13, 15, "好了"))
    spec = {"silence": {"longer_than": 8, "unless_after": ["请稍等"]}}
    assert not check(spec, held).holds
    out = check(spec, dead)
    assert out.holds and out.evidence[0].start == 3.0 and out.evidence[0].end == 13.0
    assert not check({"silence": {"longer_than": 12}}, dead).holds


def test_silence_counts_only_when_nobody_speaks():
    overlapping = ctx(utt("agent", 0, 10, "很长的一段话" * 3), utt("caller", 2, 3, "嗯"), utt("caller", 11, 12, "好"))
    assert overlapping.silences == ((10.0, 11.0),)


def test_interruptions_by_the_agent():
    c = ctx(
        utt("caller", 0, 6, "我跟你说这个事情已经很久了"), utt("agent", 4.0, 7, "你先听我说"),
        utt("caller", 8, 12, "我还没说完呢"), utt("agent", 11.5, 13, "好好好"),
    )
    out = check({"interruption": {"by": "agent", "min_overlap": 0.4, "at_least": 2}}, c)
    assert out.holds and len(out.evidence) == 2
    assert not check({"interruption": {"by": "agent", "min_overlap": 1.0, "at_least": 2}}, c).holds
    assert not check({"interruption": {"by": "caller", "min_overlap": 0.4}}, c).holds


def test_speech_rate_and_talk_ratio():
    fast = ctx(utt("agent", 0, 6, "一" * 40), utt("caller", 6, 12, "二" * 10))  # 400 chars/min vs 100
    assert check({"speech_rate": {"by": "agent", "above": 330}}, fast).holds
    assert not check({"speech_rate": {"by": "caller", "above": 330}}, fast).holds
    assert check({"talk_ratio": {"by": "agent", "above": 0.4}}, fast).holds
    assert not check({"talk_ratio": {"by": "agent", "above": 0.6}}, fast).holds


def test_measures_from_later_stages_are_not_applicable_when_missing():
    assert check({"measure": {"name": "agent_arousal", "above": 1.5}}, ctx(*GOOD)).na
    assert check({"measure": {"name": "agent_arousal", "above": 1.5}}, ctx(*GOOD, measures={"agent_arousal": 2.0})).holds


def test_call_metadata():
    meta = CallMeta(line="12345", agent_id="A001", started_at=datetime(2026, 11, 24, 2, 30))
    c = ctx(*GOOD, meta=meta, duration=700)
    assert check({"call": {"duration_above": 600, "line_in": ["12345"], "hour_between": [22, 6]}}, c).holds
    assert not check({"call": {"agent_in": ["A002"]}}, c).holds
    assert check({"call": {"repeat_at_least": 2}}, c).na
    assert check({"call": {"repeat_at_least": 2}}, ctx(*GOOD, repeat_count=3)).holds


# -- the shipped rubric: case type, urgency, scoring -----------------------------------------------


@pytest.fixture(scope="module")
def rubric12345():
    return load_rubric(RUBRICS / "12345.yaml")


def verdicts(result):
    return {v.item_id: v.verdict for v in result.verdicts}


def test_good_complaint_call(rubric12345):
    result = evaluate(rubric12345, ctx(*GOOD))
    assert result.case.case_type == "complaint" and result.case.case_evidence[0].matched == "投诉"
    assert result.case.urgency == "normal" and result.alerts == ()
    v = verdicts(result)
    assert v["greeting"] == v["confirm_details"] == v["next_steps"] == v["closing"] == "pass"
    assert v["no_forbidden_words"] == "pass" and v["urgent_escalation"] == "na"
    assert result.score == 100.0


def test_enquiry_makes_confirming_details_not_applicable(rubric12345):
    call = ctx(utt("agent", 0.5, 3, "您好请问有什么可以帮您"), utt("caller", 4, 8, "我想问一下公积金怎么提取"))
    result = evaluate(rubric12345, call)
    assert result.case.case_type == "enquiry" and result.case.case_evidence == ()
    confirm = next(v for v in result.verdicts if v.item_id == "confirm_details")
    assert confirm.verdict == "na" and "case type" in confirm.reason


def test_forbidden_words_zero_the_call_and_raise_an_alert(rubric12345):
    call = ctx(*GOOD[:3], utt("agent", 16, 18, "这个不归我们管"), *GOOD[4:])
    result = evaluate(rubric12345, call)
    assert verdicts(result)["no_forbidden_words"] == "fail"
    assert result.score == 0.0
    assert [a.kind for a in result.alerts] == ["critical_fail"]
    assert result.alerts[0].start == pytest.approx(16.5, abs=0.5)


def test_suicide_talk_is_urgent_and_escalation_is_required(rubric12345):
    call = ctx(utt("agent", 0.5, 3, "您好请问有什么可以帮您"), utt("caller", 4, 8, "我真的不想活了"), utt("agent", 9, 12, "您先别挂电话，我马上帮您转接"))
    result = evaluate(rubric12345, call)
    assert result.case.urgency == "urgent" and result.case.urgency_title == "特急"
    assert result.alerts[0].kind == "urgent_case" and "不想活" in result.alerts[0].message
    assert verdicts(result)["urgent_escalation"] == "pass"
    silent_agent = ctx(*call.utterances[:2])
    assert verdicts(evaluate(rubric12345, silent_agent))["urgent_escalation"] == "fail"


def test_building_cracks_found_by_proximity(rubric12345):
    call = ctx(utt("caller", 1, 6, "我们楼的墙上裂缝越来越大，感觉要塌"))
    assert evaluate(rubric12345, call).case.urgency == "urgent"


def test_gas_leak_is_an_emergency_repair_before_a_complaint(rubric12345):
    call = ctx(utt("caller", 1, 6, "我要投诉，楼道里燃气泄漏好几天了"))
    result = evaluate(rubric12345, call)
    assert result.case.case_type == "emergency_repair" and result.case.urgency == "urgent"


def test_no_transcript_gives_not_applicable_items_not_a_crash(rubric12345):
    result = evaluate(rubric12345, ctx())
    assert {v.verdict for v in result.verdicts} == {"na"} and result.score is None


def test_a_call_without_agent_speech_leaves_agent_items_not_applicable(rubric12345):
    result = evaluate(rubric12345, ctx(utt("caller", 1, 5, "喂？喂？有人吗？")))
    v = {x.item_id: x for x in result.verdicts}
    assert v["greeting"].verdict == "na" and "no agent speech" in v["greeting"].reason
    assert v["no_forbidden_words"].verdict == "na"
    assert v["no_dead_air"].verdict == "pass"  # a rule about the whole call still applies


def test_every_verdict_explains_itself_with_the_rule(rubric12345):
    result = evaluate(rubric12345, ctx(*GOOD))
    for v in result.verdicts:
        assert v.reason and ("Rule:" in v.reason or v.verdict == "na")


def test_section_weights(rubric12345, tmp_path):
    data = {
        "id": "w", "title": "w", "version": "1",
        "sections": [{"id": "a", "title": "A", "weight": 3}, {"id": "b", "title": "B", "weight": 1}],
        "items": [
            {"id": "x", "title": "x", "section": "a", "points": 10, "check": {"said": {"phrases": ["您好"]}}},
            {"id": "y", "title": "y", "section": "b", "points": 90, "check": {"said": {"phrases": ["不存在"]}}},
        ],
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert evaluate(load_rubric(path), ctx(*GOOD)).score == 75.0  # section a full (weight 3), b empty (weight 1)


# -- rubric files: errors name file, line and field -----------------------------------------------------

BASE = "id: x\ntitle: x\nversion: '1'\nitems:\n  - id: greeting\n    title: g\n    points: 10\n    check:\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("      sayd: {phrases: [您好]}\n", r":9: items\.0\.check\.sayd: unknown operator 'sayd' — did you mean 'said'"),
        ("      said: {phrases: [您好], whithin: {first_seconds: 10}}\n", r":9: items\.0\.check\.said\.whithin: Extra inputs"),
        ("      regex: {pattern: '([a-'}\n", r":9: items\.0\.check\.regex\.pattern: .*bad regular expression"),
        ("      said: {phrases: [$nowhere]}\n", r":9: items\.0\.check\.said\.phrases\.0: unknown phrase list '\$nowhere'"),
        ("      all:\n        - said: {phrases: [您好]}\n        - {said: {phrases: [x]}, not: {said: {phrases: [y]}}}\n",
         r":11: items\.0\.check\.all\.1: a condition is one operator"),
    ],
    ids=["typo-operator", "unknown-field", "bad-regex", "unknown-list", "two-operators"],
)
def test_bad_rubrics_are_refused_with_file_line_and_field(tmp_path, body, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + body, encoding="utf-8")
    with pytest.raises(RubricError, match=r"bad\.yaml" + expected):
        load_rubric(path)


def test_points_that_are_not_a_number(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("points: 10", "points: ten") + "      said: {phrases: [您好]}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"bad\.yaml:7: items\.0\.points: .*valid number"):
        load_rubric(path)


def test_phrase_lists_cannot_refer_to_each_other(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("phrase_lists:\n  a: [$b]\n  b: [$a]\n" + BASE + "      said: {phrases: [$a]}\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"loop\.yaml:2: phrase_lists\.a\.0: .*could loop"):
        load_rubric(path)


def test_duplicate_ids_and_unknown_sections(tmp_path):
    dup = tmp_path / "dup.yaml"
    item = "  - {id: a, title: t, points: 1, check: {said: {phrases: [x]}}}\n"
    dup.write_text("id: x\ntitle: x\nversion: '1'\nitems:\n" + item + item, encoding="utf-8")
    # Blamed on the second item's own line, not the file's top.
    with pytest.raises(RubricError, match=r"dup\.yaml:6: items\.1\.id: duplicate item id 'a'"):
        load_rubric(dup)
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("id: x\ntitle: x\nversion: '1'\nsections:\n  - {id: s, title: s}\nitems:\n"
                      "  - {id: a, title: t, section: s, points: 1, check: {said: {phrases: [x]}}}\n"
                      "  - {id: b, title: t, section: nope, points: 1, check: {said: {phrases: [x]}}}\n")
    with pytest.raises(RubricError, match=r"orphan\.yaml:8: items\.1\.section: item b: unknown section 'nope'"):
        load_rubric(orphan)


def test_every_operator_can_be_evaluated_and_described():
    from qc.rubric import conditions

    assert set(conditions._EVALUATORS) == set(conditions._DESCRIBERS) == set(OPERATORS.values())
    assert describe(cond({"said": {"phrases": ["您好"], "within": {"first_seconds": 10}}})) == "agent says any of “您好” in the first 10 s"


@pytest.mark.parametrize("name", ["12345.yaml", "1823.yaml", "12320.yaml"])
def test_shipped_rubrics_load(name):
    rubric = load_rubric(RUBRICS / name)
    assert rubric.items and rubric.case_types and rubric.urgency


# -- words in context (issue 22): the crisis lexicon's frames, one implementation ---------------------------


@pytest.fixture(scope="module")
def rubric12320():
    return load_rubric(RUBRICS / "12320.yaml")


@pytest.mark.parametrize("text", ["如果中毒了怎么办", "我没有胸痛，就是咳嗽", "上次中毒以后一直头晕", "听说有人吃蘑菇中毒了"])
def test_urgency_words_framed_as_if_not_before_or_hearsay_are_not_urgent(rubric12320, text):
    result = evaluate(rubric12320, ctx(utt("caller", 1, 6, text)))
    assert result.case.urgency == "normal" and not [a for a in result.alerts if a.kind == "urgent_case"], text


def test_urgency_words_happening_now_are_urgent(rubric12320):
    result = evaluate(rubric12320, ctx(utt("caller", 1, 6, "我现在胸痛得厉害")))
    assert result.case.urgency == "urgent" and result.alerts[0].kind == "urgent_case"


def test_said_in_context_real_and_happening():
    call = ctx(utt("caller", 1, 6, "如果水管爆了谁出钱"), utt("caller", 7, 12, "上次水管爆了以后没人修"))
    assert not check({"said": {"phrases": ["水管爆了"], "by": "caller", "context": "real"}}, ctx(call.utterances[0])).holds
    real = check({"said": {"phrases": ["水管爆了"], "by": "caller", "context": "real"}}, call)
    assert real.holds and real.evidence[0].text.startswith("上次")  # the second mention, in the past, is real
    assert not check({"said": {"phrases": ["水管爆了"], "by": "caller", "context": "happening"}}, call).holds
    assert check({"said": {"phrases": ["水管爆了"], "by": "caller"}}, call).holds
    assert "happening now" in describe(cond({"said": {"phrases": ["水管爆了"], "by": "caller", "context": "happening"}}))


def test_an_urgency_rule_must_judge_words_in_context():
    base = {"id": "t", "title": "t", "version": "1", "items": [{"id": "x", "title": "x", "points": 1, "check": {"said": {"phrases": ["a"]}}}]}
    with pytest.raises(ValueError, match="in context"):
        Rubric.model_validate(base | {"urgency": [{"title": "特急", "when": {"said": {"phrases": ["着火"], "by": "caller"}}}]})
    ok = Rubric.model_validate(base | {"urgency": [{"title": "特急", "when": {"said": {"phrases": ["着火"], "by": "caller", "context": "happening"}}}]})
    assert ok.urgency[0].title == "特急"


# -- case types by error class: described, not named; thanks are not praise; a denied type is not that type ----


@pytest.mark.parametrize("text, case_type", [
    ("我不是来投诉的，就是想问问社保卡怎么补办", "enquiry"),
    ("非常感谢你们，再见", "enquiry"),
    ("楼上天天半夜装修，严重影响休息", "complaint"),
    ("物业一直拖着不修电梯，态度很差", "complaint"),
    ("小区门口有人无证经营卖烧烤", "report"),
    ("我觉得这个路口应该增加一个红绿灯", "suggestion"),
    ("窗口的工作人员很耐心，帮了我大忙", "compliment"),
    ("如果冬天水管冻爆了，维修费谁出", "enquiry"),
    ("房间一直漏水", "enquiry"),  # 间一 is not 建议
    ("我爸爸走丢了，到现在还没回来", "help"),
])
def test_case_type_by_error_class(rubric12345, text, case_type):
    assert evaluate(rubric12345, ctx(utt("caller", 1, 6, text))).case.case_type == case_type, text
