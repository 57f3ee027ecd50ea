"""The Transcriber's output path: phantom lines, script, vocabulary correction and punctuation, no model."""

from __future__ import annotations

from types import SimpleNamespace as Decoded

from qc.config import AsrConfig
from qc.speech.correction import CorrectionOptions, Corrector
from qc.speech.punctuation import PunctuationOptions
from qc.speech.transcribe import Cleaning, Transcriber, clean_segments


def segment(start: float, *pieces: tuple[str, float, float, float]) -> Decoded:
    """A decoded segment as faster-whisper yields it: (word, start, end, probability) pieces."""
    words = [Decoded(word=w, start=s, end=e, probability=p) for w, s, e, p in pieces]
    return Decoded(text="".join(w.word for w in words), start=start, end=words[-1].end, avg_logprob=-0.3, words=words)


CALL = [
    segment(0.0, ("您好,", 0.0, 0.5, 0.9), ("請問", 0.6, 0.9, 0.9), ("有什麼", 0.95, 1.3, 0.9), ("可以", 1.35, 1.6, 0.9), ("幫您", 1.65, 2.0, 0.9)),
    segment(5.0, ("我想", 5.0, 5.3, 0.95), ("資訊", 5.35, 5.8, 0.21), ("社保卡", 5.85, 6.4, 0.9), ("不辦", 6.45, 6.9, 0.33)),
    segment(20.0, ("字幕由Amara.org社群提供", 20.0, 22.0, 0.5)),
]


def test_segments_come_out_in_script_corrected_and_punctuated():
    cleaning = Cleaning("t2s", Corrector(("咨询", "补办", "社保卡"), CorrectionOptions(max_probability=0.5)), PunctuationOptions())
    segments, warnings, corrections = clean_segments(CALL, cleaning)
    assert [s.text for s in segments] == ["您好，请问有什么可以帮您？", "我想咨询社保卡补办。"]
    assert [(c.original, c.replacement) for c in corrections] == [("资讯", "咨询"), ("不办", "补办")]
    assert corrections[0].start == 5.35 and corrections[0].probability == 0.21
    # Utterances are built from the words, so the words carry the same text.
    assert "".join(w.text for w in segments[1].words) == segments[1].text
    assert len(warnings) == 1 and "phantom" in warnings[0]


def test_without_correction_or_punctuation_the_words_stay_as_decoded():
    segments, _, corrections = clean_segments(CALL[1:2], Cleaning("t2s"))
    assert segments[0].text == "我想资讯社保卡不办" and corrections == ()


def test_settings_switch_correction_and_punctuation_and_the_line_vocabulary_is_used():
    transcriber = Transcriber.__new__(Transcriber)  # no model: only the cleaning settings are read
    transcriber.options = AsrConfig()
    cleaning = transcriber.cleaning("t2s", "zh", ("咨询",))
    assert [t.text for t in cleaning.corrector.terms] == ["咨询"] and cleaning.punctuation is not None
    # A line without vocabulary gets no correction; English is neither corrected in pinyin nor punctuated.
    assert transcriber.cleaning("t2s", "zh", ()).corrector is None
    english = transcriber.cleaning("none", "en", ("咨询",))
    assert english.punctuation is None and english.corrector is None
    transcriber.options = AsrConfig(correction=False, punctuation=False)
    off = transcriber.cleaning("t2s", "zh", ("咨询",))
    assert off.corrector is None and off.punctuation is None


def test_vocabulary_terms_follow_the_lines_script():
    transcriber = Transcriber.__new__(Transcriber)
    transcriber.options = AsrConfig()
    corrector = transcriber.cleaning("s2hk", "zh", ("补办",)).corrector
    segments, _, corrections = clean_segments(CALL[1:2], Cleaning("s2hk", corrector))
    assert segments[0].text.endswith("補辦") and corrections[0].replacement == "補辦"



def test_a_decoding_loop_is_cut_in_the_words_too():
    # Fallback sampling on a read-out phone number ("3, 2, 3, 2, ..."): the pipeline builds utterances from
    # the words, so cutting the text alone would leave the loop in the transcript.
    loop = [("三", 0.0, 0.2, 0.5), ("三", 0.2, 0.4, 0.5), ("二", 0.4, 0.6, 0.5)]
    loop += [(t, 0.6 + 0.1 * i, 0.7 + 0.1 * i, 0.3) for i, t in enumerate(["三,", "二,"] * 12)]
    segments, warnings, _ = clean_segments([segment(40.0, *loop, ("谢谢", 3.2, 3.5, 0.9))], Cleaning("t2s"))
    (seg,) = segments
    assert seg.text == "三三二三,二,三,二,谢谢" == "".join(w.text for w in seg.words)
    assert "repetition loop" in warnings[0]


def test_a_line_the_decoder_failed_on_at_every_temperature_is_dropped():
    made_up = segment(60.0, ("多谢您的", 60.0, 60.5, 0.2), ("收看", 60.5, 61.0, 0.1))
    made_up.avg_logprob = -1.4
    hard = segment(62.0, ("看不见了", 62.0, 63.0, 0.4))
    hard.avg_logprob = -0.9
    segments, warnings, _ = clean_segments([made_up, hard], Cleaning("t2s", min_avg_logprob=-1.0))
    assert [s.text for s in segments] == ["看不见了"]
    assert "unreliable" in warnings[0] and "60.0" in warnings[0]
    assert len(clean_segments([made_up], Cleaning("t2s"))[0]) == 1  # without the setting it stays


def decoded(text: str, compression_ratio: float = 1.2):
    from qc.speech.batched import _Decoded

    return _Decoded([], text, -0.4, 0.01, compression_ratio)


def chunk(duration: float):
    import numpy as np

    from qc.speech.batched import _Chunk

    return _Chunk(0, np.zeros(int(duration * 16000), dtype=np.float32), 0.0, np.zeros((80, 3000), dtype=np.float32))


def test_only_a_chunk_that_loops_or_gives_nothing_is_decoded_again():
    from qc.speech.batched import DecodeOptions, _needs_retry

    options = DecodeOptions(language="zh")
    assert not _needs_retry(decoded("您好，请问有什么可以帮您"), chunk(3.0), options)
    assert _needs_retry(decoded("请" * 40, compression_ratio=9.0), chunk(3.0), options)  # a loop
    assert _needs_retry(decoded(""), chunk(3.0), options)  # seconds of speech, no words
    assert not _needs_retry(decoded(""), chunk(0.4), options)  # a click the VAD let through


def test_the_retry_replaces_the_first_decode_only_where_it_ends_the_loop_or_finds_words():
    from qc.speech.batched import DecodeOptions, _better

    options = DecodeOptions(language="zh")
    loop, empty = decoded("请" * 40, compression_ratio=9.0), decoded("")
    assert _better(decoded("请您稍等"), loop, options)
    assert _better(decoded("喂，你好"), empty, options)
    assert not _better(decoded("请" * 30, compression_ratio=8.0), loop, options)  # still loops
    assert not _better(empty, loop, options)
    assert not _better(decoded("别的话"), decoded("您好"), options)  # a good first decode stays
