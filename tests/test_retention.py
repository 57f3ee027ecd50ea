"""Retention deletes exactly what is due, per kind, and logs it (a real Prefect flow, a real DuckDB file)."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from qc.config import RetentionConfig, load_settings
from qc.records import Utterance
from qc.store import Store
from tests.test_store import result

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


def scored_days_ago(call_id: str, days: int):
    r = result(call_id)
    raw = (Utterance("ch1", "caller", 0, 1, "我的电话是13912345678"),)
    return replace(r, scored_at=NOW - timedelta(days=days), raw_utterances=raw)


def counts(db):
    with Store(db, read_only=True) as store:
        c = store.con
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("calls", "utterances", "utterances_raw", "rule_hits")}


def test_each_kind_goes_after_its_own_period(tmp_path):
    from pipelines.retention import retention

    settings = load_settings(db_path=tmp_path / "qc.duckdb")
    settings = settings.model_copy(update={"retention": RetentionConfig(raw_transcripts_days=30, transcripts_days=365, results_days=1000)})
    with Store(settings.db_path) as store:
        store.write([scored_days_ago("fresh", 1), scored_days_ago("month", 60), scored_days_ago("year", 400), scored_days_ago("old", 2000)])
    before = counts(settings.db_path)

    dry = retention(settings, now=NOW, dry_run=True)
    assert counts(settings.db_path) == before and {r["kind"]: r["rows"] for r in dry}["raw_transcripts"] == 3

    retention(settings, now=NOW)
    with Store(settings.db_path, read_only=True) as store:
        c = store.con
        remaining = lambda t: sorted(r[0] for r in c.execute(f"SELECT DISTINCT call_id FROM {t}").fetchall())  # noqa: E731
        assert remaining("utterances_raw") == ["fresh"]
        assert remaining("utterances") == ["fresh", "month"]
        assert remaining("call_text") == ["fresh", "month"]  # the searchable copy goes with the transcript
        assert remaining("calls") == ["fresh", "month", "year"]
        assert remaining("rule_hits") == ["fresh", "month", "year"]
        log = c.execute("SELECT kind, rows_deleted, dry_run FROM retention_log WHERE NOT dry_run ORDER BY kind").fetchall()
    # raw: 3 calls x 1 utterance; transcripts: 2 calls x (2 utterances + 1 searchable text); results:
    # the oldest call's verdict, score and row (its transcripts were already gone).
    assert log == [("failures", 0, False), ("raw_transcripts", 3, False), ("results", 3, False), ("transcripts", 6, False)]


def test_retention_command_dry_run(tmp_path):
    from typer.testing import CliRunner

    from qc.cli import app

    db = tmp_path / "qc.duckdb"
    with Store(db) as store:
        store.write([scored_days_ago("old", 5000)])
    out = CliRunner().invoke(app, ["retention", "run", "--dry-run", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "would delete" in out.output and "results" in out.output
    assert counts(db)["calls"] == 1
