"""Accuracy measures against ground truth: character error rate for transcripts."""

from __future__ import annotations

import numpy as np

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


def diarization_error_rate(
    reference: list[tuple[float, float, str]], hypothesis: list[tuple[float, float, str]], collar: float = 0.25, step: float = 0.01
) -> float:
    """DER (missed + false alarm + confusion) / reference speech, on a 10 ms grid, best speaker mapping.

    Frames within ``collar`` seconds of a reference boundary are not scored (the usual convention);
    overlapped reference speech counts once, for the speaker the hypothesis matches best.
    """
    from itertools import permutations

    end = max([e for _, e, _ in reference + hypothesis] + [0.0])
    n = int(end / step) + 2
    ref_names = sorted({s for *_, s in reference})
    hyp_names = sorted({s for *_, s in hypothesis})
    ref = np.zeros((len(ref_names), n), dtype=bool)
    hyp = np.zeros((len(hyp_names), n), dtype=bool)
    scored = np.ones(n, dtype=bool)
    for start, stop, who in reference:
        ref[ref_names.index(who), int(start / step) : int(stop / step)] = True
        for edge in (start, stop):
            scored[max(0, int((edge - collar) / step)) : int((edge + collar) / step)] = False
    for start, stop, who in hypothesis:
        hyp[hyp_names.index(who), int(start / step) : int(stop / step)] = True
    ref, hyp = ref[:, scored], hyp[:, scored]
    total = ref.any(axis=0).sum()
    if total == 0:
        return 0.0
    size = max(len(ref_names), len(hyp_names))
    ref = np.vstack([ref, np.zeros((size - len(ref_names), ref.shape[1]), dtype=bool)])
    hyp = np.vstack([hyp, np.zeros((size - len(hyp_names), hyp.shape[1]), dtype=bool)])
    best = None
    for perm in permutations(range(size)):
        mapped = hyp[list(perm)]
        missed = (ref.any(axis=0) & ~hyp.any(axis=0)).sum()
        false_alarm = (~ref.any(axis=0) & hyp.any(axis=0)).sum()
        both = ref.any(axis=0) & hyp.any(axis=0)
        correct = (ref & mapped).any(axis=0)
        confusion = (both & ~correct).sum()
        errors = missed + false_alarm + confusion
        best = errors if best is None else min(best, errors)
    return float(best / total)
