"""The web app: QA inspectors' review workspace, team leads' reports, agents' own calls (``qc serve``)."""
