"""Accuracy measures against ground truth: character error rate, DER, and which role said each word."""

from __future__ import annotations

from qc.text.normalise import normalise_for_match, to_script

# Spoken digits as hotline callers say them ("幺" is 1 on the phone, "两" is 2): both sides of a
# comparison are mapped, so "幺二三四五" and "12345" count as the same text.
_DIGITS = str.maketrans("零〇幺一二两三四五六七八九", "0011223456789")


def normalise_for_cer(text: str) -> str:
    return normalise_for_match(to_script(text, "t2s")).translate(_DIGITS)


def edit_distance(ref: str, hyp: str) -> int:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate after script, punctuation, case and digit normalisation."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def turns_annotation(turns, uri: str | None = None):
    """(start, end, speaker) turns as a pyannote.core ``Annotation``, the form pyannote.metrics scores."""
    from pyannote.core import Annotation, Segment

    out = Annotation(uri=uri)
    for start, end, speaker in turns:
        out[Segment(start, end)] = speaker
    return out


def diarization_error_rate(
    reference: list[tuple[float, float, str]], hypothesis: list[tuple[float, float, str]], collar: float = 0.25
) -> float:
    """DER (missed + false alarm + confusion over reference speech), best speaker mapping: pyannote.metrics.

    ``collar`` as pyannote.metrics counts it: that many seconds around each reference boundary, half
    before and half after, are not scored.
    """
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    end = max((e for _, e, _ in reference + hypothesis), default=0.0)
    uem = Timeline([Segment(0.0, end)])  # the whole recording is scored, silence included
    return float(DiarizationErrorRate(collar=collar)(turns_annotation(reference), turns_annotation(hypothesis), uem=uem))


# How far a word's time may lie outside the reference turn its characters align to (Whisper's word
# times drift by under a second; a read-back of the caller's details comes many seconds later).
ALIGN_TOLERANCE_S = 2.0


def reference_word_roles(words: list[tuple[str, float, float]], turns: list[dict]) -> list[str]:
    """The role (``turn["speaker"]``) each transcript word was said in, by its text.

    The words' characters are aligned to the reference turns' text (normalised as for CER), and a word
    takes the role most of its aligned characters came from. A word that aligns nowhere (misheard)
    takes the turn its time overlaps most. Time alone would misjudge every word Whisper times across a
    turn change. A character match counts only with a turn that lies within ``ALIGN_TOLERANCE_S`` of the
    word: an agent reading back the caller's phone number says the same characters the caller said a
    minute earlier, and the text alone gave the read-back to the caller. The alignment keeps the order of
    the turns' start times, so words said over the other person can still be misjudged.
    """
    from collections import Counter
    from difflib import SequenceMatcher

    ordered = sorted(turns, key=lambda t: (t["start"], t["end"]))
    ref_turns = [t for t in ordered for _ in normalise_for_cer(t.get("text", ""))]
    ref_text = "".join(normalise_for_cer(t.get("text", "")) for t in ordered)
    owner = [i for i, (text, _, _) in enumerate(words) for _ in normalise_for_cer(text)]
    hyp_text = "".join(normalise_for_cer(text) for text, _, _ in words)
    votes: list[Counter] = [Counter() for _ in words]
    for block in SequenceMatcher(None, hyp_text, ref_text, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            _, start, end = words[owner[block.a + k]]
            turn = ref_turns[block.b + k]
            if end >= turn["start"] - ALIGN_TOLERANCE_S and start <= turn["end"] + ALIGN_TOLERANCE_S:
                votes[owner[block.a + k]][turn["speaker"]] += 1
    out = []
    for (_, start, end), vote in zip(words, votes):
        if vote:
            out.append(vote.most_common(1)[0][0])
        else:
            out.append(max(ordered, key=lambda t: min(end, t["end"]) - max(start, t["start"]))["speaker"])
    return out


def word_role_accuracy(words: list[tuple[str, float, float, str]], turns: list[dict]) -> float | None:
    """Share of the transcript's word time whose role (the 4th field) is the role the word was said in.

    Punctuation Whisper times as a word of its own is not a word here.
    """
    spoken = [w for w in words if normalise_for_cer(w[0]) and w[2] > w[1]]
    if not spoken or not turns:
        return None
    truth = reference_word_roles([(text, start, end) for text, start, end, _ in spoken], turns)
    total = sum(end - start for _, start, end, _ in spoken)
    right = sum(end - start for (_, start, end, role), said in zip(spoken, truth) if role == said)
    return right / total
