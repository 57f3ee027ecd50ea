"""Benchmark: the live path (issue 5) — alert accuracy on labelled calls, alert latency, capacity.

1. Accuracy: every labelled call (audio_samples/*.flac|wav and audio_samples/devset/*.flac) is streamed
   through the live call logic (real recognition, beam as configured for live) and its alerts are
   compared with the labels, per call:
     distress  - the caller talks of self-harm (ground truth tone.caller_distress_turns, or the
                 urgent self-harm dev call);
     danger    - the caller reports a collapse, gas leak, fire (urgent dev calls);
     urgent    - any of the two: the rubric's urgency (特急) rules should fire;
     agent     - the agent is agitated or uses impatient / forbidden words (tone.agitated_agent_turns,
                 annotations.forbidden_words); stereo calls only, where the agent's channel is known.
   Every agent is scored against their line's team baseline, heard from the calm agent turns of that
   line's labelled calls (the cold start every new agent gets).
2. Latency and capacity: a real server on loopback and a supervisors' wall page in headless Chromium;
   N alert-bearing calls are streamed at once in real time; for every alert, the time from the arrival
   of the audio that ended the triggering utterance to the event reaching the browser. N = 1, 2, 4, 6.
   Targets: p95 <= 1.5 s for one call; >= 4 simultaneous calls with p95 <= 2 s on this machine.

    .venv/bin/python bench/live.py [--levels 1,2,4,6] [--skip-latency]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import soundfile  # noqa: E402

from qc.accounts import add_user, create_token  # noqa: E402
from qc.config import WebConfig, load_settings  # noqa: E402
from qc.live.call import LiveCall  # noqa: E402
from qc.live.protocol import LiveStart  # noqa: E402
from qc.live.simulate import load_for_streaming  # noqa: E402
from qc.records import Utterance, Word  # noqa: E402
from qc.store import Store  # noqa: E402
from qc.tone import AgentBaseline, hear_utterance, update_baseline  # noqa: E402

SAMPLES = ROOT / "audio_samples"
REPORTS = ROOT / "reports" / "bench"
AGENT_KINDS = ("agent_agitated", "agent_impatient_words")
LATENCY_CALLS = ("zh_stereo_8k_agitated_distress", "devset/dev22_urgent_suicide", "devset/dev24_urgent_gas_leak",
                 "devset/dev19_unlicensed_cabs")


def labelled_calls() -> list[dict]:
    calls = []
    for truth_path in sorted(SAMPLES.glob("*.json")) + sorted((SAMPLES / "devset").glob("*.json")):
        if truth_path.name.endswith(".meta.json"):
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        audio = truth_path.parent / truth.get("audio", "")
        if not audio.is_file():
            continue
        tone = truth.get("tone") or {}
        notes = truth.get("annotations") or {}
        description = truth.get("description", "")
        meta_path = truth_path.with_suffix(".meta.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        calls.append({
            "name": truth_path.stem, "audio": audio, "truth": truth,
            "stereo": truth.get("layout") == "stereo",
            "agent_channel": meta.get("agent_channel", truth.get("agent_channel")),
            "line": meta.get("line", "12345"),
            "distress": bool(tone.get("caller_distress_turns")) or "不想活" in description,
            "danger": notes.get("urgency") == "urgent" and "不想活" not in description,
            "urgent": notes.get("urgency") == "urgent" or bool(tone.get("caller_distress_turns")),
            "agent": bool(tone.get("agitated_agent_turns")) or bool(notes.get("forbidden_words")),
            "agitated": bool(tone.get("agitated_agent_turns")),
            "agitated_turns": [truth["turns"][i] for i in tone.get("agitated_agent_turns", [])],
        })
    return calls


def team_baselines(calls: list[dict]) -> dict[str, AgentBaseline]:
    """How each line's agents usually sound: the calm agent turns of its labelled calls, heard from the audio."""
    return {line: team_baseline([c for c in calls if c["line"] == line], line) for line in {c["line"] for c in calls}}


def team_baseline(calls: list[dict], line: str) -> AgentBaseline:
    features = []
    for call in calls:
        if not call["stereo"] or call["agent_channel"] is None:
            continue
        audio, rate = load_for_streaming(call["audio"])
        signal = audio[:, call["agent_channel"]]
        agitated = {(t["start"], t["end"]) for t in call["agitated_turns"]}
        for turn in call["truth"]["turns"]:
            if turn["speaker"] != "agent" or (turn["start"], turn["end"]) in agitated:
                continue
            utterance = Utterance("agent", "agent", turn["start"], turn["end"], turn["text"],
                                  (Word(turn["text"], turn["start"], turn["end"], 1.0),))
            features.append(hear_utterance(utterance, signal, rate).features)
    return update_baseline(AgentBaseline(f"line:{line}"), features)


def stream_through(call: dict, settings, transcriber, baseline: AgentBaseline) -> list:
    """The live call logic on one recording, as fast as recognition goes (no network)."""
    audio, rate = load_for_streaming(call["audio"])
    start = LiveStart(call_id=call["name"], agent_id="bench", line=call["line"], sample_rate=rate, channels=audio.shape[1],
                      agent_channel=call["agent_channel"])
    _, line = settings.line(call["line"])
    from qc.rubric import load_rubric

    live = LiveCall(start, line, load_rubric(settings.rubrics_dir / line.rubric), settings, transcriber, None, baseline)
    step = rate // 10
    alerts = []
    for sequence, offset in enumerate(range(0, len(audio), step)):
        for channel, segment, ended in live.receive(sequence, audio[offset: offset + step]):
            alerts += live.analyse(channel, segment, ended)
    for channel, segment, ended in live.finish():
        alerts += live.analyse(channel, segment, ended)
    return alerts


def accuracy(settings) -> dict:
    from qc.live.service import live_transcriber

    calls = labelled_calls()
    baselines = team_baselines(calls)
    transcriber = live_transcriber(settings)
    per_call = []
    for call in calls:
        started = time.perf_counter()
        alerts = stream_through(call, settings, transcriber, baselines[call["line"]])
        kinds = [a.kind for a in alerts]
        agent_alerts = [a for a in alerts if a.kind in AGENT_KINDS or a.kind.startswith("rubric_")]
        turns_hit = sum(any(t["start"] - 0.5 <= a.call_time_s <= t["end"] + 1.5 for a in agent_alerts) for t in call["agitated_turns"])
        per_call.append({
            "call": call["name"], "stereo": call["stereo"], "labels": {k: call[k] for k in ("distress", "danger", "urgent", "agent", "agitated")},
            "alerts": kinds, "agitated_turns": len(call["agitated_turns"]), "agitated_turns_alerted": turns_hit,
            "seconds": round(time.perf_counter() - started, 1),
        })
        print(f"  {call['name']}: {kinds}", flush=True)

    def score(label: str, predicted, eligible=lambda c: True) -> dict:
        rows = [c for c in per_call if eligible(c)]
        tp = sum(1 for c in rows if c["labels"][label] and predicted(c))
        fp = sum(1 for c in rows if not c["labels"][label] and predicted(c))
        fn = sum(1 for c in rows if c["labels"][label] and not predicted(c))
        return {"calls": len(rows), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                "precision": round(tp / (tp + fp), 3) if tp + fp else None, "recall": round(tp / (tp + fn), 3) if tp + fn else None,
                "false_alarm_calls": [c["call"] for c in rows if not c["labels"][label] and predicted(c)],
                "missed_calls": [c["call"] for c in rows if c["labels"][label] and not predicted(c)]}

    return {
        "calls": len(per_call),
        "distress": score("distress", lambda c: "caller_distress" in c["alerts"]),
        "danger": score("danger", lambda c: "caller_danger" in c["alerts"]),
        "urgent": score("urgent", lambda c: "urgent_case" in c["alerts"]),
        # A possible crisis on a call with no distress and no danger is a false alarm; with them it is only a first word.
        "possible_crisis_on_calm_calls": [c["call"] for c in per_call
                                          if "possible_crisis" in c["alerts"] and not (c["labels"]["distress"] or c["labels"]["danger"])],
        "agent_tone": score("agent", lambda c: any(k in AGENT_KINDS or k.startswith("rubric_") for k in c["alerts"]),
                            eligible=lambda c: c["stereo"]),
        "agent_agitation_only": score("agitated", lambda c: "agent_agitated" in c["alerts"], eligible=lambda c: c["stereo"]),
        "agitated_turns": {"turns": sum(c["agitated_turns"] for c in per_call), "alerted": sum(c["agitated_turns_alerted"] for c in per_call)},
        "per_call": per_call,
    }


def latency(settings, levels: list[int]) -> list[dict]:
    from qc.live.simulate import simulate
    from qc.web.app import create_app
    from qc.testing.browser import browser, serving

    with Store(settings.db_path) as store:
        add_user(store.con, "recorder", "recorder-password", "recorder")
        add_user(store.con, "supervisor", "supervisor-password", "inspector")
        token = create_token(store.con, "recorder", "bench")
    out = []
    with serving(create_app(settings)) as base, browser() as chromium:
        wall = chromium.new_page()
        wall.goto(f"{base}/wall")
        wall.fill("input[name=username]", "supervisor")
        wall.fill("input[name=password]", "supervisor-password")
        wall.click("button[type=submit]")
        wall.wait_for_selector("body[data-live=connected]")
        for n in levels:
            wall.evaluate("() => { window.qcLive.received = []; }")
            files = [SAMPLES / f"{LATENCY_CALLS[i % len(LATENCY_CALLS)]}.flac" for i in range(n)]

            async def run_all():
                return await asyncio.gather(*(
                    simulate(base.replace("http", "ws") + "/live/calls", f, agent_id=f"B{i:02d}", token=token,
                             call_id=f"bench-{n}-{i}-{int(time.time())}", line="12345", speed=1.0)  # noqa: B023  (run and joined in this iteration)
                    for i, f in enumerate(files)))  # noqa: B023

            started = time.perf_counter()
            holder: dict = {}
            worker = threading.Thread(target=lambda: holder.setdefault("r", asyncio.run(run_all())))  # noqa: B023
            worker.start()
            worker.join()
            wall.wait_for_timeout(1500)
            received = wall.evaluate("() => window.qcLive.received")
            lags = sorted(r["at"] - r["speech_ended_at"] for r in received if r.get("speech_ended_at"))
            row = {"calls": n, "audio_s": round(sum(soundfile.info(str(f)).duration for f in files), 1),
                   "wall_s": round(time.perf_counter() - started, 1), "alerts": len(lags)}
            if lags:
                row.update(p50_s=round(statistics.median(lags), 2), p95_s=round(lags[int(0.95 * (len(lags) - 1))], 2),
                           max_s=round(lags[-1], 2))
            out.append(row)
            print(f"  {n} calls: {row}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,2,4,6")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qc-live-bench-"))
    settings = load_settings(db_path=folder / "qc.duckdb", web=WebConfig(secret_key="bench"))
    print("accuracy (live logic, every labelled call):", flush=True)
    acc = accuracy(settings)
    lat = [] if args.skip_latency else latency(settings, [int(x) for x in args.levels.split(",")])
    report = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "beam_size": settings.live.beam_size,
              "end_silence_s": settings.live.end_silence_s, "accuracy": acc, "latency": lat}
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "live.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    lines = [f"# Live path — {report['measured_at']}", "",
             f"Live recognition beam {settings.live.beam_size}, utterance end after {settings.live.end_silence_s} s of silence; "
             "this 2-core machine. Labels: audio_samples/*.json (tone block) and devset annotations; see bench/live.py.", "",
             "## Alerts per call against the labels", "", "| alert | calls | positives | precision | recall | false alarms | missed |",
             "|---|---|---|---|---|---|---|"]
    for key, label in (("distress", "caller distress (self-harm words)"), ("danger", "caller danger (collapse, gas, fire words)"),
                       ("urgent", "urgent case (特急, the rubric's urgency rules)"),
                       ("agent_tone", "agent tone (agitation or impatient/forbidden words), stereo"),
                       ("agent_agitation_only", "agent agitation (voice: louder, higher, faster) only, stereo")):
        r = acc[key]
        lines.append(f"| {label} | {r['calls']} | {r['positives']} | {r['precision']} | {r['recall']} | "
                     f"{', '.join(r['false_alarm_calls']) or '-'} | {', '.join(r['missed_calls']) or '-'} |")
    calm = acc.get("possible_crisis_on_calm_calls", [])
    lines += ["", f"Possible-crisis alerts on calls with no distress and no danger: {len(calm)} ({', '.join(calm) or 'none'}).", ""]
    lines += ["", f"Agitated agent turns with an agent alert within the turn: {acc['agitated_turns']['alerted']} of "
              f"{acc['agitated_turns']['turns']} (one alert kind per 60 s cool-down).", ""]
    if lat:
        lines += ["## Alert latency (end of the triggering utterance's audio → event in the browser)", "",
                  "| simultaneous calls (real time) | alerts | p50 s | p95 s | max s |", "|---|---|---|---|---|"]
        for r in lat:
            lines.append(f"| {r['calls']} | {r['alerts']} | {r.get('p50_s', '-')} | {r.get('p95_s', '-')} | {r.get('max_s', '-')} |")
    (REPORTS / "live.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
