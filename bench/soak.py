"""Soak: everything a hotline does to one store at once, for a long while, on this machine (issue 19).

At the same time, on one DuckDB file:
- the nightly run scores a day's folder (`qc nightly run`, its own process); a few minutes in it is
  killed (SIGKILL) and started again, and it must resume without scoring anything twice;
- `qc serve` serves 8 web clients browsing the queue, call pages, transcript search and the API, one
  of them filing reviews, and takes 4 live calls streamed in real time (recorded distress and urgent
  calls, over and over), whose alerts a supervisors' wall receives over server-sent events;
- every minute a CLI writer changes the store (`qc users add`, then `qc rescore`, in turn).

Measured: HTTP status codes (target: no 5xx), web latency while the batch writes (p95 <= 1 s), live
alert latency from the end of the triggering speech to the wall (p95 <= 2 s), every recording scored
exactly once and every review and live alert stored, and the batch's throughput against the same
batch alone on this machine (within 20 %).

    .venv/bin/python bench/soak.py [--minutes 20] [--alone-calls 8]     -> reports/bench/soak.md, soak.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import soundfile as sf  # noqa: E402

from qc.accounts import add_agent, add_user, create_token  # noqa: E402
from qc.store import Store, close_all  # noqa: E402
from qc.testing.browser import start_qc_serve  # noqa: E402

SAMPLES = ROOT / "audio_samples"
REPORTS = ROOT / "reports" / "bench"
PASSWORD = "soak-password-123"
LIVE_CALLS = ("devset/dev22_urgent_suicide", "zh_stereo_8k_agitated_distress", "devset/dev24_urgent_gas_leak",
              "devset/dev19_unlicensed_cabs")
DAY = "2026-12-01"
ALONE_DAY = "2026-11-30"


# ---------------------------------------------------------------- the site

def recordings() -> list[Path]:
    """Every stereo sample and dev call (the nightly batch's material)."""
    found = []
    for path in sorted(SAMPLES.glob("*.flac")) + sorted(SAMPLES.glob("*.wav")) + sorted((SAMPLES / "devset").glob("*.flac")):
        if sf.info(str(path)).channels == 2:
            found.append(path)
    return found


def make_day(folder: Path, sources: list[Path], copies: int, gain_offset: int) -> tuple[int, float]:
    """Distinct recordings (each source at a few gains, so every file has its own content hash)."""
    folder.mkdir(parents=True, exist_ok=True)
    seconds = 0.0
    n = 0
    old = time.time() - 3600
    for copy in range(copies):
        gain = 0.95 - 0.03 * (copy + gain_offset)
        for source in sources:
            audio, rate = sf.read(str(source), dtype="float32")
            target = folder / f"{source.stem}-g{copy + gain_offset}.flac"
            sf.write(str(target), audio * gain, rate, subtype="PCM_16")
            meta = source.with_name(source.stem + ".meta.json")
            if meta.exists():
                target.with_name(target.stem + ".meta.json").write_text(meta.read_text(encoding="utf-8"), encoding="utf-8")
                os.utime(target.with_name(target.stem + ".meta.json"), (old, old))
            os.utime(target, (old, old))
            seconds += len(audio) / rate
            n += 1
    return n, seconds


def prepare(folder: Path, minutes: float, alone_calls: int) -> dict:
    db = folder / "qc.duckdb"
    with Store(db) as store:
        for i, team in enumerate(("north", "south")):
            for a in range(1, 13):
                add_agent(store.con, f"A{a:03d}", team=team if a % 2 == i else ("south" if team == "north" else "north"), line="12345")
        add_user(store.con, "qa1", PASSWORD, "inspector")
        add_user(store.con, "sup", PASSWORD, "admin")
        add_user(store.con, "fork", PASSWORD, "recorder")
        token = create_token(store.con, "fork", "soak media fork")
    close_all()
    sources = recordings()
    # Enough audio to keep the batch busy for the whole soak at ~2.5x real time under load.
    copies = max(1, int(minutes * 60 * 2.5 / sum(sf.info(str(s)).duration for s in sources)) + 1)
    n, seconds = make_day(folder / "recordings" / DAY, sources, copies, 0)
    alone_n, alone_s = make_day(folder / "recordings" / ALONE_DAY, sources[:alone_calls], 1, copies)
    return {"db": db, "token": token, "calls": n, "audio_s": seconds, "alone_calls": alone_n, "alone_audio_s": alone_s}


def qc(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qc.cli", *args], cwd=ROOT, env={**os.environ, **(env or {})}, **kw)


# ---------------------------------------------------------------- the parts

class Web:
    """8 browsing clients (one also files reviews); latency and status of every request."""

    def __init__(self, base: str, stop: threading.Event):
        self.base, self.stop = base, stop
        self.samples: list[tuple[float, float, int, str]] = []  # (at, seconds, status, kind)
        self.reviews_ok: set[tuple[str, str]] = set()
        self.lock = threading.Lock()

    def client(self, n: int) -> None:
        rng = random.Random(n)
        http = httpx.Client(base_url=self.base, timeout=60)
        while True:
            try:
                r = http.post("/login", data={"username": "qa1", "password": PASSWORD}, follow_redirects=False)
                if r.status_code == 303:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        while not self.stop.is_set():
            calls = self._call_ids(http)
            kind, url = rng.choice([
                ("queue", "/queue"), ("queue", f"/queue?page={rng.randint(1, 3)}"), ("search", f"/queue?q={rng.choice(['您好', '投诉', '谢谢', '地址'])}"),
                ("api", "/api/calls"), ("call", f"/calls/{rng.choice(calls)}" if calls else "/queue"),
                ("api_call", f"/api/calls/{rng.choice(calls)}" if calls else "/api/calls"), ("dashboard", "/dashboard"),
            ])
            headers = {"accept": "application/json"} if kind.startswith("api") else {}
            self._timed(http, "GET", url, kind, headers=headers)
            if n == 0 and calls and rng.random() < 0.15:
                self._review(http, rng.choice(calls))
            time.sleep(rng.uniform(0.2, 1.0))

    def _call_ids(self, http: httpx.Client) -> list[str]:
        try:
            body = http.get("/api/calls", headers={"accept": "application/json"}).json()
            return [c["call_id"] for c in body.get("calls", [])]
        except (httpx.HTTPError, ValueError):
            return []

    def _timed(self, http, method, url, kind, **kw):
        began = time.monotonic()
        try:
            r = http.request(method, url, **kw)
            status = r.status_code
        except httpx.HTTPError:
            r, status = None, 0
        with self.lock:
            self.samples.append((time.time(), time.monotonic() - began, status, kind))
        return r

    def _review(self, http, call_id: str) -> None:
        page = self._timed(http, "GET", f"/calls/{call_id}", "call")
        if page is None or page.status_code != 200:
            return
        csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text)
        items = re.findall(r'name="item_id" value="([\w-]+)"', page.text)
        if not csrf or not items:
            return
        item = random.choice(items)
        r = self._timed(http, "POST", f"/calls/{call_id}/review", "review",
                        data={"csrf_token": csrf.group(1), "item_id": item, "verdict": "pass", "comment": "soak", "purpose": "review"},
                        follow_redirects=False)
        if r is not None and r.status_code in (200, 303):
            with self.lock:
                self.reviews_ok.add((call_id, item))


class Wall:
    """The supervisors' wall: alerts over server-sent events, with the time each arrives."""

    def __init__(self, base: str, stop: threading.Event):
        self.base, self.stop = base, stop
        self.alerts: dict[int, float] = {}  # alert id -> seconds from the end of the triggering speech to here

    def run(self) -> None:
        http = httpx.Client(base_url=self.base, timeout=None)
        http.post("/login", data={"username": "sup", "password": PASSWORD}, follow_redirects=False)
        while not self.stop.is_set():
            try:
                with http.stream("GET", "/wall/events") as stream:
                    event = None
                    for line in stream.iter_lines():
                        if self.stop.is_set():
                            return
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "alert":
                            data = json.loads(line[6:])
                            if data.get("speech_ended_at"):
                                self.alerts[int(data["alert_id"])] = time.time() - float(data["speech_ended_at"])
            except httpx.HTTPError:
                time.sleep(1)


def live_calls(ws_url: str, token: str, stop: threading.Event, results: list, slots: int = 4) -> None:
    from qc.live.simulate import simulate

    async def one(slot: int) -> None:
        n = 0
        while not stop.is_set():
            source = SAMPLES / f"{LIVE_CALLS[(slot + n) % len(LIVE_CALLS)]}.flac"
            try:
                r = await simulate(ws_url, source, agent_id=f"A{slot + 1:03d}", token=token, call_id=f"soak-{slot}-{n}-{int(time.time())}",
                                   line="12345", speed=1.0)
                results.append({"call": r.call_id, "alerts": sum(1 for m in r.messages if m.get("event") == "alert"),
                                "ended": any(m.get("event") == "ended" for m in r.messages), "close": r.close_code})
            except Exception as exc:  # noqa: BLE001 - a failed call is a finding, counted in the report
                results.append({"call": f"soak-{slot}-{n}", "error": f"{type(exc).__name__}: {exc}"})
            n += 1

    async def all_calls():
        await asyncio.gather(*(one(slot) for slot in range(slots)))

    asyncio.run(all_calls())


def cli_writer(db: Path, stop: threading.Event, log: list) -> None:
    n = 0
    while not stop.wait(60):
        if n % 2 == 0:
            args = ["users", "add", f"soak{n:03d}", "--role", "inspector", "--password-env", "SOAK_PASSWORD", "--db", str(db)]
        else:
            args = ["rescore", "--line", "12345", "--db", str(db)]
        began = time.monotonic()
        proc = qc(*args, env={"SOAK_PASSWORD": PASSWORD}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate()
        log.append({"command": args[0], "user": args[2] if args[0] == "users" else None, "exit": proc.returncode,
                    "seconds": round(time.monotonic() - began, 1), "error": err.strip()[-300:] if proc.returncode else ""})
        n += 1


# ---------------------------------------------------------------- the run

def nightly(root: Path, day: str, db: Path) -> subprocess.Popen:
    return qc("nightly", "run", "--root", str(root), "--date", day, "--settle", "0", "--db", str(db),
              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="How long the soak runs (the batch may need longer).")
    parser.add_argument("--alone-calls", type=int, default=8, help="Calls scored alone first, for the throughput comparison.")
    parser.add_argument("--kill-after", type=float, default=240.0, help="Seconds into the soak when the nightly run is killed.")
    parser.add_argument("--live-calls", type=int, default=4, help="Live calls streamed at once, back to back (0: none).")
    parser.add_argument("--report", default="soak", help="Report name under reports/bench/.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qc-soak-"))
    site = prepare(folder, args.minutes, args.alone_calls)
    db, root = site["db"], folder / "recordings"
    print(f"site: {folder}; {site['calls']} recordings ({site['audio_s'] / 3600:.2f} h) for the soak, "
          f"{site['alone_calls']} to score alone", flush=True)

    # 1. The batch alone.
    alone = nightly(root, ALONE_DAY, db)
    out, err = alone.communicate()
    if alone.returncode != 0:
        raise SystemExit(f"the batch alone failed: {err[-2000:]}")
    with Store(db, read_only=True) as store:
        alone_run = store.con.execute("SELECT scored, audio_hours, wall_seconds, audio_hours_per_hour FROM runs "
                                      "WHERE recordings_date = ? ORDER BY finished_at DESC LIMIT 1", [date.fromisoformat(ALONE_DAY)]).fetchone()
    close_all()
    print(f"alone: {alone_run}", flush=True)

    # 2. Everything at once.
    with open(folder / "serve.log", "w") as log:
        server, base = start_qc_serve(db, secret="soak", stderr=log)
    stop = threading.Event()
    web, wall = Web(base, stop), Wall(base, stop)
    live_results: list = []
    cli_log: list = []
    threads = [threading.Thread(target=web.client, args=(n,), daemon=True) for n in range(8)]
    threads += [threading.Thread(target=wall.run, daemon=True),
                threading.Thread(target=live_calls, args=(base.replace("http", "ws") + "/live/calls", site["token"], stop, live_results,
                                                          args.live_calls), daemon=True),
                threading.Thread(target=cli_writer, args=(db, stop, cli_log), daemon=True)]
    began = time.monotonic()
    for t in threads:
        t.start()
    runs: list[dict] = []
    batch = nightly(root, DAY, db)
    killed = False
    killed_at = None
    batch_windows: list[tuple[float, float]] = []
    window_start = time.time()
    while True:
        time.sleep(2)
        elapsed = time.monotonic() - began
        if not killed and elapsed >= args.kill_after and batch.poll() is None:
            batch.send_signal(signal.SIGKILL)
            batch.wait()
            killed_at = datetime.now(timezone.utc).replace(tzinfo=None)
            runs.append({"run": len(runs) + 1, "exit": "killed (SIGKILL)", "at_s": round(elapsed)})
            batch_windows.append((window_start, time.time()))
            killed = True
            batch = nightly(root, DAY, db)
            window_start = time.time()
            print(f"{elapsed:.0f} s: nightly run killed and started again", flush=True)
        if batch.poll() is not None:
            out, err = batch.communicate()
            runs.append({"run": len(runs) + 1, "exit": batch.returncode, "at_s": round(elapsed),
                         "summary": out.strip().splitlines()[-1] if out.strip() else err.strip()[-300:]})
            batch_windows.append((window_start, time.time()))
            print(f"{elapsed:.0f} s: nightly run ended: {runs[-1]}", flush=True)
            if elapsed >= args.minutes * 60 or batch.returncode != 0:
                break
            batch = nightly(root, DAY, db)  # nothing left to score: proves the re-run skips, and keeps the store busy
            window_start = time.time()
        elif elapsed >= args.minutes * 60 * 3:
            batch.kill()
            runs.append({"run": len(runs) + 1, "exit": "stopped: took too long", "at_s": round(elapsed)})
            break
    stop.set()
    time.sleep(5)
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
    wall_seconds = time.monotonic() - began

    # 3. What the store holds.
    with Store(db, read_only=True) as store:
        q = store.con.execute
        day_calls = q("SELECT count(*), count(DISTINCT call_id), count_if(status = 'scored'), count_if(status = 'failed') FROM calls "
                      "WHERE path LIKE ?", [f"%/{DAY}/%"]).fetchone()
        before_kill = q("SELECT count(*) FROM calls WHERE path LIKE ? AND scored_at < ?", [f"%/{DAY}/%", killed_at]).fetchone()[0] if killed_at else 0
        soak_runs = q("SELECT scored, failed, skipped, audio_hours, wall_seconds, audio_hours_per_hour FROM runs WHERE recordings_date = ? "
                      "ORDER BY started_at", [date.fromisoformat(DAY)]).fetchall()
        stored_reviews = set(q("SELECT call_id, item_id FROM reviews WHERE comment = 'soak'").fetchall())
        stored_alerts = {r[0] for r in q("SELECT alert_id FROM live_alerts").fetchall()}
        users = {r[0] for r in q("SELECT username FROM users WHERE username LIKE 'soak%'").fetchall()}
        live_rows = q("SELECT state, count(*) FROM live_calls GROUP BY ALL").fetchall()
    audio_seconds = sum(sf.info(str(p)).duration for p in (root / DAY).glob("*.flac"))
    scoring_wall = batch_windows[0][1] - batch_windows[0][0] + (batch_windows[1][1] - batch_windows[1][0] if len(batch_windows) > 1 else 0)

    statuses = Counter(s[2] for s in web.samples)
    during_batch = [s for s in web.samples if any(a <= s[0] <= b for a, b in batch_windows[:2])]
    latencies = [s[1] for s in during_batch if s[2] and s[2] < 500]
    by_kind = {}
    for kind in sorted({s[3] for s in web.samples}):
        values = [s[1] for s in during_batch if s[3] == kind and s[2] and s[2] < 500]
        by_kind[kind] = {"requests": len(values), "p50_s": percentile(values, 0.5), "p95_s": percentile(values, 0.95)}
    alert_lags = list(wall.alerts.values())
    users_added = {c["user"] for c in cli_log if c["command"] == "users" and c["exit"] == 0}
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "soak_wall_s": round(wall_seconds), "cpu_cores": os.cpu_count(),
        "recordings": site["calls"], "recordings_audio_h": round(audio_seconds / 3600, 3),
        "alone": {"calls": alone_run[0], "audio_h": alone_run[1], "wall_s": alone_run[2], "audio_h_per_h": alone_run[3]},
        "runs": runs, "soak_runs": [dict(zip(("scored", "failed", "skipped", "audio_h", "wall_s", "audio_h_per_h"), r)) for r in soak_runs],
        "store": {"day_call_rows": day_calls[0], "distinct": day_calls[1], "scored": day_calls[2], "failed": day_calls[3],
                  "scored_before_kill": int(before_kill)},
        "web": {"requests": len(web.samples), "status": dict(statuses), "http_5xx": sum(n for s, n in statuses.items() if s >= 500),
                "transport_errors": statuses.get(0, 0), "during_batch": len(during_batch), "p50_s": percentile(latencies, 0.5),
                "p95_s": percentile(latencies, 0.95), "max_s": percentile(latencies, 1.0), "by_kind": by_kind},
        "reviews": {"filed": len(web.reviews_ok), "stored": len(web.reviews_ok & stored_reviews)},
        "live": {"calls": len(live_results), "call_errors": [r for r in live_results if "error" in r][:5],
                 "alerts_seen": len(wall.alerts), "alerts_stored": len(set(wall.alerts) & stored_alerts),
                 "p50_s": percentile(alert_lags, 0.5), "p95_s": percentile(alert_lags, 0.95), "max_s": percentile(alert_lags, 1.0),
                 "live_calls_rows": dict(live_rows)},
        "cli": {"runs": len(cli_log), "failed": [c for c in cli_log if c["exit"] != 0], "users_added": len(users_added),
                "users_stored": len(users_added & users), "seconds": [c["seconds"] for c in cli_log]},
        "soak_audio_h_per_h": round(audio_seconds / 3600 / (scoring_wall / 3600), 2) if scoring_wall else None,
    }
    alone_speed = report["alone"]["audio_h_per_h"]
    report["throughput_vs_alone"] = round(report["soak_audio_h_per_h"] / alone_speed, 3) if alone_speed and report["soak_audio_h_per_h"] else None
    REPORTS.mkdir(parents=True, exist_ok=True)
    report["live_calls_at_once"] = args.live_calls
    (REPORTS / f"{args.report}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    (REPORTS / f"{args.report}.md").write_text(render(report))
    print(render(report))


def render(r: dict) -> str:
    w, live, st = r["web"], r["live"], r["store"]
    resumed = r["soak_runs"][0] if r["soak_runs"] else {}  # the killed run stored no run record: the first one is the resumed run
    once = (st["distinct"] == r["recordings"] == st["day_call_rows"] and resumed.get("skipped") == st["scored_before_kill"]
            and resumed.get("scored", 0) + resumed.get("failed", 0) + st["scored_before_kill"] == r["recordings"])
    ok = lambda cond: "met" if cond else "**not met**"  # noqa: E731
    lines = [
        f"# Soak — {r['measured_at']}", "",
        f"One DuckDB file, {r['cpu_cores']} cores, {r['soak_wall_s']} s: the nightly run ({r['recordings']} recordings, "
        f"{r['recordings_audio_h']} audio hours; killed with SIGKILL once and started again), `qc serve` with 8 web clients and "
        f"{r.get('live_calls_at_once', 4)} live calls streamed in real time (recorded distress and urgent calls, over and over) "
        "and a supervisors' wall on server-sent events, and a CLI writer every minute (`qc users add`, `qc rescore` in turn). "
        "`bench/soak.py`.", "",
        "| target | measured | |", "|---|---|---|",
        f"| no HTTP 5xx | {w['http_5xx']} of {w['requests']} requests ({w['transport_errors']} transport errors) | {ok(w['http_5xx'] == 0)} |",
        f"| every recording scored exactly once | {st['distinct']} distinct of {r['recordings']} recordings, {st['day_call_rows']} rows "
        f"({st['scored']} scored, {st['failed']} failed); {st['scored_before_kill']} stored before the kill, and the resumed run "
        f"scored {resumed.get('scored')} and skipped {resumed.get('skipped')} | "
        f"{ok(once)} |",
        f"| every review stored | {r['reviews']['stored']} of {r['reviews']['filed']} | {ok(r['reviews']['stored'] == r['reviews']['filed'])} |",
        f"| every live alert stored | {live['alerts_stored']} of {live['alerts_seen']} seen on the wall | "
        f"{ok(live['alerts_stored'] == live['alerts_seen'])} |",
        f"| every CLI change stored | {r['cli']['users_stored']} of {r['cli']['users_added']} users; {len(r['cli']['failed'])} CLI runs failed | "
        f"{ok(r['cli']['users_stored'] == r['cli']['users_added'] and not r['cli']['failed'])} |",
        f"| web p95 <= 1 s while the batch writes | p50 {w['p50_s']} s, p95 {w['p95_s']} s, max {w['max_s']} s "
        f"({w['during_batch']} requests) | {ok((w['p95_s'] or 9) <= 1.0)} |",
        f"| live alert p95 <= 2 s | p50 {live['p50_s']} s, p95 {live['p95_s']} s, max {live['max_s']} s ({live['alerts_seen']} alerts) | "
        f"{ok((live['p95_s'] or 9) <= 2.0)} |",
        f"| batch throughput within 20 % of alone | {r['soak_audio_h_per_h']} audio-h/h against {r['alone']['audio_h_per_h']} alone "
        f"({r['throughput_vs_alone']}) | {ok((r['throughput_vs_alone'] or 0) >= 0.8)} |",
        "", "## Web latency by page while the batch wrote", "", "| page | requests | p50 s | p95 s |", "|---|---|---|---|",
    ]
    for kind, v in w["by_kind"].items():
        lines.append(f"| {kind} | {v['requests']} | {v['p50_s']} | {v['p95_s']} |")
    lines += ["", "## Nightly runs", "", "| run | ended | at s | summary |", "|---|---|---|---|"]
    for run in r["runs"]:
        lines.append(f"| {run['run']} | {run['exit']} | {run['at_s']} | {run.get('summary', '')} |")
    lines += ["", f"Live calls streamed: {live['calls']}; rows by state: {live['live_calls_rows']}; errors: {live['call_errors'] or 'none'}.",
              f"CLI runs: {r['cli']['runs']}, seconds each: {r['cli']['seconds']}; failures: {r['cli']['failed'] or 'none'}.",
              f"HTTP statuses: {w['status']}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
