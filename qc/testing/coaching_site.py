"""A store for coaching-report tests, written through Store.write without speech recognition.

Two teams (north: A1 A2 A3, south: B1 B2 B3) on line 12345, two ISO weeks (2026-W47, 2026-W48), six
rubric items of 10 points each plus one that never applies. Which calls fail which item is spelled out
in FAILS, so the expected pass rates can be counted by hand. On top: a review that turns one of A1's
failed items into a pass (and re-scores the call), a calibration verdict that must change nothing, tone
alerts for A1, an alert of another kind, a failed call, and A4, a north agent with calls in W47 only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from qc.accounts import add_agent
from qc.records import Alert, CallMeta, CallResult, Evidence, Utterance, Verdict
from qc.review import ItemVerdict, save_review
from qc.store import Store

WEEK, LAST_WEEK = "2026-W48", "2026-W47"
MONDAY = {WEEK: datetime(2026, 11, 23, 9, 0), LAST_WEEK: datetime(2026, 11, 16, 9, 0)}
ITEMS = (
    ("greeting", "开场问候（10秒内） / Greeting within 10 s"),
    ("confirm_details", "核实诉求信息 / Confirms the details back"),
    ("courtesy_words", "使用礼貌用语 / Uses courtesy words"),
    ("no_forbidden_words", "无服务禁语 / No forbidden words"),
    ("next_steps", "告知处理流程与时限 / Tells what happens next and when"),
    ("closing", "礼貌结束语 / Polite closing"),
)
NEVER_APPLIES = ("urgent_escalation", "特急事项立即处置 / Urgent case escalated at once")
AGENTS = {
    "A1": ("王芳", "north"), "A2": ("李娜", "north"), "A3": ("张伟", "north"),
    "B1": ("刘洋", "south"), "B2": ("陈静", "south"), "B3": ("杨磊", "south"),
    "A4": ("赵敏", "north"),
}
CALLS_PER_WEEK = {WEEK: 5, LAST_WEEK: 4}
# (agent, week) -> {item: indexes of the calls that fail it}
FAILS: dict[tuple[str, str], dict[str, list[int]]] = {
    ("A1", WEEK): {"next_steps": [0, 1, 2, 3, 4], "confirm_details": [0, 1, 2], "closing": [1, 3], "courtesy_words": [2]},
    ("A2", WEEK): {"greeting": [0, 1], "next_steps": [0], "closing": [2]},
    ("A3", WEEK): {"greeting": [3], "next_steps": [1], "courtesy_words": [4]},
    ("B1", WEEK): {"no_forbidden_words": [0], "confirm_details": [1]},
    ("B2", WEEK): {"next_steps": [0, 1], "confirm_details": [2]},
    ("B3", WEEK): {"closing": [0]},
    ("A1", LAST_WEEK): {"next_steps": [0, 1], "confirm_details": [0]},
    ("A2", LAST_WEEK): {"greeting": [0]},
    ("A3", LAST_WEEK): {},
    ("B1", LAST_WEEK): {"confirm_details": [0]},
    ("B2", LAST_WEEK): {"next_steps": [0]},
    ("B3", LAST_WEEK): {},
    ("A4", LAST_WEEK): {"closing": [0]},
}
NO_EVIDENCE = {"A1-2026-W48-3"}  # its failed items carry no evidence: examples with evidence come first
REVIEWED_CALL, REVIEWED_ITEM = "A1-2026-W48-4", "next_steps"  # machine fail, reviewer: pass
CALIBRATED_CALL = "A1-2026-W48-0"  # a calibration reviewer fails its greeting: must not count
TONE_ALERT_CALLS = {"A1-2026-W48-1": 12.5, "A1-2026-W47-0": 30.0}
MATCHED = "知道了"


def call_id(agent: str, week: str, idx: int) -> str:
    return f"{agent}-{week}-{idx}"


def evidence_text(cid: str) -> str:
    return f"嗯嗯{MATCHED}，您等通知吧（{cid}）"


def _result(agent: str, week: str, idx: int, fails: dict[str, list[int]]) -> CallResult:
    cid = call_id(agent, week, idx)
    verdicts = []
    for item_id, title in ITEMS:
        failed = idx in fails.get(item_id, [])
        evidence = () if (not failed or cid in NO_EVIDENCE) else (Evidence(2.0 + idx, 4.5 + idx, "agent", MATCHED, evidence_text(cid)),)
        verdicts.append(Verdict(item_id, title, "fail" if failed else "pass", 0.0 if failed else 10.0, 10.0, "major",
                                "未听到要求的话术" if failed else "heard", evidence))
    verdicts.append(Verdict(NEVER_APPLIES[0], NEVER_APPLIES[1], "na", 0.0, 10.0, "critical", "not an urgent case"))
    passed = sum(v.verdict == "pass" for v in verdicts)
    alerts = []
    if cid in TONE_ALERT_CALLS:
        alerts.append(Alert("agent_agitated", "high", TONE_ALERT_CALLS[cid], "坐席语气激动"))
    if cid == "A2-2026-W48-0":
        alerts.append(Alert("urgent_case", "critical", 5.0, "燃气泄漏"))
    started = MONDAY[week] + timedelta(days=idx % 5, hours=idx)
    return CallResult(
        call_id=cid, path=f"/rec/{cid}.wav", status="scored",
        meta=CallMeta(line="12345", agent_id=agent, started_at=started),
        pipeline_version="test", scored_at=datetime.now(timezone.utc), speakers_status="channels", layout="stereo", language="zh",
        utterances=(Utterance("ch0", "agent", 0.5, 3.0, "您好，12345，请问有什么可以帮您", (), 0),),
        verdicts=tuple(verdicts), rubric_id="12345", rubric_version="test-1", score=round(100.0 * passed / len(ITEMS), 1),
        alerts=tuple(alerts),
    )


def results() -> list[CallResult]:
    out = []
    for (agent, week), fails in FAILS.items():
        n = 2 if agent == "A4" else CALLS_PER_WEEK[week]
        out += [_result(agent, week, i, fails) for i in range(n)]
    # A call that failed to score, in A1's week: never counted.
    out.append(CallResult(call_id="A1-broken", path="/rec/broken.wav", status="failed", meta=CallMeta(line="12345", agent_id="A1",
                          started_at=MONDAY[WEEK]), pipeline_version="test", scored_at=datetime.now(timezone.utc),
                          failure_stage="audio", failure_reason="silent recording"))
    return out


def _items(result: CallResult) -> list[ItemVerdict]:
    return [ItemVerdict(v.item_id, v.verdict, v.points, v.max_points, v.severity) for v in result.verdicts]


def build_store(path: Path) -> Path:
    made = results()
    by_id = {r.call_id: r for r in made}
    with Store(path) as store:
        store.write(made)
        for agent_id, (name, team) in AGENTS.items():
            add_agent(store.con, agent_id, name=name, team=team, line="12345")
        for cid, item, verdict, purpose in ((REVIEWED_CALL, REVIEWED_ITEM, "pass", "review"), (CALIBRATED_CALL, "greeting", "fail", "calibration")):
            save_review(store.con, call_id=cid, item_id=item, verdict=verdict, comment="听了录音", reviewer="inspector1", purpose=purpose,
                        items=_items(by_id[cid]), rubric_id="12345", rubric_version="test-1", section_weight=lambda s: 1.0)
    return path


def final_fails(agent: str, week: str, item: str) -> int:
    fails = len(FAILS[(agent, week)].get(item, []))
    if agent == "A1" and week == WEEK and item == REVIEWED_ITEM:
        fails -= 1
    return fails
