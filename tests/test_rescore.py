"""Re-applying a changed rubric to stored transcripts, without speech recognition."""

from datetime import datetime, timezone
from pathlib import Path

import yaml
from typer.testing import CliRunner

from qc.cli import app
from qc.config import load_settings
from qc.records import CallMeta, CallResult, Utterance, Word
from qc.rescore import rescore
from qc.store import Store

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"
VERSION = yaml.safe_load((RUBRICS / "12345.yaml").read_text(encoding="utf-8"))["version"]


def stored_call(call_id: str, agent_opening: str) -> CallResult:
    def utt(role, start, end, text):
        step = (end - start) / len(text)
        words = tuple(Word(c, start + i * step, start + (i + 1) * step, 0.9) for i, c in enumerate(text))
        return Utterance("ch0" if role == "agent" else "ch1", role, start, end, text, words, 0 if role == "agent" else 1)

    return CallResult(
        call_id=call_id, path=f"/rec/{call_id}.wav", status="scored", meta=CallMeta(line="12345", agent_id="A1"),
        pipeline_version="test", scored_at=datetime.now(timezone.utc), speakers_status="channels", layout="stereo",
        utterances=(utt("agent", 0.5, 3.0, agent_opening), utt("caller", 3.5, 6.0, "我想咨询公积金"), utt("agent", 7.0, 9.0, "感谢您的来电，再见")),
        rubric_id="12345", rubric_version="old", score=None,
    )


def changed_rubric(tmp_path: Path) -> Path:
    """The shipped rubric, new version, whose greeting now also wants the agent's job number (工号)."""
    data = yaml.safe_load((RUBRICS / "12345.yaml").read_text(encoding="utf-8"))
    data["version"] = "2026.12-test"
    greeting = next(i for i in data["items"] if i["id"] == "greeting")
    greeting["check"]["all"].append({"said": {"phrases": ["工号"], "by": "agent", "within": {"first_seconds": 10}}})
    path = tmp_path / "12345-new.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_rescoring_applies_the_new_rubric_and_keeps_each_version(tmp_path):
    settings = load_settings(db_path=tmp_path / "qc.duckdb")
    with Store(settings.db_path) as store:
        store.write([stored_call("c1", "您好，请问有什么可以帮您"), stored_call("c2", "您好，工号1024，请问有什么可以帮您")])
        first = rescore(settings)
        assert first.calls == 2 and first.rubrics == [f"12345 {VERSION}"]
        greeting_v1 = dict(store.con.execute("SELECT call_id, verdict FROM rule_hits WHERE item_id = 'greeting' AND rubric_version = ?", [VERSION]).fetchall())
        assert greeting_v1 == {"c1": "pass", "c2": "pass"}

        second = rescore(settings, rubric_path=changed_rubric(tmp_path))
        assert second.calls == 2 and second.rubrics == ["12345 2026.12-test"] and second.changed_score == 1
        greeting_v2 = dict(store.con.execute("SELECT call_id, verdict FROM rule_hits WHERE item_id = 'greeting' AND rubric_version = '2026.12-test'").fetchall())
        assert greeting_v2 == {"c1": "fail", "c2": "pass"}
        versions = store.con.execute("SELECT rubric_version, count(*) FROM scores GROUP BY ALL ORDER BY 1").fetchall()
        assert versions == sorted([(VERSION, 2), ("2026.12-test", 2), ("old", 2)])  # every version stays traceable
        # The call shows the newest run; the case type came from the transcript, not from ASR.
        call = store.call("c1")
        assert call["rubric_version"] == "2026.12-test" and "greeting" in call["flags"] and call["case_type"] == "enquiry"
        assert {h["rubric_version"] for h in call["rule_hits"]} == {"2026.12-test"}
        assert store.counts()["utterances"] == 6  # transcripts untouched


def test_rescore_command(tmp_path):
    db = tmp_path / "qc.duckdb"
    with Store(db) as store:
        store.write([stored_call("c1", "您好，请问有什么可以帮您")])
    result = CliRunner().invoke(app, ["rescore", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"re-scored 1 calls with rubric 12345 {VERSION}" in result.output
    missing = CliRunner().invoke(app, ["rescore", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "qc score" in missing.output


def test_rubric_check_command(tmp_path):
    ok = CliRunner().invoke(app, ["rubric", "check", str(RUBRICS / "12320.yaml")])
    assert ok.exit_code == 0 and "no_phone_diagnosis" in ok.output and "critical" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: x\nversion: '1'\nitems:\n  - {id: a, title: t, points: 1, check: {sayd: {phrases: [x]}}}\n")
    refused = CliRunner().invoke(app, ["rubric", "check", str(bad)])
    assert refused.exit_code == 1 and "bad.yaml:5" in refused.output and "did you mean 'said'" in refused.output
