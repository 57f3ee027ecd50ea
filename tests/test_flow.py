"""The Prefect flow for real (temporary Prefect server), the real model, a real DuckDB file."""

import shutil

import numpy as np
import pytest

from pipelines import score as score_module
from pipelines.score import run_scoring
from qc.errors import TransientError
from tests.conftest import SAMPLES, prefect_run, rows, write

pytestmark = [pytest.mark.flow, pytest.mark.model, pytest.mark.usefixtures("prefect_harness")]

GOOD = "zh_stereo_8k_no_greeting"


@pytest.fixture
def batch(tmp_path):
    folder = tmp_path / "recordings" / "2026-11-24"
    folder.mkdir(parents=True)
    shutil.copyfile(SAMPLES / f"{GOOD}.wav", folder / f"{GOOD}.wav")
    shutil.copyfile(SAMPLES / f"{GOOD}.meta.json", folder / f"{GOOD}.meta.json")
    (folder / "empty.wav").write_bytes(b"")
    (folder / "notes.wav").write_text("坐席备注，不是录音\n" * 30, encoding="utf-8")
    write(folder / "silent.flac", np.zeros(16000 * 4, dtype=np.float32), 16000)
    return sorted(p for p in folder.iterdir() if not p.name.endswith(".json"))


def test_batch_scores_good_calls_records_bad_ones_and_resumes_without_duplicates(settings, batch):
    seen = []
    first = run_scoring(batch, settings, on_result=seen.append)
    assert (first.scored, first.failed, first.skipped) == (1, 3, 0)
    assert len(seen) == 4 and first.audio_seconds == pytest.approx(36.15, abs=0.2)
    calls = dict(rows(settings.db_path, "SELECT file_name, coalesce(failure_reason, 'ok') FROM calls"))
    assert calls[f"{GOOD}.wav"] == "ok"
    assert "empty file" in calls["empty.wav"]
    assert "not a readable audio file" in calls["notes.wav"]
    assert "silent recording" in calls["silent.flac"]
    agent, flags = rows(settings.db_path, f"SELECT agent_id, flags FROM calls WHERE file_name = '{GOOD}.wav'")[0]
    assert agent == "A002" and {"greeting", "closing"} <= set(flags)

    again = run_scoring(batch, settings)
    assert (again.scored, again.failed, again.skipped) == (0, 3, 1)
    forced = run_scoring(batch, settings, force=True)
    assert forced.scored == 1
    assert rows(settings.db_path, "SELECT count(*), count(DISTINCT call_id) FROM calls") == [(4, 4)]
    utterances = rows(settings.db_path, "SELECT count(*) FROM utterances")[0][0]
    assert utterances == len(first.results[[r.status for r in first.results].index("scored")].utterances)
    # Every failed attempt stays in the history; the calls table holds the latest outcome only.
    assert rows(settings.db_path, "SELECT count(*) FROM failures")[0][0] == 9
    # Each run is a readable flow run with its summary, and a runs row.
    runs = rows(settings.db_path, "SELECT run_id, kind, source, scored, failed, skipped FROM runs ORDER BY started_at")
    assert [r[1:] for r in runs] == [("score", str(batch[0].parent), 1, 3, 0), ("score", str(batch[0].parent), 0, 3, 1),
                                     ("score", str(batch[0].parent), 1, 3, 0)]
    name, artifacts = prefect_run(runs[0][0])
    assert name == f"score {batch[0].parent}"
    assert len(artifacts) == 1 and "| scored | 1 |" in artifacts[0] and "| failed | 3 |" in artifacts[0]


def test_transient_errors_are_retried_and_unexpected_ones_isolated(settings, batch, monkeypatch):
    real = score_module.listen
    attempts = {"good": 0}

    def flaky(path, meta, settings):
        if path.name == f"{GOOD}.wav":
            attempts["good"] += 1
            if attempts["good"] == 1:
                raise TransientError("share not mounted yet")
        if path.name == "notes.wav":
            raise RuntimeError("bug in a stage")
        return real(path, meta, settings)

    monkeypatch.setattr(score_module, "listen", flaky)
    summary = run_scoring(batch, settings)
    assert attempts["good"] == 2
    assert (summary.scored, summary.failed) == (1, 3)
    reason = rows(settings.db_path, "SELECT failure_stage, failure_reason FROM calls WHERE file_name = 'notes.wav'")[0]
    assert reason[0] == "internal" and "bug in a stage" in reason[1]


def test_repeat_calls_about_the_same_problem_turn_orange_then_red(settings, tmp_path):
    import json

    import soundfile as sf

    audio, rate = sf.read(str(SAMPLES / f"{GOOD}.wav"), dtype="float32")
    folder = tmp_path / "repeat"
    folder.mkdir()
    for day, pad in ((24, 0.0), (26, 0.5), (28, 1.0)):  # different recordings (other bytes), the same number
        name = folder / f"call-{day}.flac"
        write(name, np.concatenate([audio, np.zeros((int(pad * rate), 2), dtype=np.float32)]), rate)
        meta = {"line": "12345", "agent_id": "A002", "caller_hash": "c0ffee", "started_at": f"2026-11-{day}T10:00:00"}
        (folder / f"call-{day}.meta.json").write_text(json.dumps(meta))
    summary = run_scoring(sorted(folder.glob("*.flac")), settings)
    assert summary.scored == 3
    levels = dict(rows(settings.db_path, "SELECT file_name, repeat_count || ' ' || repeat_level FROM calls"))
    # The caller says she called before ("我之前已经打过一次电话了"): even the first recording we have is
    # her 2nd call; the history then counts the earlier recordings from her number.
    assert levels == {"call-24.flac": "2 orange", "call-26.flac": "2 orange", "call-28.flac": "3 red"}
    alerts = rows(settings.db_path, "SELECT c.file_name, a.kind FROM alerts a JOIN calls c USING (call_id) WHERE kind = 'repeat_caller'")
    assert alerts == [("call-28.flac", "repeat_caller")]
