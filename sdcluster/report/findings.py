"""The report's findings, computed from saved results: pure functions, no I/O.

Definitions used throughout the report:

- a run *self-organizes* when it reaches phase III, "far from equilibrium"
  (:func:`sdcluster.analysis.phases.phase_onsets`), by the end of the run;
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import FIRMS, PHASES, phase_onsets
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.errors import AnalysisError

#: The phase whose onset marks self-organization.
FAR_FROM_EQUILIBRIUM = PHASES[2]
#: The lever the openness sweep and the take-off curve vary.
SWEEP_LEVER = "openness"


def settings_from(stored: Mapping[str, Any] | None) -> AnalysisSettings:
    """Return the analysis settings a report run recorded (defaults if none)."""
    if not stored:
        return AnalysisSettings()
    fields = AnalysisSettings.__dataclass_fields__
    return AnalysisSettings(**{k: float(v) for k, v in stored.items() if k in fields})


def settings_for(dataset: xr.Dataset) -> AnalysisSettings:
    """Return settings with the run's ``"entropy tolerance"``; the defaults if it is unusable."""
    try:
        return AnalysisSettings.from_dataset(dataset)
    except AnalysisError:
        return AnalysisSettings()


def reaches_phase_iii(ds: xr.Dataset, settings: AnalysisSettings) -> np.ndarray:
    """Return, per run of ``ds`` (leading dims flattened), whether it self-organizes."""
    onsets = phase_onsets(ds, settings)[FAR_FROM_EQUILIBRIUM]
    return np.asarray(onsets.notna().to_numpy(), dtype=bool)


@dataclass(frozen=True, kw_only=True)
class FirstToOrder:
    """Which scenario reaches phase III first.

    Attributes
    ----------
    scenarios : tuple of str
        The scenario(s) with the earliest onset (ties share it); empty if none
        reaches phase III.
    onset : float
        The earliest onset time (NaN if none).
    reference : str
        The reference scenario (``"baseline"`` if run, else the first one).
    reference_onset : float
        Its onset (NaN if it never gets there).
    considered : tuple of str
        The scenarios compared (the policy scenarios: all but the reference,
        or the reference alone if it is the only one).

    """

    scenarios: tuple[str, ...]
    onset: float
    reference: str
    reference_onset: float
    considered: tuple[str, ...]


def first_to_order(summary: pd.DataFrame) -> FirstToOrder:
    """Find the policy scenario that reaches phase III first, from a summary table.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`sdcluster.analysis.phases.summary_table` of the scenario runs.

    """
    names = [str(name) for name in summary.index]
    reference = "baseline" if "baseline" in names else names[0]
    considered = [name for name in names if name != reference] or [reference]
    onsets = summary[FAR_FROM_EQUILIBRIUM]
    values = np.array([float(onsets.loc[name]) for name in considered])
    reached = ~np.isnan(values)
    earliest = float(values[reached].min()) if reached.any() else math.nan
    winners = tuple(name for name, value in zip(considered, values, strict=True)
                    if reached.any() and value == earliest)
    return FirstToOrder(scenarios=winners, onset=earliest, reference=reference,
                        reference_onset=float(onsets.loc[reference]),
                        considered=tuple(considered))


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


def sweep_table(sweep: xr.Dataset, settings: AnalysisSettings) -> pd.DataFrame:
    """Return per evaluated openness (sorted): phase III onset and end values."""
    onsets = phase_onsets(sweep, settings)
    frame = pd.DataFrame({
        SWEEP_LEVER: np.asarray(sweep[SWEEP_LEVER].values, dtype=float),
        "stage": [str(s) for s in sweep["stage"].values] if "stage" in sweep.coords
        else [""] * sweep.sizes["member"],
        "phase III onset": onsets[FAR_FROM_EQUILIBRIUM].to_numpy(),
    })
    for name in (ORDER_DEGREE, FIRMS):
        if name in sweep.data_vars:
            frame[f"{name} at end"] = sweep[name].isel(time=-1).values
    return frame.sort_values(SWEEP_LEVER, kind="stable").reset_index(drop=True)


@dataclass(frozen=True, kw_only=True)
class TakeOff:
    """Take-off probability of an ensemble."""

    members: int
    successes: int
    probability: float
    low: float
    high: float


def take_off(organizes: Sequence[bool] | np.ndarray) -> TakeOff:
    """Return the share of runs that self-organize and its Wilson score 95 % interval."""
    from sdcluster.analysis.statistics import wilson_interval

    flags = np.asarray(organizes, dtype=bool)
    successes, members = int(flags.sum()), int(flags.size)
    low, high = wilson_interval(successes, members)  # NaN when there are no members
    return TakeOff(members=members, successes=successes,
                   probability=successes / members if members else math.nan, low=low, high=high)


def takeoff_curve(takeoff: xr.Dataset) -> pd.DataFrame:
    """Return, per openness value of a take-off part, the take-off probability and interval."""
    onset = takeoff[f"onset {FAR_FROM_EQUILIBRIUM}"]
    rows = []
    for value in takeoff["openness"].values:
        result = take_off(np.isfinite(onset.sel(openness=value).values))
        rows.append({SWEEP_LEVER: float(value), "members": result.members,
                     "take-off": result.successes, "probability": result.probability,
                     "low": result.low, "high": result.high})
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


def check_counts(checks: xr.Dataset) -> tuple[int, int]:
    """Return ``(passed, total)`` of the validation rows."""
    passed = np.asarray(checks["passed"].values, dtype=bool)
    return int(passed.sum()), int(passed.size)


#: Columns of the sensitivity indices table (as :mod:`sdcluster.studies.sensitivity` writes it).
INDEX_COLUMNS = ("outcome", "method", "index", "parameter", "parameter_2", "estimate",
                 "confidence", "ci_low", "ci_high", "confidence_level")


def indices_table(sensitivity: xr.Dataset) -> pd.DataFrame:
    """Return the stored sensitivity indices as a tidy table."""
    return pd.DataFrame({column: sensitivity[column].values for column in INDEX_COLUMNS
                         if column in sensitivity.data_vars})


def top_parameters(indices: pd.DataFrame, outcome: str, index: str = "ST",
                   count: int = 3) -> list[tuple[str, float]]:
    """Return the ``count`` parameters with the largest ``index`` on ``outcome``, largest first."""
    rows = indices[(indices["outcome"] == outcome) & (indices["index"] == index)]
    rows = rows[np.isfinite(rows["estimate"].to_numpy(dtype=float))]
    ranked = rows.sort_values("estimate", ascending=False, kind="stable").head(count)
    return [(str(r["parameter"]), float(r["estimate"])) for _, r in ranked.iterrows()]
