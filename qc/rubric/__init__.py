"""Rubrics: YAML scoring forms (``schema``) evaluated over a call's utterances (``evaluate``)."""

from qc.rubric.context import CallContext
from qc.rubric.evaluate import RubricResult, evaluate
from qc.rubric.schema import Rubric, load_rubric
from qc.rubric.source import RubricError

__all__ = ["CallContext", "Rubric", "RubricError", "RubricResult", "evaluate", "load_rubric"]
