"""Scored calls made up for API tests and the API benchmark, written through ``Store.write`` like the pipeline's.

Each call has redacted utterances (a phone number as ``[手机号]``) and, kept beside them, the raw ones
with the digits; verdicts with evidence; an urgent-case alert on some; personal data spans.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from qc.records import Alert, AudioInfo, CallMeta, CallResult, CaseInfo, Evidence, PersonalData, Utterance, Verdict

RAW_PHONE = "13912345678"
LINES = ("12345", "12345", "12320", "1823")
ITEMS = ("greeting", "confirm_details", "courtesy_words", "next_steps", "closing")
START = datetime(2026, 11, 2, 8, 0)


def call_id_of(i: int, prefix: str = "c") -> str:
    return f"{prefix}{i:023d}"[-24:]


def synthetic_call(i: int, *, agents: int = 200, prefix: str = "c", scored_at: datetime | None = None,
                   utterances: int = 6) -> CallResult:
    """Call number ``i``: line, agent, score, flags, case, urgency and repeat level all follow from ``i``."""
    call_id = call_id_of(i, prefix)
    started = START + timedelta(seconds=i * 26)
    agent = f"A{i % agents:03d}"
    if i % 97 == 0:
        return CallResult(call_id=call_id, path=f"/recordings/{call_id}.wav", status="failed",
                          meta=CallMeta(line=LINES[i % 4], agent_id=agent, started_at=started), pipeline_version="api-test",
                          scored_at=scored_at or datetime.now(timezone.utc), failure_stage="decode",
                          failure_reason="decode: not an audio file")
    turns, raw_turns = [], []
    for j in range(utterances):
        role = "agent" if j % 2 == 0 else "caller"
        said = f"第{j}句 号码是{RAW_PHONE}" if j == 1 else f"您好，这是第{i}号电话的第{j}句"
        shown = said.replace(RAW_PHONE, "[手机号]")
        turns.append(Utterance(f"ch{j % 2}", role, j * 6.0, j * 6.0 + 5.0, shown, channel=j % 2))
        raw_turns.append(Utterance(f"ch{j % 2}", role, j * 6.0, j * 6.0 + 5.0, said, channel=j % 2))
    verdicts = []
    for k, item in enumerate(ITEMS):
        fail = (i + k) % 7 == 0 or (i + 2 * k) % 11 == 0
        verdicts.append(Verdict(item, item.replace("_", " "), "fail" if fail else "pass", 0.0 if fail else 10.0, 10.0, "normal",
                                "synthetic", (Evidence(0.0, 5.0, "agent", "您好", turns[0].text),)))
    score = round(100.0 * sum(v.points for v in verdicts) / sum(v.max_points for v in verdicts), 1)
    urgent = i % 50 == 0
    alerts = (Alert("urgent_case", "critical", 6.0, "特急: 燃气泄漏", (Evidence(6.0, 11.0, "caller", "燃气", turns[1].text),)),) \
        if urgent else ()
    case = CaseInfo(("complaint", "inquiry", "request")[i % 3], ("投诉", "咨询", "求助")[i % 3], (), "urgent" if urgent else "normal",
                    "燃气泄漏" if urgent else None, (), 2 if i % 11 == 0 else 1, "orange" if i % 11 == 0 else None)
    return CallResult(
        call_id=call_id, path=f"/recordings/{call_id}.wav", status="scored",
        meta=CallMeta(line=LINES[i % 4], agent_id=agent, caller_hash=f"{i % 3000:016x}", started_at=started),
        pipeline_version="api-test", scored_at=scored_at or datetime.now(timezone.utc),
        audio=AudioInfo(f"/recordings/{call_id}.wav", call_id, 1000, "wav", 8000, 2, 60.0 + i % 240),
        layout="stereo", language="zh", language_probability=0.99, speakers_status="channels",
        utterances=tuple(turns), raw_utterances=tuple(raw_turns), verdicts=tuple(verdicts), rubric_id="12345",
        rubric_version="2026.11", score=score, case=case, alerts=alerts,
        personal_data=(PersonalData("mobile", 1, 7.0, 9.0, 0.99),),
    )
