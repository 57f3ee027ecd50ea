"""The personal-data stage of a call: redact the utterances, keep where the data was (never the values)."""

from __future__ import annotations

from qc.config import LineConfig, Settings
from qc.pii.detect import PiiOptions, detect_pii
from qc.pii.redact import redact_utterances
from qc.records import PersonalData, Utterance


def protect(utterances: tuple[Utterance, ...], line: LineConfig, settings: Settings) -> tuple[tuple[Utterance, ...], tuple[PersonalData, ...]]:
    """Redact personal data from the utterances; return them and where the data was (no values)."""
    if not settings.privacy.redact:
        return utterances, ()
    spans = detect_pii(utterances, PiiOptions(region=line.pii_region))
    if not spans:
        return utterances, ()
    redacted, spans = redact_utterances(utterances, spans)
    found = tuple(PersonalData(s.kind, s.utterance_index, s.start_s, s.end_s, round(s.confidence, 2)) for s in spans)
    return tuple(redacted), found
