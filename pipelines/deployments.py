"""The scheduled work one worker serves: the nightly batch, the weekly coaching reports and daily retention.

Their schedules and the recordings root come from the ``deploy`` settings; the flows read every other setting
themselves (``$QC_CONFIG`` and ``QC_*``), in the flow run's own process.
"""

from __future__ import annotations

from pipelines import coaching, nightly, retention
from qc.config import Settings
from qc.errors import ConfigError

def scheduled_deployments(settings: Settings) -> list:
    """nightly/nightly-qc, weekly-coaching-reports/weekly-coaching-reports and retention/daily-retention, as Prefect
    names them (`prefect deployment run NAME`)."""
    deploy = settings.deploy
    if deploy.recordings_root is None:
        raise ConfigError("deploy.recordings_root is not set: the nightly deployment needs the recorders' folder "
                          "(one YYYY-MM-DD folder per day below it)")
    return [
        nightly.deployment(str(deploy.recordings_root.resolve()), deploy.nightly_cron, deploy.timezone),
        coaching.deployment(deploy.coaching_cron, deploy.timezone, out=str(settings.web.reports_dir.resolve())),
        retention.deployment(deploy.retention_cron, deploy.timezone),
    ]
