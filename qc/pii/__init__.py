"""Personal data in hotline transcripts: detection (``detect``) and redaction (``redact``).

Pure functions over ``qc.records.Utterance``; no I/O. ``detect`` runs the finders over each speaker's
utterances; ``numbers`` reads ID, phone and card numbers as a stream of digit groups (over pauses, fillers,
sentence breaks, 杠, country codes, 雙, English digit words) and keeps what passes its check digits and
structure; ``spoken`` and ``address_en`` find names and addresses; ``redact`` gives placeholders and muted audio.

An 8-digit date said right after 电话 is redacted as a phone, on purpose. Labelled cases: tests/test_pii.py;
the benchmark: reports/bench/pii.md; the case lists' scores as they were first run: reports/bench/history.md.
"""

from qc.pii.detect import PiiOptions, PiiSpan, detect_pii, detect_pii_text
from qc.pii.kinds import KINDS, PLACEHOLDERS
from qc.pii.redact import audio_mute_spans, mute_ranges, redact_text, redact_utterances, redact_words

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "PiiOptions",
    "PiiSpan",
    "audio_mute_spans",
    "detect_pii",
    "detect_pii_text",
    "mute_ranges",
    "redact_text",
    "redact_utterances",
    "redact_words",
]
