"""hotline-qc: quality control for every call of a government service hotline.

The pipeline is a chain of small stages over typed records (see ``qc.records``):
audio -> speakers -> speech -> rubric -> store. ``qc.pipeline.score_call`` runs them
for one recording; ``pipelines/`` wraps that in Prefect flows.
"""

import os as _os

# Machines reach only package registries: anything that tries a model hub must fail fast
# instead of hanging, and pyannote must not phone home.
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

__version__ = "0.1.0"
# Bumped whenever a stage changes what it produces, so stored results can be traced and re-scored.
PIPELINE_VERSION = "2026.12.1"

__all__ = ["__version__", "PIPELINE_VERSION"]
