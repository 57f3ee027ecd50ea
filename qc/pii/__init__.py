"""Personal data in hotline transcripts: detection (``detect``) and redaction (``redact``).

Pure functions over ``qc.records.Utterance``; no I/O. See ``detect`` for how numbers spoken in Chinese
digits, split over words and utterances, are found, and ``redact`` for placeholders and muted audio.

Measured in tests/test_pii.py on three labelled lists of hotline-style utterances (a finding counts when
kind and utterance match and it overlaps the labelled span by half their union):

=========================  =====  =========  =================================  ===========================
list                       cases  near-miss  ID/HKID/phone/card: P / R           all kinds: P / R
=========================  =====  =========  =================================  ===========================
CASES (written with code)   101      39      0.98 / 1.00 (43/44, 43/43)         0.99 / 1.00 (75/76)
HELDOUT, first run           69      36      1.00 / 0.94 (17/18)                1.00 / 0.97 (35/36)
BLIND, first run             25      10      1.00 / 1.00 (8/8)                  1.00 / 0.78 (14/18)
=========================  =====  =========  =================================  ===========================

After the first-run misses were fixed all three lists score as CASES does (195 cases, 85 near-misses:
numbers P 0.99 R 1.00, all kinds P 0.99 R 1.00). The one false positive is deliberate: an 8-digit date
said right after 电话 is redacted as a phone. On the 30 sample calls' reference transcripts every phone
number is found and nothing else is taken for an ID, phone or card number. These are lists we wrote;
they are not Whisper output, and the issue's benchmark (bench/pii.py, ≥ 200 sentences) is still to do.
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
