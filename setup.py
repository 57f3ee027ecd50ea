"""Only the package list lives here (all else is in pyproject.toml): the found packages plus the repository's
top-level rubrics/ and models/, which pyproject.toml maps to qc/_data/ inside the wheel."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["qc*", "pipelines*"]), "qc._data.rubrics", "qc._data.models"])
