"""Agent tone and caller emotion (issue #5): prosody against each agent's own baseline, lexicon cues,
call-level scores and plain-worded alerts. The batch pipeline calls ``analyse_call_tone`` once per call;
the live path calls ``utterance_tone``, ``utterance_alerts`` and ``cool_down`` per finished utterance.
"""

from qc.tone.baseline import (
    BaselinePolicy,
    feature_values,
    merge_baselines,
    team_baseline,
    update_baseline,
    zscores,
)
from qc.tone.call import HeardUtterance, analyse_call_tone, hear_call, hear_utterance, score_call_tone, utterance_tone
from qc.tone.lexicon import Lexicon, find_cues, load_lexicon
from qc.tone.model import EmotionModel, load_emotion_model
from qc.tone.prosody import ProsodyOptions, count_syllables, utterance_prosody
from qc.tone.records import (
    AgentBaseline,
    CallTone,
    CueHit,
    ProsodyFeatures,
    RunningStats,
    TextCues,
    ToneAlert,
    ToneMeasure,
    UtteranceTone,
)
from qc.tone.score import ToneOptions, alerts, cool_down, score_call, score_utterance, utterance_alerts

__all__ = [
    "AgentBaseline",
    "BaselinePolicy",
    "CallTone",
    "CueHit",
    "EmotionModel",
    "HeardUtterance",
    "Lexicon",
    "ProsodyFeatures",
    "ProsodyOptions",
    "RunningStats",
    "TextCues",
    "ToneAlert",
    "ToneMeasure",
    "ToneOptions",
    "UtteranceTone",
    "alerts",
    "analyse_call_tone",
    "cool_down",
    "count_syllables",
    "feature_values",
    "find_cues",
    "hear_call",
    "hear_utterance",
    "load_emotion_model",
    "load_lexicon",
    "merge_baselines",
    "score_call",
    "score_call_tone",
    "score_utterance",
    "team_baseline",
    "update_baseline",
    "utterance_alerts",
    "utterance_prosody",
    "utterance_tone",
    "zscores",
]
