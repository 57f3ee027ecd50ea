"""Callers in crisis (issue 26): self-harm and emergencies happening now, from the caller's words (and voice).

- ``lexicon``: ``rubrics/lexicon/crisis.yaml``, the phrases, pairs and frames inspectors read and extend;
- ``match``: where the lexicon is heard in an utterance (characters, sound-alikes on whole words, pairs) and
  the frames around each mention (hypothetical, past, negated, reported, now);
- ``assess``: each mention's level and a call's level so far (urgent, possible, weak).

The live path and the batch call the same functions: ``assess_text`` per caller utterance, ``CallCrisis``
to follow a call.
"""

from qc.crisis.assess import (
    LEVEL_RANK, Assessment, CallCrisis, Signal, assess_call, assess_text, happening, in_context, mention_level,
)
from qc.crisis.lexicon import DEFAULT_CRISIS_LEXICON, SELF_HARM, CrisisLexicon, load_crisis_lexicon
from qc.crisis.match import Mention, find_mentions

__all__ = [
    "Assessment", "CallCrisis", "LEVEL_RANK", "CrisisLexicon", "DEFAULT_CRISIS_LEXICON", "Mention", "SELF_HARM", "Signal",
    "assess_call", "assess_text", "find_mentions", "happening", "in_context", "load_crisis_lexicon", "mention_level",
]
