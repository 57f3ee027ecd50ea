"""Render a coaching report and save a screenshot of it for the README (reports/screenshots/coaching-report.png).

By default the report is built from the test suite's demo store (two teams, two weeks, no speech
recognition needed); point it at a real store with --db, --agent and --week::

    .venv/bin/python tools/coaching_screenshot.py
    .venv/bin/python tools/coaching_screenshot.py --db qc.duckdb --agent A001 --week 2026-W48
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qc.coaching import build_agent_report, build_team_report  # noqa: E402
from qc.coaching.render import screenshot  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="DuckDB store (default: a demo store made in a temporary folder)")
    parser.add_argument("--agent", default="A1")
    parser.add_argument("--team", help="screenshot the team's report instead of the agent's")
    parser.add_argument("--week", default="2026-W48")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "screenshots" / "coaching-report.png")
    parser.add_argument("--size", default="1200,1600", help="window width,height in pixels")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split(","))
    with tempfile.TemporaryDirectory(prefix="qc-coaching-shot-") as tmp:
        db = args.db
        if db is None:
            from qc.testing.coaching_site import build_store

            db = build_store(Path(tmp) / "demo.duckdb")
        if args.team:
            files = build_team_report(db, args.team, args.week, Path(tmp) / "reports", pdf=False)
        else:
            files = build_agent_report(db, args.agent, args.week, Path(tmp) / "reports", pdf=False)
        screenshot(files.html, args.out, (width, height))
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
