"""A scored site for web tests: real sample calls through the real pipeline into a DuckDB file, plus people."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from qc.accounts import add_agent, add_user
from qc.config import PrivacyConfig, Settings, WebConfig, load_settings
from qc.records import CallMeta
from qc.sources import read_meta
from qc.store import Store
from tests.conftest import SAMPLES, scored

PASSWORD = "correct-horse-battery"
# Two calls of two agents in two teams: A001 (team north) and A004 (team south).
CALLS = ("zh_stereo_16k_good", "zh_stereo_8k_caller_first_right_agent")
PEOPLE = (
    ("inspector1", "inspector", {}),
    ("inspector2", "inspector", {}),
    ("admin1", "admin", {}),
    ("lead_north", "team_lead", {"team": "north"}),
    ("lead_south", "team_lead", {"team": "south"}),
    ("agent_a001", "agent", {"agent_id": "A001"}),
    ("agent_a004", "agent", {"agent_id": "A004"}),
)


@dataclass(frozen=True)
class Site:
    settings: Settings
    call_ids: dict[str, str]  # sample name -> call id
    folder: Path


def build_site(folder: Path, model_cache: Path) -> Site:
    audio = folder / "recordings"
    audio.mkdir(parents=True)
    settings = load_settings(
        db_path=folder / "qc.duckdb", model_cache_dir=model_cache,
        privacy=PrivacyConfig(keep_raw_transcripts=True),
        web=WebConfig(secret_key="test-secret-key-not-for-production", lockout_minutes=15, max_failed_logins=3,
                      reports_dir=folder / "coaching"),
    )
    results = []
    for name in CALLS:
        source = SAMPLES / f"{name}.flac"
        copy = Path(shutil.copy(source, audio / source.name))
        shutil.copy(SAMPLES / f"{name}.meta.json", audio / f"{name}.meta.json")
        results.append(scored(copy, read_meta(copy, CallMeta()), settings))
    assert all(r.status == "scored" for r in results), [r.failure_reason for r in results]
    with Store(settings.db_path) as store:
        store.write(results)
        add_agent(store.con, "A001", name="王芳", team="north", line="12345")
        add_agent(store.con, "A004", name="李明", team="south", line="12345")
        for username, role, extra in PEOPLE:
            add_user(store.con, username, PASSWORD, role, **extra)
    return Site(settings, {name: r.call_id for name, r in zip(CALLS, results)}, folder)
