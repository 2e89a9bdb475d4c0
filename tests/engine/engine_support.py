"""Helpers for the batch-engine tests: the built-in model's path, tolerances, per-member values.

The PySD comparison itself is public: :func:`sdcluster.testing.assert_matches_pysd`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sdcluster.testing import ENGINE_ATOL, ENGINE_RTOL

BUILTIN_MODEL = Path(__file__).resolve().parents[2] / "models" / "innovation_cluster.mdl"

#: The tolerances of every engine-vs-PySD comparison.
RTOL, ATOL = ENGINE_RTOL, ENGINE_ATOL

#: ``run(model_path, params, final_time=None)`` → PySD's DataFrame (a fixture).
PysdRun = Callable[..., pd.DataFrame]

def member_params(params: Mapping[str, Any], member: int) -> dict[str, Any]:
    """Return member ``member``'s scalar values from per-member parameter arrays."""
    return {
        name: float(np.asarray(value)[member]) if np.ndim(value) else value
        for name, value in params.items()
    }
