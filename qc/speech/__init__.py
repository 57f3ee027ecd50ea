"""The speech stage: each channel to text with word times (``transcribe``, faster-whisper), homophones
of the line's vocabulary put right (``correction``) and Chinese punctuation set (``punctuation``)."""
