"""Re-apply a rubric to stored transcripts, without running speech recognition again.

Rubrics change weekly; transcription is the expensive part. Results are stored per rubric version
(``rule_hits.rubric_version``, ``scores``), so every score stays traceable to the rubric that gave it,
and the call's current score, flags, case type and urgency follow the newest run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from collections.abc import Sequence
from pathlib import Path

from qc.config import Settings
from qc.records import CallMeta, CallResult, Utterance, Word
from qc.rubric import Rubric, load_rubric
from qc.rubric.context import parse_readings
from qc.judge import TONE_MEASURES, apply_rubric
from qc.store import LazyRow, Store


@dataclass
class RescoreSummary:
    calls: int = 0
    changed_score: int = 0
    seconds: float = 0.0
    by_line: dict[str, int] = field(default_factory=dict)
    rubrics: list[str] = field(default_factory=list)  # "id version" of each rubric applied

    @property
    def calls_per_second(self) -> float | None:
        return round(self.calls / self.seconds, 1) if self.seconds else None


# Calls read and written per turn on the database: the batch, the web app and live calls get theirs in between.
CHUNK = 2000


def rescore(settings: Settings, line: str | None = None, rubric_path: Path | None = None, chunk: int = CHUNK) -> RescoreSummary:
    """Re-score the stored calls of ``line`` (default: every line, each with its own rubric), ``chunk`` calls at a time."""
    with Store(settings.db_path) as store:
        stored_lines = store.lines_with_calls()
    lines = [line] if line else sorted(set(settings.lines) | set(stored_lines))
    began = time.perf_counter()
    summary = RescoreSummary()
    for line_id in lines:
        if line_id not in settings.lines:
            continue
        rubric = None
        after = None
        while True:
            with Store(settings.db_path, read_only=True) as store:
                calls = store.calls_for_rescore(line_id, after=after, limit=chunk)
            if not calls:
                break
            rubric = rubric or load_rubric(rubric_path or settings.rubrics_dir / settings.lines[line_id].rubric)
            results = [rescore_one(rubric, call) for call in calls]
            with Store(settings.db_path) as store:
                store.write_rubric_results(results)
            after = calls[-1]["call_id"]
            summary.calls += len(results)
            summary.by_line[line_id] = summary.by_line.get(line_id, 0) + len(results)
            summary.changed_score += sum(1 for call, r in zip(calls, results) if call["score"] != r.score)
        if rubric is not None and f"{rubric.id} {rubric.version}" not in summary.rubrics:
            summary.rubrics.append(f"{rubric.id} {rubric.version}")
    summary.seconds = round(time.perf_counter() - began, 3)
    return summary


def measures_from_row(call: dict) -> dict[str, float]:
    """The call's stored tone measures, for rubric conditions like ``measure: {name: agent_arousal, above: 0.8}``."""
    return {name: float(call[name]) for name in TONE_MEASURES if call.get(name) is not None}


def rescore_one(rubric: Rubric, call: dict) -> CallResult:
    utterances = tuple(utterance_from_row(u) for u in call["utterances"])
    meta = CallMeta(line=call["line"], agent_id=call["agent_id"], caller_hash=call["caller_hash"], started_at=call["started_at"])
    pinyin = tuple(parse_readings(row.get("pinyin"), row["text"]) for row in call["utterances"])
    judged = apply_rubric(
        rubric, utterances, call["duration_s"] or 0.0, meta, roles_known=call["speakers_status"] != "unresolved",
        repeat_count=call.get("repeat_count"), measures=measures_from_row(call),
        pinyin=pinyin if all(p is not None for p in pinyin) else None,
    )
    return CallResult(
        call_id=call["call_id"],
        path=call["path"],
        status="scored",
        meta=meta,
        pipeline_version=call["pipeline_version"],
        scored_at=datetime.now(timezone.utc),
        utterances=utterances,
        **judged.call_fields(),
    )


class StoredWords(Sequence):
    """An utterance's words as stored, turned into Word records only if something reads them.

    Rules read words only to time their evidence; building every word of thousands of calls up front
    took a third of the re-scoring time.
    """

    def __init__(self, rows: "list[dict] | LazyRow | None"):
        self._rows = rows if rows is not None else []
        self._words: tuple[Word, ...] | None = None

    def _all(self) -> tuple[Word, ...]:
        if self._words is None:
            rows = self._rows.get() if isinstance(self._rows, LazyRow) else self._rows
            self._words = tuple(Word(w["text"], w["start_s"], w["end_s"], w["probability"]) for w in rows)
        return self._words

    def __getitem__(self, index):  # type: ignore[override]
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._all())


def utterance_from_row(row: dict) -> Utterance:
    words = StoredWords(row["words"])
    return Utterance(row["speaker"], row["role"], row["start_s"], row["end_s"], row["text"], words, row["channel"], row["avg_logprob"])  # type: ignore[arg-type]
