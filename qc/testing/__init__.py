"""What tests, benchmarks and tools share: a real loopback web server and headless Chromium
(``browser``), and a coaching demo store written without speech recognition (``coaching_site``)."""
