"""Benchmark: the v1 API on a 100,000-call store, and an incremental sync while another process writes.

The store is built through ``Store.write`` (the pipeline's own write path: calls, utterances, verdicts with
evidence, alerts, personal data spans, raw utterances, change numbers), in batches of 1,000 made-up calls
(``qc.testing.api_calls``: 6 utterances and 5 verdicts each, 200 agents in 10 teams, 4 lines). Then `qc serve`
runs in its own process, as an operator starts it, and real HTTP requests with an API token measure:

1. p95 latency of typical queries (first page, filtered pages, a page deep in the sync, a call, alerts,
   weekly summaries, /metrics) on a quiet store; target p95 <= 300 ms;
2. a full incremental sync of every call (limit 1,000 a page, following next_cursor) while another process
   keeps writing new calls through Store.write: rows missed and rows repeated (target 0 and 0).

    .venv/bin/python bench/api.py [--calls 100000] [--requests 40] [--concurrent-calls 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from qc.accounts import add_agent, add_user, create_token  # noqa: E402
from qc.store import Store, close_all  # noqa: E402
from qc.testing.api_calls import synthetic_call  # noqa: E402
from qc.testing.browser import start_qc_serve  # noqa: E402

REPORTS = ROOT / "reports" / "bench"
TARGET_MS = 300
BATCH = 1000
AGENTS = 200

WRITER = textwrap.dedent("""
    import sys, time
    from qc.store import Store
    from qc.testing.api_calls import synthetic_call
    db, count, batch, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    for first in range(0, count, batch):
        with Store(db) as store:
            store.write([synthetic_call(i, prefix=prefix, agents=200) for i in range(first, min(first + batch, count))])
        time.sleep(0.05)
    print("written", count, flush=True)
""")


def build_store(db: Path, calls: int) -> None:
    for first in range(0, calls, BATCH):
        with Store(db) as store:
            store.write([synthetic_call(i, agents=AGENTS) for i in range(first, min(first + BATCH, calls))])
    with Store(db) as store:
        for a in range(AGENTS):
            add_agent(store.con, f"A{a:03d}", name=f"agent {a}", team=f"team{a % 10}", line="12345")
        add_user(store.con, "inspector", "bench-password-123", "inspector")
        add_user(store.con, "admin", "bench-password-123", "admin")
        add_user(store.con, "lead", "bench-password-123", "team_lead", team="team3")


def make_tokens(db: Path) -> dict[str, str]:
    with Store(db) as store:
        tokens = {
            "inspector": create_token(store.con, "inspector", "bench", scopes=("read:calls",)),
            "admin": create_token(store.con, "admin", "bench", scopes=("read:calls", "read:metrics")),
            "lead": create_token(store.con, "lead", "bench", scopes=("read:calls",)),
        }
        store.con.execute("CHECKPOINT")
    close_all()
    return tokens


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}


def timed(client: httpx.Client, url: str, params: dict | None = None) -> tuple[float, dict | str]:
    start = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: HTTP {response.status_code}: {response.text[:300]}")
    body = response.json() if response.headers["content-type"].startswith("application/json") else response.text
    return elapsed, body


def full_sync(client: httpx.Client, limit: int, cursor: str | None = None) -> tuple[list[str], list[str], list[float], str]:
    """Follow next_cursor until has_more is false: the ids, the cursors handed out, each page's latency."""
    ids, cursors, latencies = [], [], []
    while True:
        ms, page = timed(client, "/api/v1/calls", {"limit": limit, **({"cursor": cursor} if cursor else {})})
        latencies.append(ms)
        ids += [r["call_id"] for r in page["data"]]
        cursor = page["next_cursor"]
        cursors.append(cursor)
        if not page["has_more"]:
            return ids, cursors, latencies, cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per query kind")
    parser.add_argument("--concurrent-calls", type=int, default=3000, help="calls the other process writes during the sync")
    parser.add_argument("--store", type=Path, help="measure again on a store an earlier run built (skips the build)")
    parser.add_argument("--writer-prefix", default="w", help="one letter starting the ids of the calls written during the sync")
    args = parser.parse_args()
    build_s = None
    if args.store:
        db = args.store
        folder = db.parent
    else:
        folder = Path(tempfile.mkdtemp(prefix="qc-api-bench-"))
        db = folder / "qc.duckdb"
        started = time.perf_counter()
        build_store(db, args.calls)
        build_s = round(time.perf_counter() - started, 1)
        print(f"store built: {args.calls} calls in {build_s:.0f} s", flush=True)
    tokens = make_tokens(db)
    with Store(db, read_only=True) as store:
        calls_at_start = store.con.execute("SELECT count(*) FROM calls").fetchone()[0]
    close_all()
    server, base = start_qc_serve(db, secret="api-bench-secret")
    rng = random.Random(11)
    results: dict[str, dict] = {}
    sync_report: dict = {}
    try:
        inspector = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {tokens['inspector']}"})
        lead = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {tokens['admin']}"})
        lead_team = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {tokens['lead']}"})
        # A first full pass (quiet store): gives cursors deep in the sync for the latency runs.
        _, cursors, _, _ = full_sync(inspector, 1000)
        call_ids = [synthetic_call(i).call_id for i in rng.sample(range(args.calls), 200)]
        queries = {
            "calls, first page (100)": (inspector, lambda: ("/api/v1/calls", {"limit": 100})),
            "calls, line + score range": (inspector, lambda: ("/api/v1/calls", {"line": "12345", "min_score": 60, "max_score": 85,
                                                                               "limit": 100})),
            "calls, team + unreviewed": (inspector, lambda: ("/api/v1/calls", {"team": f"team{rng.randint(0, 9)}", "reviewed": "false",
                                                                              "limit": 100})),
            "calls, failed item + urgent": (inspector, lambda: ("/api/v1/calls", {"flag": "greeting", "urgency": "urgent", "limit": 100})),
            "calls, recording day": (inspector, lambda: ("/api/v1/calls", {"recorded_from": "2026-11-20", "recorded_to": "2026-11-20",
                                                                          "limit": 100})),
            "calls, page of 1000": (inspector, lambda: ("/api/v1/calls", {"limit": 1000})),
            "calls, team lead's scope": (lead_team, lambda: ("/api/v1/calls", {"limit": 100})),
            "call detail": (inspector, lambda: (f"/api/v1/calls/{rng.choice(call_ids)}", None)),
            "alerts (100)": (inspector, lambda: ("/api/v1/alerts", {"limit": 100})),
            "agents weekly, one team": (inspector, lambda: ("/api/v1/agents/weekly", {"team": f"team{rng.randint(0, 9)}"})),
            "metrics": (lead, lambda: ("/metrics", None)),
        }
        for name, (client, make) in queries.items():
            timed(client, *make())  # warm-up
            results[name] = percentiles([timed(client, *make())[0] for _ in range(args.requests)])
            print(name, results[name], flush=True)
        # Deep pages: a cursor handed out during the first pass, with its own filters (none).
        timed(inspector, "/api/v1/calls", {"limit": 100, "cursor": cursors[len(cursors) // 2]})
        results["calls, deep cursor (100)"] = percentiles(
            [timed(inspector, "/api/v1/calls", {"limit": 100, "cursor": rng.choice(cursors[:-1])})[0] for _ in range(args.requests)])
        print("deep", results["calls, deep cursor (100)"], flush=True)

        # The sync under writes: from nothing, every call, while another process writes new ones.
        script = folder / "writer.py"
        script.write_text(WRITER)
        writer = subprocess.Popen([sys.executable, str(script), str(db), str(args.concurrent_calls), "50", args.writer_prefix],
                                  cwd=ROOT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sync_started = time.perf_counter()
        seen, pages, page_ms, passes, cursor = [], 0, [], 0, None
        while True:
            writing = writer.poll() is None
            ids, _, latencies, cursor = full_sync(inspector, 1000, cursor)
            seen += ids
            pages += len(latencies)
            page_ms += latencies
            passes += 1
            if not writing:
                break
            time.sleep(0.2)
        out, err = writer.communicate(timeout=600)
        sync_s = time.perf_counter() - sync_started
        if writer.returncode != 0:
            raise RuntimeError(f"writer failed: {err[-500:]}")
        _, stored = timed(lead, "/metrics")
        with Store(db, read_only=True) as store:
            all_ids = {r[0] for r in store.con.execute("SELECT call_id FROM calls").fetchall()}
        close_all()
        sync_report = {
            "calls_at_start": calls_at_start, "written_during_sync": args.concurrent_calls, "calls_at_end": len(all_ids),
            "rows_received": len(seen), "missed": len(all_ids - set(seen)), "duplicated": len(seen) - len(set(seen)),
            "unknown": len(set(seen) - all_ids), "pages": pages, "passes": passes, "seconds": round(sync_s, 1),
            "rows_per_s": round(len(seen) / sync_s), "page_ms": percentiles(page_ms),
        }
        print("sync", sync_report, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "calls": calls_at_start, "store_build_s": build_s, "db_mb": round(db.stat().st_size / 1e6, 1),
        "queries": results, "sync_under_writes": sync_report, "target_p95_ms": TARGET_MS,
        "machine": f"{os.cpu_count()} cores shared with other jobs (load average {os.getloadavg()[0]:.1f} at the end)",
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "api.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    s = sync_report
    lines = [
        f"# API latency and incremental sync — {report['measured_at']}", "",
        f"{calls_at_start:,} calls written through `Store.write` in batches of {BATCH} (made-up calls of `qc.testing.api_calls`: "
        f"6 utterances, 5 verdicts with evidence, alerts on 2 %, raw utterances; {report['db_mb']} MB DuckDB file"
        + (f", built in {build_s} s" if build_s else ", the store of an earlier run") + "). `qc serve` in its own process, real HTTP on loopback with an inspector's API token, "
        f"{args.requests} requests per query after one warm-up. Machine: {report['machine']}: absolute times vary with the load. "
        f"Target p95 ≤ {TARGET_MS} ms.", "",
        "| query | p50 ms | p95 ms | max ms | target |", "|---|---|---|---|---|",
        *(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {'met' if r['p95_ms'] <= TARGET_MS else 'MISSED'} |"
          for name, r in results.items()),
        "", "## Incremental sync while another process writes", "",
        f"From no cursor, pages of 1,000 following `next_cursor`, pass after pass until the writer (another process, "
        f"`Store.write` in batches of 50) had written {s['written_during_sync']:,} new calls; then one more pass.", "",
        f"* calls at the end: {s['calls_at_end']:,}; rows received: {s['rows_received']:,}",
        f"* **missed: {s['missed']}, duplicated: {s['duplicated']}** (target 0 and 0)",
        f"* {s['pages']} pages in {s['passes']} passes, {s['seconds']} s ({s['rows_per_s']:,} rows/s); page latency while the writer "
        f"took turns on the file: p50 {s['page_ms']['p50_ms']} ms, p95 {s['page_ms']['p95_ms']} ms, max {s['page_ms']['max_ms']} ms",
    ]
    (REPORTS / "api.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
