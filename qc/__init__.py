"""hotline-qc: quality control for every call of a government service hotline.

The pipeline is a chain of stages over typed records (``qc.records``), one folder each, in the order
data flows: ``audio`` -> ``speech`` -> ``speakers`` -> ``pii`` -> ``tone`` (prosody) in a worker, then
``judge`` (tone against the agent's baseline, ``rubric``) and ``store`` in the writer.
``qc.pipeline`` lists them; ``pipelines/`` runs them as Prefect flows; ``web``, ``live`` and ``cli``
are the shells people use.
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
