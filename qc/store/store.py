"""Calls in the store: one transaction per write, and the queries the batch, CLI and re-scoring need.

A call's rows are replaced as a unit inside one transaction, so scoring the same recording twice
leaves one call, and a crash mid-write leaves the old rows. A ``Store`` is one cursor of this
process's ``Database`` (``qc.store.database``), held for the ``with`` block: keep blocks short, other
processes take their turns in between.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from qc.rubric.cases import REPEAT_WINDOW_DAYS
from qc.errors import QCError
from qc.records import CallResult
from qc.store import outbox
from qc.store.changes import change_turn, stamp
from qc.store.database import database
from qc.store.schema import current_version, now
from qc.store.tables import (
    CALLS_SCHEMA, alerts_table, call_text_table, calls_table, corrections_table, evidence_rows, failures_table, pii_table,
    raw_utterances_table, rule_hits_table, scores_table, utterance_tone_table, utterances_table,
)
from qc.tone import AgentBaseline, update_baseline
from qc.webhooks.events import ALERT_EVENTS, call_events, live_alert_event, run_event

log = logging.getLogger(__name__)

CALL_TABLES = ("utterances", "utterances_raw", "call_text", "asr_corrections", "utterance_tone", "pii_spans", "rule_hits", "scores", "alerts", "calls")
# Alerts that the rubric raises (re-scoring replaces these; tone alerts stay).
RUBRIC_ALERT_KINDS = ("urgent_case", "critical_fail")
# The columns of calls that a rubric (re-)scoring sets.
_RUBRIC_COLUMNS = (
    "call_id", "score", "flags", "rubric_id", "rubric_version", "case_type", "case_title", "case_evidence",
    "urgency", "urgency_title", "urgency_evidence", "repeat_count", "repeat_level",
)



class StorageError(QCError):
    """The database file could not be written (disk full, file size limit, I/O error).

    Nothing half-written stays: the transaction is rolled back and DuckDB's log replays only whole
    commits, so a re-run, once there is space, skips what was stored and scores the rest.
    """


class Store:
    """The calls in a DuckDB file: a cursor of this process's database, for a ``with`` block.

    ``read_only``: the block only reads (a read-only transaction; the file must exist). ``wait_s``: how
    long to wait for another process's turn before ``StoreBusy`` (default: the database's).
    """

    def __init__(self, path: Path | str, read_only: bool = False, wait_s: float | None = None):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path} (score some calls first: qc score PATH)")
        self._cursor = database(self.path).cursor(write=not read_only, wait_s=wait_s)
        self.con: duckdb.DuckDBPyConnection = self._cursor.__enter__()
        self._events_added = 0  # webhook deliveries the open transaction made

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.__exit__(None, None, None)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on this store's cursor; webhook events added inside wake the deliverers once it commits."""
        with self._transaction() as con:
            yield con
        if self._events_added:
            self._events_added = 0
            outbox.notify(self.path)

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with change_turn(self.path):  # writes stamp change numbers: one numbering transaction at a time
            with self._plain_transaction() as con:
                yield con

    @contextmanager
    def _plain_transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self._events_added = 0
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
        with self.transaction() as con:
            alerted = _alerted_before(con, ids)
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
            self._add_events(con, lambda: [e for r in results for e in call_events(r, alerted.get(r.call_id, ()))])
            stamp(con, ids)

    def write_rubric_results(self, results: list[CallResult]) -> None:
        """Store a re-scoring: rows for this rubric version replace only their own earlier rows."""
        if not results:
            return
        rubric_id, version = results[0].rubric_id, results[0].rubric_version
        ids = [r.call_id for r in results]
        summary = pa.Table.from_pylist(
            [
                dict(call_id=r.call_id, score=r.score, flags=list(r.flags), rubric_id=r.rubric_id, rubric_version=r.rubric_version,
                     case_type=r.case.case_type, case_title=r.case.case_title, case_evidence=evidence_rows(r.case.case_evidence),
                     urgency=r.case.urgency, urgency_title=r.case.urgency_title,
                     urgency_evidence=evidence_rows(r.case.urgency_evidence),
                     repeat_count=r.case.repeat_count, repeat_level=r.case.repeat_level)
                for r in results
            ],
            schema=pa.schema([f for f in CALLS_SCHEMA if f.name in _RUBRIC_COLUMNS]),
        )
        params = {"ids": ids, "rubric": rubric_id, "version": version}
        with self.transaction() as con:
            alerted = _alerted_before(con, ids)
            scores_before = dict(con.execute("SELECT call_id, score FROM calls WHERE call_id IN (SELECT unnest($ids))",
                                             {"ids": ids}).fetchall())
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
            # A re-score tells receivers of what changed: a new score, an urgent case or failure not raised before.
            self._add_events(con, lambda: [
                e for r in rubric_alerts for e in call_events(r, alerted.get(r.call_id, ()), source="rescore",
                                                              scored_event=scores_before.get(r.call_id) != r.score)])
            stamp(con, ids)

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
                [baseline_id, after.utterances, json.dumps(after.to_dict()), now()])
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
        """Store a batch run's figures, and its ``run_finished`` webhook event with them."""
        table = pa.Table.from_pylist([row])
        with self.transaction() as con:
            con.execute("DELETE FROM runs WHERE run_id = ?", [row["run_id"]])
            con.register("incoming", table)
            con.execute("INSERT INTO runs BY NAME SELECT * FROM incoming")
            con.unregister("incoming")
            self._add_events(con, lambda: [run_event(row)])

    def store_live_alert(self, row: dict, line: str | None = None) -> None:
        """A live alert, and its webhook event in the same transaction (urgent kinds only); stored once per id."""
        columns = ("alert_id", "live_call_id", "agent_id", "kind", "severity", "call_time_s", "message_zh", "message_en",
                   "evidence", "raised_at")
        with self.transaction() as con:
            added = con.execute(f"INSERT INTO live_alerts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                                "ON CONFLICT DO NOTHING RETURNING alert_id", [row[k] for k in columns]).fetchall()
            if added:
                self._add_events(con, lambda: [e for e in [live_alert_event(row, line)] if e is not None])

    def _add_events(self, con: duckdb.DuckDBPyConnection, build) -> None:
        """Webhook events for what this transaction writes, built only when some subscription wants any."""
        if outbox.wanted_kinds(con):
            self._events_added += outbox.add_events(con, build())

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
                [now(), kind, keep_days, cutoff, calls if kind != "failures" else 0, deleted, dry_run],
            )
        return {"kind": kind, "keep_days": keep_days, "cutoff": cutoff, "rows": deleted, "dry_run": dry_run}

    def lines_with_calls(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT line FROM calls WHERE line IS NOT NULL").fetchall()]

    def calls_for_rescore(self, line: str, after: str | None = None, limit: int | None = None) -> list[dict]:
        """Scored calls of a line with their utterances (words included), ready for the rubric.

        In call id order: ``after`` and ``limit`` read them a part at a time.
        """
        page = " AND call_id > ?" if after is not None else ""
        params: list = [line] + ([after] if after is not None else [])
        calls = self._rows(
            "SELECT call_id, path, line, agent_id, caller_hash, started_at, duration_s, speakers_status, pipeline_version, score, "
            "repeat_count, agent_arousal, agent_negativity, caller_distress, caller_anger "
            f"FROM calls WHERE status = 'scored' AND line = ?{page} ORDER BY call_id" + (f" LIMIT {int(limit)}" if limit else ""),
            *params,
        )
        if not calls:
            return []
        table = self.con.execute(
            "SELECT u.call_id, speaker, role, channel, start_s, end_s, text, avg_logprob, pinyin, words FROM utterances u "
            "WHERE u.call_id IN (SELECT unnest($ids)) ORDER BY u.call_id, idx",
            {"ids": [c["call_id"] for c in calls]},
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


def _alerted_before(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, set[str]]:
    """The alert kinds (of those that are webhook events) each call already had before this write."""
    rows = con.execute("SELECT call_id, list(DISTINCT kind) FROM alerts WHERE call_id IN (SELECT unnest($ids)) "
                       "AND kind IN (SELECT unnest($kinds)) GROUP BY call_id", {"ids": ids, "kinds": list(ALERT_EVENTS)}).fetchall()
    return {call_id: set(kinds) for call_id, kinds in rows}


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:  # no transaction left to roll back (a failed commit already ended it)
        pass


class LazyRow:
    """One cell of an Arrow column, converted to Python on first use."""

    __slots__ = ("_array", "_index")

    def __init__(self, array: pa.Array, index: int):
        self._array, self._index = array, index

    def get(self) -> list[dict]:
        return self._array[self._index].as_py() or []

    def __len__(self) -> int:
        return len(self._array[self._index].values) if self._array[self._index].is_valid else 0


