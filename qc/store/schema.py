"""The store's schema: every migration since the first, applied in order, each once.

Each migration takes the schema from version N-1 to N. Never edit a released one: add another.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import duckdb

from qc.errors import QCError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 14
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
    12: [
        # Sign-in throttling per (account, client address), and per address over every account ('*'):
        # an outsider guessing passwords is slowed where they are, the real user elsewhere still gets in.
        """CREATE TABLE signin_throttle (
            username VARCHAR NOT NULL,
            client VARCHAR NOT NULL,
            failures INTEGER NOT NULL,
            locks INTEGER NOT NULL,
            locked_until TIMESTAMP,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (username, client)
        )""",
    ],
    13: [
        # Webhooks: who is told of which events, the outbox of events (written in the transaction that stores
        # what they describe), and one delivery per event and subscription with its attempts (qc/webhooks/).
        """CREATE TABLE webhook_subscriptions (
            subscription_id VARCHAR PRIMARY KEY,
            url VARCHAR NOT NULL,
            events VARCHAR[] NOT NULL,
            secret VARCHAR NOT NULL,          -- signs every delivery (HMAC-SHA256); shown once when made
            previous_secret VARCHAR,          -- after a rotation, also signs until previous_secret_until
            previous_secret_until TIMESTAMP,
            description VARCHAR,
            active BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP NOT NULL,
            removed_at TIMESTAMP
        )""",
        """CREATE TABLE webhook_events (
            event_id VARCHAR PRIMARY KEY,     -- sent with every attempt: receivers drop duplicates by it
            kind VARCHAR NOT NULL,            -- urgent_case | caller_distress | critical_fail | call_scored | run_finished
            source VARCHAR NOT NULL,          -- batch | rescore | live | nightly | score
            subject VARCHAR,                  -- the call, live call or run it is about
            payload JSON NOT NULL,            -- redacted text only
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE webhook_deliveries (
            delivery_id VARCHAR PRIMARY KEY,
            event_id VARCHAR NOT NULL,
            subscription_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,          -- pending | delivered | failed | cancelled
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMP,
            lease_owner VARCHAR,              -- the deliverer working it now, until lease_until
            lease_until TIMESTAMP,
            last_status_code INTEGER,
            last_error VARCHAR,
            created_at TIMESTAMP NOT NULL,
            last_attempt_at TIMESTAMP,
            delivered_at TIMESTAMP,
            event_created_at TIMESTAMP        -- when the event was stored, for latency figures
        )""",
        # No index on status or times: DuckDB rewrites an updated indexed column as delete + insert, and the
        # deliverer updates them on every attempt; the table holds days of deliveries, a scan is quick.
    ],
    14: [
        # The API's incremental sync: every write of a call (scoring, re-scoring, a review) stamps it with the
        # next number of one counter, taken under the store's write turn, so numbers follow commit order and a
        # client that asks for "after N" never misses a call committed late (a timestamp cursor would).
        "ALTER TABLE calls ADD COLUMN change_seq BIGINT",
        """UPDATE calls SET change_seq = ordered.seq FROM (
            SELECT call_id, row_number() OVER (ORDER BY scored_at, call_id) AS seq FROM calls) ordered
           WHERE calls.call_id = ordered.call_id""",
        "CREATE TABLE change_counter (name VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)",
        "INSERT INTO change_counter SELECT 'calls', coalesce(max(change_seq), 0) FROM calls",
        # API tokens carry scopes (read:calls, read:raw, write:reviews, read:metrics); NULL: a token made before
        # scopes existed, which the v1 API treats as read:calls only.
        "ALTER TABLE api_tokens ADD COLUMN scopes VARCHAR[]",
        # Unredacted text of one call is looked up by call (API ?raw=true, the call page's raw view), never scanned.
        "CREATE INDEX utterances_raw_call ON utterances_raw(call_id)",
    ],
}


class NewerSchema(QCError):
    """The database was written by a newer hotline-qc than this one."""


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
        raise NewerSchema(
            f"database schema version {version} is newer than this hotline-qc ({SCHEMA_VERSION}): upgrade hotline-qc"
        )
    for step in range(version + 1, target + 1):
        con.begin()
        try:
            for statement in MIGRATIONS[step]:
                con.execute(statement)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [step, now()])
            con.commit()
        except BaseException:
            con.rollback()
            raise
        log.info("database migrated to schema version %d", step)
    return max(version, target)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)

