from dataclasses import replace
from datetime import datetime, timezone

import duckdb
import pytest

from qc.records import AudioInfo, CallMeta, CallResult, Evidence, Utterance, Verdict, Word
from qc.store import SCHEMA_VERSION, Store, close_all


def result(call_id="abc123", text="您好，请问有什么可以帮您", status="scored", **kw) -> CallResult:
    words = tuple(Word(ch, i * 0.2, i * 0.2 + 0.2, 0.9) for i, ch in enumerate(text))
    return CallResult(
        call_id=call_id,
        path=f"/rec/{call_id}.wav",
        status=status,
        meta=CallMeta(line="12345", agent_id="A001", started_at=datetime(2026, 11, 24, 9, 0)),
        pipeline_version="test",
        scored_at=datetime.now(timezone.utc),
        audio=AudioInfo(f"/rec/{call_id}.wav", "f" * 64, 1000, "WAV/ULAW", 8000, 2, 30.0),
        layout="stereo",
        language="zh",
        speakers_status="channels",
        utterances=(Utterance("ch0", "agent", 0.0, 3.0, text, words, 0, -0.2), Utterance("ch1", "caller", 3.5, 5.0, "你好", (), 1, -0.3)),
        verdicts=(Verdict("greeting", "问候", "pass", 10, 10, "normal", "heard", (Evidence(0.0, 0.4, "agent", "您好", text),)),),
        rubric_id="12345",
        rubric_version="1",
        score=100.0,
        stage_seconds={"speech": 1.5},
        **kw,
    )


def test_scoring_the_same_call_twice_leaves_one_call(tmp_path):
    with Store(tmp_path / "qc.duckdb") as store:
        store.write([result()])
        store.write([result(text="您好，这是第二次")])
        counts = store.counts()
        assert counts["calls"] == 1 and counts["utterances"] == 2 and counts["rule_hits"] == 1
        assert counts["scores"] == 1
        call = store.call("abc123")
        assert store.con.execute("SELECT scored_by, score, points, max_points FROM scores").fetchall() == [("machine", 100.0, 10.0, 10.0)]
    assert call["utterances"][0]["text"] == "您好，这是第二次"
    assert call["utterances"][0]["words"][0] == {"text": "您", "start_s": 0.0, "end_s": 0.2, "probability": 0.9}
    assert call["rule_hits"][0]["evidence"][0]["matched"] == "您好"


def test_failed_call_replaces_old_rows_and_failures_keep_history(tmp_path):
    failed = replace(result(), status="failed", utterances=(), verdicts=(), score=None,
                     failure_stage="audio", failure_reason="silent recording")
    with Store(tmp_path / "qc.duckdb") as store:
        store.write([result()])
        store.write([failed])
        store.write([failed])
        counts = store.counts()
        assert counts["calls"] == 1 and counts["calls_failed"] == 1
        assert counts["utterances"] == 0 and counts["scores"] == 0 and counts["failures"] == 2
        assert store.scored_ids() == set()


def test_database_is_plain_duckdb_queryable_by_anyone(tmp_path):
    path = tmp_path / "qc.duckdb"
    with Store(path) as store:
        store.write([result("a1"), result("b2")])
    close_all()  # this process is done with the file: any DuckDB client may read it now
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT call_id, score, flags, language FROM calls ORDER BY call_id").fetchall()
    words = con.execute("SELECT count(*) FROM utterances, unnest(words)").fetchone()[0]
    con.close()
    assert rows == [("a1", 100.0, [], "zh"), ("b2", 100.0, [], "zh")]
    assert words == 2 * len("您好，请问有什么可以帮您")


def test_schema_version_and_refusing_a_newer_database(tmp_path):
    path = tmp_path / "qc.duckdb"
    from qc.store import NewerSchema

    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    close_all()
    con = duckdb.connect(str(path))  # a newer hotline-qc, elsewhere, migrates the file further
    con.execute("INSERT INTO schema_migrations VALUES (?, now())", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(NewerSchema, match="newer than this hotline-qc"):
        Store(path)


def test_reopening_does_not_rerun_migrations(tmp_path):
    path = tmp_path / "qc.duckdb"
    with Store(path) as store:
        store.write([result()])
    with Store(path) as store:
        assert store.counts()["calls"] == 1
        assert store.con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION


def test_a_failed_write_leaves_the_previous_rows(tmp_path):
    with Store(tmp_path / "qc.duckdb") as store:
        store.write([result()])
        broken = replace(result(), status=None)  # violates NOT NULL: the whole write must roll back
        with pytest.raises(duckdb.Error):
            store.write([broken])
        assert store.counts()["calls"] == 1 and store.counts()["utterances"] == 2


def test_read_only_open_of_a_missing_database_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="qc score"):
        Store(tmp_path / "none.duckdb", read_only=True)


def test_find_call_by_prefix(tmp_path):
    with Store(tmp_path / "qc.duckdb") as store:
        store.write([result("abc111"), result("abd222")])
        assert store.find_call("abc") == ["abc111"]
        assert store.find_call("ab") == ["abc111", "abd222"]


def test_rescoring_keeps_scores_written_by_reviewers(tmp_path):
    with Store(tmp_path / "qc.duckdb") as store:
        store.write([result()])
        store.con.execute("INSERT INTO scores (call_id, rubric_id, scored_by, score) VALUES ('abc123', '12345', 'inspector:li', 90)")
        store.write([result()])
        rows = store.con.execute("SELECT scored_by, score FROM scores ORDER BY scored_by").fetchall()
    assert rows == [("inspector:li", 90.0), ("machine", 100.0)]


def test_a_version_1_database_is_migrated_in_place(tmp_path):
    from qc.store import migrate

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    migrate(con, target=1)
    con.execute(
        "INSERT INTO calls (call_id, path, status, pipeline_version, scored_at, score) "
        "VALUES ('old1', '/rec/old1.wav', 'scored', 'v0', now(), 80)"
    )
    con.close()
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        row = store.con.execute("SELECT score, case_type, urgency FROM calls WHERE call_id = 'old1'").fetchone()
        assert row == (80.0, None, None)
        store.write([result("new1")])
        assert store.counts()["calls"] == 2


def _hold_read_only(path, seconds):
    import subprocess
    import sys

    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only=True); print('held', flush=True); time.sleep({seconds}); c.close()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_writer_waits_while_another_process_reads_then_writes(tmp_path):
    import time

    path = tmp_path / "qc.duckdb"
    with Store(path) as store:
        store.write([result("a1")])
    close_all()
    reader = _hold_read_only(path, 1.5)  # a program outside hotline-qc: the duckdb CLI
    began = time.monotonic()
    with Store(path, wait_s=30) as store:
        store.write([result("b2")])
        assert store.counts()["calls"] == 2
    assert time.monotonic() - began >= 0.5  # it really had to wait for the reader
    reader.wait()


def test_a_writer_gives_up_with_a_clear_error_when_the_database_stays_busy(tmp_path):
    from qc.store import StoreBusy

    path = tmp_path / "qc.duckdb"
    Store(path).close()
    close_all()
    reader = _hold_read_only(path, 5)
    try:
        with pytest.raises(StoreBusy, match=r"is busy: a program outside hotline-qc \(.*PID \d+"):
            Store(path, wait_s=0.3)
    finally:
        reader.kill()
        reader.wait()


def test_a_full_disk_stops_writes_with_a_clear_error_and_keeps_every_stored_call(tmp_path):
    """A real write failure: a child process whose file-size limit (RLIMIT_FSIZE) is hit mid-batch."""
    import subprocess
    import sys
    import textwrap

    db = tmp_path / "qc.duckdb"
    script = textwrap.dedent(f"""
        import os, resource, signal, sys
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[1])!r})
        from tests.test_store import result
        from qc.store import Store, StorageError
        with Store({str(db)!r}) as store:
            store.write([result("seed")])
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write returns EFBIG, like ENOSPC on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize({str(db)!r}) + 300_000, resource.RLIM_INFINITY))
        stored = 1
        try:
            for i in range(5000):
                with Store({str(db)!r}) as store:
                    store.write([result(f"call{{i:05d}}", text="您好，请问有什么可以帮您" * 30)])
                stored += 1
        except StorageError as exc:
            print(stored, exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    stored, message = out.stdout.split(" ", 1)
    assert "is the disk full?" in message and "run again" in message
    with Store(db) as store:  # reopened without the limit: every committed call is there, nothing torn
        assert store.con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls").fetchone() == (int(stored), int(stored))
        assert store.con.execute("SELECT count(DISTINCT call_id) FROM utterances").fetchone()[0] == int(stored)
        store.write([result("after")])
