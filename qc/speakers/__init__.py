"""The speakers stage: who said each utterance, and which speaker is the agent.

``find.find_speakers`` is the entry point. ``assign`` gives words to speakers and roles; ``windows``
clusters a mono call's voices window by window; ``frames`` refines the turns frame by frame with
pyannote; ``embedding`` and ``fbank`` turn speech into voice vectors; ``voiceprints`` enrols agents.
"""
