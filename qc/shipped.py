"""Where the rubrics and models that ship with hotline-qc lie.

An installed wheel carries them inside the package, under ``qc/_data/rubrics`` and ``qc/_data/models``
(pyproject.toml maps the repository's top-level ``rubrics/`` and ``models/`` there). A checkout run from
its own folder (an editable install, ``PYTHONPATH=.``) has no ``qc/_data`` and uses those top-level
folders directly. Settings (``rubrics_dir``, ``models_dir``) override both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

_PACKAGE = Path(__file__).resolve().parent

Shipped = Literal["rubrics", "models"]


def shipped_dir(name: Shipped) -> Path:
    """The folder of rubrics or models that came with this copy of hotline-qc (it may be missing; callers
    that read it say so and name the setting to fix)."""
    inside = _PACKAGE / "_data" / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parent / name
    # Only a checkout has pyproject.toml beside the package: never pick up a stray site-packages/models.
    if checkout.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return checkout
    return inside
