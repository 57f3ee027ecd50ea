"""Evaluating conditions over a call, and saying in words what each one checks.

``holds(condition, ctx)`` returns an Outcome: whether the situation the condition describes holds,
the evidence (times, speaker, words or measure) and a sentence saying what decided it. An outcome
can also be "not applicable" (a measure the call does not have, no agent speech at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from qc.records import Evidence
from qc.rubric import schema as s
from qc.rubric.context import CallContext, PhraseHit


@dataclass(frozen=True)
class Outcome:
    holds: bool
    evidence: tuple[Evidence, ...] = ()
    detail: str = ""
    na: str | None = None  # a reason when the condition cannot be judged on this call


def holds(cond: s.Condition, ctx: CallContext) -> Outcome:
    return _EVALUATORS[type(cond)](cond, ctx)


def describe(cond: s.Condition) -> str:
    return _DESCRIBERS[type(cond)](cond)


# -- logic -------------------------------------------------------------------------------------


def _all(cond: s.All, ctx: CallContext) -> Outcome:
    outcomes = [holds(c, ctx) for c in cond.all]
    if any(o.na for o in outcomes):
        return next(o for o in outcomes if o.na)
    failed = [o for o in outcomes if not o.holds]
    if failed:
        return Outcome(False, _evidence(outcomes), "; ".join(o.detail for o in failed if o.detail))
    return Outcome(True, _evidence(outcomes), "; ".join(o.detail for o in outcomes if o.detail))


def _any(cond: s.AnyOf, ctx: CallContext) -> Outcome:
    outcomes = []
    for c in cond.any:
        outcome = holds(c, ctx)
        if outcome.holds:
            return outcome
        outcomes.append(outcome)
    judged = [o for o in outcomes if not o.na]
    if not judged:
        return outcomes[0]
    return Outcome(False, (), "; ".join(o.detail for o in judged if o.detail))


def _not(cond: s.Not, ctx: CallContext) -> Outcome:
    inner = holds(cond.not_, ctx)
    return Outcome(not inner.holds, inner.evidence, inner.detail, inner.na)


def _evidence(outcomes: list[Outcome]) -> tuple[Evidence, ...]:
    return tuple(e for o in outcomes for e in o.evidence)


# -- words ------------------------------------------------------------------------------------


def said(spec: s.SaidSpec, ctx: CallContext) -> Outcome:
    scope = tuple(ctx.scope(spec.by, spec.within))
    needed = {"any": 1, "all": len(spec.phrases), "at_least": spec.n}[spec.mode]
    hits: list[PhraseHit] = []
    # Exact words first, homophones only for phrases still missing: most lookups end at the cheap pass.
    for fuzzy in (False, True) if spec.fuzzy else (False,):
        for phrase in spec.phrases:
            if len(hits) >= needed and spec.mode != "all":
                break
            if any(h.phrase == phrase for h in hits):
                continue
            hit = ctx.find_in(scope, phrase, fuzzy, spec.threshold)
            if hit and spec.context != "any" and not ctx.in_context(hit, spec.context):
                # Framed where first heard ("如果水管爆了…"): another mention may be meant ("…上周水管爆了").
                hit = next((h for i in scope for h in ctx.find_all(i, phrase, fuzzy, spec.threshold)
                            if ctx.in_context(h, spec.context)), None)
            if hit:
                hits.append(hit)
    found = len(hits) >= needed
    evidence = tuple(ctx.evidence(h) for h in hits)
    heard = ", ".join(f"“{h.phrase}”" for h in hits)
    if found:
        return Outcome(True, evidence, f"heard {heard}")
    if hits:
        missing = [p for p in spec.phrases if p not in {h.phrase for h in hits}]
        return Outcome(False, evidence, f"heard only {heard}; not {_phrases(missing)}")
    framed = {"any": "", "real": " said as fact", "happening": " happening now"}[spec.context]
    return Outcome(False, (), f"no {_phrases(spec.phrases)}{framed} {_who(spec.by)}{_where(spec.within)}")


def _said(cond: s.Said, ctx: CallContext) -> Outcome:
    return said(cond.said, ctx)


def _regex(cond: s.Regex, ctx: CallContext) -> Outcome:
    spec = cond.regex
    pattern = re.compile(spec.pattern)
    unless = re.compile(spec.unless) if spec.unless else None
    for i in ctx.scope(spec.by, spec.within):
        text = ctx.texts[i]
        for m in pattern.finditer(text):
            if unless and unless.search(text):
                continue
            hit = PhraseHit(i, m.start(), m.end(), m.group(0), 1.0)
            return Outcome(True, (ctx.evidence(hit),), f"matched /{spec.pattern}/")
    return Outcome(False, (), f"nothing matched /{spec.pattern}/ {_who(spec.by)}")


def _near(cond: s.Near, ctx: CallContext) -> Outcome:
    spec = cond.near
    for i in ctx.scope(spec.by, spec.within):
        a_hits = [h for p in spec.a if (h := ctx.find(i, p, True))]
        b_hits = [h for p in spec.b if (h := ctx.find(i, p, True))]
        for a in a_hits:
            for b in b_hits:
                gap = max(b.start_char - a.end_char, a.start_char - b.end_char)
                if gap <= spec.chars:
                    span = PhraseHit(i, min(a.start_char, b.start_char), max(a.end_char, b.end_char), f"{a.phrase} … {b.phrase}", 1.0)
                    return Outcome(True, (ctx.evidence(span),), f"“{a.phrase}” within {spec.chars} characters of “{b.phrase}”")
    return Outcome(False, (), f"no {_phrases(spec.a)} near {_phrases(spec.b)}")


def _sequence(cond: s.Sequence, ctx: CallContext) -> Outcome:
    spec = cond.sequence
    first = said(spec.first, ctx)
    if not first.holds:
        return Outcome(False, (), f"{first.detail} (so nothing could follow it)", na=f"{describe_said(spec.first)}: never happened")
    t0 = first.evidence[0].end
    then = said(spec.then, ctx)
    follows = [e for e in then.evidence if e.start >= t0 - 0.5 and (spec.within_seconds is None or e.start - t0 <= spec.within_seconds)]
    if follows:
        return Outcome(True, (first.evidence[0], follows[0]), f"“{follows[0].matched}” {follows[0].start - t0:.1f} s after “{first.evidence[0].matched}”")
    limit = f" within {spec.within_seconds:g} s" if spec.within_seconds else ""
    return Outcome(False, (first.evidence[0],), f"after “{first.evidence[0].matched}” at {t0:.1f} s, no {_phrases(spec.then.phrases)}{limit}")


# -- conversation measures -----------------------------------------------------------------------


def _silence(cond: s.Silence, ctx: CallContext) -> Outcome:
    spec = cond.silence
    lo, hi = ctx.window_bounds(spec.within)
    found, excused = [], []
    for start, end in ctx.silences:
        if end - start <= spec.longer_than or end <= lo or start >= hi:
            continue
        announced = ctx.agent_said_before(start, spec.unless_after, spec.announce_window) if spec.unless_after else None
        (excused if announced else found).append((start, end, announced))
    if found:
        evidence = tuple(Evidence(a, b, "unknown", f"silence {b - a:.1f} s", "") for a, b, _ in found)
        return Outcome(True, evidence, f"{len(found)} silence(s) over {spec.longer_than:g} s, longest {max(b - a for a, b, _ in found):.1f} s")
    note = f" ({len(excused)} announced hold(s) excused)" if excused else ""
    return Outcome(False, (), f"no silence over {spec.longer_than:g} s{note}")


def _interruption(cond: s.Interruption, ctx: CallContext) -> Outcome:
    spec = cond.interruption
    found = ctx.interruptions(spec.by, spec.min_overlap)
    evidence = tuple(Evidence(u.start, min(u.end, v.end), u.role, f"talked over the {v.role} for {o:.1f} s", u.text) for u, v, o in found)
    if len(found) >= spec.at_least:
        return Outcome(True, evidence, f"the {spec.by} talked over the other side {len(found)} time(s)")
    return Outcome(False, evidence, f"the {spec.by} talked over the other side {len(found)} time(s) (limit {spec.at_least})")


def _bounded(value: float | None, bounds: s.Bounds, what: str) -> Outcome:
    if value is None:
        return Outcome(False, (), f"{what}: not measured", na=f"{what} not available for this call")
    high = bounds.above is not None and value > bounds.above
    low = bounds.below is not None and value < bounds.below
    limits = " and ".join(x for x in (f"above {bounds.above:g}" if bounds.above is not None else "", f"below {bounds.below:g}" if bounds.below is not None else "") if x)
    return Outcome(high or low, (), f"{what} {value:g} ({'is' if high or low else 'not'} {limits})")


def _speech_rate(cond: s.SpeechRate, ctx: CallContext) -> Outcome:
    return _bounded(ctx.speech_rate(cond.speech_rate.by), cond.speech_rate, f"{cond.speech_rate.by} speech rate (chars/min)")


def _talk_ratio(cond: s.TalkRatio, ctx: CallContext) -> Outcome:
    return _bounded(ctx.talk_ratio(cond.talk_ratio.by), cond.talk_ratio, f"{cond.talk_ratio.by} share of talk time")


def _measure(cond: s.Measure, ctx: CallContext) -> Outcome:
    return _bounded(ctx.measures.get(cond.measure.name), cond.measure, cond.measure.name)


# -- call facts ----------------------------------------------------------------------------------


def _call(cond: s.Call, ctx: CallContext) -> Outcome:
    spec, meta = cond.call, ctx.meta
    checks: list[tuple[bool | None, str]] = []
    if spec.duration_above is not None:
        checks.append((ctx.duration_s > spec.duration_above, f"duration {ctx.duration_s:.0f} s > {spec.duration_above:g} s"))
    if spec.duration_below is not None:
        checks.append((ctx.duration_s < spec.duration_below, f"duration {ctx.duration_s:.0f} s < {spec.duration_below:g} s"))
    if spec.line_in is not None:
        checks.append((meta.line in spec.line_in, f"line {meta.line}"))
    if spec.agent_in is not None:
        checks.append((meta.agent_id in spec.agent_in, f"agent {meta.agent_id}"))
    if spec.hour_between is not None:
        hour = meta.started_at.hour if isinstance(meta.started_at, datetime) else None
        lo, hi = spec.hour_between
        ok = None if hour is None else (lo <= hour < hi if lo <= hi else hour >= lo or hour < hi)
        checks.append((ok, f"started at hour {hour}"))
    if spec.repeat_at_least is not None:
        n = ctx.repeat_count
        checks.append((None if n is None else n >= spec.repeat_at_least, f"call number {n} about the problem"))
    unknown = [what for ok, what in checks if ok is None]
    if unknown:
        return Outcome(False, (), "", na=f"not known for this call: {', '.join(unknown)}")
    return Outcome(all(ok for ok, _ in checks), (), "; ".join(what for _, what in checks))


def _case_type(cond: s.CaseType, ctx: CallContext) -> Outcome:
    return Outcome(ctx.case_type in cond.case_type.in_, (), f"case type {ctx.case_type or 'unknown'}")


def _urgency(cond: s.Urgency, ctx: CallContext) -> Outcome:
    return Outcome((ctx.urgency or "normal") == cond.urgency.is_, (), f"urgency {ctx.urgency or 'normal'}")


def _crisis(cond: s.Crisis, ctx: CallContext) -> Outcome:
    from qc.crisis import LEVEL_RANK, CallCrisis, assess_text

    spec = cond.crisis
    wanted = LEVEL_RANK[spec.level]
    call = CallCrisis()
    evidence: list[Evidence] = []
    for i in ctx.scope(spec.by, spec.within):
        u = ctx.utterances[i]
        assessment = assess_text(u.text).only(spec.kinds)
        call.add(assessment)
        for sig in assessment.signals:
            start, end = _char_times(u, sig.start_char, sig.end_char)
            evidence.append(Evidence(start, end, u.role, sig.matched, u.text))
    if LEVEL_RANK[call.level] >= wanted:
        chosen = [(e, sig) for e, sig in zip(evidence, call.signals) if LEVEL_RANK[sig.level] >= min(wanted, LEVEL_RANK[call.level])]
        why = "; ".join(f"{sig.kind} {sig.level} — {sig.why}" for _, sig in chosen[:3])
        return Outcome(True, tuple(e for e, _ in chosen) or tuple(evidence), f"{call.level} crisis heard: {why}")
    return Outcome(False, (), f"no {spec.level} crisis {_who(spec.by)}" + (f" ({call.level} signs only)" if call.signals else ""))


def _char_times(u, start_char: int, end_char: int) -> tuple[float, float]:
    """Times of the words covering characters [start_char, end_char) of the utterance's text (else the utterance's)."""
    at, first, last = 0, None, None
    for w in u.words:
        found = u.text.find(w.text, at) if w.text else -1
        if found < 0:
            return u.start, u.end
        w_start, at = found, found + len(w.text)
        if w_start < end_char and at > start_char:
            first = w.start if first is None else first
            last = w.end
    return (first, last) if first is not None else (u.start, u.end)


# -- words for inspectors ----------------------------------------------------------------------------


def _phrases(phrases, limit: int = 3) -> str:
    shown = " / ".join(f"“{p}”" for p in list(phrases)[:limit])
    return shown + (f" (+{len(phrases) - limit} more)" if len(phrases) > limit else "")


def _who(by: str) -> str:
    return {"agent": "from the agent", "caller": "from the caller", "either": "from anyone"}[by]


def _where(w: s.Window) -> str:
    for name, template in (
        ("first_seconds", " in the first {} s"), ("last_seconds", " in the last {} s"),
        ("first_percent", " in the first {}% of the call"), ("last_percent", " in the last {}% of the call"),
        ("first_turns", " in their first {} turn(s)"), ("last_turns", " in their last {} turn(s)"),
    ):
        value = getattr(w, name)
        if value:
            return template.format(f"{value:g}")
    return ""


def describe_said(spec: s.SaidSpec) -> str:
    how = {"any": "any of", "all": "all of", "at_least": f"at least {spec.n} of"}[spec.mode]
    framed = {"any": "", "real": " (as fact: not if, not, or hearsay)",
              "happening": " (as happening now: not if, not, before, over or hearsay)"}[spec.context]
    return f"{spec.by} says {how} {_phrases(spec.phrases, 6)}{framed}{_where(spec.within)}"


_DESCRIBERS: dict[type, Callable] = {
    s.All: lambda c: "all of: " + "; ".join(f"({describe(x)})" for x in c.all),
    s.AnyOf: lambda c: "any of: " + "; ".join(f"({describe(x)})" for x in c.any),
    s.Not: lambda c: f"never: {describe(c.not_)}",
    s.Said: lambda c: describe_said(c.said),
    s.Regex: lambda c: f"{c.regex.by} matches /{c.regex.pattern}/" + (f" unless /{c.regex.unless}/" if c.regex.unless else "") + _where(c.regex.within),
    s.Near: lambda c: f"{_phrases(c.near.a)} within {c.near.chars} characters of {_phrases(c.near.b)} ({c.near.by})",
    s.Sequence: lambda c: f"after ({describe_said(c.sequence.first)}), ({describe_said(c.sequence.then)})"
    + (f" within {c.sequence.within_seconds:g} s" if c.sequence.within_seconds else ""),
    s.Silence: lambda c: f"a silence longer than {c.silence.longer_than:g} s"
    + (f" not announced with {_phrases(c.silence.unless_after)}" if c.silence.unless_after else ""),
    s.Interruption: lambda c: f"the {c.interruption.by} talks over the other side (≥ {c.interruption.min_overlap:g} s) at least {c.interruption.at_least} time(s)",
    s.SpeechRate: lambda c: f"{c.speech_rate.by} speech rate (chars/min){_bounds(c.speech_rate)}",
    s.TalkRatio: lambda c: f"{c.talk_ratio.by} share of talk time{_bounds(c.talk_ratio)}",
    s.Measure: lambda c: f"{c.measure.name}{_bounds(c.measure)}",
    s.Call: lambda c: "call " + ", ".join(f"{k} {v}" for k, v in c.call.model_dump(exclude_none=True).items()),
    s.CaseType: lambda c: f"case type is {' / '.join(c.case_type.in_)}",
    s.Urgency: lambda c: f"urgency is {c.urgency.is_}",
    s.Crisis: lambda c: f"the {c.crisis.by} is heard in crisis ({c.crisis.level}"
    + (f": {', '.join(c.crisis.kinds)}" if c.crisis.kinds else "") + ", crisis lexicon)",
}


def _bounds(b: s.Bounds) -> str:
    parts = [f" above {b.above:g}" if b.above is not None else "", f" below {b.below:g}" if b.below is not None else ""]
    return " or".join(p for p in parts if p)


_EVALUATORS: dict[type, Callable[..., Outcome]] = {
    s.All: _all, s.AnyOf: _any, s.Not: _not, s.Said: _said, s.Regex: _regex, s.Near: _near, s.Sequence: _sequence,
    s.Silence: _silence, s.Interruption: _interruption, s.SpeechRate: _speech_rate, s.TalkRatio: _talk_ratio,
    s.Measure: _measure, s.Call: _call, s.CaseType: _case_type, s.Urgency: _urgency, s.Crisis: _crisis,
}
