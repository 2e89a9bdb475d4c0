"""The test suite; its folders mirror the package (``tests/model`` tests ``sdcluster.model``).

Four folders test a feature across the stages instead: ``ensemble``, ``sensitivity``,
``loops`` (loop dominance) and ``safety`` (inputs that must not run code or destroy
files). ``tests/builtin_model`` holds the tests of the built-in innovation-cluster model
itself (the spec's behaviours, extremes, mass balance), ``tests/data`` the small models
and files the tests run.
"""

from __future__ import annotations

from pathlib import Path

#: The folder of test models and data files.
DATA = Path(__file__).resolve().parent / "data"
