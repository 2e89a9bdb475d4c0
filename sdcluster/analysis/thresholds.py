"""Where runs start to self-organize: critical openness and take-off probability.

Pure functions of saved results (no I/O). Definitions:

- a run *self-organizes* when it reaches phase III, "far from equilibrium"
  (:func:`sdcluster.analysis.phase_summaries.phase_onsets`), by the end of the run;
- the *critical openness* is where the openness sweep changes for good from
  runs that do not self-organize to runs that do: the midpoint of the bracket
  ``[lower, upper]`` between the highest evaluated openness that does not
  self-organize and the next evaluated value; bisection makes the bracket
  narrow. Isolated lower values that self-organize all the same are listed
  as exceptions;
- the *take-off probability* at an openness value is the share of seeded
  ensemble members that self-organize, with a Wilson score 95 % interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.ensembles import takeoff_estimate
from sdcluster.analysis.phase_summaries import phase_onsets
from sdcluster.analysis.phases import PHASES
from sdcluster.analysis.settings import AnalysisSettings

#: The phase whose onset marks self-organization.
FAR_FROM_EQUILIBRIUM = PHASES[2]


#: The lever the openness sweep and the take-off curve vary.
SWEEP_LEVER = "openness"


def reaches_phase_iii(ds: xr.Dataset, settings: AnalysisSettings) -> np.ndarray:
    """Return, per run of ``ds`` (leading dims flattened), whether it self-organizes."""
    onsets = phase_onsets(ds, settings)[FAR_FROM_EQUILIBRIUM]
    return np.asarray(onsets.notna().to_numpy(), dtype=bool)


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """Where the cluster starts to self-organize along the openness sweep.

    Attributes
    ----------
    status : str
        ``"found"``; ``"always"`` if every evaluated openness self-organizes;
        ``"never"`` if none does.
    lower, upper : float
        The final bracket: the highest evaluated openness that does not
        self-organize, and the next evaluated value (NaN unless found).
    estimate : float
        Its midpoint: the critical openness (NaN unless found).
    exceptions : tuple of float
        Evaluated values below the bracket that self-organize all the same.
    evaluated : int
        Number of runs the sweep made.

    """

    status: str
    lower: float
    upper: float
    estimate: float
    exceptions: tuple[float, ...]
    evaluated: int


def bracket_indices(organizes: np.ndarray) -> tuple[int, int] | None:
    """Return the indices ``(i, i + 1)`` of the transition to lasting self-organization.

    ``organizes`` is ordered by openness; ``i`` is the last run that does not
    self-organize, provided a later one does. ``None`` if there is no such
    transition.
    """
    failing = np.flatnonzero(~organizes)
    if not failing.size or failing[-1] + 1 >= organizes.size:
        return None
    return int(failing[-1]), int(failing[-1]) + 1


def critical_openness(sweep: xr.Dataset, settings: AnalysisSettings) -> Threshold:
    """Return the self-organization threshold of an openness sweep (see the module docstring)."""
    values = np.asarray(sweep[SWEEP_LEVER].values, dtype=float)
    organizes = reaches_phase_iii(sweep, settings)
    order = np.argsort(values, kind="stable")
    values, organizes = values[order], organizes[order]
    count = int(values.size)
    bracket = bracket_indices(organizes)
    if bracket is None:
        status = "always" if organizes.all() else "never"
        return Threshold(status=status, lower=math.nan, upper=math.nan, estimate=math.nan,
                         exceptions=(), evaluated=count)
    lower, upper = float(values[bracket[0]]), float(values[bracket[1]])
    below = values[: bracket[0]][organizes[: bracket[0]]]
    return Threshold(status="found", lower=lower, upper=upper, estimate=0.5 * (lower + upper),
                     exceptions=tuple(float(v) for v in below), evaluated=count)


def takeoff_curve(takeoff: xr.Dataset) -> pd.DataFrame:
    """Return, per openness value of a take-off part, the take-off probability and interval."""
    onset = takeoff[f"onset {FAR_FROM_EQUILIBRIUM}"]
    rows = []
    for value in takeoff["openness"].values:
        result = takeoff_estimate(np.isfinite(onset.sel(openness=value).values))
        rows.append({SWEEP_LEVER: float(value), "members": result.members,
                     "take-off": result.reached, "probability": result.probability,
                     "low": result.ci_low, "high": result.ci_high})
    return pd.DataFrame(rows)


def half_probability_openness(curve: pd.DataFrame) -> float:
    """Return the openness from which the take-off probability stays at or above 1/2.

    Linear interpolation across the last rise through 1/2, so that an
    isolated value with a high share below it does not count (as for the
    critical openness). NaN if the probability ends below 1/2; the lowest
    openness if it never falls below.
    """
    values = curve[SWEEP_LEVER].to_numpy(dtype=float)
    probability = curve["probability"].to_numpy(dtype=float)
    below = np.flatnonzero(probability < 0.5)
    if not below.size:
        return float(values[0]) if values.size else math.nan
    last = int(below[-1])
    if last + 1 >= values.size:
        return math.nan
    x0, x1 = values[last], values[last + 1]
    p0, p1 = probability[last], probability[last + 1]
    return float(x0 + (0.5 - p0) * (x1 - x0) / (p1 - p0))
