"""Helpers for the batch-engine tests: paths, tolerances, PySD comparison."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data"
BUILTIN_MODEL = Path(__file__).resolve().parents[2] / "models" / "innovation_cluster.mdl"

#: Relative tolerance of every engine-vs-PySD comparison, and the absolute
#: floor for values that are (close to) zero.
RTOL = 1e-9
ATOL = 1e-12

#: ``run(model_path, params, final_time=None)`` → PySD's DataFrame (a fixture).
PysdRun = Callable[..., pd.DataFrame]

def member_params(params: Mapping[str, Any], member: int) -> dict[str, Any]:
    """Return member ``member``'s scalar values from per-member parameter arrays."""
    return {
        name: float(np.asarray(value)[member]) if np.ndim(value) else value
        for name, value in params.items()
    }


def assert_matches_pysd(
    batch: Mapping[str, np.ndarray], member: int, reference: pd.DataFrame
) -> None:
    """Assert that one member of a batch run equals a PySD run, variable by variable."""
    for column in reference.columns:
        np.testing.assert_allclose(
            batch[column][member],
            reference[column].to_numpy(dtype=float),
            rtol=RTOL,
            atol=ATOL,
            err_msg=f"variable {column!r}, member {member}",
        )
