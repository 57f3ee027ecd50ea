"""Running hotline-qc as services: the supervisor's configuration, the Prefect server and worker processes, and
the checks (`qc doctor`, the web app's /readyz) that say whether they can work."""
