"""Where each Whisper word sits in its utterance's text, so a character span gets the words' times."""

from __future__ import annotations

from qc.records import Word

# How far past the cursor a word may be found before the search is judged lost.
MAX_SKIP = 8


def word_char_spans(text: str, words: tuple[Word, ...]) -> list[tuple[int, int]]:
    """``[start, end)`` of each word in ``text``. Utterance text is the words joined (``join_words``),
    so each is found in order; a word that is not (text rewritten after decoding) takes the next
    characters. The spans then tile the text: the gaps go to the word before, the ends to the first and
    last word, so no character of the text is outside every word."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for w in words:
        token = w.text.strip()
        if not token:
            spans.append((cursor, cursor))
            continue
        found = text.find(token, cursor)
        if found == -1 or found - cursor > MAX_SKIP:
            found = min(cursor, len(text))
        end = min(len(text), found + len(token))
        spans.append((found, end))
        cursor = end
    if not spans:
        return spans
    tiled = []
    for i, (start, end) in enumerate(spans):
        start = 0 if i == 0 else tiled[-1][1]
        next_start = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        tiled.append((start, max(start, end, next_start)))
    return tiled


def words_in(spans: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the words whose characters overlap ``[start, end)``."""
    return [i for i, (a, b) in enumerate(spans) if a < end and b > start]
