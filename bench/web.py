"""Benchmark: web page latency with 100,000 calls in the store (issue 6).

Builds a store of N synthetic scored calls (default 100,000: ~20 utterances and 10 rubric items each,
4 lines, 200 agents in 10 teams, a month of start times) with DuckDB's own generators, then times real
HTTP requests against the app on a loopback uvicorn server, signed in as an inspector and as a team
lead: the default queue, filtered queues, a transcript search, deep pages, and call pages.
Target: p95 <= 300 ms for the queue, <= 500 ms for a call page.

    .venv/bin/python bench/web.py [--calls 100000] [--requests 40]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from qc.accounts import add_user  # noqa: E402
from qc.config import WebConfig, load_settings  # noqa: E402
from qc.store import Store  # noqa: E402
from qc.web.app import create_app  # noqa: E402
from qc.testing.browser import serving  # noqa: E402

REPORTS = ROOT / "reports" / "bench"
PASSWORD = "bench-password-123"
QUEUE_TARGET_MS, CALL_TARGET_MS = 300, 500
PHRASES = ["您好，12345，请问有什么可以帮您", "我要投诉工地夜间施工噪音", "请问您贵姓，联系电话是多少", "社保卡丢了怎么补办",
           "好的，再和您确认一下", "我们会转交相关部门处理，五个工作日内给您回复", "感谢您的来电，再见", "公积金提取需要什么材料",
           "楼下饭店油烟太大", "小区物业不作为"]
ITEMS = ["greeting", "confirm_details", "courtesy_words", "no_forbidden_words", "no_dead_air", "no_interrupting",
         "speech_pace", "next_steps", "closing", "urgent_escalation"]


def build_store(path: Path, calls: int) -> None:
    """N calls with utterances and rule hits, generated inside DuckDB (seconds, not hours)."""
    with Store(path) as store:
        con = store.con
        con.execute("CREATE TEMP TABLE phrases AS SELECT unnest(?) AS text, generate_subscripts(?, 1) AS k", [PHRASES, PHRASES])
        con.execute("CREATE TEMP TABLE items AS SELECT unnest(?) AS item_id, generate_subscripts(?, 1) AS k", [ITEMS, ITEMS])
        con.execute(f"""
            INSERT INTO calls (call_id, path, file_name, line, agent_id, caller_hash, started_at, duration_s, sample_rate, channels,
                               layout, language, speakers_status, status, rubric_id, rubric_version, score, flags, case_type, case_title,
                               urgency, pipeline_version, scored_at, failure_reason)
            SELECT printf('%024x', hash(i)), '/recordings/' || i || '.wav', 'call-' || i || '.wav',
                   ['12345', '12345', '12320', '1823'][1 + i % 4], printf('A%03d', i % 200), printf('%016x', hash(i % 30000)),
                   TIMESTAMP '2026-11-01' + to_seconds(i * 26), 60 + i % 240, 8000, 2, 'stereo', 'zh', 'channels',
                   CASE WHEN i % 97 = 0 THEN 'failed' ELSE 'scored' END, '12345', '2026.11.3',
                   CASE WHEN i % 97 = 0 THEN NULL ELSE 40 + (hash(i) % 61)::DOUBLE END,
                   CASE WHEN i % 5 = 0 THEN ['greeting'] WHEN i % 7 = 0 THEN ['closing', 'courtesy_words'] ELSE [] END,
                   ['complaint', 'inquiry', 'request'][1 + i % 3], ['投诉', '咨询', '求助'][1 + i % 3],
                   CASE WHEN i % 500 = 0 THEN 'urgent' ELSE 'normal' END, 'bench', now()::TIMESTAMP,
                   CASE WHEN i % 97 = 0 THEN 'decode: not an audio file' END
            FROM range({calls}) t(i)""")
        con.execute(f"""
            INSERT INTO utterances (call_id, idx, speaker, role, channel, start_s, end_s, text, words)
            SELECT printf('%024x', hash(i)), j, CASE WHEN j % 2 = 0 THEN 'ch0' ELSE 'ch1' END,
                   CASE WHEN j % 2 = 0 THEN 'agent' ELSE 'caller' END, j % 2, j * 6.0, j * 6.0 + 5.0,
                   p.text || '（' || i || '）', []
            FROM range({calls}) t(i), range(20) u(j), phrases p WHERE p.k = 1 + (i + j) % {len(PHRASES)}""")
        con.execute("INSERT INTO call_text SELECT call_id, string_agg(text, ' ' ORDER BY idx) FROM utterances GROUP BY call_id")
        con.execute(f"""
            INSERT INTO rule_hits (call_id, rubric_id, rubric_version, item_id, title, verdict, points, max_points, severity, reason, evidence)
            SELECT printf('%024x', hash(i)), '12345', '2026.11.3', it.item_id, it.item_id,
                   CASE WHEN (i + it.k) % 9 = 0 THEN 'fail' ELSE 'pass' END, 10, 10, 'normal', 'bench',
                   [{{'start_s': 1.0, 'end_s': 3.0, 'role': 'agent', 'matched': '您好', 'text': '您好，12345'}}]
            FROM range({calls}) t(i), items it""")
        con.execute("""INSERT INTO alerts SELECT call_id, 'urgent_case', 'critical', 10.0, 'urgent', [], now()::TIMESTAMP
                       FROM calls WHERE urgency = 'urgent'""")
        con.execute("INSERT INTO agents SELECT printf('A%03d', i), 'agent ' || i, 'team' || (i % 10), '12345', true, now() FROM range(200) t(i)")
        add_user(con, "inspector", PASSWORD, "inspector")
        add_user(con, "lead", PASSWORD, "team_lead", team="team3")
        con.execute("CHECKPOINT")


def timed(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
    return elapsed


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page kind")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qc-web-bench-"))
    db = folder / "qc.duckdb"
    started = time.perf_counter()
    build_store(db, args.calls)
    build_s = time.perf_counter() - started
    settings = load_settings(db_path=db, web=WebConfig(secret_key="bench-secret"))
    rng = random.Random(7)
    with Store(db) as store:
        call_ids = [r[0] for r in store.con.execute("SELECT call_id FROM calls WHERE status = 'scored' USING SAMPLE 200 ROWS").fetchall()]
        lead_calls = [r[0] for r in store.con.execute(
            "SELECT call_id FROM calls WHERE agent_id IN (SELECT agent_id FROM agents WHERE team = 'team3') USING SAMPLE 100 ROWS").fetchall()]
    results: dict[str, dict] = {}
    with serving(create_app(settings)) as base:
        for username, pages in (
            ("inspector", {
                "queue (default)": lambda: "/queue",
                "queue (unreviewed, line 12345)": lambda: "/queue?reviewed=no&line=12345",
                "queue (failed item greeting)": lambda: "/queue?item=greeting",
                "queue (page 500)": lambda: f"/queue?page={rng.randint(100, 1900)}",
                "queue (transcript search, common word)": lambda: f"/queue?q={rng.choice(['油烟', '公积金', '物业不作为'])}",
                "queue (transcript search, rare)": lambda: f"/queue?q=（{rng.randint(0, args.calls - 1)}）",
                "call page": lambda: f"/calls/{rng.choice(call_ids)}",
            }),
            ("lead", {"queue (team lead)": lambda: "/queue", "call page (team lead)": lambda: f"/calls/{rng.choice(lead_calls)}"}),
        ):
            with httpx.Client(base_url=base, timeout=30) as client:
                client.post("/login", data={"username": username, "password": PASSWORD})
                for name, url in pages.items():
                    timed(client, url())  # warm-up
                    results[name] = percentiles([timed(client, url()) for _ in range(args.requests)])
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "calls": args.calls,
        "store_build_s": round(build_s, 1),
        "db_mb": round(db.stat().st_size / 1e6, 1),
        "pages": results,
        "targets": {"queue_p95_ms": QUEUE_TARGET_MS, "call_p95_ms": CALL_TARGET_MS},
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "web.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    lines = [f"# Web page latency — {report['measured_at']}", "",
             f"{args.calls:,} calls in the store ({report['db_mb']} MB DuckDB file), real HTTP on loopback (uvicorn, one process), "
             f"{args.requests} requests per page after one warm-up, this 2-core machine. Targets: queue p95 ≤ {QUEUE_TARGET_MS} ms, "
             f"call page p95 ≤ {CALL_TARGET_MS} ms.", "",
             "| page | p50 ms | p95 ms | max ms | target |", "|---|---|---|---|---|"]
    for name, r in results.items():
        target = CALL_TARGET_MS if name.startswith("call") else QUEUE_TARGET_MS
        lines.append(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {'met' if r['p95_ms'] <= target else 'MISSED'} (≤ {target}) |")
    (REPORTS / "web.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
