"""Text tools both speech and the rubric use, without one importing the other: script conversion,
clean-up and the match form (``normalise``), and tolerant matching in pinyin space (``pinyin``)."""
