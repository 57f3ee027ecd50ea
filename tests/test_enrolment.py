"""Agent voiceprints: enrolment from recordings, the check on stereo calls, the pick on mono calls."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qc.speakers.voiceprints import EnrolmentError, enrol
from qc.records import CallMeta
from qc.sources import read_meta
from tests.conftest import SAMPLES, scored

pytestmark = pytest.mark.model
DEV = SAMPLES / "devset"
# The dev set's agent is one voice across calls; its callers are other voices.
ENROLMENT = [DEV / "dev01_social_card.flac", DEV / "dev02_housing_fund.flac"]


@pytest.fixture(scope="module")
def agent_print(tmp_path_factory, model_cache):
    from qc.config import load_settings

    settings = load_settings(db_path=tmp_path_factory.mktemp("vp") / "qc.duckdb", model_cache_dir=model_cache)
    return settings, enrol(settings, "A100", ENROLMENT)


def test_enrolment_needs_enough_speech(agent_print, tmp_path):
    from tests.conftest import voice, write

    settings, print_ = agent_print
    assert print_.speech_s >= settings.speakers.min_enrolment_speech_s and print_.files == 2
    short = write(tmp_path / "short.wav", voice(3.0, 150, 16000), 16000)
    with pytest.raises(EnrolmentError, match="needs at least 20 s"):
        enrol(settings, "A100", [short])


def test_stereo_call_of_the_enrolled_agent_matches(agent_print):
    settings, print_ = agent_print
    path = DEV / "dev05_hukou_transfer.flac"
    meta = replace(read_meta(path, CallMeta()), agent_id="A100", agent_voiceprint=print_.vector)
    result = scored(path, meta, settings)
    assert result.role_rule == "channel" and result.role_confidence >= settings.speakers.voiceprint_threshold
    assert not any("voiceprint" in w for w in result.warnings)


def test_someone_else_on_the_agents_login_is_flagged(agent_print):
    settings, _ = agent_print
    # Enrol "A200" from the dev calls' caller channel: a different voice from whoever answers dev05.
    other = enrol(settings, "A200", ENROLMENT, channel=1)
    path = DEV / "dev05_hukou_transfer.flac"
    meta = replace(read_meta(path, CallMeta()), agent_id="A200", agent_voiceprint=other.vector)
    result = scored(path, meta, settings)
    assert result.role_confidence < settings.speakers.voiceprint_threshold
    assert any("does not match agent A200's voiceprint" in w for w in result.warnings)


def test_mono_call_picks_the_agent_by_voiceprint(agent_print):
    settings, print_ = agent_print
    path = DEV / "dev03_residence_permit.flac"
    meta = replace(read_meta(path, CallMeta()), agent_id="A100", agent_voiceprint=print_.vector)
    result = scored(path, meta, settings)
    assert result.speakers_status == "diarized"
    assert result.role_rule == "voiceprint" and result.role_confidence >= settings.speakers.voiceprint_threshold
    agent_text = "".join(u.text for u in result.utterances if u.role == "agent")
    assert "12345" in agent_text or "请问有什么" in agent_text  # the greeting is the agent's
    without = scored(path, read_meta(path, CallMeta()), settings)
    assert without.role_rule in ("opening words", "first voice") and without.role_confidence is None
