"""How a scenario's step changes reach an engine: one rule for every engine.

A step (``[steps] name = { at = 60, to = 0.6 }``) sets a constant to ``to``
from time ``at`` on. Euler evaluates only on the integration grid
``initial + k * TIME STEP``, and ``k * TIME STEP`` is rarely exact in binary
(3 × 0.3 is 0.8999999999999999), so "from ``at`` on" is read with a lead of a
millionth of a TIME STEP: every grid time within that lead of ``at`` already
sees ``to``. PySD is fed a series that jumps at that lead
(:func:`pysd_step_series`); the batch engine and the pysimlin runner of the
loop analysis are fed values on the grid (:func:`step_values`). All three
therefore see the same value at every grid time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

from sdcluster.experiments.scenarios import Step

#: Lead, in TIME STEPs, with which a step takes effect before its ``at``.
STEP_LEAD = 1e-6

FloatArray = npt.NDArray[np.float64]


def step_values(times: FloatArray, before: ArrayLike, step: Step,
                time_step: float) -> FloatArray:
    """Return a stepped constant on the integration grid.

    The value is ``before`` at grid times before ``step.at`` (less the lead)
    and ``step.to`` from then on; a step at or before the first grid time
    holds throughout.

    Parameters
    ----------
    times : ndarray
        The integration grid, shape ``(T,)``.
    before : float or ndarray
        The value before the step: a scalar, or one per member, shape ``(N,)``.
    step : Step
        When and to what the constant jumps.
    time_step : float
        TIME STEP.

    Returns
    -------
    ndarray
        Shape ``(T,)`` for a scalar ``before``, else ``(N, T)``.

    """
    after = times > step.at - time_step * STEP_LEAD
    if times.size and step.at <= times[0]:
        after[:] = True
    previous = np.asarray(before, dtype=np.float64)
    if previous.ndim == 0:
        return np.where(after, step.to, float(previous))
    return np.where(after[np.newaxis, :], step.to, previous[:, np.newaxis])


def pysd_step_series(step: Step, before: float | None, start: float, final_time: float,
                     time_step: float) -> pd.Series:
    """Return the series PySD interpolates: ``before`` until ``step.at``, then ``step.to``.

    The jump sits :data:`STEP_LEAD` TIME STEPs before ``at``, so PySD sees on
    its grid what :func:`step_values` gives. With no value before (``before``
    None) or a step at or before ``start`` the series is ``to`` throughout.
    """
    if before is None or step.at <= start:
        return pd.Series([step.to, step.to], index=[start, max(final_time, start + 1.0)])
    just_before = step.at - time_step * STEP_LEAD
    end = max(final_time, step.at)
    return pd.Series([before, before, step.to, step.to], index=[start, just_before, step.at, end])
