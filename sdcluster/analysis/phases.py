"""Phases of the cluster's self-organization, detected from output series.

The paper [1]_ holds that an innovation cluster passes through "micro
fluctuation - macro fluctuation - far from equilibrium": small fluctuations
near the disordered equilibrium, then fluctuations amplified by positive
feedback into a macroscopic ordering, then a stable ordered structure kept
far from equilibrium by a steady import of negentropy. The model
specification (version 2) reads the phases from the *dynamics* of the firm
count N, not from thresholds on Order Degree. Loop polarity dominance on a
stock is the sign of its acceleration relative to its change (Ford 1999 [3]_):
while dN/dt and d²N/dt² share their sign, reinforcing feedback dominates N;
when they differ, balancing feedback does, which is what Loops That Matter
reports for a single stock. On N smoothed over ``settings.smoothing`` years
(a centred moving average; the fluctuations are correlated over a year):

* **micro fluctuation** (phase I): from the start until the first macro
  fluctuation: N near the dispersed state, perturbations stay local;
* **macro fluctuation** (phase II): reinforcing feedback dominates N and the
  growth is macroscopic: g = d ln N / dt > ``growth_threshold`` and
  d²N/dt² > 0 with N at or above its initial value, held for ``min_dwell`` years
  (below its initial value a cluster has not grown: the fluctuations of one
  dying out, large against its few firms, are no take-off);
* **far from equilibrium** (phase III): after a macro fluctuation, balancing
  feedback dominates N (the condition of phase II fails), held for
  ``min_dwell`` years: the cluster settles towards its ordered attractor. A
  run that never had a macro fluctuation never reaches phase III; a later
  macro fluctuation (a new technology generation) returns to phase II, the
  paper's iterations;
* **decline**: a sustained fall, g < -``decline_threshold`` with
  dS total > ε, held for ``decline_dwell`` years; when the fall ends the run
  returns to phase III if it had formed, else to phase I.

g is taken with :func:`growth_rate` (``numpy.gradient`` of ln N). Within a
smoothing window of either end of the data the moving average is truncated,
which biases g and the acceleration; there the polarity is not read: before
the first full window no macro fluctuation or decline is known (phase I),
after the last one its polarity holds. A phase's onset is the first time it
is entered.

References
----------
.. [1] Wang, P. (2020). Research on the formation mechanism of innovation
   clusters based on self-organization theory. *Social Security and
   Administration Management* 1, 1-4. https://doi.org/10.23977/socsam.2020.010101
.. [2] Haken, H. (1983). *Synergetics: An Introduction*, 3rd ed. Springer.
   https://doi.org/10.1007/978-3-642-88338-5
.. [3] Ford, D. N. (1999). A behavioral approach to feedback loop dominance
   analysis. *System Dynamics Review* 15(1), 3-36.

"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sdcluster.analysis.entropy import (
    NO_DATA,
    TOTAL_CHANGE,
    total_entropy_change,
)
from sdcluster.analysis.requirements import (
    TIME_DIM,
    aligned_time_last,
    require_time,
    require_variables,
)
from sdcluster.analysis.settings import (
    DEFAULT_SETTINGS,
    ENTROPY_TOLERANCE_VARIABLE,
    AnalysisSettings,
)

#: The phases, in the order the paper expects them, then decline.
PHASES = ("micro fluctuation", "macro fluctuation", "far from equilibrium", "decline")
MICRO, MACRO, FAR, DECLINE = range(len(PHASES))
#: Code of a time point without data (NaN input).
NO_PHASE = -1

FIRMS = "Innovative Firms"
#: What the phase classification needs: the firm count and the total entropy change.
PHASE_NEEDS = (FIRMS, TOTAL_CHANGE)
#: The six entropy flows, from which dS total is summed when it is not recorded.
ENTROPY_FLOWS = tuple(f"d{kind}S {part}" for kind in "ie" for part in "RKU")
#: Everything the phase classification may read (the entropy tolerance too).
PHASE_INPUTS = (*PHASE_NEEDS, ENTROPY_TOLERANCE_VARIABLE, *ENTROPY_FLOWS)

_LABELS = np.array([*PHASES, NO_DATA])  # index NO_PHASE (-1) picks NO_DATA


def time_derivative(values: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Differentiate along the last axis, tolerating NaN padding.

    Central differences (``numpy.gradient``) where both neighbours exist,
    one-sided differences next to NaN and at the ends, NaN where the value
    itself is NaN.

    Parameters
    ----------
    values : numpy.ndarray
        Series with time on the last axis.
    time : numpy.ndarray
        Strictly increasing time points, at least two.

    Returns
    -------
    numpy.ndarray
        d values / d time, same shape as ``values``.

    """
    central = np.gradient(values, time, axis=-1)
    step = np.diff(values, axis=-1) / np.diff(time)
    padding = np.full((*values.shape[:-1], 1), np.nan)
    backward = np.concatenate([padding, step], axis=-1)
    forward = np.concatenate([step, padding], axis=-1)
    derivative = np.where(np.isnan(central), backward, central)
    derivative = np.where(np.isnan(derivative), forward, derivative)
    return np.where(np.isnan(values), np.nan, derivative)


def growth_rate(firms: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Return the firm growth rate g = d ln N / dt (1/Year) along the last axis.

    The derivative of ln N is taken with :func:`time_derivative`, so steady
    exponential growth gives a constant g. Where N <= 0 (no firms) g = 0;
    next to such points a one-sided difference is used; NaN stays NaN.
    """
    positive = firms > 0
    logarithm = np.log(np.where(positive, firms, 1.0))
    rate = time_derivative(np.where(positive, logarithm, np.nan), time)
    rate = np.where(np.isnan(rate), 0.0, rate)
    return np.where(np.isnan(firms), np.nan, rate)


def smooth(values: np.ndarray, time: np.ndarray, width: float) -> np.ndarray:
    """Return the centred moving average of ``width`` (time units) along the last axis.

    The window shrinks at the ends (the mean of the samples available), so the
    result has the input's shape; a ``width`` under 1.5 sampling steps (a window
    of one sample) returns the input. NaN samples are left out of the means and
    stay NaN.
    """
    half = _half_window(time, width)
    if half < 1:
        return values
    valid = ~np.isnan(values)
    pad = [(0, 0)] * (values.ndim - 1) + [(1, 0)]
    sums = np.cumsum(np.pad(np.where(valid, values, 0.0), pad), axis=-1)
    counts = np.cumsum(np.pad(valid.astype(float), pad), axis=-1)
    index = np.arange(time.size)
    upper = np.minimum(index + half + 1, time.size)
    lower = np.maximum(index - half, 0)
    count = counts[..., upper] - counts[..., lower]
    mean = (sums[..., upper] - sums[..., lower]) / np.where(count > 0, count, 1.0)
    return np.where(valid, mean, np.nan)


def _half_window(time: np.ndarray, width: float) -> int:
    """Return the samples either side of a centred window ``width`` wide (0: no smoothing)."""
    if time.size < 2:
        return 0
    return round(width / float(np.median(np.diff(time))) / 2)


def _full_windows(firms: np.ndarray, time: np.ndarray, width: float) -> np.ndarray | None:
    """Return where the growth and acceleration of the smoothed N rest on full windows.

    Near either end of the data (or of NaN padding) :func:`smooth` averages fewer
    samples, which halves d ln N/dt there and bends a steady exponential into a
    spurious deceleration. The acceleration reads the smoothed series two samples
    either side, so a sample is *inside* when the window widened by two samples
    holds only data. ``None`` when nothing is smoothed (``width`` under 1.5 steps).
    """
    half = _half_window(time, width)
    if half < 1:
        return None
    reach = half + 2
    valid = ~np.isnan(firms)
    pad = [(0, 0)] * (firms.ndim - 1) + [(1, 0)]
    counts = np.cumsum(np.pad(valid.astype(np.int64), pad), axis=-1)
    index = np.arange(time.size)
    upper, lower = index + reach + 1, index - reach
    full = (lower >= 0) & (upper <= time.size)
    window = counts[..., np.minimum(upper, time.size)] - counts[..., np.maximum(lower, 0)]
    inside: np.ndarray = full & (window == 2 * reach + 1)
    return inside


def _from_inside(flags: np.ndarray, inside: np.ndarray | None) -> np.ndarray:
    """Read the flags near the ends of the data from the full windows only.

    Before the first inside sample nothing is known yet: the flag is False (no
    macro fluctuation, no decline without evidence, so a run starts in phase
    I). After the last inside sample (and across gaps) the last inside flag
    holds: a run cut during a take-off ends in it. A run with no inside sample
    (shorter than the window) keeps its own flags.
    """
    if inside is None:
        return flags
    index = np.arange(flags.shape[-1])
    last_inside = np.maximum.accumulate(np.where(inside, index, -1), axis=-1)
    none_inside = ~inside.any(axis=-1, keepdims=True)
    taken = np.take_along_axis(flags, np.maximum(last_inside, 0), axis=-1)
    result: np.ndarray = np.where(inside | none_inside, flags,
                                  np.where(last_inside >= 0, taken, False))
    return result


def _held_flags(flags: np.ndarray, time: np.ndarray, dwell: float) -> np.ndarray:
    """Return where ``flags`` holds within a run of True lasting at least ``dwell``."""
    if dwell <= 0:
        return flags
    held: np.ndarray = flags & _held(flags.astype(np.int8), time, dwell)
    return held


def _raw_phase_codes(
    change: np.ndarray,
    firms: np.ndarray,
    time: np.ndarray,
    settings: AnalysisSettings,
) -> np.ndarray:
    """Apply the phase rules: polarity flags, dwell filters, then the phase sequence."""
    smoothed = smooth(firms, time, settings.smoothing)
    growth = growth_rate(smoothed, time)
    acceleration = time_derivative(time_derivative(smoothed, time), time)
    inside = _full_windows(firms, time, settings.smoothing)
    # Growth counts as macroscopic only above the firm count the run started from: a
    # cluster dying out has few firms, so its fluctuations are large relative to them
    # (g and the acceleration flicker above the thresholds), yet it never grows.
    start = firms[..., :1]
    beyond_start = smoothed >= np.where(np.isnan(start), -np.inf, start)  # no start: no bar
    reinforcing = _from_inside(
        (growth > settings.growth_threshold) & (acceleration > 0) & beyond_start, inside)
    shrinking = _from_inside(growth < -settings.decline_threshold, inside)
    macro = _held_flags(reinforcing, time, settings.min_dwell)
    balancing = _held_flags(~reinforcing, time, settings.min_dwell)
    falling = shrinking & (change > settings.entropy_tolerance)
    decline = _held_flags(falling, time, settings.decline_dwell)
    codes = _sequence(macro, balancing, decline)
    missing = np.isnan(firms) | np.isnan(change)
    return np.where(missing, NO_PHASE, codes).astype(np.int8)


def _sequence(macro: np.ndarray, balancing: np.ndarray, decline: np.ndarray) -> np.ndarray:
    """Walk the time axis: phase I until a macro fluctuation, phase III only after one."""
    codes = np.full(macro.shape, MICRO, dtype=np.int8)
    state = np.full(macro.shape[:-1], MICRO, dtype=np.int8)
    formed = np.zeros(macro.shape[:-1], dtype=bool)
    for k in range(macro.shape[-1]):
        state = np.where(macro[..., k], MACRO, state)
        formed |= state == MACRO
        settles = balancing[..., k] & formed & ((state == MACRO) | (state == DECLINE))
        state = np.where(settles, FAR, state)
        ends = (state == DECLINE) & ~decline[..., k]
        state = np.where(ends, np.where(formed, FAR, MICRO), state)
        state = np.where(decline[..., k], DECLINE, state)
        codes[..., k] = state
    return codes


def _held(codes: np.ndarray, time: np.ndarray, min_dwell: float) -> np.ndarray:
    """Mark the samples whose run of equal codes lasts at least ``min_dwell``.

    A run's duration is the time from its first to its last sample. Runs of
    missing data count as held, so they are never filled from a phase.
    """
    count = codes.shape[-1]
    index = np.arange(count)
    starts = np.ones(codes.shape, dtype=bool)
    starts[..., 1:] = codes[..., 1:] != codes[..., :-1]
    ends = np.ones(codes.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    run_start = np.maximum.accumulate(np.where(starts, index, 0), axis=-1)
    reversed_ends = np.where(ends, index, count - 1)[..., ::-1]
    run_end = np.minimum.accumulate(reversed_ends, axis=-1)[..., ::-1]
    duration = time[run_end] - time[run_start]
    # Saved time points carry rounding error: 4 steps of 0.25 must count as 1 year.
    slack = 1e-9 * max(1.0, float(np.abs(time).max()))
    held: np.ndarray = (duration >= min_dwell - slack) | (codes == NO_PHASE)
    return held


def phase_codes(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS) -> xr.DataArray:
    """Return the phase of every time point as an integer code.

    Codes index :data:`PHASES` (0 micro fluctuation .. 3 decline);
    :data:`NO_PHASE` (-1) marks time points without data. This is the
    compact form of :func:`classify_phases`, for large ensembles.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``"Innovative Firms"`` and ``"dS total"`` (or the six
        entropy flows) over ``"time"``.
    settings : AnalysisSettings
        Smoothing, thresholds and dwell times.

    Returns
    -------
    xarray.DataArray
        int8 codes, dims of the inputs with time last.

    Raises
    ------
    AnalysisError
        If a variable is missing or there are fewer than two time points.

    """
    time = require_time(ds, min_points=2)
    require_variables(ds, [FIRMS], "phase classification")
    change = total_entropy_change(ds)
    (firms,) = aligned_time_last(ds, [FIRMS])
    change, firms = xr.broadcast(change, firms)
    dims = [*(dim for dim in firms.dims if dim != TIME_DIM), TIME_DIM]
    change, firms = (array.transpose(*dims) for array in (change, firms))
    codes = _raw_phase_codes(change.values, firms.values, time, settings)
    result = xr.DataArray(codes, coords=firms.coords, dims=firms.dims, name="phase code")
    result.attrs = {"units": "", "documentation": "index into PHASES; -1 where no data"}
    return result


def classify_phases(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS) -> xr.DataArray:
    """Return the phase name of every time point.

    See the module documentation for the rules and the dwell filter.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``"Innovative Firms"`` and ``"dS total"`` (or the six
        entropy flows) over ``"time"``.
    settings : AnalysisSettings
        Smoothing, thresholds and dwell times.

    Returns
    -------
    xarray.DataArray
        Strings from :data:`PHASES`, or ``""`` where there is no data; dims
        of the inputs with time last.

    Raises
    ------
    AnalysisError
        If a variable is missing or there are fewer than two time points.

    """
    codes = phase_codes(ds, settings)
    phases = codes.copy(data=_LABELS[codes.values]).rename("phase")
    phases.attrs = {"units": "", "documentation": "phase of self-organization"}
    return phases
