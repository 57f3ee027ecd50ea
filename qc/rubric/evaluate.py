"""A rubric over one call: case type and urgency first, then every item, then the weighted score."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Protocol

from qc.rubric.cases import repeat_level
from qc.records import Alert, CaseInfo, Evidence, Verdict
from qc.rubric.conditions import Outcome, describe, holds
from qc.rubric.context import CallContext
from qc.rubric.schema import Item, Rubric


@dataclass(frozen=True)
class RubricResult:
    rubric_id: str
    rubric_version: str
    case: CaseInfo
    verdicts: tuple[Verdict, ...]
    score: float | None

    def call_fields(self) -> dict:
        """The CallResult fields a rubric sets, for ``CallResult(...)`` or ``dataclasses.replace``."""
        return dict(
            verdicts=self.verdicts, rubric_id=self.rubric_id, rubric_version=self.rubric_version,
            score=self.score, case=self.case, alerts=self.alerts,
        )

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """Urgent cases and critical failures: raised for a supervisor, not left for the QA queue."""
        out = []
        if self.case.urgency == "urgent":
            first = self.case.urgency_evidence[0] if self.case.urgency_evidence else None
            heard = f": caller said “{first.matched}” at {first.start:.0f} s" if first else ""
            out.append(Alert("urgent_case", "critical", first.start if first else None,
                             f"{self.case.urgency_title or 'urgent'} case{heard}", self.case.urgency_evidence))
        if self.case.repeat_level == "red":
            out.append(Alert("repeat_caller", "high", None,
                             f"red case: call number {self.case.repeat_count} about the same problem ({self.case.case_title or 'case'})"))
        for v in self.verdicts:
            if v.verdict == "fail" and v.severity == "critical":
                start = v.evidence[0].start if v.evidence else None
                out.append(Alert("critical_fail", "high", start, f"{v.title}: {v.reason.split('. Rule:')[0]}", v.evidence))
        return tuple(out)


def evaluate(rubric: Rubric, ctx: CallContext) -> RubricResult:
    ctx = replace(ctx, fuzzy_threshold=rubric.fuzzy_threshold)
    case = replace(classify(rubric, ctx), repeat_count=ctx.repeat_count, repeat_level=repeat_level(ctx.repeat_count))
    ctx = replace(ctx, case_type=case.case_type, urgency=case.urgency)
    verdicts = tuple(evaluate_item(item, ctx) for item in rubric.items)
    return RubricResult(rubric.id, rubric.version, case, verdicts, score(rubric, verdicts))


def classify(rubric: Rubric, ctx: CallContext) -> CaseInfo:
    """The first case type whose condition holds (rubric order is priority), else the default."""
    case_type, title, evidence = None, None, ()
    for rule in rubric.case_types:
        if rule.when is None:
            continue
        outcome = holds(rule.when, ctx)
        if outcome.holds:
            case_type, title, evidence = rule.id, rule.title, outcome.evidence
            break
    else:
        default = next((r for r in rubric.case_types if r.when is None), None)
        if default:
            case_type, title = default.id, default.title
    urgency, urgency_title, urgency_evidence = "normal", None, ()
    for rule in rubric.urgency:
        outcome = holds(rule.when, ctx)
        if outcome.holds:
            urgency, urgency_title, urgency_evidence = rule.level, rule.title, outcome.evidence
            break
    return CaseInfo(case_type, title, tuple(evidence), urgency, urgency_title, tuple(urgency_evidence))


def evaluate_item(item: Item, ctx: CallContext) -> Verdict:
    rule = item.explain or describe(item.check)
    if item.applies_if is not None:
        applies = holds(item.applies_if, ctx)
        if applies.na or not applies.holds:
            why = applies.na or applies.detail
            return _verdict(item, "na", f"not applicable ({describe(item.applies_if)}: {why})", ())
    if not ctx.utterances:
        return _verdict(item, "na", "not applicable: the call has no transcript", ())
    if ctx.roles_known and _judges_the_agent(item.check) and not any(u.role == "agent" for u in ctx.utterances):
        return _verdict(item, "na", "not applicable: no agent speech was heard in this call", ())
    outcome: Outcome = holds(item.check, ctx)
    if outcome.na:
        return _verdict(item, "na", f"not applicable: {outcome.na}. Rule: {rule}", outcome.evidence)
    verdict = "pass" if outcome.holds else "fail"
    caveat = " (speakers unresolved: any voice counted as the agent)" if not ctx.roles_known else ""
    return _verdict(item, verdict, f"{outcome.detail}{caveat}. Rule: {rule}", outcome.evidence)


def _judges_the_agent(node: object) -> bool:
    """Whether a condition looks at what the agent said or did (any nested ``by: agent``)."""
    if getattr(node, "by", None) == "agent":
        return True
    if isinstance(node, tuple):
        return any(_judges_the_agent(x) for x in node)
    fields = getattr(type(node), "model_fields", None)
    return bool(fields) and any(_judges_the_agent(getattr(node, name)) for name in fields)


def _verdict(item: Item, verdict: str, reason: str, evidence: tuple[Evidence, ...]) -> Verdict:
    return Verdict(
        item_id=item.id,
        title=item.title,
        verdict=verdict,  # type: ignore[arg-type]
        points=item.points if verdict == "pass" else 0.0,
        max_points=item.points,
        severity=item.severity,
        reason=reason,
        evidence=evidence,
    )


def score(rubric: Rubric, verdicts: tuple[Verdict, ...]) -> float | None:
    """0-100: each section's share of its applicable points, weighted; a failed critical item zeroes it."""
    weights = {s.id: s.weight for s in rubric.sections}
    return weighted_score(
        verdicts,
        section_of=lambda v: rubric.item(v.item_id).section,
        weight_of=lambda section: weights.get(section, 1.0) if section else 1.0,
    )


class Scored(Protocol):
    item_id: str
    verdict: str
    points: float
    max_points: float
    severity: str


def weighted_score(items: Iterable[Scored], section_of: Callable[[Scored], str | None],
                   weight_of: Callable[[str | None], float]) -> float | None:
    """The score of any verdicts (the machine's, or with reviewers' verdicts in their place)."""
    applicable = [v for v in items if v.verdict != "na"]
    if not applicable:
        return None
    if any(v.verdict == "fail" and v.severity == "critical" for v in applicable):
        return 0.0
    by_section: dict[str | None, list[Scored]] = {}
    for v in applicable:
        by_section.setdefault(section_of(v), []).append(v)
    total = weight_sum = 0.0
    for section, members in by_section.items():
        possible = sum(v.max_points for v in members)
        if possible <= 0:
            continue
        w = weight_of(section)
        total += w * sum(v.points for v in members) / possible
        weight_sum += w
    return round(100.0 * total / weight_sum, 1) if weight_sum else None
