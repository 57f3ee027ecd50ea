"""Evaluate rubric items over utterances: pure functions, every verdict with its evidence."""

from __future__ import annotations

from qc.records import Evidence, Utterance, Verdict
from qc.rubric.schema import Rubric, RubricItem
from qc.text import normalise_for_match


def evaluate(rubric: Rubric, utterances: tuple[Utterance, ...], duration_s: float, roles_known: bool = True) -> tuple[Verdict, ...]:
    return tuple(evaluate_item(item, utterances, duration_s, roles_known) for item in rubric.items)


def score(verdicts: tuple[Verdict, ...]) -> float | None:
    """0-100 over the items that applied; a failed critical item zeroes the call."""
    applicable = [v for v in verdicts if v.verdict != "na"]
    if not applicable:
        return None
    if any(v.verdict == "fail" and v.severity == "critical" for v in applicable):
        return 0.0
    earned = sum(v.points for v in applicable)
    possible = sum(v.max_points for v in applicable)
    return round(100.0 * earned / possible, 1)


def evaluate_item(item: RubricItem, utterances: tuple[Utterance, ...], duration_s: float, roles_known: bool) -> Verdict:
    in_scope = [u for u in utterances if _role_matches(item.role, u.role, roles_known) and _in_window(item, u, duration_s)]
    evidence: list[Evidence] = []
    missing: list[str] = []
    for group in item.require:
        found = _first_match(group, in_scope)
        if found is None:
            missing.append(" / ".join(group[:3]) + (" …" if len(group) > 3 else ""))
        else:
            evidence.append(found)
    passed = not missing
    scope = _describe_scope(item, roles_known)
    if passed:
        reason = f"heard {', '.join(repr(e.matched) for e in evidence)} {scope}"
    else:
        reason = f"not heard {scope}: {'; '.join(missing)}"
    return Verdict(
        item_id=item.id,
        title=item.title,
        verdict="pass" if passed else "fail",
        points=item.points if passed else 0.0,
        max_points=item.points,
        severity=item.severity,
        reason=reason,
        evidence=tuple(evidence),
    )


def _role_matches(wanted: str, role: str, roles_known: bool) -> bool:
    if wanted == "either":
        return True
    # When speakers could not be told apart, every utterance may be the agent's: judge the words,
    # and the evidence shows role "unknown" so an inspector knows.
    return role == wanted or (not roles_known and role == "unknown")


def _in_window(item: RubricItem, u: Utterance, duration_s: float) -> bool:
    if item.window.first_seconds is not None:
        return u.start < item.window.first_seconds
    if item.window.last_seconds is not None:
        return u.end > duration_s - item.window.last_seconds
    return True


def _first_match(phrases: list[str], utterances: list[Utterance]) -> Evidence | None:
    wanted = [(p, normalise_for_match(p)) for p in phrases]
    for u in utterances:
        text = normalise_for_match(u.text)
        for phrase, norm in wanted:
            pos = text.find(norm)
            if norm and pos >= 0:
                start, end = _span_times(u, pos, pos + len(norm))
                return Evidence(start=start, end=end, role=u.role, matched=phrase, text=u.text)
    return None


def _span_times(u: Utterance, char_start: int, char_end: int) -> tuple[float, float]:
    """Times of the words covering characters [char_start, char_end) of the normalised text."""
    if not u.words:
        return u.start, u.end
    offset, first, last = 0, None, None
    for word in u.words:
        n = len(normalise_for_match(word.text))
        if n and offset < char_end and offset + n > char_start:
            first = first if first is not None else word.start
            last = word.end
        offset += n
    if first is None or last is None:
        return u.start, u.end
    return round(float(first), 2), round(float(last), 2)


def _describe_scope(item: RubricItem, roles_known: bool) -> str:
    who = {"agent": "from the agent", "caller": "from the caller", "either": "from either side"}[item.role]
    if not roles_known and item.role != "either":
        who += " (speakers unresolved: any voice counted)"
    if item.window.first_seconds is not None:
        return f"{who} in the first {item.window.first_seconds:g} s"
    if item.window.last_seconds is not None:
        return f"{who} in the last {item.window.last_seconds:g} s"
    return who
