from pathlib import Path

import pytest

from qc.errors import ConfigError
from qc.records import Utterance, Word
from qc.rubric import evaluate, load_rubric, score
from qc.rubric.schema import Rubric

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


def utt(role, start, end, text, speaker=None, words=()):
    return Utterance(speaker or role, role, start, end, text, tuple(words))


def words_of(text, start, step=0.25):
    return [Word(ch, start + i * step, start + (i + 1) * step, 0.9) for i, ch in enumerate(text)]


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric(RUBRICS / "12345.yaml")


def verdict(verdicts, item):
    return next(v for v in verdicts if v.item_id == item)


def test_good_call_passes_greeting_and_closing_with_evidence(rubric):
    greeting = "您好，12345，请问有什么可以帮您？"
    calls = (
        utt("agent", 0.5, 5.0, greeting, words=words_of(greeting, 0.5)),
        utt("caller", 5.5, 9.0, "我要投诉噪音"),
        utt("agent", 50.0, 53.0, "感谢您的来电，再见。"),
    )
    verdicts = evaluate(rubric, calls, duration_s=55.0)
    g = verdict(verdicts, "greeting")
    assert g.verdict == "pass" and g.points == g.max_points
    assert [e.matched for e in g.evidence] == ["您好", "请问有什么可以帮您"]
    # Times come from the words that matched, not the whole utterance.
    assert g.evidence[0].start == pytest.approx(0.5) and g.evidence[0].end == pytest.approx(1.0)
    assert g.evidence[1].start > 2.0 and g.evidence[1].role == "agent"
    assert verdict(verdicts, "closing").verdict == "pass"
    assert score(verdicts) == 100.0


def test_greeting_too_late_or_by_the_caller_fails(rubric):
    late = (utt("caller", 0.5, 3.0, "您好，请问有什么可以帮您"), utt("agent", 12.0, 15.0, "您好，请问有什么可以帮您"))
    v = verdict(evaluate(rubric, late, 60.0), "greeting")
    assert v.verdict == "fail" and v.points == 0
    assert "first 10 s" in v.reason and v.evidence == ()


def test_partial_greeting_names_what_is_missing(rubric):
    v = verdict(evaluate(rubric, (utt("agent", 0.2, 1.0, "喂，您好"),), 30.0), "greeting")
    assert v.verdict == "fail"
    assert "请问有什么可以帮您" in v.reason and "您好" not in v.reason.split(":", 1)[1]


def test_closing_outside_last_30_seconds_does_not_count(rubric):
    calls = (utt("agent", 0.5, 3.0, "您好，请问有什么可以帮您"), utt("agent", 10.0, 12.0, "再见"), utt("agent", 100.0, 101.0, "行了，就这样。"))
    assert verdict(evaluate(rubric, calls, 102.0), "closing").verdict == "fail"
    assert score(evaluate(rubric, calls, 102.0)) == 50.0


def test_english_phrases_and_unresolved_speakers(rubric):
    calls = (utt("unknown", 0.5, 3.0, " Hello, 12345 hotline, how can I help you?", speaker="S?"),)
    resolved = evaluate(rubric, calls, 20.0, roles_known=True)
    unresolved = evaluate(rubric, calls, 20.0, roles_known=False)
    assert verdict(resolved, "greeting").verdict == "fail"  # nobody is known to be the agent
    g = verdict(unresolved, "greeting")
    assert g.verdict == "pass" and g.evidence[0].role == "unknown"
    assert "speakers unresolved" in g.reason


def test_critical_failure_zeroes_the_call():
    rubric = Rubric(
        id="t", title="t", version="1",
        items=[
            {"id": "greeting", "title": "g", "points": 10, "require": [["您好"]]},
            {"id": "no_abuse", "title": "n", "points": 10, "severity": "critical", "role": "agent", "require": [["never said"]]},
        ],
    )
    verdicts = evaluate(rubric, (utt("agent", 0, 1, "您好"),), 10.0)
    assert score(verdicts) == 0.0


def test_invalid_rubric_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: x\nversion: '1'\nitems:\n  - id: greeting\n    title: g\n    points: -1\n    require: [[您好]]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml: items\.0\.points"):
        load_rubric(bad)


def test_duplicate_item_ids_are_rejected(tmp_path):
    dup = tmp_path / "dup.yaml"
    item = "  - {id: a, title: t, points: 1, require: [[x]]}\n"
    dup.write_text("id: x\ntitle: x\nversion: '1'\nitems:\n" + item + item, encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate item ids: a"):
        load_rubric(dup)


def test_missing_rubric_file(tmp_path):
    with pytest.raises(ConfigError, match="rubric file not found"):
        load_rubric(tmp_path / "none.yaml")
