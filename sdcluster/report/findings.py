"""The report's findings, computed from saved results: pure functions, no I/O.

Settings recorded by a report run, the first scenario to order, the sweep
table, check counts and Sobol' tables. The definitions of self-organization,
critical openness and take-off probability are in
:mod:`sdcluster.analysis.thresholds`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phase_summaries import phase_onsets
from sdcluster.analysis.phases import FIRMS
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.analysis.thresholds import FAR_FROM_EQUILIBRIUM, SWEEP_LEVER
from sdcluster.errors import AnalysisError


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
        :func:`sdcluster.analysis.phase_summaries.summary_table` of the scenario runs.

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
