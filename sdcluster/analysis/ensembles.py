"""Summaries of an ensemble over its members: percentile bands, onsets, take-off.

:func:`percentile_bands` (quantiles over members per time),
:func:`onset_times`, :func:`takeoff_probability` and
:func:`onset_distribution`. *Take-off* means that a member reaches phase
III, "far from equilibrium", by the horizon: its dwell-filtered phase
(:func:`sdcluster.analysis.phases.phase_codes`) is phase III at some saved
time ``t <= horizon``. The onset is the first such time, as in
:func:`~sdcluster.analysis.phase_summaries.phase_onsets`. These functions work block
by block over members, so they also run on the lazily opened result of a
100,000-member ensemble.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.phase_summaries import phase_onsets
from sdcluster.analysis.phases import FAR, PHASE_INPUTS, PHASE_NEEDS, PHASES
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.analysis.statistics import wilson_interval
from sdcluster.errors import AnalysisError, SpecError, did_you_mean
from sdcluster.results.dataset import MEMBER_DIM

#: Default percentiles of :func:`percentile_bands` and :func:`onset_distribution`.
PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)


#: Members per block when summaries load lazily opened data.
SUMMARY_BLOCK = 10_000




def _member_blocks(ds: xr.Dataset, block: int) -> Iterable[xr.Dataset]:
    size = ds.sizes.get(MEMBER_DIM, 1)
    if MEMBER_DIM not in ds.dims:
        yield ds.load()
        return
    for start in range(0, size, block):
        yield ds.isel({MEMBER_DIM: slice(start, start + block)}).load()


def percentile_bands(
    ds: xr.Dataset,
    variables: Iterable[str] | None = None,
    percentiles: Sequence[float] = PERCENTILES,
) -> xr.Dataset:
    """Return percentiles over members at every time.

    Parameters
    ----------
    ds : xarray.Dataset
        Ensemble results (dims ``member``, ``time``; in memory or lazy).
    variables : iterable of str, optional
        Variables to summarise; every data variable with a ``member`` dim
        by default.
    percentiles : sequence of float
        Percentiles in [0, 100].

    Returns
    -------
    xarray.Dataset
        The same variables with dims ``("percentile", "time")`` (plus any
        other leading dims); linear interpolation between members (xarray's
        ``quantile`` default); NaN values are skipped.

    Raises
    ------
    SpecError
        If a percentile is outside [0, 100], a variable is missing, or the
        dataset has no ``member`` dim.

    """
    if MEMBER_DIM not in ds.dims:
        raise SpecError(
            f"percentile bands: expected a {MEMBER_DIM!r} dim, got {tuple(ds.dims)}"
        )
    q = np.asarray(list(percentiles), dtype=float)
    if q.size == 0 or np.any((q < 0) | (q > 100)):
        raise SpecError(f"percentile bands: percentiles must lie in [0, 100], got {q.tolist()}")
    names = _member_variables(ds, variables)
    bands = {}
    for name in names:
        array = ds[name]
        if array.chunks is not None:
            # quantile needs all members of a time point in one block; bound the block size.
            per_block = max(1, int(2e7 // max(1, ds.sizes[MEMBER_DIM])))
            array = array.chunk({MEMBER_DIM: -1, "time": per_block})
        bands[name] = array.quantile(q / 100.0, dim=MEMBER_DIM).compute()
    result = xr.Dataset(bands).rename({"quantile": "percentile"})
    return result.assign_coords(percentile=q)


def _member_variables(ds: xr.Dataset, variables: Iterable[str] | None) -> list[str]:
    present = [str(n) for n, v in ds.data_vars.items() if MEMBER_DIM in v.dims]
    if variables is None:
        return present
    names = list(variables)
    for name in names:
        if name not in present:
            raise SpecError(f"percentile bands: no variable {name!r} with a member dim"
                                f"{did_you_mean(name, present)}")
    return names


def onset_times(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS, *,
                block: int = SUMMARY_BLOCK) -> pd.DataFrame:
    """Return each member's phase onsets (:func:`~sdcluster.analysis.phase_summaries.phase_onsets`).

    Computed ``block`` members at a time, so lazily opened ensembles of any
    size fit in memory. Index: member; one column per phase (NaN if never
    reached).
    """
    needed = [name for name in PHASE_INPUTS if name in ds.data_vars]
    if not set(PHASE_NEEDS) <= set(needed):
        # Say what phases read: the classification's own error would only see an empty dataset.
        raise AnalysisError(f"the phases need {' and '.join(map(repr, PHASE_NEEDS))}, which "
                            "these results "
                            "do not have: a model other than the innovation cluster?")
    frames = [phase_onsets(part, settings) for part in _member_blocks(ds[needed], block)]
    return pd.concat(frames) if len(frames) > 1 else frames[0]


@dataclass(frozen=True, kw_only=True)
class TakeoffEstimate:
    """The share of members that reach phase III ("far from equilibrium") by the horizon.

    Attributes
    ----------
    probability : float
        ``reached / members``.
    reached, members : int
        Members that took off, and all members.
    ci_low, ci_high : float
        Wilson score interval at ``confidence``.
    confidence : float
        Confidence level of the interval.
    horizon : float
        The time by which phase III must be reached.

    """

    probability: float
    reached: int
    members: int
    ci_low: float
    ci_high: float
    confidence: float
    horizon: float

    def to_dict(self) -> dict[str, float]:
        """Return the fields as a dict."""
        return {"probability": self.probability, "reached": self.reached,
                "members": self.members, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "confidence": self.confidence, "horizon": self.horizon}


def takeoff_probability(
    ds: xr.Dataset | pd.DataFrame,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    *,
    horizon: float | None = None,
    confidence: float = 0.95,
) -> TakeoffEstimate:
    """Estimate the probability of take-off: reaching phase III by ``horizon``.

    Parameters
    ----------
    ds : xarray.Dataset or pandas.DataFrame
        Ensemble results, or the onsets from :func:`onset_times` (to avoid
        classifying twice).
    settings : AnalysisSettings
        Phase thresholds and dwell time.
    horizon : float, optional
        The deadline (model time units); the last saved time by default.
    confidence : float
        Level of the Wilson score interval
        (:func:`sdcluster.analysis.statistics.wilson_interval`; Wilson 1927,
        https://doi.org/10.1080/01621459.1927.10502953).

    Raises
    ------
    SpecError
        If ``confidence`` is not in (0, 1) or there are no members.

    """
    if not 0 < confidence < 1:
        raise SpecError(f"take-off probability: confidence must be in (0, 1), got {confidence}")
    onsets = ds if isinstance(ds, pd.DataFrame) else onset_times(ds, settings)
    if horizon is None:
        horizon = float(ds["time"].values[-1]) if isinstance(ds, xr.Dataset) else math.inf
    far = onsets[PHASES[FAR]].to_numpy(dtype=float)
    members = int(far.size)
    if members == 0:
        raise SpecError("take-off probability: no members")
    return takeoff_estimate(far <= horizon, confidence=confidence, horizon=horizon)


def takeoff_estimate(reached: Sequence[bool] | np.ndarray, *, confidence: float = 0.95,
                     horizon: float = math.inf) -> TakeoffEstimate:
    """Return the share of runs that took off and its Wilson score interval.

    Parameters
    ----------
    reached : sequence of bool
        Per run, whether it reached phase III by ``horizon``.
    confidence : float
        Level of the Wilson score interval.
    horizon : float
        The deadline the flags refer to (recorded only).

    Returns
    -------
    TakeoffEstimate
        With ``probability`` and the interval NaN when there are no runs.

    """
    flags = np.asarray(reached, dtype=bool)
    count, members = int(np.count_nonzero(flags)), int(flags.size)
    low, high = wilson_interval(count, members, confidence)  # NaN when there are no runs
    return TakeoffEstimate(probability=count / members if members else math.nan, reached=count,
                           members=members, ci_low=low, ci_high=high, confidence=confidence,
                           horizon=horizon)


def onset_distribution(onsets: pd.DataFrame,
                       percentiles: Sequence[float] = PERCENTILES) -> pd.DataFrame:
    """Summarise phase onset times over members.

    Parameters
    ----------
    onsets : pandas.DataFrame
        From :func:`onset_times` (one row per member, one column per phase).
    percentiles : sequence of float
        Percentiles of the onset time to report.

    Returns
    -------
    pandas.DataFrame
        Index: phase. Columns: ``reached`` (members that entered the phase),
        ``share`` (reached / members), ``mean`` and ``p<percentile>`` of the
        onset time among the members that reached it (NaN if none did).

    """
    rows = []
    for phase in PHASES:
        times = onsets[phase].to_numpy(dtype=float)
        hit = times[~np.isnan(times)]
        row: dict[str, float] = {"reached": float(hit.size),
                                 "share": hit.size / times.size if times.size else math.nan,
                                 "mean": float(hit.mean()) if hit.size else math.nan}
        for p in percentiles:
            row[f"p{p:g}"] = float(np.percentile(hit, p)) if hit.size else math.nan
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(PHASES, name="phase"))
    table["reached"] = table["reached"].astype(int)
    return table
