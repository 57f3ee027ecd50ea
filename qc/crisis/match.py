"""Where the crisis lexicon is heard in one utterance, and the words framing each mention.

A mention is a phrase found by its characters, by its sound (Mandarin phrases of three or more syllables
whose sound-alike stretch lines up with whole words), or a pair (a thing and what happens to it, close
together in one clause). Each mention carries the frames its sentence puts around it: hypothetical,
past, negated, reported, now. Pure text work: no audio, no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qc.crisis.lexicon import CrisisLexicon, match_form
from qc.text.words import word_boundaries

# Sentence and clause ends in a transcript (the recogniser's and our punctuation).
_SENTENCE_END = frozenset("。！？!?\n")
_CLAUSE_END = frozenset("，,；;、：:…")
_LATIN = re.compile(r"[a-z0-9']+")
_TOKEN = re.compile(r"[a-z0-9']+|[^\s|a-z0-9']")
# Sound-alike matching: at least this pinyin similarity (qc.text.pinyin), and only for phrases this long. Above the
# rubric's 0.85: at 0.85 a five-syllable phrase may lose one syllable entirely (整栋楼都做 for 整栋楼都震).
SOUND_THRESHOLD = 0.9
SOUND_MIN_HAN = 3
_NEGATORS = frozenset("不没冇唔未别无無")


@dataclass(frozen=True)
class Mention:
    kind: str  # self_harm, fire, gas, ...
    strength: str  # urgent | possible, as the lexicon lists the phrase (pairs: possible)
    phrase: str  # the lexicon's phrase ("a … b" for a pair)
    matched: str  # the words as heard
    start: int  # character offsets in the utterance's text
    end: int
    by_sound: bool
    frames: frozenset[str]
    near_miss: bool = False


def find_mentions(text: str, lexicon: CrisisLexicon) -> list[Mention]:
    """Every crisis mention in ``text``, one per kind and place (the strongest, then the longest, wins)."""
    norm, origin = match_form(text)
    if not norm.strip(" |"):
        return []
    # (phrase, kind, strength, start, end, by_sound, parts): parts are the spans of the words themselves (a
    # pair's two words; what lies between them is context, and may frame it: "外墙去年掉过瓷砖").
    found: list[tuple] = []
    pair_spans: dict[int, dict[str, list[tuple[int, int]]]] = {}
    for at, key in _starts(norm):
        for i in lexicon.by_first.get(key, ()):
            phrase = lexicon.phrases[i]
            if m := phrase.pattern.match(norm, at):
                found.append((phrase, phrase.kind, phrase.strength, m.start(), m.end(), False, (m.span(),)))
        for pair_index, side, pattern in lexicon.pair_words_by_first.get(key, ()):
            if m := pattern.match(norm, at):
                pair_spans.setdefault(pair_index, {"a": [], "b": []})[side].append(m.span())
    found += _sound_alikes(norm, lexicon, _sound_candidates(norm, lexicon), {(f[3], f[4]) for f in found})
    for pair_index, spans in pair_spans.items():
        pair = lexicon.pairs[pair_index]
        for a, b in _pairs(norm, spans["a"], spans["b"], pair.within, pair.across_clauses):
            found.append((None, pair.kind, pair.strength, min(a[0], b[0]), max(a[1], b[1]), False, (a, b)))
    if not found:
        return []
    near = {kind: [m.span() for p in patterns for m in p.finditer(norm)] for kind, patterns in lexicon.near_misses.items()}
    mentions = []
    for phrase, kind, strength, start, end, by_sound, parts in _strongest_per_place(found):
        o_start, o_end = _original_span(origin, start, end, len(text))
        o_parts = tuple(_original_span(origin, a, b, len(text)) for a, b in parts)
        frames = frames_around(text, o_start, o_end, lexicon, o_parts)
        if _about_a_thing(norm, start, end, lexicon.not_about.get(kind, ())):
            frames |= {"not_about_people"}
        if by_sound and phrase and any(c in _NEGATORS and c not in phrase.text for c in norm[start:end]):
            frames |= {"negated"}  # a sound-alike that took in a negator says the opposite: 闻不到燃气 is not 闻到燃气
        mentions.append(Mention(
            kind=kind, strength=strength,
            phrase=phrase.text if phrase else " … ".join(norm[a:b] for a, b in parts),
            matched=text[o_start:o_end] if origin else norm[start:end],
            start=o_start, end=o_end, by_sound=by_sound, frames=frames,
            near_miss=any(start < b and a < end for a, b in near.get(kind, ())),
        ))
    return sorted(mentions, key=lambda m: (m.start, m.kind))


# -- frames ------------------------------------------------------------------------------------------


def frames_around(text: str, start: int, end: int, lexicon: CrisisLexicon,
                  parts: tuple[tuple[int, int], ...] | None = None) -> frozenset[str]:
    """Which frames the sentence puts around the mention at [start, end) of ``text``.

    Each frame's markers count in the scope the lexicon declares for it (``scope`` before or around the
    mention, ``after_scope`` after it): negated, a negator right before it in its clause; hypothetical, a
    conditional earlier in the sentence or a "…的话 / who pays" in its clause or the next; past, a marker in its
    clause (and ``past_sentence``, one elsewhere in the sentence when the clause says nothing of now); reported,
    earlier in the sentence or in its clause; now, anywhere in the sentence; all clear, anywhere in the
    utterance; habitual, in its clause. The mention's own words never frame it ("the last time I bother you" is
    not the past); a negator counts right before its last word ("墙上那道缝不是新裂的").
    """
    s_start, s_end = _bounds(text, start, end, _SENTENCE_END)
    c_start, c_end = _bounds(text, start, end, _SENTENCE_END | _CLAUSE_END)
    next_clause_end = _bounds(text, min(c_end + 1, len(text)), min(c_end + 1, len(text)), _SENTENCE_END | _CLAUSE_END)[1]
    parts = parts or ((start, end),)
    blanked = "".join(" " if any(a <= i < b for a, b in parts) else ch for i, ch in enumerate(text))
    head = max(a for a, _ in parts)
    regions = {
        "clause_before": lambda: _match_form(blanked[c_start:head]),
        "clause": lambda: _match_form(blanked[c_start:c_end]),
        "sentence_before": lambda: _match_form(text[s_start:start]),
        "sentence_before_and_clause": lambda: f"{_match_form(text[s_start:start])} {_match_form(blanked[c_start:c_end])}",
        "sentence": lambda: _match_form(text[s_start:s_end]),
        "utterance": lambda: _match_form(text),
        "clause_after": lambda: _match_form(text[end:c_end]),
        "clause_and_next_after": lambda: _match_form(text[end:max(c_end, next_clause_end)]),
    }
    out = {name for name, frame in lexicon.frames.items() if _framed(frame, regions)}
    past = lexicon.frames["past"]
    if "past" not in out and _any(past.before, _match_form(blanked[s_start:s_end])) and not _any(lexicon.frames["now"].before, regions["clause"]()):
        out.add("past_sentence")  # "上个礼拜部电梯困人，困咗四十分钟": the sentence says when
    return frozenset(out)


def _framed(frame, regions) -> bool:
    before = regions[frame.scope]()
    if frame.within_chars or frame.within_words:
        return _tail_has(before, frame)
    return _any(frame.before, before) or _any(frame.after, regions[frame.after_scope]())


def _tail_has(before: str, frame) -> bool:
    """A marker among the last ``within_words`` English words or ``within_chars`` Chinese characters."""
    words = _LATIN.findall(before)[-frame.within_words:] if frame.within_words else []
    latin_tail = " ".join(words)
    han_tail = re.sub(r"[a-z0-9' ]", "", before)[-frame.within_chars:] if frame.within_chars else ""
    return any((han_tail and p.search(han_tail)) or (words and p.search(latin_tail)) for p in frame.before)


def _about_a_thing(norm: str, start: int, end: int, things) -> bool:
    """Whether the mention's clause, up to its end, names a thing it happens to (keys, a phone, the road)."""
    clause_start = norm.rfind("|", 0, start) + 1
    return any(p.search(norm[clause_start:end]) for p in things)


def _any(patterns, text: str) -> bool:
    return bool(text.strip()) and any(p.search(text) for p in patterns)


def _bounds(text: str, start: int, end: int, stops: frozenset[str]) -> tuple[int, int]:
    left = start
    while left > 0 and text[left - 1] not in stops:
        left -= 1
    right = end
    while right < len(text) and text[right] not in stops:
        right += 1
    return left, right


def _match_form(text: str) -> str:
    return match_form(text)[0]


# -- sound-alikes and pairs -------------------------------------------------------------------------


def _sound_candidates(norm: str, lexicon: CrisisLexicon) -> list[int]:
    """Phrases whose sounds the text may hold in order: the only ones worth a (costly) sound-alike search.

    First the phrases whose sound classes the text holds nearly all of; then, for those, a stretch of the
    text where nearly every syllable of the phrase has its class at its place, give or take one character.
    """
    from qc.text.pinyin import char_sound_classes, sound_classes

    han = "".join(c for c in norm if "\u3400" <= c <= "\u9fff")
    if len(han) < SOUND_MIN_HAN:
        return []
    counts: dict[int, int] = {}
    for c in sound_classes(han):
        for i in lexicon.sound_index.get(c, ()):
            counts[i] = counts.get(i, 0) + 1
    likely = [i for i, n in counts.items() if n >= lexicon.sound_needed[i]]
    if not likely:
        return []
    text_classes = char_sound_classes(norm)
    return [i for i in likely if _in_order(text_classes, char_sound_classes(lexicon.phrases[i].text), lexicon.sound_needed[i])]


def _in_order(text: tuple[str, ...], phrase: tuple[str, ...], needed: int) -> bool:
    n, length = len(phrase), len(text)
    for s in range(-1, length - n + 2):
        hits = 0
        for j, key in enumerate(phrase):
            at = s + j
            if any(0 <= k < length and text[k] == key for k in (at - 1, at, at + 1)):
                hits += 1
        if hits >= needed:
            return True
    return False


def _sound_alikes(norm: str, lexicon: CrisisLexicon, candidates: list[int], exact: set[tuple[int, int]]):
    from qc.text.pinyin import homophone_matches

    if not candidates:
        return []
    bounds = word_boundaries(norm)
    out = []
    for i in candidates:
        phrase = lexicon.phrases[i]
        for m in homophone_matches(norm, phrase.text, SOUND_THRESHOLD):
            # A sound-alike must cover whole words (房间一直 holds the sounds of 建议 but no word of it) and be a
            # syllable-for-syllable misspelling: with a syllable added or lost it is other words ("没有，能希望…").
            if (m.end - m.start == len(phrase.text) and m.start in bounds and m.end in bounds
                    and (m.start, m.end) not in exact):
                out.append((phrase, phrase.kind, phrase.strength, m.start, m.end, True, ((m.start, m.end),)))
    return out


def _starts(norm: str):
    """(offset, key) of every place a phrase may start: each Han character, each English word."""
    for m in _TOKEN.finditer(norm):
        yield m.start(), m.group()


def _pairs(norm: str, a_spans, b_spans, within: int, across_clauses: bool = False) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    if not a_spans or not b_spans:
        return []
    out = []
    for a in a_spans:
        nearest = None
        for b in b_spans:
            if a[0] < b[1] and b[0] < a[1]:
                continue  # one word cannot be both the thing and what happens to it
            lo, hi = (a, b) if a[0] < b[0] else (b, a)
            gap = norm[lo[1]:hi[0]]
            if gap.count("|") > (1 if across_clauses else 0):
                continue  # another clause (or, for pairs that may cross one, a sentence away)
            latin = bool(_LATIN.fullmatch(norm[lo[0]:lo[1]].strip())) or bool(_LATIN.fullmatch(norm[hi[0]:hi[1]].strip()))
            distance = len(_LATIN.findall(gap)) if latin else len(gap.replace(" ", ""))
            if distance <= within and (nearest is None or distance < nearest[0]):
                nearest = (distance, b)
        if nearest is not None:
            out.append((a, nearest[1]))  # the closest word says what happens to the thing
    return out


def _strongest_per_place(found):
    rank = {"urgent": 0, "possible": 1, "weak": 2}
    kept: list = []
    for item in sorted(found, key=lambda f: (rank[f[2]], f[5], f[3] - f[4], f[3])):
        _, kind, _, start, end, _, _ = item
        if not any(k[1] == kind and start < k[4] and k[3] < end for k in kept):
            kept.append(item)
    return kept


def _original_span(origin: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    if origin is None:
        return start, min(end, length)
    return origin[start], origin[end - 1] + 1
