"""Chinese punctuation for inspectors to read, from word timing and sentence particles; no model.

Whisper base writes Chinese with few marks, half of them ASCII ("好的,请问", "对吗?"). Here every mark
becomes its full-width form, a pause inside an utterance becomes "，" (a long one "。"), and the end of a
segment gets "。" or "？": a question is a clause that ends in 吗/嘛, in 呢 or a tag (对吧) after a
question word, or that holds a question word (什么, 怎么, 哪里, 多少, 是不是 ...). Marks live at the end of
the word before them, as Whisper puts them, so utterances built from words keep them.

Only marks change: the words and their times do not (scoring strips punctuation, so the character
error rate is the same before and after; bench/asr.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qc.records import Word

__all__ = ["PunctuationOptions", "punctuate"]

_FULL_WIDTH = {",": "，", "?": "？", "!": "！", ".": "。", ":": "：", ";": "；", "、": "、", "，": "，", "。": "。", "？": "？", "！": "！", "：": "：", "；": "；"}
_MARKS = "".join(_FULL_WIDTH)
_SENTENCE_END = frozenset("。？！")
_QUESTION_FINAL = ("吗", "嘛")
_QUESTION_TAGS = ("对吧", "是吧")
_QUESTION_WORDS = (
    "什么", "怎么", "为什么", "为啥", "哪里", "哪儿", "哪个", "哪些", "哪位", "哪天", "多少", "多久", "多长",
    "是不是", "有没有", "能不能", "可不可以", "会不会", "要不要", "对不对", "行不行", "好不好", "还在吗",
)
# A question word in these is not asking anything: 没什么, 不管怎么, 什么都.
_NOT_QUESTION = ("没什么", "没有什么", "不管", "无论", "什么都", "怎么都", "怎么也", "多少钱都", "没多久", "不怎么")


@dataclass(frozen=True)
class PunctuationOptions:
    # Pauses between words that end a clause ("，") and a sentence ("。"). Telephone Mandarin has
    # 0.1-0.2 s gaps inside a phrase; agents breathe between clauses for 0.3-0.6 s.
    comma_pause_s: float = 0.35
    full_stop_pause_s: float = 1.0


def punctuate(words: Sequence[Word], options: PunctuationOptions | None = None) -> tuple[Word, ...]:
    """The words of one segment with full-width marks at pauses, particles and its end."""
    options = options or PunctuationOptions()
    words = tuple(words)
    if not words:
        return words
    cores, marks = [], []
    for w in words:
        core, mark = _split_mark(w.text)
        cores.append(core)
        marks.append(mark)
    for i in range(len(words) - 1):
        if marks[i] or not cores[i]:
            continue
        gap = words[i + 1].start - words[i].end
        if gap >= options.full_stop_pause_s:
            marks[i] = "。"
        elif gap >= options.comma_pause_s and not _inside_number(cores[i], cores[i + 1]):
            marks[i] = "，"
    if not marks[-1] or marks[-1] not in _SENTENCE_END:
        marks[-1] = "。"
    # Ends of clauses that ask something become "？".
    clause = ""
    for i, core in enumerate(cores):
        clause += core
        if marks[i] in ("，", "。") and _is_question(clause, at_sentence_end=marks[i] == "。"):
            marks[i] = "？"
        if marks[i]:
            clause = ""
    return tuple(w._replace(text=core + mark) for w, core, mark in zip(words, cores, marks))


def _split_mark(text: str) -> tuple[str, str]:
    """A word's text and the (full-width) mark that ends it; ASCII "." between digits stays."""
    core = text.rstrip(_MARKS + " ")
    tail = text[len(core):].strip()
    if not tail:
        return text, ""
    return core, _FULL_WIDTH.get(tail[-1], "")


def _inside_number(before: str, after: str) -> bool:
    # Digit groups of a phone number are read with pauses; ITN joins them across "，" anyway, but a
    # mark between two digits reads as a list.
    return bool(before and after) and before[-1].isdigit() and after[0].isdigit()


def _is_question(clause: str, at_sentence_end: bool) -> bool:
    clause = clause.strip()
    if not clause:
        return False
    if clause.endswith(_QUESTION_FINAL) or clause.endswith(_QUESTION_TAGS):
        return True
    if any(n in clause for n in _NOT_QUESTION):
        return False
    asks = any(q in clause for q in _QUESTION_WORDS)
    if clause.endswith("呢"):
        return asks or len(clause) <= 3  # 你呢？ 那现在呢？
    # A question word in the middle of a long comma clause is often a statement that goes on
    # (我想问一下怎么补办，然后……); a short clause or one that ends on it asks (哪个小区？ 要等多久？).
    return asks and (at_sentence_end or len(clause) <= 6 or clause.endswith(_QUESTION_WORDS))
