"""Accuracy measures against ground truth: character error rate for transcripts."""

from __future__ import annotations

from qc.text import normalise_for_match, to_script

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
