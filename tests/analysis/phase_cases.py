"""Shared cases of the phase tests: analytic firm counts and the detector's output.

Expected values come from the mathematics of the synthetic series. Two results
recur and are derived once here.

Resolution of a growth-threshold crossing. With smoothing width w and sampling
step h, the detector reads g at sample i as ln(M[i+1] / M[i-1]) / 2h, where M is
the centred mean of the 2q + 1 samples around i (q = w / 2h). M[i+1] / M[i-1]
is a ratio of two sums, so it lies between the smallest and the largest of the
ratios N[j+2] / N[j] it is made of, and ln(N[j+2] / N[j]) / 2h is the mean of
the true g over [t_j, t_j + 2h]. Hence, away from the ends, the detected g at t
lies between the smallest and the largest true g on [t - w/2 - h, t + w/2 + h].
If the true g crosses the threshold once, at t_c, the first sample flagged lies
within w/2 + 2h of t_c (one more h for the sampling grid): ``resolution()``.

Onset of phase III on a logistic. N - (base + K/2) is odd about the midpoint
t*, so N'' is odd about t*. The moving average and the two centred differences
are symmetric filters: they keep that symmetry exactly, and their combined
kernel is symmetric and unimodal, so the detected d²N/dt² is positive at every
sample before t* and negative after it. With t* half-way between two samples
(t* = 30.125) the balancing polarity starts exactly at the first sample after
t*, for any smoothing (while g stays above the threshold until then).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import xarray as xr

from sdcluster.analysis import (
    PHASES,
    AnalysisSettings,
    classify_phases,
)
from tests.analysis.analysis_synthetic import (
    TIME,
    run,
    take_off,
)

MICRO, MACRO, FAR, DECLINE = PHASES
# The hand computations below read phase II from a growth rate of 3 %/yr: the rules, not
# the default threshold (``AnalysisSettings``), are under test here.
DEFAULTS = AnalysisSettings(growth_threshold=0.03)


def rules(**changes: float) -> AnalysisSettings:
    """Return the settings of these tests with ``changes``."""
    return dataclasses.replace(DEFAULTS, **changes)


EPS = DEFAULTS.entropy_tolerance
STEP = float(TIME[1] - TIME[0])

# A take-off above a dispersed base of 100 firms: N = 100 + 900 / (1 + exp(-0.4 (t - 30.125))).
TAKE_OFF = [(900.0, 30.125, 0.4)]
# Two technology generations: a first take-off at t* = 15.125, a second at t* = 40.125.
GENERATIONS = [(400.0, 15.125, 0.5), (1000.0, 40.125, 0.5)]

Generations = list[tuple[float, float, float]]


# analytic firm count --------------------------------------------------------


def logistic_parts(t: float, generations: Generations) -> list[tuple[float, float, float]]:
    """(K, r, L) per generation, L = 1 / (1 + exp(-r (t - t*)))."""
    return [(k, r, 1.0 / (1.0 + np.exp(-r * (t - mid)))) for k, mid, r in generations]


def true_growth(t: float, generations: Generations, base: float = 100.0) -> float:
    """g = N'/N with N' = sum K r L (1 - L)."""
    parts = logistic_parts(t, generations)
    slope = sum(k * r * lo * (1 - lo) for k, r, lo in parts)
    return slope / (base + sum(k * lo for k, _, lo in parts))


def true_curvature(t: float, generations: Generations) -> float:
    """N'' = sum K r² L (1 - L) (1 - 2 L)."""
    parts = logistic_parts(t, generations)
    return sum(k * r**2 * lo * (1 - lo) * (1 - 2 * lo) for k, r, lo in parts)


def root(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of f on [lo, hi] (f changes sign there), by bisection."""
    f_lo = f(lo)
    assert f_lo * f(hi) < 0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (f_lo > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def crossing(generations: Generations, threshold: float, lo: float, hi: float) -> float:
    """Where the true g crosses ``threshold`` between lo and hi."""
    return root(lambda t: true_growth(t, generations) - threshold, lo, hi)


def inflection(generations: Generations, near: float) -> float:
    """Where the true N'' changes sign within a year of ``near``."""
    return root(lambda t: true_curvature(t, generations), near - 1.0, near + 1.0)


def first_sample_after(t: float) -> float:
    return float(TIME[t < TIME][0])


def resolution(chosen: AnalysisSettings = DEFAULTS) -> float:
    """How far a detected threshold crossing may lie from the true one (module docstring)."""
    return chosen.smoothing / 2 + 2 * STEP


# detector output --------------------------------------------------------------


def entries(phases: xr.DataArray) -> list[tuple[str, float]]:
    """(phase, time) each time one run enters a phase; time points without data skipped."""
    found: list[tuple[str, float]] = []
    for label, t in zip(phases.values, phases["time"].values, strict=True):
        if label != "" and (not found or found[-1][0] != label):
            found.append((str(label), float(t)))
    return found


def phases_of(firms: np.ndarray, change: np.ndarray | float = 0.0,
              chosen: AnalysisSettings = DEFAULTS) -> list[tuple[str, float]]:
    return entries(classify_phases(run(Innovative_Firms=firms, dS_total=change), chosen))


def take_off_run() -> xr.Dataset:
    return run(Innovative_Firms=take_off(TAKE_OFF), dS_total=-2 * EPS)

