"""Human review of machine verdicts: overturning items, the score that follows, appeals, calibration.

The pure parts (which verdict stands, the score it gives, Cohen's kappa, the calibration draw) are
functions of plain values; the ``save_*``/``file_*`` functions write one change and its audit row.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import duckdb

from qc.audit import record as audit
from qc.rubric.evaluate import weighted_score

VERDICTS = ("pass", "fail", "na")


class ReviewError(ValueError):
    """A review or appeal step that is not allowed now, in words for the person who tried it."""


@dataclass(frozen=True)
class ItemVerdict:
    item_id: str
    verdict: str
    points: float
    max_points: float
    severity: str
    section: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def with_human_verdicts(items: Iterable[ItemVerdict], human: dict[str, str]) -> list[ItemVerdict]:
    """The machine's items with the reviewers' verdicts put in their place (full or no points)."""
    out = []
    for item in items:
        verdict = human.get(item.item_id)
        if verdict is None or verdict == item.verdict:
            out.append(item)
            continue
        points = item.max_points if verdict == "pass" else 0.0
        out.append(ItemVerdict(item.item_id, verdict, points, item.max_points, item.severity, item.section))
    return out


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Agreement between two raters beyond chance; None when there is nothing to compare."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in set(first) | set(second)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return round((observed - expected) / (1.0 - expected), 3)


def calibration_draw(call_ids: list[str], inspectors: list[str], week: str, per_inspector: int) -> list[tuple[str, str]]:
    """(call, inspector) pairs for a week's double review: every drawn call goes to two inspectors.

    Deterministic for a week (a re-run draws the same calls) and spread over the week's calls by hash,
    not by time, so late-night calls are sampled as often as morning ones.
    """
    if len(inspectors) < 2 or per_inspector <= 0 or not call_ids:
        return []
    ranked = sorted(call_ids, key=lambda c: hashlib.sha256(f"{week}:{c}".encode()).hexdigest())
    needed = (per_inspector * len(inspectors) + 1) // 2
    people = sorted(inspectors)
    pairs = []
    for i, call_id in enumerate(ranked[:needed]):
        a = people[i % len(people)]
        b = people[(i + 1 + i // len(people)) % len(people)]
        if b == a:
            b = people[(i + 1) % len(people)]
        pairs += [(call_id, a), (call_id, b)]
    return pairs


# --- writes ---------------------------------------------------------------------------------------

def save_review(con: duckdb.DuckDBPyConnection, *, call_id: str, item_id: str, verdict: str, comment: str, reviewer: str,
                purpose: str, items: list[ItemVerdict], rubric_id: str | None, rubric_version: str | None,
                section_weight: Callable[[str | None], float]) -> float | None:
    """Store one reviewer's verdict on one item; for reviews and appeal re-scores, the call's new score.

    Calibration verdicts are kept apart: they measure inspectors, they do not change an agent's score.
    """
    if verdict not in VERDICTS:
        raise ReviewError(f"a verdict is one of {', '.join(VERDICTS)}")
    machine = next((i for i in items if i.item_id == item_id), None)
    if machine is None:
        raise ReviewError(f"the call has no rubric item '{item_id}'")
    con.execute(
        "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [uuid.uuid4().hex[:16], call_id, rubric_id, rubric_version, item_id, reviewer, purpose, machine.verdict, verdict,
         comment, _now()],
    )
    audit(con, reviewer, f"review.{purpose}", f"{call_id}/{item_id}", before={"verdict": machine.verdict},
          after={"verdict": verdict, "comment": comment})
    if purpose == "calibration":
        return None
    human = current_human_verdicts(con, call_id, rubric_version)
    final = with_human_verdicts(items, human)
    new_score = weighted_score(final, section_of=lambda i: i.section, weight_of=section_weight)
    con.execute(
        "INSERT INTO scores (call_id, rubric_id, rubric_version, scored_by, score, points, max_points, critical_failed, scored_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [call_id, rubric_id, rubric_version, f"review:{reviewer}", new_score,
         sum(i.points for i in final if i.verdict != "na"), sum(i.max_points for i in final if i.verdict != "na"),
         any(i.verdict == "fail" and i.severity == "critical" for i in final), _now()],
    )
    return new_score


def current_human_verdicts(con: duckdb.DuckDBPyConnection, call_id: str, rubric_version: str | None) -> dict[str, str]:
    """The latest review or appeal verdict per item (calibration reviews excluded)."""
    rows = con.execute(
        "SELECT item_id, arg_max(human_verdict, reviewed_at) FROM reviews WHERE call_id = ? AND purpose <> 'calibration' "
        "AND rubric_version IS NOT DISTINCT FROM ? GROUP BY item_id",
        [call_id, rubric_version],
    ).fetchall()
    return dict(rows)


def file_appeal(con: duckdb.DuckDBPyConnection, *, call_id: str, agent_id: str, filed_by: str, item_id: str | None, reason: str,
                evaluated_at: datetime, window_days: int) -> str:
    if not reason.strip():
        raise ReviewError("say why the evaluation is wrong")
    if _now() > evaluated_at + timedelta(days=window_days):
        raise ReviewError(f"the appeal window ({window_days} days after the evaluation) has closed")
    if con.execute("SELECT 1 FROM appeals WHERE call_id = ? AND status IN ('open', 'accepted') AND item_id IS NOT DISTINCT FROM ?",
                   [call_id, item_id]).fetchone():
        raise ReviewError("an appeal on this is already open")
    if item_id is not None and not con.execute("SELECT 1 FROM rule_hits WHERE call_id = ? AND item_id = ?", [call_id, item_id]).fetchone():
        raise ReviewError(f"the call has no rubric item '{item_id}'")
    appeal_id = uuid.uuid4().hex[:12]
    con.execute(
        "INSERT INTO appeals (appeal_id, call_id, agent_id, filed_by, item_id, reason, filed_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
        [appeal_id, call_id, agent_id, filed_by, item_id, reason.strip(), _now()],
    )
    audit(con, filed_by, "appeal.file", appeal_id, after={"call": call_id, "item": item_id, "reason": reason.strip()})
    return appeal_id


def decide_appeal(con: duckdb.DuckDBPyConnection, appeal_id: str, *, accept: bool, comment: str, lead: str) -> None:
    """The team lead's step: accepted appeals go to an inspector for re-scoring; rejected ones end."""
    status = _appeal_status(con, appeal_id)
    if status != "open":
        raise ReviewError(f"appeal {appeal_id} is {status}, not open")
    new = "accepted" if accept else "rejected"
    con.execute("UPDATE appeals SET status = ?, decided_by = ?, decision_comment = ?, decided_at = ? WHERE appeal_id = ?",
                [new, lead, comment, _now(), appeal_id])
    audit(con, lead, f"appeal.{new}", appeal_id, before={"status": status}, after={"status": new, "comment": comment})


def close_appeal_rescored(con: duckdb.DuckDBPyConnection, appeal_id: str, inspector: str, call_id: str) -> None:
    """An accepted appeal is closed by the re-scoring review of its own call, never another's."""
    status = _appeal_status(con, appeal_id)
    appealed = con.execute("SELECT call_id FROM appeals WHERE appeal_id = ?", [appeal_id]).fetchone()[0]
    if appealed != call_id:
        raise ReviewError(f"appeal {appeal_id} is about another call")
    if status != "accepted":
        raise ReviewError(f"appeal {appeal_id} is {status}: only accepted appeals are re-scored")
    con.execute("UPDATE appeals SET status = 'rescored', rescored_by = ?, rescored_at = ? WHERE appeal_id = ?",
                [inspector, _now(), appeal_id])
    audit(con, inspector, "appeal.rescored", appeal_id, before={"status": status}, after={"status": "rescored"})


def _appeal_status(con: duckdb.DuckDBPyConnection, appeal_id: str) -> str:
    row = con.execute("SELECT status FROM appeals WHERE appeal_id = ?", [appeal_id]).fetchone()
    if row is None:
        raise ReviewError(f"no appeal '{appeal_id}'")
    return row[0]
