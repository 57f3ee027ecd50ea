"""The audio stage: a recording probed and decoded to 16 kHz float channels (``decode``), and the
playback forms the web app serves (``playback``)."""
