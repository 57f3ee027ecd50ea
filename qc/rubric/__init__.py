"""Rubrics: YAML scoring forms (``schema``) and their evaluation over a call's utterances (``evaluate``)."""

from qc.rubric.evaluate import evaluate, score
from qc.rubric.schema import Rubric, RubricItem, load_rubric

__all__ = ["Rubric", "RubricItem", "load_rubric", "evaluate", "score"]
