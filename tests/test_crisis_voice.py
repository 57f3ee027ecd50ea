"""Voice cues of a caller in crisis (qc/crisis/voice.py), heard by the real prosody code on synthetic voices:
they raise only a possible crisis, and only with another weak sign."""

from __future__ import annotations

import numpy as np

from qc.crisis import Assessment, CallCrisis, assess_text
from qc.crisis.voice import Turn, caller_voice_changes, silences_after_questions, voice_cues
from qc.records import Utterance, Word
from qc.tone import hear_utterance
from tests.conftest import voice

RATE = 8000


def unsteady_voice(seconds: float, f0: float, level: float, seed: int = 5) -> np.ndarray:
    """A shaky, breathy voice: the pitch period wanders from cycle to cycle, the level trembles, breath noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    wobble = np.repeat(rng.normal(0, 0.08, n // 40 + 1), 40)[:n]  # a new period every ~5 ms
    phase = 2 * np.pi * np.cumsum(f0 * (1 + wobble)) / RATE
    wave = sum(np.sin(k * phase) / k for k in range(1, 8))
    tremor = 0.6 + 0.4 * np.abs(np.repeat(rng.normal(0, 1, n // 80 + 1), 80)[:n])
    out = wave * tremor * (0.55 + 0.45 * np.sin(2 * np.pi * 3 * t) ** 2) + 0.15 * rng.standard_normal(n)
    return (level * out / np.max(np.abs(out))).astype(np.float32)


def heard(role: str, start: float, audio: np.ndarray, syllables: int) -> Turn:
    seconds = len(audio) / RATE
    text = "嗯" * syllables
    words = tuple(Word("嗯", start + i * seconds / syllables, start + (i + 0.8) * seconds / syllables, 0.9) for i in range(syllables))
    utterance = Utterance(role, role, start, start + seconds, text, words, 1)
    signal = np.concatenate([np.zeros(int(start * RATE), dtype=np.float32), audio, np.zeros(RATE, dtype=np.float32)])
    return Turn(role, start, start + seconds, text, hear_utterance(utterance, signal, RATE).features)


def caller_call(later: list[Turn]) -> list[Turn]:
    first = [heard("caller", 0.0, voice(3.0, 210, RATE, level=0.3, seed=1), 15), heard("caller", 5.0, voice(3.0, 205, RATE, level=0.3, seed=2), 15)]
    return first + later


def test_a_much_quieter_and_slower_caller_is_heard_as_low_and_slow():
    cues = caller_voice_changes(caller_call([heard("caller", 10.0, voice(4.0, 190, RATE, level=0.05, seed=3), 7)]))
    assert [c.why.split(":")[0] for c in cues] == ["low and slow"] and cues[0].level == "weak"
    # As loud and as fast as at the start: nothing.
    assert caller_voice_changes(caller_call([heard("caller", 10.0, voice(3.0, 205, RATE, level=0.3, seed=4), 15)])) == []


def test_a_shaky_breathy_voice_is_heard_as_weeping_like():
    cues = caller_voice_changes(caller_call([heard("caller", 10.0, unsteady_voice(3.0, 215, 0.3), 12)]))
    assert "weeping-like voice" in [c.why.split(":")[0] for c in cues]


def test_a_long_silence_after_the_agents_question():
    turns = [Turn("agent", 0.0, 2.0, "您现在安全吗？"), Turn("caller", 9.5, 11.0, "……嗯")]
    (cue,) = silences_after_questions(turns)
    assert cue.start_s == 2.0 and cue.end_s == 9.5 and "7.5 s of silence" in cue.why
    assert silences_after_questions([Turn("agent", 0.0, 2.0, "您现在安全吗？"), Turn("caller", 3.0, 4.0, "安全")]) == []
    assert silences_after_questions([Turn("agent", 0.0, 2.0, "好的，我记下了"), Turn("caller", 9.5, 11.0, "嗯")]) == []


def test_a_voice_cue_alone_raises_nothing_with_a_weak_word_a_possible_crisis_never_urgent():
    (cue,) = silences_after_questions([Turn("agent", 0.0, 2.0, "您现在安全吗？"), Turn("caller", 9.5, 11.0, "嗯")])
    alone = CallCrisis()
    alone.add(Assessment(cue.level, (cue,)))
    assert alone.level == "weak"
    with_words = CallCrisis()
    with_words.add(Assessment(cue.level, (cue,)))
    with_words.add(assess_text("就是好累"))
    assert with_words.level == "possible"
    # It never clears what the words raised, and never makes more of them than they are.
    urgent = CallCrisis()
    urgent.add(assess_text("我不想活了"))
    urgent.add(Assessment(cue.level, (cue,)))
    assert urgent.level == "urgent"


def test_voice_cues_come_in_time_order():
    turns = caller_call([heard("caller", 10.0, voice(4.0, 190, RATE, level=0.05, seed=3), 7)])
    turns.insert(2, Turn("agent", 8.5, 9.0, "您还好吗？"))
    turns.append(Turn("agent", 14.5, 15.0, "您在听吗？"))
    turns.append(heard("caller", 22.0, voice(2.0, 200, RATE, level=0.3, seed=6), 10))
    starts = [c.start_s for c in voice_cues(turns)]
    assert starts == sorted(starts) and len(starts) >= 2
