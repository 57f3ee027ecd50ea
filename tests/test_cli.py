"""The `qc` command as ops staff use it."""

import shutil

import pytest
from typer.testing import CliRunner

from qc.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def test_help_lists_the_commands():
    out = invoke("--help").output
    for command in ("score", "show", "db", "models"):
        assert command in out


def test_score_a_missing_path_says_so(tmp_path):
    result = invoke("score", tmp_path / "no-such-folder", "--db", tmp_path / "qc.duckdb")
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_score_a_folder_without_recordings(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    result = invoke("score", tmp_path, "--db", tmp_path / "qc.duckdb")
    assert result.exit_code == 2 and "no recordings found" in result.output


def test_db_and_show_before_anything_was_scored(tmp_path):
    for command in (["db"], ["show", "abc"]):
        result = invoke(*command, "--db", tmp_path / "none.duckdb")
        assert result.exit_code == 2 and "qc score" in result.output


def test_models_lists_the_installed_whisper_weights():
    result = invoke("models")
    assert result.exit_code == 0
    assert "whisper-base" in result.output and "installed" in result.output and "MIT" in result.output


def test_a_bad_config_file_is_reported(tmp_path):
    config = tmp_path / "qc.yaml"
    config.write_text("workers: many\n")
    result = invoke("db", "--config", config)
    assert result.exit_code == 2 and "workers" in result.output


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_score_then_show_then_db(tmp_path, model_cache):
    shutil.copyfile(SAMPLES / "zh_stereo_8k_no_greeting.wav", tmp_path / "call.wav")
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00")
    db = tmp_path / "qc.duckdb"
    env = {"QC_MODEL_CACHE_DIR": str(model_cache)}
    scored = invoke("score", tmp_path, "--db", db, "--agent", "A009", env=env)
    assert scored.exit_code == 0, scored.output
    assert "scored 1, failed 1" in scored.output
    assert "greeting" in scored.output and "closing" in scored.output

    from qc.store import Store

    with Store(db, read_only=True) as store:
        (call_id,) = store.scored_ids()
    shown = invoke("show", call_id[:8], "--db", db)
    assert shown.exit_code == 0
    assert "FAIL" in shown.output and "greeting" in shown.output and "agent" in shown.output
    info = invoke("db", "--db", db)
    from qc.store import SCHEMA_VERSION

    assert "calls_scored" in info.output and f"schema version {SCHEMA_VERSION}" in info.output

    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.wav").write_bytes(b"")
    assert invoke("score", only_bad, "--db", db, env=env).exit_code == 1


@pytest.mark.model
@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_export_audio_mutes_personal_data(tmp_path, model_cache):
    import numpy as np
    import soundfile as sf

    db = tmp_path / "qc.duckdb"
    env = {"QC_MODEL_CACHE_DIR": str(model_cache)}
    assert invoke("score", SAMPLES / "zh_stereo_16k_good.flac", "--db", db, env=env).exit_code == 0
    from qc.store import Store

    with Store(db, read_only=True) as store:
        (call_id,) = store.scored_ids()
        spans = store.personal_data_times(call_id)
    out = tmp_path / "playback.flac"
    result = invoke("export-audio", call_id[:8], "--out", out, "--db", db)
    assert result.exit_code == 0 and "muted" in result.output
    audio, rate = sf.read(str(out))
    original, _ = sf.read(str(SAMPLES / "zh_stereo_16k_good.flac"))
    assert spans and audio.shape == original.shape
    for start, end in spans:
        a, b = int(start * rate), int(end * rate)
        assert np.max(np.abs(audio[a:b])) == 0.0 and np.max(np.abs(original[a:b])) > 0.01
