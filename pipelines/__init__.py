"""Prefect flows: thin wrappers that run ``qc`` stages as tasks (one call, a batch, later the nightly run)."""

import os as _os

# The ephemeral Prefect server must not try to send usage telemetry from machines with no internet.
_os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
