"""The whole pipeline on the sample calls, with the real Whisper weights (no Prefect here)."""

import shutil

import numpy as np
import pytest

from qc.evaluation import cer
from qc.pipeline import score_call
from qc.records import CallMeta
from qc.sources import read_meta
from tests.conftest import SAMPLES, ground_truth, scored, write

pytestmark = pytest.mark.model


def run(name: str, settings, suffix=".flac", **meta):
    path = SAMPLES / f"{name}{suffix}"
    return scored(path, read_meta(path, CallMeta(**meta)) if not meta else CallMeta(**meta), settings)


def verdict(result, item):
    return next(v.verdict for v in result.verdicts if v.item_id == item)


def role_text(utterances, role):
    return "".join(u.text for u in utterances if u.role == role)


def test_stereo_16k_mandarin_call(settings):
    result = run("zh_stereo_16k_good", settings)
    truth = ground_truth("zh_stereo_16k_good")
    assert result.status == "scored", result.failure_reason
    assert (result.layout, result.speakers_status, result.language) == ("stereo", "channels", "zh")
    assert {u.role for u in result.utterances} == {"agent", "caller"}
    assert all(u.channel == 0 for u in result.utterances if u.role == "agent")
    for role in ("agent", "caller"):
        reference = "".join(t["text"] for t in truth["turns"] if t["speaker"] == role)
        assert cer(reference, role_text(result.utterances, role)) < 0.25
    assert (verdict(result, "greeting"), verdict(result, "closing")) == ("pass", "pass")
    greeting = next(v for v in result.verdicts if v.item_id == "greeting")
    assert greeting.evidence[0].start == pytest.approx(truth["turns"][0]["start"], abs=0.6)
    for u in result.utterances:
        assert u.start <= u.end <= result.audio.duration_s + 0.5
        assert all(a.start <= b.start for a, b in zip(u.words, u.words[1:]))
    # One script: no Traditional characters left in a Simplified line's transcript.
    assert "請" not in role_text(result.utterances, "agent")
    assert result.score == 100.0 and set(result.stage_seconds) >= {"decode", "speech", "speakers", "privacy", "tone", "judge"}


def test_personal_data_is_redacted_before_anything_is_stored_or_judged(settings):
    import re

    result = run("zh_stereo_16k_good", settings)
    # The caller gives a surname and a phone number; the agent reads the number back.
    assert {p.kind for p in result.personal_data} >= {"name"}
    assert any(p.kind in ("mobile", "landline") for p in result.personal_data)
    assert all(p.start is not None and p.end > p.start for p in result.personal_data)
    texts = [u.text for u in result.utterances] + [e.text for v in result.verdicts for e in v.evidence]
    # The line's own number (12345) is not personal data; no other run of 4+ digits may survive.
    assert not any(re.search(r"\d{4}", t.replace("12345", "")) for t in texts), "a phone number survived redaction"
    assert any("[电话]" in t or "[手机号]" in t for t in texts)
    assert result.raw_utterances == ()  # raw transcripts are kept only where the site says so


def test_mulaw_8k_call_without_greeting_is_flagged(settings):
    result = run("zh_stereo_8k_no_greeting", settings, suffix=".wav")
    assert result.status == "scored"
    assert result.audio.sample_rate == 8000 and result.audio.container.startswith("WAV")
    assert (verdict(result, "greeting"), verdict(result, "closing")) == ("fail", "fail")
    assert {"greeting", "closing", "confirm_details"} <= set(result.flags) and result.score < 50
    assert result.case.case_type == "complaint" and result.case.urgency == "normal"


def test_agent_channel_comes_from_the_recording_sidecar(settings):
    result = run("zh_stereo_8k_caller_first_right_agent", settings)
    assert all(u.channel == 1 for u in result.utterances if u.role == "agent")
    assert verdict(result, "greeting") == "pass"
    assert not any("agent_channel" in w for w in result.warnings)


def test_wrong_agent_channel_is_warned_about(settings):
    result = run("zh_stereo_8k_caller_first_right_agent", settings, agent_channel=0)
    assert verdict(result, "greeting") == "fail"
    assert any("heard on the caller channel" in w for w in result.warnings)


def test_english_call_on_the_english_line(settings):
    result = run("en_stereo_8k_good", settings)
    assert result.language == "en"
    assert "help" in role_text(result.utterances, "agent").lower()
    assert (verdict(result, "greeting"), verdict(result, "closing")) == ("pass", "pass")


def test_mono_call_gets_roles_or_says_it_could_not(settings):
    result = run("zh_mono_8k_good", settings)
    assert result.status == "scored" and result.layout == "mono"
    assert result.speakers_status in {"diarized", "unresolved"}
    if result.speakers_status == "diarized":
        assert {u.role for u in result.utterances} == {"agent", "caller"}
    else:
        assert {u.role for u in result.utterances} == {"unknown"}
        assert any("speakers unresolved" in w for w in result.warnings)
    assert verdict(result, "greeting") == "pass"


def test_dual_mono_sample_is_scored_as_mono(settings, tmp_path):
    import soundfile as sf

    mono, rate = sf.read(str(SAMPLES / "zh_mono_8k_good.flac"), dtype="float32")
    path = write(tmp_path / "dual.flac", np.stack([mono, mono], 1), rate)
    result = score_call(path, CallMeta(), settings)
    assert result.layout == "mono" and any("dual-mono" in w for w in result.warnings)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("not audio at all\n" * 40), "not a readable audio file"),
        (lambda p: write(p, np.zeros(16000 * 5, dtype=np.float32), 16000), "silent recording"),
        (lambda p: write(p, (0.05 * np.random.default_rng(0).standard_normal(16000 * 6)).astype(np.float32), 16000), "no speech detected"),
    ],
    ids=["empty", "text-as-wav", "silence", "noise-only"],
)
def test_bad_recordings_become_failed_calls_with_a_reason(settings, tmp_path, make, reason):
    path = tmp_path / "bad.wav"
    make(path)
    result = score_call(path, CallMeta(), settings)
    assert result.status == "failed"
    assert reason in result.failure_reason
    assert result.call_id and result.utterances == ()


def test_unknown_line_in_metadata_fails_only_that_call(settings):
    result = score_call(SAMPLES / "zh_stereo_8k_no_greeting.wav", CallMeta(line="99999"), settings)
    assert result.status == "failed" and result.failure_stage == "config"
    assert "line '99999' is not configured" in result.failure_reason


def test_same_content_has_the_same_call_id_wherever_it_lies(settings, tmp_path):
    copy = tmp_path / "copy.wav"
    shutil.copyfile(SAMPLES / "zh_stereo_8k_no_greeting.wav", copy)
    a = score_call(copy, CallMeta(line="99999"), settings)
    b = score_call(SAMPLES / "zh_stereo_8k_no_greeting.wav", CallMeta(line="99999"), settings)
    assert a.call_id == b.call_id


def test_empty_files_are_told_apart_by_path(settings, tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "b.wav").write_bytes(b"")
    a = score_call(tmp_path / "a.wav", CallMeta(), settings)
    b = score_call(tmp_path / "b.wav", CallMeta(), settings)
    assert a.call_id != b.call_id


def test_vocabulary_corrections_are_applied_and_stored_with_the_call(settings):
    from qc.store import Store

    path = SAMPLES / "devset" / "dev01_social_card.flac"
    result = score_call(path, read_meta(path, CallMeta()), settings)
    assert result.corrections, "the recogniser's 不办/不卡 are corrected to the line's 补办/补卡"
    channel, first = result.corrections[0]
    assert channel in (0, 1) and first.replacement in first.term and first.probability < settings.asr.correction_max_probability
    assert any(first.replacement in u.text for u in result.utterances)
    with Store(settings.db_path) as store:
        store.write([result])
        stored = store.con.execute("SELECT count(*) FROM asr_corrections WHERE call_id = ?", [result.call_id]).fetchone()[0]
    assert stored == len(result.corrections)


def test_a_cantonese_line_on_whisper_base_is_written_as_chinese_and_says_accuracy_is_degraded(settings):
    from qc.config import LineConfig

    cantonese = settings.model_copy(update={"lines": {**settings.lines, "1823": LineConfig(language="yue", script="s2hk", rubric="1823.yaml",
                                                                                         pii_region="hk")}})
    result = run("zh_stereo_16k_good", cantonese, line="1823")
    assert result.status == "scored" and result.language == "yue"
    assert any(w.startswith("language=yue, accuracy=degraded") for w in result.warnings)
    assert any("請" in u.text or "您" in u.text for u in result.utterances)  # written Chinese, Hong Kong script


def fingerprint(result) -> list:
    """Everything a scored call says in words and verdicts, in a form two processes can compare."""
    words = [[u.start, u.end, u.role, u.text, [[w.text, w.start, w.end, w.probability] for w in u.words]] for u in result.utterances]
    return [words, sorted((v.item_id, v.verdict) for v in result.verdicts), result.score]


_FINGERPRINT_IN_A_NEW_PROCESS = """
import json, sys
from pathlib import Path
from qc.config import load_settings
from qc.pipeline import score_call
from qc.sources import read_meta
from tests.test_pipeline import fingerprint
path = Path(sys.argv[1])
print(json.dumps(fingerprint(score_call(path, read_meta(path), load_settings(model_cache_dir=Path(sys.argv[2]))))))
"""


def test_a_recording_scored_twice_gives_the_same_transcript_and_verdicts(settings):
    import json
    import os
    import subprocess
    import sys

    # The hurried agent's call: the decoder loops on one stretch of it, where Whisper's fallback sampled.
    path = SAMPLES / "devset" / "dev05_hukou_transfer.flac"
    first = score_call(path, read_meta(path), settings)
    second = score_call(path, read_meta(path), settings)
    assert first.status == "scored" and first.utterances
    assert fingerprint(first) == fingerprint(second)
    root = str(SAMPLES.parent)
    out = subprocess.run([sys.executable, "-c", _FINGERPRINT_IN_A_NEW_PROCESS, str(path), str(settings.model_cache_dir)],
                         capture_output=True, text=True, check=True, cwd=root,
                         env={**os.environ, "PYTHONPATH": root, "PYTHONWARNINGS": "ignore"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == json.loads(json.dumps(fingerprint(first)))


def test_each_utterance_is_heard_for_prosody_once_from_listening_to_judging(settings, monkeypatch):
    import qc.tone.call as tone_call

    measured = []
    real = tone_call.utterance_prosody

    def counting(clip, *args, **kwargs):
        measured.append(len(clip))
        return real(clip, *args, **kwargs)

    monkeypatch.setattr(tone_call, "utterance_prosody", counting)
    path = SAMPLES / "zh_stereo_8k_no_greeting.wav"
    result = score_call(path, read_meta(path), settings)
    assert result.status == "scored" and result.tones
    assert len(measured) == len(result.utterances) == len(result.tones)
