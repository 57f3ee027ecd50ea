import wave

import numpy as np
import pytest

from qc.audio.decode import TARGET_RATE, decode, is_dual_mono, mixdown, probe
from qc.config import AudioLimits
from qc.errors import BadRecording
from tests.conftest import silence, voice, write

LIMITS = AudioLimits()


def test_stereo_mulaw_8k_keeps_both_channels_at_16k(tmp_path):
    left, right = voice(3, 180, rate=8000), voice(3, 260, rate=8000, seed=3)
    info = probe(write(tmp_path / "call.wav", np.stack([left, right], 1), 8000, "ULAW"))
    assert (info.sample_rate, info.channels) == (8000, 2)
    assert info.duration_s == pytest.approx(3.0, abs=0.01)
    audio = decode(info, LIMITS)
    assert len(audio.channels) == 2
    assert len(audio.channels[0]) == pytest.approx(3 * TARGET_RATE, abs=4)
    # Channels stay apart: the louder left channel is still the left one after decoding.
    assert np.corrcoef(audio.channels[0][:8000], audio.channels[1][:8000])[0, 1] < 0.5


def test_mono_flac_16k(tmp_path):
    audio = decode(probe(write(tmp_path / "m.flac", voice(2, 200), 16000)), LIMITS)
    assert len(audio.channels) == 1 and audio.source_rate == 16000 and audio.warnings == ()


def test_dual_mono_stereo_is_treated_as_mono(tmp_path):
    x = voice(2, 200)
    audio = decode(probe(write(tmp_path / "dual.wav", np.stack([x, x], 1), 16000)), LIMITS)
    assert len(audio.channels) == 1
    assert any("dual-mono" in w for w in audio.warnings)


def test_is_dual_mono_tells_copies_from_speakers():
    x = voice(1, 200)
    assert is_dual_mono(x, x.copy())
    assert not is_dual_mono(x, voice(1, 300, seed=5))


def test_formats_libsndfile_lacks_go_through_ffmpeg(tmp_path):
    import av

    x = voice(2, 220, rate=8000)
    path = tmp_path / "call.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(x[None, :], format="flt", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    audio = decode(probe(path), LIMITS)
    assert audio.source_rate == 8000
    assert audio.duration_s == pytest.approx(2.0, abs=0.2)


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(BadRecording, match="empty file"):
        probe(tmp_path / "empty.wav")


def test_text_file_renamed_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("这不是录音 / not a recording\n" * 50, encoding="utf-8")
    with pytest.raises(BadRecording, match="not a readable audio file"):
        probe(tmp_path / "notes.wav")


def test_zero_length_audio(tmp_path):
    info = probe(write(tmp_path / "zero.wav", np.zeros((0, 1), dtype=np.float32), 8000))
    with pytest.raises(BadRecording, match="zero length|no audio samples|only 0.00 s"):
        decode(info, LIMITS)


def test_pure_silence(tmp_path):
    info = probe(write(tmp_path / "quiet.wav", np.zeros(16000 * 3, dtype=np.float32), 16000))
    with pytest.raises(BadRecording, match="silent recording"):
        decode(info, LIMITS)


def test_truncated_wav_decodes_what_is_there_and_warns(tmp_path):
    full = write(tmp_path / "full.wav", np.stack([voice(4, 200, 8000)] * 2, 1) * [1, 0.5], 8000, "ULAW")
    data = full.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    info = probe(tmp_path / "cut.wav")
    assert info.duration_s == pytest.approx(4.0, abs=0.01)
    audio = decode(info, LIMITS)
    assert audio.duration_s == pytest.approx(2.0, abs=0.1)
    assert any("truncated" in w for w in audio.warnings)


def test_truncated_flac_keeps_the_decodable_part(tmp_path):
    full = write(tmp_path / "full.flac", voice(4, 200, 8000), 8000)
    data = full.read_bytes()
    (tmp_path / "cut.flac").write_bytes(data[: len(data) // 2])
    audio = decode(probe(tmp_path / "cut.flac"), LIMITS)
    assert 0.5 < audio.duration_s < 4.0
    assert any("truncated" in w for w in audio.warnings)


def test_three_hour_file_is_refused_from_the_header_without_decoding(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    rate, block = 8000, np.zeros(8000 * 600, dtype=np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for _ in range(18):  # 18 x 10 min = 3 h
            out.writeframes(block.tobytes())
    info = probe(path)
    assert info.duration_s == pytest.approx(3 * 3600, rel=1e-3)
    def must_not_decode(*_):
        raise AssertionError("a 3-hour file must be refused before it is decoded into memory")

    monkeypatch.setattr("qc.audio.decode._read", must_not_decode)
    with pytest.raises(BadRecording, match=r"3\.0 h long, over the limit"):
        decode(info, LIMITS)


def test_missing_file(tmp_path):
    with pytest.raises(BadRecording, match="file not found"):
        probe(tmp_path / "nope.wav")


def test_mixdown_averages_channels():
    a, b = np.ones(4, dtype=np.float32), np.zeros(4, dtype=np.float32)
    assert np.allclose(mixdown((a, b)), 0.5)
    assert mixdown((a,)) is a


def test_noise_only_is_not_silent_but_short_audio_is_refused(tmp_path):
    info = probe(write(tmp_path / "blip.wav", silence(0.2, level=0.1), 16000))
    with pytest.raises(BadRecording, match="only 0.20 s long"):
        decode(info, LIMITS)
