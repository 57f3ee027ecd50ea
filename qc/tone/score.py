"""Tone scores and alerts from features, lexicon cues and a baseline. Pure functions, no audio.

Agent alerts come from deviation against the agent's own baseline and from impatient words, never
from absolute levels. Caller alerts come from the lexicon: distress and danger are raised on every
hit and are never held back by the cool-down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from qc.records import Role
from qc.tone.baseline import DEFAULT_POLICY, BaselinePolicy, zscores
from qc.tone.records import (
    AgentBaseline,
    AlertKind,
    AlertSeverity,
    CallTone,
    CueHit,
    ProsodyFeatures,
    TextCues,
    ToneAlert,
    ToneMeasure,
    UtteranceTone,
)

NEVER_COOLED_DOWN = frozenset({"caller_distress", "caller_danger", "possible_crisis"})
CRISIS_ALERTS = NEVER_COOLED_DOWN
SEVERITY_RANK: dict[str, int] = {"warning": 0, "high": 1, "critical": 2}
# Labels an emotion model may use for negative states (matched lower-case).
NEGATIVE_EMOTIONS = frozenset(
    {"angry", "anger", "sad", "sadness", "fear", "fearful", "disgust", "frustrated", "contempt"}
)

_AGENT_CUE_WEIGHTS = {"abuse": 0.9, "impatience": 0.6, "anger": 0.5}
_CALLER_CUE_WEIGHTS = {"abuse": 0.8, "anger": 0.6, "impatience": 0.5, "distress": 0.5, "sadness": 0.4, "fear": 0.3}
_ANGER_CUES = ("anger", "abuse", "impatience")

# What each alert says, in Chinese for the agent's screen and the supervisor, and in English.
MESSAGES: dict[str, tuple[str, str]] = {
    "agitated": ("{zh} — 请放慢语速，保持耐心", "{en} — slow down and stay patient"),
    "abuse": ("出现不文明用语「{words}」 — 请立即注意用语", "Abusive words («{words}») — mind the language now"),
    "impatience": ("出现不耐烦用语「{words}」 — 请保持耐心、礼貌", "Impatient words («{words}») — stay patient and polite"),
    "anger": ("来电人情绪激动「{words}」 — 请先安抚情绪、表示理解", "Caller is upset («{words}») — acknowledge and calm things first"),
    "danger": (
        "来电人报告险情「{words}」 — 请按特急流程立即转派",
        "Caller reports immediate danger («{words}») — dispatch as urgent (特急) now",
    ),
    "distress": (
        "来电人提及轻生「{words}」 — 已通知班长，请稳住来电人、不要挂断",
        "Caller mentioned self-harm («{words}») — supervisor notified; keep the caller on the line",
    ),
    "distress_possible": (
        "可能的轻生风险「{words}」 — 请留意倾听，确认来电人是否安全",
        "Possible self-harm risk («{words}») — listen in and make sure the caller is safe",
    ),
    "danger_possible": (
        "可能的险情「{words}」 — 请问清是否正在发生、是否有人受困或受伤",
        "Possible danger («{words}») — ask whether it is happening now and whether anyone is hurt or trapped",
    ),
    "learned_possible": (
        "可能的危机「{words}」（模型判断） — 请留意倾听，确认来电人是否安全、是否正在发生险情",
        "Possible crisis («{words}», by the crisis model) — listen in; ask whether the caller is safe and whether anything is happening now",
    ),
    "distress_agent_side": (
        "通话中提及轻生「{words}」（坐席侧） — 请确认来电人安全",
        "Self-harm mentioned on the agent's side («{words}») — make sure the caller is safe",
    ),
}


@dataclass(frozen=True)
class ToneOptions:
    # How many standard deviations from the speaker's own baseline count as a deviation.
    agitation_z: float = 2.0
    strong_z: float = 3.0
    # Very short answers ("好", "嗯") give rates and levels too noisy to alert on.
    min_agitation_duration_s: float = 1.0
    # Arousal is a weighted mean of these z-scores, mapped to 0..1 so that 0.5 is one standard
    # deviation above the speaker's usual across the board.
    arousal_weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "loudness_db": 0.35,
            "pitch_st": 0.25,
            "articulation_rate": 0.25,
            "pitch_range_st": 0.15,
        }
    )
    negated_weight: float = 0.3  # "我不是投诉你" still says something, but much less
    politeness_factor: float = 0.8
    model_weight: float = 0.6
    cooldown_s: float = 60.0
    high_caller_arousal: float = 0.8
    # The crisis classifier beside the lexicon (settings: crisis_model; off there by default).
    learned_crisis: bool = False
    baseline_policy: BaselinePolicy = DEFAULT_POLICY


DEFAULT_OPTIONS = ToneOptions()
# An agent's earlier utterances in the same call, once there are three, as a second reference.
IN_CALL_POLICY = BaselinePolicy(min_utterances=3)


def score_utterance(
    features: ProsodyFeatures,
    cues: TextCues,
    baseline: AgentBaseline | None,
    role: Role,
    *,
    team: AgentBaseline | None = None,
    index: int = 0,
    start: float = 0.0,
    end: float | None = None,
    model_scores: Mapping[str, float] | None = None,
    options: ToneOptions = DEFAULT_OPTIONS,
    in_call: AgentBaseline | None = None,
) -> UtteranceTone:
    """Tone of one utterance: z-scores against ``baseline`` (``team`` while the agent is new),
    arousal from the z-scores, negativity from the words (and an emotion model's output, if any).

    ``in_call``: the speaker's earlier utterances in this call, compared too (see ``_agent_alerts``).
    """
    z, source = zscores(features, baseline, team, options.baseline_policy)
    in_call_z = zscores(features, in_call, None, IN_CALL_POLICY)[0] if in_call is not None else {}
    scores = dict(model_scores or {})
    return UtteranceTone(
        index=index,
        role=role,
        start=start,
        end=start + features.duration_s if end is None else end,
        features=features,
        cues=cues,
        zscores=z,
        baseline_source=source,
        arousal=_arousal(z, options),
        negativity=_negativity(cues, role, scores, options),
        reasons=_reasons(z, cues, role, options),
        model_scores=scores,
        in_call_zscores=in_call_z,
    )


def score_call(tones: Sequence[UtteranceTone], options: ToneOptions = DEFAULT_OPTIONS) -> CallTone:
    """Call-level tone: the agent's arousal (mean of their three most aroused utterances) and
    negativity (the worst utterance), the caller's distress and anger (the worst utterance)."""
    agent = [t for t in tones if t.role == "agent"]
    caller = [t for t in tones if t.role != "agent"]
    aroused = sorted((t for t in agent if t.arousal is not None), key=lambda t: t.arousal or 0.0, reverse=True)
    top = aroused[:3]
    agent_arousal = ToneMeasure(
        round(sum(t.arousal or 0.0 for t in top) / len(top), 3) if top else 0.0,
        tuple(t.index for t in top if (t.arousal or 0.0) >= 0.5),
    )
    reasons = []
    lengths = [t.zscores["answer_length"] for t in agent if "answer_length" in t.zscores]
    if len(lengths) >= 3 and sum(lengths) / len(lengths) <= -1.0:
        reasons.append(f"agent's answers much shorter than usual ({sum(lengths) / len(lengths):+.1f} SD)")
    return CallTone(
        agent_arousal=agent_arousal,
        agent_negativity=_worst(agent, lambda t: t.negativity),
        caller_distress=_worst(caller, _distress_score),
        caller_anger=_worst(caller, lambda t: _anger_score(t, options)),
        reasons=tuple(reasons),
    )


def utterance_alerts(tone: UtteranceTone, options: ToneOptions = DEFAULT_OPTIONS) -> list[ToneAlert]:
    """Every alert one utterance raises, before any cool-down: what the live path calls per utterance."""
    out: list[ToneAlert] = []
    distress = list(tone.cues.of("distress"))
    if distress:
        out.append(_distress_alert(tone, distress))
    danger = list(tone.cues.of("danger"))
    if danger and all(h.near_miss for h in danger):
        out.append(_alert(tone, "possible_crisis", "high", "danger_possible", danger))
    elif danger:
        out.append(_alert(tone, "caller_danger", "critical", "danger", [h for h in danger if not h.near_miss]))
    learned = tone.cues.of("learned_crisis")
    if learned and tone.role != "agent" and not any(a.kind in CRISIS_ALERTS for a in out):
        out.append(_alert(tone, "possible_crisis", "high", "learned_possible", learned))
    if tone.role == "agent":
        out.extend(_agent_alerts(tone, options))
    else:
        angry = [h for c in _ANGER_CUES for h in tone.cues.of(c, include_negated=False)]
        if angry:
            abuse = tone.cues.of("abuse", include_negated=False)
            severe = bool(abuse) or (tone.arousal or 0.0) >= options.high_caller_arousal
            out.append(_alert(tone, "caller_anger", "high" if severe else "warning", "anger", angry))
    return out


def cool_down(
    alerts: Iterable[ToneAlert], last_raised: Mapping[str, ToneAlert], cooldown_s: float = DEFAULT_OPTIONS.cooldown_s
) -> tuple[list[ToneAlert], dict[str, ToneAlert]]:
    """The alerts worth raising now, and the updated last alert per kind. An alert of a kind raised less
    than ``cooldown_s`` ago is held back unless it is more severe; distress and danger always pass."""
    last = dict(last_raised)
    raised: list[ToneAlert] = []
    for alert in sorted(alerts, key=lambda a: a.start):
        previous = last.get(alert.kind)
        if (
            alert.kind in NEVER_COOLED_DOWN
            or previous is None
            or alert.start - previous.start >= cooldown_s
            or SEVERITY_RANK[alert.severity] > SEVERITY_RANK[previous.severity]
        ):
            raised.append(alert)
            last[alert.kind] = alert
    return raised, last


def alerts(
    tones: Sequence[UtteranceTone],
    options: ToneOptions = DEFAULT_OPTIONS,
    last_raised: Mapping[str, ToneAlert] | None = None,
) -> list[ToneAlert]:
    """The alerts of a whole call, in time order, after the cool-down."""
    candidates = [a for tone in tones for a in utterance_alerts(tone, options)]
    return without_lesser_crisis(cool_down(candidates, last_raised or {}, options.cooldown_s)[0])


def without_lesser_crisis(raised: list[ToneAlert], urgent_before: bool = False) -> list[ToneAlert]:
    """Once a call has an urgent crisis alert, a possible one adds nothing: the supervisor is already on it."""
    urgent = urgent_before or any(a.kind in ("caller_distress", "caller_danger") and a.severity == "critical" for a in raised)
    return [a for a in raised if not (urgent and a.kind == "possible_crisis")]


def _arousal(z: Mapping[str, float], options: ToneOptions) -> float | None:
    weights = {n: w for n, w in options.arousal_weights.items() if n in z}
    if not weights:
        return None
    raw = sum(z[n] * w for n, w in weights.items()) / sum(weights.values())
    return round(1.0 / (1.0 + math.exp(-1.5 * (raw - 1.0))), 3)


def _negativity(cues: TextCues, role: Role, model_scores: Mapping[str, float], options: ToneOptions) -> float:
    weights = _AGENT_CUE_WEIGHTS if role == "agent" else _CALLER_CUE_WEIGHTS
    keep = 1.0
    for hit in cues.hits:
        weight = weights.get(hit.cue, 0.0) * (options.negated_weight if _is_dampened(hit) else 1.0)
        keep *= 1.0 - weight
    if role == "agent" and cues.of("politeness") and not cues.of("abuse", include_negated=False):
        keep = 1.0 - (1.0 - keep) * options.politeness_factor
    negative = sum(p for label, p in model_scores.items() if label.lower() in NEGATIVE_EMOTIONS)
    keep *= 1.0 - options.model_weight * min(1.0, max(0.0, negative))
    return round(1.0 - keep, 3)


def _is_dampened(hit: CueHit) -> bool:
    # Distress and danger keep full weight under negation (the lexicon's "keep" policy).
    return hit.negated and hit.cue not in ("distress", "danger", "politeness")


_DEVIATION_WORDS = {
    "loudness_db": ("louder than usual", "音量升高"),
    "pitch_st": ("higher pitch than usual", "音调升高"),
    "rate": ("speaking faster than usual", "语速过快"),
    "answer_length": ("much shorter answer than usual", "回答简短生硬"),
}


def _deviations(z: Mapping[str, float], role: Role, options: ToneOptions) -> dict[str, float]:
    """Which ways the utterance is raised against the baseline, with the z that shows it. A curt answer
    counts for agents only: callers answer "好的" all the time."""
    found = {}
    for name in ("loudness_db", "pitch_st"):
        if z.get(name, 0.0) >= options.agitation_z:
            found[name] = z[name]
    rate = max(z.get("articulation_rate", -math.inf), z.get("speaking_rate", -math.inf))
    if rate >= options.agitation_z:
        found["rate"] = rate
    if role == "agent" and z.get("answer_length", 0.0) <= -options.agitation_z:
        found["answer_length"] = z["answer_length"]
    return found


def _reasons(z: Mapping[str, float], cues: TextCues, role: Role, options: ToneOptions) -> tuple[str, ...]:
    out = [f"{_DEVIATION_WORDS[name][0]} ({value:+.1f} SD)" for name, value in _deviations(z, role, options).items()]
    for cue, label in (
        ("distress", "self-harm words"),
        ("danger", "danger words"),
        ("abuse", "abusive words"),
        ("impatience", "impatient words"),
        ("anger", "angry words"),
        ("sadness", "sad words"),
        ("fear", "fearful words"),
    ):
        hits = cues.of(cue)
        if hits:
            negated = " (negated)" if all(_is_dampened(h) for h in hits) else ""
            out.append(f"{label}: {_words(hits)}{negated}")
    return tuple(out)


def _agitated(z: Mapping[str, float], role: Role, options: ToneOptions) -> bool:
    deviations = _deviations(z, role, options)
    return len(deviations) >= 2 and bool(deviations.keys() & {"loudness_db", "pitch_st"})


def _agent_alerts(tone: UtteranceTone, options: ToneOptions) -> list[ToneAlert]:
    out: list[ToneAlert] = []
    deviations = _deviations(tone.zscores, tone.role, options)
    acoustic = deviations.keys() & {"loudness_db", "pitch_st"}
    # A new agent is compared with the team, whose voices differ from theirs: the change must also show
    # against their own earlier utterances in this call, else a voice merely unlike the team's is flagged.
    cold_start_confirmed = tone.baseline_source != "team" or _agitated(tone.in_call_zscores, tone.role, options)
    if (
        cold_start_confirmed
        and tone.baseline_source in ("agent", "team")
        and tone.features.duration_s >= options.min_agitation_duration_s
        and len(deviations) >= 2
        and acoustic
    ):
        severe = len(deviations) >= 3 or max(abs(v) for v in deviations.values()) >= options.strong_z
        zh = "、".join(_DEVIATION_WORDS[n][1] for n in deviations)
        en = ", ".join(_DEVIATION_WORDS[n][0] for n in deviations)
        zh_message, en_message = MESSAGES["agitated"]
        out.append(
            ToneAlert(
                "agent_agitated",
                "high" if severe else "warning",
                tone.start,
                tone.end,
                zh_message.format(zh=zh),
                en_message.format(en=en[0].upper() + en[1:]),
                tuple(f"{n} {v:+.1f} SD" for n, v in deviations.items()),
                tone.index,
            )
        )
    abuse = tone.cues.of("abuse", include_negated=False)
    impatience = tone.cues.of("impatience", include_negated=False)
    if abuse:
        out.append(_alert(tone, "agent_impatient_words", "high", "abuse", abuse))
    elif impatience:
        out.append(_alert(tone, "agent_impatient_words", "warning", "impatience", impatience))
    return out


def _distress_alert(tone: UtteranceTone, hits: list[CueHit]) -> ToneAlert:
    if tone.role == "agent":
        # On mono calls a caller's words can land on the agent; the agent may also be asking about it.
        return _alert(tone, "caller_distress", "high", "distress_agent_side", hits)
    if all(h.near_miss for h in hits):
        return _alert(tone, "possible_crisis", "high", "distress_possible", hits)
    return _alert(tone, "caller_distress", "critical", "distress", [h for h in hits if not h.near_miss])


def accumulated_crisis_alert(words: Sequence[str], start: float, end: float, index: int) -> ToneAlert:
    """A possible crisis that no single utterance showed: weak signs that add up over the call (a denial,
    then tiredness; a voice cue with a hopeless word). ``words``: what was heard, for the message."""
    shown = "、".join(dict.fromkeys(w for w in words if w)) or "语音 voice"
    zh, en = MESSAGES["distress_possible"]
    return ToneAlert("possible_crisis", "high", start, end, zh.format(words=shown), en.format(words=shown),
                     tuple(dict.fromkeys(words)), index)


def _alert(
    tone: UtteranceTone, kind: AlertKind, severity: AlertSeverity, message: str, hits: Sequence[CueHit]
) -> ToneAlert:
    words = _words(hits)
    zh, en = MESSAGES[message]
    evidence = tuple(dict.fromkeys(h.matched for h in hits))
    return ToneAlert(
        kind, severity, tone.start, tone.end, zh.format(words=words), en.format(words=words), evidence, tone.index
    )


def _words(hits: Iterable[CueHit]) -> str:
    return "、".join(dict.fromkeys(h.matched for h in hits))


def _distress_score(tone: UtteranceTone) -> float:
    if any(not h.near_miss for h in tone.cues.of("distress")):
        return 1.0
    if tone.cues.of("distress"):
        return 0.6
    keep = 1.0
    for hit in tone.cues.of("sadness", include_negated=False) + tone.cues.of("fear", include_negated=False):
        keep *= 1.0 - (0.4 if hit.cue == "sadness" else 0.3)
    return round(1.0 - keep, 3)


def _anger_score(tone: UtteranceTone, options: ToneOptions) -> float:
    keep = 1.0
    for cue in _ANGER_CUES:
        for hit in tone.cues.of(cue):
            keep *= 1.0 - _CALLER_CUE_WEIGHTS[cue] * (options.negated_weight if _is_dampened(hit) else 1.0)
    words = 1.0 - keep
    # Raised voice alone says little about a caller (a bad line, a noisy street); with angry words it
    # says how angry.
    if words > 0 and tone.arousal is not None:
        words = 1.0 - (1.0 - words) * (1.0 - 0.5 * tone.arousal)
    return round(words, 3)


def _worst(tones: Sequence[UtteranceTone], measure) -> ToneMeasure:
    scored = [(measure(t), t.index) for t in tones]
    scored = [(v, i) for v, i in scored if v > 0]
    if not scored:
        return ToneMeasure()
    top = max(v for v, _ in scored)
    return ToneMeasure(round(top, 3), tuple(i for v, i in sorted(scored, key=lambda p: -p[0]) if v >= 0.5 or v == top))
