"""The DuckDB store: schema, migrations, bulk writes and the queries the CLI needs.

One process writes (DuckDB allows one read-write process or many read-only ones); the flow funnels
every result through ``Store.write``. A call's rows are replaced as a unit inside one transaction,
so scoring the same recording twice leaves one call, and a crash mid-write leaves the old rows.
Rows go in as Arrow tables: DuckDB's executemany is far too slow for per-word data.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from qc.cases import REPEAT_WINDOW_DAYS
from qc.errors import QCError
from qc.records import CallResult
from qc.rubric.context import stored_readings
from qc.tone import AgentBaseline, update_baseline

log = logging.getLogger(__name__)

SCHEMA_VERSION = 11
_EVIDENCE_SQL = "STRUCT(start_s DOUBLE, end_s DOUBLE, role VARCHAR, matched VARCHAR, text VARCHAR)[]"

# Each migration takes the schema from version N-1 to N. Never edit a released one: add another.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE calls (
            call_id VARCHAR PRIMARY KEY,      -- content hash of the recording (sha256, 24 hex)
            path VARCHAR NOT NULL,            -- where it was last scored from
            file_name VARCHAR,
            size_bytes BIGINT,
            line VARCHAR,
            agent_id VARCHAR,
            caller_hash VARCHAR,
            started_at TIMESTAMP,
            duration_s DOUBLE,
            sample_rate INTEGER,
            channels INTEGER,
            container VARCHAR,
            layout VARCHAR,                   -- stereo | mono
            language VARCHAR,
            language_probability DOUBLE,
            speakers_status VARCHAR,          -- channels | diarized | unresolved
            status VARCHAR NOT NULL,          -- scored | failed
            failure_stage VARCHAR,
            failure_reason VARCHAR,
            warnings VARCHAR[],
            rubric_id VARCHAR,
            rubric_version VARCHAR,
            score DOUBLE,                     -- 0-100 over applicable rubric items
            flags VARCHAR[],                  -- failed rubric items
            pipeline_version VARCHAR NOT NULL,
            stage_seconds JSON,
            scored_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE utterances (
            call_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            speaker VARCHAR,
            role VARCHAR,                     -- agent | caller | unknown
            channel INTEGER,
            start_s DOUBLE,
            end_s DOUBLE,
            text VARCHAR,
            avg_logprob DOUBLE,
            words STRUCT(text VARCHAR, start_s DOUBLE, end_s DOUBLE, probability DOUBLE)[]
        )""",
        """CREATE TABLE rule_hits (
            call_id VARCHAR NOT NULL,
            rubric_id VARCHAR,
            item_id VARCHAR NOT NULL,
            title VARCHAR,
            verdict VARCHAR NOT NULL,         -- pass | fail | na
            points DOUBLE,
            max_points DOUBLE,
            severity VARCHAR,
            reason VARCHAR,
            evidence STRUCT(start_s DOUBLE, end_s DOUBLE, role VARCHAR, matched VARCHAR, text VARCHAR)[]
        )""",
        """CREATE TABLE scores (               -- one row per call and scorer: the machine now, reviewers later
            call_id VARCHAR NOT NULL,
            rubric_id VARCHAR NOT NULL,
            rubric_version VARCHAR,
            scored_by VARCHAR NOT NULL,       -- 'machine' (pipeline version in calls) or a reviewer
            score DOUBLE,
            points DOUBLE,
            max_points DOUBLE,
            critical_failed BOOLEAN,
            scored_at TIMESTAMP
        )""",
        """CREATE TABLE failures (             -- history: every failed attempt, never overwritten
            call_id VARCHAR,
            path VARCHAR,
            stage VARCHAR,
            reason VARCHAR,
            pipeline_version VARCHAR,
            failed_at TIMESTAMP
        )""",
        "CREATE INDEX utterances_call ON utterances(call_id)",
        "CREATE INDEX rule_hits_call ON rule_hits(call_id)",
        "CREATE INDEX scores_call ON scores(call_id)",
    ],
    2: [
        # The rubric engine: case type and urgency per call, results kept per rubric version, alerts.
        "ALTER TABLE calls ADD COLUMN case_type VARCHAR",
        "ALTER TABLE calls ADD COLUMN case_title VARCHAR",
        f"ALTER TABLE calls ADD COLUMN case_evidence {_EVIDENCE_SQL}",
        "ALTER TABLE calls ADD COLUMN urgency VARCHAR",
        "ALTER TABLE calls ADD COLUMN urgency_title VARCHAR",
        f"ALTER TABLE calls ADD COLUMN urgency_evidence {_EVIDENCE_SQL}",
        "ALTER TABLE rule_hits ADD COLUMN rubric_version VARCHAR",
        f"""CREATE TABLE alerts (
            call_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,            -- urgent_case | critical_fail
            severity VARCHAR NOT NULL,        -- critical | high
            start_s DOUBLE,
            message VARCHAR,
            evidence {_EVIDENCE_SQL},
            raised_at TIMESTAMP
        )""",
        "CREATE INDEX alerts_call ON alerts(call_id)",
    ],
    3: [
        # Pinyin of each utterance, read in context once at scoring time: re-scoring reuses it.
        "ALTER TABLE utterances ADD COLUMN pinyin VARCHAR",
        # Repeat callers: which call this is about the same problem, and its colour (orange 2nd, red 3rd+).
        "ALTER TABLE calls ADD COLUMN repeat_count INTEGER",
        "ALTER TABLE calls ADD COLUMN repeat_level VARCHAR",
        "CREATE INDEX calls_caller ON calls(caller_hash)",
    ],
    4: [
        # One row per batch run (the nightly run, or a manual `qc score`): what it did and how fast.
        """CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            kind VARCHAR,                     -- nightly | score
            recordings_date DATE,
            source VARCHAR,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            scored INTEGER,
            failed INTEGER,
            skipped INTEGER,
            still_writing INTEGER,
            audio_hours DOUBLE,
            wall_seconds DOUBLE,
            audio_hours_per_hour DOUBLE,
            workers VARCHAR,
            pipeline_version VARCHAR
        )""",
    ],
    5: [
        # Personal data: where it was heard (kind, times), never its value; used to mute playback audio.
        """CREATE TABLE pii_spans (
            call_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            utterance_idx INTEGER,
            start_s DOUBLE,
            end_s DOUBLE,
            confidence DOUBLE
        )""",
        # Unredacted transcripts, written only where the site keeps them (privacy.keep_raw_transcripts).
        """CREATE TABLE utterances_raw (
            call_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            text VARCHAR,
            words STRUCT(text VARCHAR, start_s DOUBLE, end_s DOUBLE, probability DOUBLE)[]
        )""",
        "CREATE INDEX pii_spans_call ON pii_spans(call_id)",
    ],
    6: [
        # What the retention run deleted, when, and under which rule (what, never the data itself).
        """CREATE TABLE retention_log (
            run_at TIMESTAMP NOT NULL,
            kind VARCHAR NOT NULL,
            keep_days INTEGER,
            cutoff TIMESTAMP,
            calls INTEGER,
            rows_deleted BIGINT,
            dry_run BOOLEAN
        )""",
    ],
    7: [
        # People: the agents (and their teams) whose calls are scored, and who may sign in to the web app.
        """CREATE TABLE agents (
            agent_id VARCHAR PRIMARY KEY,
            name VARCHAR,
            team VARCHAR,
            line VARCHAR,
            active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP
        )""",
        """CREATE TABLE users (
            username VARCHAR PRIMARY KEY,
            display_name VARCHAR,
            role VARCHAR NOT NULL,            -- inspector | team_lead | agent | admin
            agent_id VARCHAR,                 -- the agent this login belongs to (role agent)
            team VARCHAR,                     -- the team a team lead leads
            password_hash VARCHAR NOT NULL,   -- argon2id
            active BOOLEAN NOT NULL DEFAULT true,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TIMESTAMP,
            session_epoch INTEGER NOT NULL DEFAULT 0,  -- bumped to sign a user out everywhere
            created_at TIMESTAMP
        )""",
        """CREATE TABLE api_tokens (           -- machine clients (recorders, dashboards); only a hash is kept
            token_id VARCHAR PRIMARY KEY,
            token_hash VARCHAR NOT NULL,
            username VARCHAR NOT NULL,        -- acts with this user's role
            name VARCHAR,
            created_at TIMESTAMP,
            revoked_at TIMESTAMP
        )""",
        # A human verdict on one rubric item of one call: review, calibration double-review or appeal re-score.
        """CREATE TABLE reviews (
            review_id VARCHAR PRIMARY KEY,
            call_id VARCHAR NOT NULL,
            rubric_id VARCHAR,
            rubric_version VARCHAR,
            item_id VARCHAR NOT NULL,
            reviewer VARCHAR NOT NULL,
            purpose VARCHAR NOT NULL,         -- review | calibration | appeal
            machine_verdict VARCHAR,
            human_verdict VARCHAR NOT NULL,   -- pass | fail | na
            comment VARCHAR,
            reviewed_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE appeals (
            appeal_id VARCHAR PRIMARY KEY,
            call_id VARCHAR NOT NULL,
            agent_id VARCHAR,
            filed_by VARCHAR NOT NULL,
            item_id VARCHAR,                  -- null: the whole evaluation
            reason VARCHAR NOT NULL,
            filed_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,          -- open | accepted | rejected | rescored
            decided_by VARCHAR,
            decision_comment VARCHAR,
            decided_at TIMESTAMP,
            rescored_by VARCHAR,
            rescored_at TIMESTAMP
        )""",
        """CREATE TABLE calibration (          -- calls drawn for double review, per inspector and ISO week
            week VARCHAR NOT NULL,
            call_id VARCHAR NOT NULL,
            inspector VARCHAR NOT NULL,
            assigned_at TIMESTAMP,
            PRIMARY KEY (week, call_id, inspector)
        )""",
        """CREATE TABLE audit_log (            -- every change and every read of raw personal data
            logged_at TIMESTAMP NOT NULL,
            actor VARCHAR,
            action VARCHAR NOT NULL,
            target VARCHAR,
            before JSON,
            after JSON,
            client VARCHAR
        )""",
        "CREATE INDEX reviews_call ON reviews(call_id)",
        "CREATE INDEX appeals_call ON appeals(call_id)",
        "CREATE INDEX calls_agent ON calls(agent_id)",
    ],
    8: [
        # Tone: per utterance and per call, and each agent's running baseline (Welford statistics).
        """CREATE TABLE utterance_tone (
            call_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            role VARCHAR,
            start_s DOUBLE,
            end_s DOUBLE,
            arousal DOUBLE,                   -- 0..1, 0.5 = one SD above the speaker's usual
            negativity DOUBLE,                -- 0..1, from words (and a plugged-in model)
            baseline_source VARCHAR,          -- agent | team | in_call | none
            zscores JSON,
            features JSON,
            cues VARCHAR[],
            reasons VARCHAR[]
        )""",
        "ALTER TABLE calls ADD COLUMN agent_arousal DOUBLE",
        "ALTER TABLE calls ADD COLUMN agent_negativity DOUBLE",
        "ALTER TABLE calls ADD COLUMN caller_distress DOUBLE",
        "ALTER TABLE calls ADD COLUMN caller_anger DOUBLE",
        """CREATE TABLE agent_baselines (
            agent_id VARCHAR PRIMARY KEY,     -- 'team:<team>' rows hold the cold-start defaults
            utterances INTEGER,
            baseline JSON NOT NULL,
            calls INTEGER,
            updated_at TIMESTAMP
        )""",
        "CREATE INDEX utterance_tone_call ON utterance_tone(call_id)",
        # The live path: calls streamed from a recorder's media fork, and every alert raised during them.
        """CREATE TABLE live_calls (
            live_call_id VARCHAR PRIMARY KEY, -- the recorder's id of the call
            agent_id VARCHAR,
            line VARCHAR,
            sample_rate INTEGER,
            channels INTEGER,
            started_at TIMESTAMP,
            ended_at TIMESTAMP,
            state VARCHAR,                    -- live | ended | disconnected | stalled | rejected
            audio_s DOUBLE,
            utterances INTEGER,
            frames INTEGER,
            bad_frames INTEGER,
            late_frames INTEGER,
            detail VARCHAR
        )""",
        """CREATE TABLE live_alerts (
            alert_id BIGINT PRIMARY KEY,
            live_call_id VARCHAR NOT NULL,
            agent_id VARCHAR,
            kind VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            call_time_s DOUBLE,               -- where in the call the triggering utterance ended
            message_zh VARCHAR,
            message_en VARCHAR,
            evidence VARCHAR[],
            raised_at TIMESTAMP NOT NULL,
            acknowledged_by VARCHAR,
            acknowledged_at TIMESTAMP
        )""",
        "CREATE INDEX live_alerts_call ON live_alerts(live_call_id)",
    ],
    9: [
        # One row per call with its whole (redacted) transcript: a substring search of 100,000 calls
        # scans one string per call instead of forty utterance rows.
        "CREATE TABLE call_text (call_id VARCHAR PRIMARY KEY, text VARCHAR)",
        "INSERT INTO call_text SELECT call_id, string_agg(text, ' ' ORDER BY idx) FROM utterances GROUP BY call_id",
        # Which calls each agent's (and team's) tone baseline has taken in: scoring a call again does not count it twice.
        "CREATE TABLE baseline_calls (baseline_id VARCHAR NOT NULL, call_id VARCHAR NOT NULL, PRIMARY KEY (baseline_id, call_id))",
    ],
    10: [
        # Enrolled agents' voices (CAM++ embeddings, never audio) and which rule picked the agent in each call.
        """CREATE TABLE agent_voiceprints (
            agent_id VARCHAR PRIMARY KEY,
            embedding FLOAT[] NOT NULL,
            speech_s DOUBLE,
            files INTEGER,
            model VARCHAR NOT NULL,
            enrolled_at TIMESTAMP
        )""",
        "ALTER TABLE calls ADD COLUMN role_rule VARCHAR",
        "ALTER TABLE calls ADD COLUMN role_confidence DOUBLE",
    ],
    11: [
        # What the recogniser wrote and what the line's vocabulary corrected it to, with the decoder's
        # own confidence: every correction can be checked (and counted) by anyone.
        """CREATE TABLE asr_corrections (
            call_id VARCHAR NOT NULL,
            channel INTEGER,
            original VARCHAR,
            replacement VARCHAR,
            start_s DOUBLE,
            end_s DOUBLE,
            probability DOUBLE,
            pinyin_distance DOUBLE,
            term VARCHAR
        )""",
        "CREATE INDEX asr_corrections_call ON asr_corrections(call_id)",
    ],
}

CALL_TABLES = ("utterances", "utterances_raw", "call_text", "asr_corrections", "utterance_tone", "pii_spans", "rule_hits", "scores", "alerts", "calls")
# Alerts that the rubric raises (re-scoring replaces these; tone alerts stay).
RUBRIC_ALERT_KINDS = ("urgent_case", "critical_fail")
# The columns of calls that a rubric (re-)scoring sets.
_RUBRIC_COLUMNS = (
    "call_id", "score", "flags", "rubric_id", "rubric_version", "case_type", "case_title", "case_evidence",
    "urgency", "urgency_title", "urgency_evidence", "repeat_count", "repeat_level",
)


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than we were willing to wait."""


class StorageError(QCError):
    """The database file could not be written (disk full, file size limit, I/O error).

    Nothing half-written stays: the transaction is rolled back and DuckDB's log replays only whole
    commits, so a re-run, once there is space, skips what was stored and scores the rest.
    """


class Store:
    """A DuckDB file with the hotline-qc schema. Use as a context manager or call ``close``.

    DuckDB lets one process write or several read, never both at once, and a connection holds its
    lock while open. So every user opens the file for as short as it can (the batch once per
    result, the CLI and web app per request), and an open that finds the file locked waits and
    tries again for up to ``wait_s`` seconds: inspectors can read while the nightly run writes.
    """

    def __init__(self, path: Path | str, read_only: bool = False, wait_s: float = 60.0):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path} (score some calls first: qc score PATH)")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, read_only, wait_s)
        if not read_only:
            migrate(self.con)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            _rollback_quietly(self.con)
            raise
        try:
            self.con.commit()
        except (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException, OSError) as exc:
            _rollback_quietly(self.con)
            raise StorageError(
                f"could not write {self.path} ({exc}); is the disk full? Everything stored before is intact: "
                "run again once there is space, finished calls are skipped"
            ) from exc

    def write(self, results: list[CallResult]) -> None:
        """Replace each call's rows with the new result, all calls in one transaction."""
        if not results:
            return
        ids = [r.call_id for r in results]
        tables = {
            "calls": calls_table(results),
            "utterances": utterances_table(results),
            "rule_hits": rule_hits_table(results),
            "scores": scores_table(results),
            "alerts": alerts_table(results),
            "pii_spans": pii_table(results),
            "utterances_raw": raw_utterances_table(results),
            "call_text": call_text_table(results),
            "utterance_tone": utterance_tone_table(results),
            "asr_corrections": corrections_table(results),
        }
        failures = failures_table([r for r in results if r.status == "failed"])
        with self._transaction() as con:
            for table in CALL_TABLES:
                # Machine results are replaced; rows other scorers (reviewers) wrote are kept.
                only_machine = " AND scored_by = 'machine'" if table == "scores" else ""
                con.execute(f"DELETE FROM {table} WHERE call_id IN (SELECT unnest($ids)){only_machine}", {"ids": ids})
            for table in reversed(CALL_TABLES):
                if tables[table].num_rows:
                    con.register("incoming", tables[table])
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                    con.unregister("incoming")
            if failures.num_rows:
                con.register("incoming", failures)
                con.execute("INSERT INTO failures BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
            for result in results:
                self._fold_into_baselines(con, result)

    def write_rubric_results(self, results: list[CallResult]) -> None:
        """Store a re-scoring: rows for this rubric version replace only their own earlier rows."""
        if not results:
            return
        rubric_id, version = results[0].rubric_id, results[0].rubric_version
        ids = [r.call_id for r in results]
        summary = pa.Table.from_pylist(
            [
                dict(call_id=r.call_id, score=r.score, flags=list(r.flags), rubric_id=r.rubric_id, rubric_version=r.rubric_version,
                     case_type=r.case.case_type, case_title=r.case.case_title, case_evidence=_evidence_rows(r.case.case_evidence),
                     urgency=r.case.urgency, urgency_title=r.case.urgency_title,
                     urgency_evidence=_evidence_rows(r.case.urgency_evidence),
                     repeat_count=r.case.repeat_count, repeat_level=r.case.repeat_level)
                for r in results
            ],
            schema=pa.schema([f for f in _CALLS_SCHEMA if f.name in _RUBRIC_COLUMNS]),
        )
        params = {"ids": ids, "rubric": rubric_id, "version": version}
        with self._transaction() as con:
            con.execute("DELETE FROM rule_hits WHERE call_id IN (SELECT unnest($ids)) AND rubric_id = $rubric AND rubric_version = $version", params)
            con.execute(
                "DELETE FROM scores WHERE call_id IN (SELECT unnest($ids)) AND rubric_id = $rubric "
                "AND rubric_version = $version AND scored_by = 'machine'", params,
            )
            con.execute("DELETE FROM alerts WHERE call_id IN (SELECT unnest($ids)) AND kind IN (SELECT unnest($kinds))",
                        {"ids": ids, "kinds": list(RUBRIC_ALERT_KINDS)})
            rubric_alerts = [replace(r, alerts=tuple(a for a in r.alerts if a.kind in RUBRIC_ALERT_KINDS)) for r in results]
            for table, rows in (("rule_hits", rule_hits_table(results)), ("scores", scores_table(results)),
                                ("alerts", alerts_table(rubric_alerts))):
                if rows.num_rows:
                    con.register("incoming", rows)
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                    con.unregister("incoming")
            con.register("incoming", summary)
            assignments = ", ".join(f"{c} = incoming.{c}" for c in _RUBRIC_COLUMNS if c != "call_id")
            con.execute(f"UPDATE calls SET {assignments} FROM incoming WHERE calls.call_id = incoming.call_id")
            con.unregister("incoming")

    def tone_baselines(self, agent_id: str | None, line: str | None) -> tuple[AgentBaseline | None, AgentBaseline | None]:
        """The agent's own tone baseline and their team's (the cold start), as they stand now."""
        if not agent_id:
            return None, None
        team_id = self._team_baseline_id(self.con, agent_id, line)
        rows = dict(self.con.execute("SELECT agent_id, baseline FROM agent_baselines WHERE agent_id IN (?, ?)",
                                     [agent_id, team_id]).fetchall())
        own, team = rows.get(agent_id), rows.get(team_id)
        return (AgentBaseline.from_dict(json.loads(own)) if own else None,
                AgentBaseline.from_dict(json.loads(team)) if team else None)

    @staticmethod
    def _team_baseline_id(con: duckdb.DuckDBPyConnection, agent_id: str, line: str | None) -> str:
        row = con.execute("SELECT team FROM agents WHERE agent_id = ?", [agent_id]).fetchone()
        return f"team:{row[0]}" if row and row[0] else f"line:{line or '-'}"

    def _fold_into_baselines(self, con: duckdb.DuckDBPyConnection, result: CallResult) -> None:
        """Add the agent's utterances of a scored call to their baseline and their team's, once per call."""
        agent_id = result.meta.agent_id
        features = [t.features for t in result.tones if t.role == "agent"]
        if result.status != "scored" or not agent_id or not features:
            return
        for baseline_id in (agent_id, self._team_baseline_id(con, agent_id, result.meta.line)):
            if con.execute("SELECT 1 FROM baseline_calls WHERE baseline_id = ? AND call_id = ?", [baseline_id, result.call_id]).fetchone():
                continue
            row = con.execute("SELECT baseline FROM agent_baselines WHERE agent_id = ?", [baseline_id]).fetchone()
            before = AgentBaseline.from_dict(json.loads(row[0])) if row else AgentBaseline(baseline_id)
            after = update_baseline(before, features)
            con.execute(
                "INSERT INTO agent_baselines VALUES (?, ?, ?, 1, ?) ON CONFLICT (agent_id) DO UPDATE SET utterances = excluded.utterances, "
                "baseline = excluded.baseline, calls = agent_baselines.calls + 1, updated_at = excluded.updated_at",
                [baseline_id, after.utterances, json.dumps(after.to_dict()), _now()])
            con.execute("INSERT INTO baseline_calls VALUES (?, ?)", [baseline_id, result.call_id])

    def prior_calls(self, caller_hash: str, case_type: str | None, started_at: datetime | None, call_id: str,
                    days: int = REPEAT_WINDOW_DAYS) -> int:
        """Earlier scored calls from the same (hashed) number about the same kind of case."""
        sql = (
            "SELECT count(*) FROM calls WHERE caller_hash = ? AND case_type IS NOT DISTINCT FROM ? "
            "AND status = 'scored' AND call_id <> ?"
        )
        params: list = [caller_hash, case_type, call_id]
        if started_at is not None:
            sql += " AND started_at < ? AND started_at >= ? - to_days(?)"
            params += [started_at.replace(tzinfo=None)] * 2 + [days]
        return int(self.con.execute(sql, params).fetchone()[0])

    def record_run(self, row: dict) -> None:
        table = pa.Table.from_pylist([row])
        with self._transaction() as con:
            con.execute("DELETE FROM runs WHERE run_id = ?", [row["run_id"]])
            con.register("incoming", table)
            con.execute("INSERT INTO runs BY NAME SELECT * FROM incoming")
            con.unregister("incoming")

    def personal_data_times(self, call_id: str) -> list[tuple[float, float]]:
        return personal_data_times(self.con, call_id)

    def apply_retention(self, kind: str, tables: tuple[str, ...], cutoff: datetime, keep_days: int, dry_run: bool) -> dict:
        """Delete the rows of ``tables`` that belong to calls scored before ``cutoff``; log it."""
        due = "SELECT call_id FROM calls WHERE scored_at < ?"
        with self._transaction() as con:
            calls = con.execute(f"SELECT count(*) FROM ({due})", [cutoff]).fetchone()[0]
            deleted = 0
            for table in tables:
                key = "failed_at" if table == "failures" else None
                where = f"{key} < ?" if key else f"call_id IN ({due})"
                deleted += con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [cutoff]).fetchone()[0]
                if not dry_run:
                    con.execute(f"DELETE FROM {table} WHERE {where}", [cutoff])
            con.execute(
                "INSERT INTO retention_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_now(), kind, keep_days, cutoff, calls if kind != "failures" else 0, deleted, dry_run],
            )
        return {"kind": kind, "keep_days": keep_days, "cutoff": cutoff, "rows": deleted, "dry_run": dry_run}

    def lines_with_calls(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT line FROM calls WHERE line IS NOT NULL").fetchall()]

    def calls_for_rescore(self, line: str) -> list[dict]:
        """Scored calls of a line with their utterances (words included), ready for the rubric."""
        calls = self._rows(
            "SELECT call_id, path, line, agent_id, caller_hash, started_at, duration_s, speakers_status, pipeline_version, score, "
            "repeat_count, agent_arousal, agent_negativity, caller_distress, caller_anger "
            "FROM calls WHERE status = 'scored' AND line = ? ORDER BY call_id",
            line,
        )
        if not calls:
            return []
        table = self.con.execute(
            "SELECT u.call_id, speaker, role, channel, start_s, end_s, text, avg_logprob, pinyin, words FROM utterances u "
            "JOIN calls c USING (call_id) WHERE c.status = 'scored' AND c.line = ? ORDER BY u.call_id, idx",
            [line],
        ).to_arrow_table()
        # Words stay in Arrow until a rule needs their times: converting every word is the slow part.
        words = table.column("words").combine_chunks()
        by_call: dict[str, list[dict]] = {c["call_id"]: [] for c in calls}
        for i, row in enumerate(table.drop_columns(["words"]).to_pylist()):
            row["words"] = LazyRow(words, i)
            by_call[row["call_id"]].append(row)
        for call in calls:
            call["utterances"] = by_call[call["call_id"]]
        return calls

    def scored_ids(self, pipeline_version: str | None = None) -> set[str]:
        sql = "SELECT call_id FROM calls WHERE status = 'scored'"
        params: list = []
        if pipeline_version:
            sql += " AND pipeline_version = ?"
            params.append(pipeline_version)
        return {row[0] for row in self.con.execute(sql, params).fetchall()}

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("calls", "utterances", "rule_hits", "scores", "alerts", "pii_spans", "failures", "runs"):
            out[table] = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out.update(
            {f"calls_{status}": n for status, n in self.con.execute("SELECT status, count(*) FROM calls GROUP BY ALL").fetchall()}
        )
        return out

    def schema_version(self) -> int:
        return current_version(self.con)

    def find_call(self, prefix: str) -> list[str]:
        rows = self.con.execute("SELECT call_id FROM calls WHERE starts_with(call_id, ?) ORDER BY call_id", [prefix]).fetchall()
        return [r[0] for r in rows]

    def call(self, call_id: str) -> dict | None:
        cur = self.con.execute("SELECT * FROM calls WHERE call_id = ?", [call_id])
        row = cur.fetchone()
        if row is None:
            return None
        call = dict(zip([d[0] for d in cur.description], row))
        call["utterances"] = self._rows("SELECT * FROM utterances WHERE call_id = ? ORDER BY idx", call_id)
        # Rule hits of the rubric version that gave the current score (older versions stay stored).
        call["rule_hits"] = self._rows(
            "SELECT * FROM rule_hits WHERE call_id = ? AND rubric_version IS NOT DISTINCT FROM ? ORDER BY item_id",
            call_id, call["rubric_version"],
        )
        call["alerts"] = self._rows("SELECT * FROM alerts WHERE call_id = ? ORDER BY start_s", call_id)
        return call

    def _rows(self, sql: str, *params: object) -> list[dict]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def personal_data_times(con: duckdb.DuckDBPyConnection, call_id: str) -> list[tuple[float, float]]:
    """Where personal data was heard in a call (start, end seconds): the spans playback audio mutes."""
    rows = con.execute(
        "SELECT start_s, end_s FROM pii_spans WHERE call_id = ? AND start_s IS NOT NULL ORDER BY start_s", [call_id]
    ).fetchall()
    return [(float(a), float(b)) for a, b in rows]


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:  # no transaction left to roll back (a failed commit already ended it)
        pass


def _connect(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    import time

    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            # Another process holds the lock, or (in one process) a connection opened the other way
            # (read-only vs read-write) is still open: both pass, so wait and try again.
            message = str(exc).lower()
            if "lock" not in message and "different configuration" not in message:
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is held by another process (the web app, a query, another run) for over {wait_s:.0f} s: {exc}"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class LazyRow:
    """One cell of an Arrow column, converted to Python on first use."""

    __slots__ = ("_array", "_index")

    def __init__(self, array: pa.Array, index: int):
        self._array, self._index = array, index

    def get(self) -> list[dict]:
        return self._array[self._index].as_py() or []

    def __len__(self) -> int:
        return len(self._array[self._index].values) if self._array[self._index].is_valid else 0


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = 'main'"
    ).fetchone()[0]
    if not exists:
        return 0
    row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations between the file's version and ``target``; refuse a newer file."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {version} is newer than this hotline-qc ({SCHEMA_VERSION}): upgrade hotline-qc"
        )
    for step in range(version + 1, target + 1):
        con.begin()
        try:
            for statement in MIGRATIONS[step]:
                con.execute(statement)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [step, _now()])
            con.commit()
        except BaseException:
            con.rollback()
            raise
        log.info("database migrated to schema version %d", step)
    return max(version, target)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


_EVIDENCE_T = pa.struct(
    [("start_s", pa.float64()), ("end_s", pa.float64()), ("role", pa.string()), ("matched", pa.string()), ("text", pa.string())]
)


def _evidence_rows(evidence) -> list[dict]:
    return [dict(start_s=e.start, end_s=e.end, role=e.role, matched=e.matched, text=e.text) for e in evidence]


def calls_table(results: list[CallResult]) -> pa.Table:
    rows = []
    for r in results:
        a = r.audio
        rows.append(
            dict(
                call_id=r.call_id,
                path=r.path,
                file_name=Path(r.path).name,
                size_bytes=a.size_bytes if a else None,
                line=r.meta.line,
                agent_id=r.meta.agent_id,
                caller_hash=r.meta.caller_hash,
                started_at=r.meta.started_at,
                duration_s=a.duration_s if a else None,
                sample_rate=a.sample_rate if a else None,
                channels=a.channels if a else None,
                container=a.container if a else None,
                layout=r.layout,
                language=r.language,
                language_probability=r.language_probability,
                speakers_status=r.speakers_status,
                role_rule=r.role_rule,
                role_confidence=r.role_confidence,
                status=r.status,
                failure_stage=r.failure_stage,
                failure_reason=r.failure_reason,
                warnings=list(r.warnings),
                rubric_id=r.rubric_id,
                rubric_version=r.rubric_version,
                score=r.score,
                flags=list(r.flags),
                case_type=r.case.case_type,
                case_title=r.case.case_title,
                case_evidence=_evidence_rows(r.case.case_evidence),
                urgency=r.case.urgency if r.status == "scored" else None,
                urgency_title=r.case.urgency_title,
                urgency_evidence=_evidence_rows(r.case.urgency_evidence),
                repeat_count=r.case.repeat_count,
                repeat_level=r.case.repeat_level,
                agent_arousal=r.call_tone.agent_arousal.value if r.call_tone else None,
                agent_negativity=r.call_tone.agent_negativity.value if r.call_tone else None,
                caller_distress=r.call_tone.caller_distress.value if r.call_tone else None,
                caller_anger=r.call_tone.caller_anger.value if r.call_tone else None,
                pipeline_version=r.pipeline_version,
                stage_seconds=json.dumps(r.stage_seconds),
                scored_at=r.scored_at.replace(tzinfo=None),
            )
        )
    return pa.Table.from_pylist(rows, schema=_CALLS_SCHEMA)


_CALLS_SCHEMA = pa.schema(
    [
        ("call_id", pa.string()), ("path", pa.string()), ("file_name", pa.string()), ("size_bytes", pa.int64()),
        ("line", pa.string()), ("agent_id", pa.string()), ("caller_hash", pa.string()), ("started_at", pa.timestamp("us")),
        ("duration_s", pa.float64()), ("sample_rate", pa.int32()), ("channels", pa.int32()), ("container", pa.string()),
        ("layout", pa.string()), ("language", pa.string()), ("language_probability", pa.float64()),
        ("speakers_status", pa.string()), ("role_rule", pa.string()), ("role_confidence", pa.float64()), ("status", pa.string()), ("failure_stage", pa.string()),
        ("failure_reason", pa.string()), ("warnings", pa.list_(pa.string())), ("rubric_id", pa.string()),
        ("rubric_version", pa.string()), ("score", pa.float64()), ("flags", pa.list_(pa.string())),
        ("case_type", pa.string()), ("case_title", pa.string()), ("case_evidence", pa.list_(_EVIDENCE_T)),
        ("urgency", pa.string()), ("urgency_title", pa.string()), ("urgency_evidence", pa.list_(_EVIDENCE_T)),
        ("repeat_count", pa.int32()), ("repeat_level", pa.string()),
        ("agent_arousal", pa.float64()), ("agent_negativity", pa.float64()), ("caller_distress", pa.float64()),
        ("caller_anger", pa.float64()),
        ("pipeline_version", pa.string()), ("stage_seconds", pa.string()), ("scored_at", pa.timestamp("us")),
    ]
)

_WORD = pa.struct([("text", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()), ("probability", pa.float64())])


def utterances_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, idx=i, speaker=u.speaker, role=u.role, channel=u.channel, start_s=u.start, end_s=u.end,
            text=u.text, avg_logprob=u.avg_logprob, pinyin=stored_readings(u.text),
            words=[dict(text=w.text, start_s=w.start, end_s=w.end, probability=w.probability) for w in u.words],
        )
        for r in results
        for i, u in enumerate(r.utterances)
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("idx", pa.int32()), ("speaker", pa.string()), ("role", pa.string()),
         ("channel", pa.int32()), ("start_s", pa.float64()), ("end_s", pa.float64()), ("text", pa.string()),
         ("avg_logprob", pa.float64()), ("pinyin", pa.string()), ("words", pa.list_(_WORD))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def rule_hits_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, rubric_id=r.rubric_id, rubric_version=r.rubric_version, item_id=v.item_id, title=v.title,
            verdict=v.verdict, points=v.points, max_points=v.max_points, severity=v.severity, reason=v.reason,
            evidence=_evidence_rows(v.evidence),
        )
        for r in results
        for v in r.verdicts
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()), ("item_id", pa.string()),
         ("title", pa.string()), ("verdict", pa.string()), ("points", pa.float64()), ("max_points", pa.float64()), ("severity", pa.string()),
         ("reason", pa.string()), ("evidence", pa.list_(_EVIDENCE_T))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def pii_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, kind=p.kind, utterance_idx=p.utterance, start_s=p.start, end_s=p.end, confidence=p.confidence)
        for r in results
        for p in r.personal_data
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("kind", pa.string()), ("utterance_idx", pa.int32()), ("start_s", pa.float64()),
         ("end_s", pa.float64()), ("confidence", pa.float64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def raw_utterances_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, idx=i, text=u.text,
             words=[dict(text=w.text, start_s=w.start, end_s=w.end, probability=w.probability) for w in u.words])
        for r in results
        for i, u in enumerate(r.raw_utterances)
    ]
    schema = pa.schema([("call_id", pa.string()), ("idx", pa.int32()), ("text", pa.string()), ("words", pa.list_(_WORD))])
    return pa.Table.from_pylist(rows, schema=schema)


def call_text_table(results: list[CallResult]) -> pa.Table:
    rows = [dict(call_id=r.call_id, text=" ".join(u.text for u in r.utterances)) for r in results if r.utterances]
    return pa.Table.from_pylist(rows, schema=pa.schema([("call_id", pa.string()), ("text", pa.string())]))


def corrections_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, channel=channel, original=c.original, replacement=c.replacement, start_s=c.start, end_s=c.end,
             probability=c.probability, pinyin_distance=c.pinyin_distance, term=c.term)
        for r in results
        for channel, c in r.corrections
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("channel", pa.int32()), ("original", pa.string()), ("replacement", pa.string()),
         ("start_s", pa.float64()), ("end_s", pa.float64()), ("probability", pa.float64()), ("pinyin_distance", pa.float64()),
         ("term", pa.string())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def utterance_tone_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, idx=t.index, role=t.role, start_s=t.start, end_s=t.end, arousal=t.arousal, negativity=t.negativity,
             baseline_source=t.baseline_source, zscores=json.dumps(t.zscores), features=json.dumps(asdict(t.features)),
             cues=sorted(t.cues.classes), reasons=list(t.reasons))
        for r in results
        for t in r.tones
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("idx", pa.int32()), ("role", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64()),
         ("arousal", pa.float64()), ("negativity", pa.float64()), ("baseline_source", pa.string()), ("zscores", pa.string()),
         ("features", pa.string()), ("cues", pa.list_(pa.string())), ("reasons", pa.list_(pa.string()))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def alerts_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, kind=a.kind, severity=a.severity, start_s=a.start, message=a.message,
             evidence=_evidence_rows(a.evidence), raised_at=r.scored_at.replace(tzinfo=None))
        for r in results
        for a in r.alerts
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("kind", pa.string()), ("severity", pa.string()), ("start_s", pa.float64()),
         ("message", pa.string()), ("evidence", pa.list_(_EVIDENCE_T)), ("raised_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def scores_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(
            call_id=r.call_id, rubric_id=r.rubric_id, rubric_version=r.rubric_version, scored_by="machine",
            score=r.score,
            points=sum(v.points for v in r.verdicts if v.verdict != "na"),
            max_points=sum(v.max_points for v in r.verdicts if v.verdict != "na"),
            critical_failed=any(v.verdict == "fail" and v.severity == "critical" for v in r.verdicts),
            scored_at=r.scored_at.replace(tzinfo=None),
        )
        for r in results
        if r.status == "scored" and r.rubric_id
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()), ("scored_by", pa.string()),
         ("score", pa.float64()), ("points", pa.float64()), ("max_points", pa.float64()), ("critical_failed", pa.bool_()),
         ("scored_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def failures_table(results: list[CallResult]) -> pa.Table:
    rows = [
        dict(call_id=r.call_id, path=r.path, stage=r.failure_stage, reason=r.failure_reason,
             pipeline_version=r.pipeline_version, failed_at=r.scored_at.replace(tzinfo=None))
        for r in results
    ]
    schema = pa.schema(
        [("call_id", pa.string()), ("path", pa.string()), ("stage", pa.string()), ("reason", pa.string()),
         ("pipeline_version", pa.string()), ("failed_at", pa.timestamp("us"))]
    )
    return pa.Table.from_pylist(rows, schema=schema)
