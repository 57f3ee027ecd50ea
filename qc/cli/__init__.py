"""The ``qc`` command: scoring and the store (``main``), web and live (``web``), reports (``report``);
``common`` holds what every command shares (settings, one-line errors)."""

from qc.cli.main import app

__all__ = ["app"]
