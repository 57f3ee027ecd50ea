"""Exceptions whose messages an operations person can act on."""


class QCError(Exception):
    """Base class for every error hotline-qc raises on purpose."""


class BadRecording(QCError):
    """The recording itself is unusable (empty, not audio, silent, too long...).

    Never retried: the same bytes give the same answer. ``stage`` says where it was found.
    """

    def __init__(self, reason: str, stage: str = "audio"):
        super().__init__(reason)
        self.reason = reason
        self.stage = stage


class TransientError(QCError):
    """A failure that may pass on retry (file still being written, disk hiccup)."""


class ModelUnavailable(QCError):
    """A model's weights are missing or corrupt; the message names the package to install."""


class ConfigError(QCError):
    """Settings, line configuration or a rubric file is invalid."""
