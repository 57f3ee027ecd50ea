"""The rubric file format: items, sections, case types, urgency, and the conditions they are built from.

A condition is a mapping with exactly one operator key::

    all: [cond, ...]          any: [cond, ...]          not: cond
    said: {phrases: [...], by: agent, within: {first_seconds: 10}, mode: any|all|at_least, n: 2}
    regex: {pattern: '...', unless: '...', by: agent}
    near: {a: [...], b: [...], chars: 10, by: caller}
    sequence: {first: <said spec>, then: <said spec>, within_seconds: 30}
    silence: {longer_than: 8, unless_after: [请稍等, ...]}
    interruption: {by: agent, min_overlap: 0.5, at_least: 1}
    speech_rate: {by: agent, above: 320}          (characters per minute)
    talk_ratio: {by: agent, above: 0.8}
    measure: {name: agent_arousal, above: 1.5}    (from the tone stage; N/A when absent)
    call: {duration_above: 600, hour_between: [0, 6], line_in: [...], repeat_at_least: 2}
    case_type: {in: [complaint, help]}
    urgency: {is: urgent}

Each condition describes a situation and is true when it holds; ``not`` turns a forbidden situation
into a check. Phrase lists may name a shared list with ``$name`` (see ``phrase_lists``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from qc.rubric.source import Location, error, load_with_lines

Speaker = Literal["agent", "caller", "either"]


class _Spec(BaseModel):
    # Numbers in phrase lists (119, 12345) are phrases too: YAML would otherwise make them ints.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Window(_Spec):
    """Where in the call to look. At most one of these; none = the whole call."""

    first_seconds: float | None = Field(None, gt=0)
    last_seconds: float | None = Field(None, gt=0)
    first_percent: float | None = Field(None, gt=0, le=100)
    last_percent: float | None = Field(None, gt=0, le=100)
    first_turns: int | None = Field(None, ge=1, description="the speaker's first N utterances")
    last_turns: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one(self) -> "Window":
        given = [k for k, v in self.model_dump().items() if v is not None]
        if len(given) > 1:
            raise ValueError(f"give one window, not {', '.join(given)}")
        return self


class SaidSpec(_Spec):
    phrases: tuple[str, ...] = Field(min_length=1)
    by: Speaker = "agent"
    within: Window = Window()
    mode: Literal["any", "all", "at_least"] = "any"
    n: int = Field(1, ge=1, description="with mode at_least: how many different phrases")
    fuzzy: bool = True  # also match in pinyin space (homophones Whisper writes)
    threshold: float | None = Field(None, gt=0, le=1, description="pinyin similarity; default from the rubric")
    # Words judged in their sentence by the crisis lexicon's frames (rubrics/lexicon/crisis.yaml). real: not as a
    # hypothetical, a denial or hearsay ("如果水管爆了谁出钱" is no burst pipe); happening: real, and not the past,
    # over or recurring either ("上次中毒以后" is no poisoning now). any: the words wherever they are.
    context: Literal["any", "real", "happening"] = "any"

    @field_validator("phrases")
    @classmethod
    def _non_empty(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        if any(not p.strip() for p in phrases):
            raise ValueError("empty phrase")
        return phrases


class All(_Spec):
    all: tuple["Condition", ...] = Field(min_length=1)


class AnyOf(_Spec):
    any: tuple["Condition", ...] = Field(min_length=1)


class Not(_Spec):
    not_: "Condition" = Field(alias="not")


class Said(_Spec):
    said: SaidSpec


class RegexSpec(_Spec):
    pattern: str
    unless: str | None = None
    by: Speaker = "agent"
    within: Window = Window()

    @field_validator("pattern", "unless")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from exc
        return value


class Regex(_Spec):
    regex: RegexSpec


class NearSpec(_Spec):
    a: tuple[str, ...] = Field(min_length=1)
    b: tuple[str, ...] = Field(min_length=1)
    chars: int = Field(10, ge=0, description="at most this many characters between them")
    by: Speaker = "either"
    within: Window = Window()


class Near(_Spec):
    near: NearSpec


class SequenceSpec(_Spec):
    first: SaidSpec
    then: SaidSpec
    within_seconds: float | None = Field(None, gt=0)


class Sequence(_Spec):
    sequence: SequenceSpec


class SilenceSpec(_Spec):
    longer_than: float = Field(gt=0)
    unless_after: tuple[str, ...] = ()  # phrases the agent says before an announced hold
    announce_window: float = Field(15.0, gt=0, description="seconds before the silence the phrase may be said")
    within: Window = Window()


class Silence(_Spec):
    silence: SilenceSpec


class InterruptionSpec(_Spec):
    by: Literal["agent", "caller"] = "agent"
    min_overlap: float = Field(0.5, gt=0)
    at_least: int = Field(1, ge=1)


class Interruption(_Spec):
    interruption: InterruptionSpec


class Bounds(_Spec):
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _some(self) -> "Bounds":
        if self.above is None and self.below is None:
            raise ValueError("give above and/or below")
        return self


class RateSpec(Bounds):
    by: Literal["agent", "caller"] = "agent"


class SpeechRate(_Spec):
    speech_rate: RateSpec


class TalkRatio(_Spec):
    talk_ratio: RateSpec


class MeasureSpec(Bounds):
    name: str


class Measure(_Spec):
    measure: MeasureSpec


class CallSpec(_Spec):
    duration_above: float | None = None
    duration_below: float | None = None
    line_in: tuple[str, ...] | None = None
    agent_in: tuple[str, ...] | None = None
    hour_between: tuple[int, int] | None = None  # local start hour, [from, to)
    repeat_at_least: int | None = Field(None, ge=1)


class Call(_Spec):
    call: CallSpec


class CaseTypeSpec(_Spec):
    in_: tuple[str, ...] = Field(alias="in", min_length=1)


class CaseType(_Spec):
    case_type: CaseTypeSpec


class UrgencySpec(_Spec):
    is_: Literal["urgent", "normal"] = Field(alias="is")


class Urgency(_Spec):
    urgency: UrgencySpec


class CrisisSpec(_Spec):
    """A caller in crisis, as the crisis lexicon (rubrics/lexicon/crisis.yaml) judges their words in context."""

    level: Literal["urgent", "possible"] = "urgent"
    kinds: tuple[str, ...] | None = None  # self_harm, fire, gas, ...; none given: any
    by: Speaker = "caller"
    within: Window = Window()

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...] | None) -> tuple[str, ...] | None:
        from qc.crisis import load_crisis_lexicon

        known = load_crisis_lexicon().titles
        unknown = [k for k in kinds or () if k not in known]
        if unknown:
            raise ValueError(f"unknown crisis kind {', '.join(unknown)} (the crisis lexicon has: {', '.join(known)})")
        return kinds


class Crisis(_Spec):
    crisis: CrisisSpec


OPERATORS: dict[str, type[_Spec]] = {
    "all": All, "any": AnyOf, "not": Not, "said": Said, "regex": Regex, "near": Near, "sequence": Sequence,
    "silence": Silence, "interruption": Interruption, "speech_rate": SpeechRate, "talk_ratio": TalkRatio,
    "measure": Measure, "call": Call, "case_type": CaseType, "urgency": Urgency, "crisis": Crisis,
}


def _operator(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    return next((name for name, cls in OPERATORS.items() if isinstance(value, cls)), None)


Condition = Annotated[
    Union[tuple(Annotated[cls, Tag(name)] for name, cls in OPERATORS.items())],  # type: ignore[valid-type]
    Discriminator(_operator),
]
for _model in (All, AnyOf, Not):
    _model.model_rebuild()


class Section(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    weight: float = Field(1.0, gt=0)


class Item(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    section: str | None = None
    points: float = Field(gt=0)
    severity: Literal["normal", "critical"] = "normal"
    applies_if: Condition | None = None
    check: Condition
    explain: str | None = None  # the rule in an inspector's words; generated when absent


class CaseTypeRule(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    when: Condition | None = None  # None: the default when nothing else matched


class UrgencyRule(_Spec):
    level: Literal["urgent"] = "urgent"
    title: str
    when: Condition
    deadline_response_h: float | None = None
    deadline_resolve_h: float | None = None


class Rubric(_Spec):
    id: str
    title: str
    version: str
    line: str | None = None
    language: str | None = None
    fuzzy_threshold: float = Field(0.85, gt=0, le=1)
    phrase_lists: dict[str, tuple[str, ...]] = {}
    sections: tuple[Section, ...] = ()
    items: tuple[Item, ...] = Field(min_length=1)
    case_types: tuple[CaseTypeRule, ...] = ()
    urgency: tuple[UrgencyRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "Rubric":
        ids = [item.id for item in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {', '.join(dupes)}")
        sections = {s.id for s in self.sections}
        for item in self.items:
            if item.section and item.section not in sections:
                raise ValueError(f"item {item.id}: unknown section '{item.section}' (sections: {', '.join(sorted(sections))})")
        defaults = [c.id for c in self.case_types if c.when is None]
        if self.case_types and len(defaults) != 1:
            raise ValueError("case_types need exactly one default entry (one without 'when')")
        for rule in self.urgency:
            loose = _context_free_words(rule.when)
            if loose:
                raise ValueError(f"urgency '{rule.title}': {loose} must judge words in context (said with context: happening, "
                                 "or crisis): '要是哪天着火了怎么办' is not urgent")
        return self

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)


def _context_free_words(node: object) -> str | None:
    """The first condition under ``node`` that hears words without their context (for urgency rules)."""
    if isinstance(node, SaidSpec):
        return None if node.context == "happening" else f"said {list(node.phrases)[:3]}"
    if isinstance(node, (NearSpec, RegexSpec)):
        return f"{'near' if isinstance(node, NearSpec) else 'regex'} condition"
    if isinstance(node, tuple):
        return next((found for x in node if (found := _context_free_words(x))), None)
    fields = getattr(type(node), "model_fields", None) or {}
    return next((found for name in fields if (found := _context_free_words(getattr(node, name)))), None)


@lru_cache(maxsize=32)
def load_rubric(path: Path) -> Rubric:
    """Load and validate a rubric; errors name the file, the line and the field."""
    data, lines = load_with_lines(path)
    if not isinstance(data, dict):
        raise error(path, lines, (), "a rubric is a mapping (id, title, version, items, ...)")
    data = expand_lists(data, path, lines)
    check_operators(data, path, lines)
    check_items(data, path, lines)
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        # The first error is the cause; later ones are its echoes up the tree ("needs at least 1 item").
        first = exc.errors()[0]
        raise error(path, lines, yaml_location(first["loc"]), first["msg"]) from exc


def check_items(data: dict, path: Path, lines: dict[Location, int]) -> None:
    """Duplicate item ids and unknown sections, blamed on the item's own line (the model would blame the file's top)."""
    items = data.get("items")
    if not isinstance(items, list):
        return
    sections = data.get("sections")
    known = {s.get("id") for s in sections if isinstance(s, dict)} if isinstance(sections, list) else None
    seen: set = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        if item.get("id") in seen:
            raise error(path, lines, ("items", index, "id"), f"duplicate item id '{item['id']}'")
        seen.add(item.get("id"))
        section = item.get("section")
        if section and known is not None and section not in known:
            raise error(path, lines, ("items", index, "section"),
                        f"item {item.get('id')}: unknown section '{section}' (sections: {', '.join(sorted(map(str, known)))})")


def yaml_location(loc: tuple) -> Location:
    """Drop the union tags pydantic inserts ('all', 'all', 0 -> 'all', 0) to get the path in the file."""
    parts = list(loc)
    return tuple(p for i, p in enumerate(parts) if not (p in OPERATORS and i + 1 < len(parts) and parts[i + 1] == p))


CONDITION_KEYS = {"check", "applies_if", "when", "all", "any", "not"}


def check_operators(data: Any, path: Path, lines: dict[Location, int], here: Location = ()) -> None:
    """Walk the raw YAML: every condition must be a mapping with one known operator."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("all", "any") and isinstance(value, list):
                for i, cond in enumerate(value):
                    _check_condition(cond, path, lines, here + (key, i))
            elif key in CONDITION_KEYS and key not in ("all", "any"):
                _check_condition(value, path, lines, here + (key,))
            else:
                check_operators(value, path, lines, here + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            check_operators(value, path, lines, here + (i,))


def _check_condition(cond: Any, path: Path, lines: dict[Location, int], here: Location) -> None:
    if not isinstance(cond, dict) or len(cond) != 1:
        keys = ", ".join(map(str, cond)) if isinstance(cond, dict) else type(cond).__name__
        raise error(path, lines, here, f"a condition is one operator ({', '.join(OPERATORS)}); got {keys or 'nothing'}")
    (op, body), = cond.items()
    if op not in OPERATORS:
        close = [name for name in OPERATORS if _similar(op, name)]
        hint = f" — did you mean '{close[0]}'?" if close else ""
        raise error(path, lines, here + (op,), f"unknown operator '{op}'{hint} (known: {', '.join(OPERATORS)})")
    check_operators({op: body}, path, lines, here)


def _similar(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio() >= 0.7


def expand_lists(data: dict, path: Path, lines: dict[Location, int]) -> dict:
    """Replace ``$name`` entries of phrase lists with the named shared list (one level, no cycles)."""
    lists = data.get("phrase_lists") or {}
    if not isinstance(lists, dict):
        raise error(path, lines, ("phrase_lists",), "phrase_lists is a mapping of name: [phrases]")
    for name, phrases in lists.items():
        for i, phrase in enumerate(phrases or []):
            if isinstance(phrase, str) and phrase.startswith("$"):
                raise error(
                    path, lines, ("phrase_lists", name, i),
                    f"phrase lists cannot refer to other lists ('{phrase}'): a reference chain could loop",
                )

    def expand(value: Any, here: Location) -> Any:
        if isinstance(value, dict):
            return {k: expand(v, here + (k,)) for k, v in value.items() if k != "phrase_lists" or here}
        if isinstance(value, list):
            out: list = []
            for i, v in enumerate(value):
                if isinstance(v, str) and v.startswith("$"):
                    if v[1:] not in lists:
                        raise error(path, lines, here + (i,), f"unknown phrase list '{v}' (known: {', '.join(lists) or 'none'})")
                    out.extend(lists[v[1:]])
                else:
                    out.append(expand(v, here + (i,)))
            return out
        return value

    expanded = expand(data, ())
    expanded["phrase_lists"] = lists
    return expanded


def rubric_tests_measures(rubric: Rubric) -> bool:
    """Whether any item, case type or urgency rule tests a ``measure`` (tone, set after the rubric first runs)."""
    return _has_measure((rubric.items, rubric.case_types, rubric.urgency))


def _has_measure(node: object) -> bool:
    if isinstance(node, Measure):
        return True
    if isinstance(node, tuple):
        return any(_has_measure(x) for x in node)
    fields = getattr(type(node), "model_fields", None)
    return bool(fields) and any(_has_measure(getattr(node, name)) for name in fields)
