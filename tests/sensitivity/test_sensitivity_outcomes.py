"""Outcomes: the registry, the VARIABLE@... syntax, and their values on synthetic runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy.special import expit

from sdcluster.analysis.outcomes import NAMED_OUTCOMES, evaluate_outcomes, parse_outcome
from sdcluster.errors import AnalysisError, SpecError, UnknownVariableError
from sdcluster.model.loaded import load_model

STEP = 0.5
TIME = np.arange(0.0, 10.0 + STEP, STEP)
#: Phase III onsets of the three members (inf: never), and their logistic firm counts.
TAKEOFFS = np.array([6.5, 7.5, np.inf])
BASE, CAPACITY, RATE = 10.0, 90.0, 2.0
FINAL_FIRMS = BASE + CAPACITY * expit(RATE * (TIME[-1] - (TAKEOFFS - STEP / 2)))

# Why member j enters phase III exactly at TAKEOFFS[j] (default settings: smoothing 2 years,
# growth threshold 0.03, min_dwell 1). N(t) = B + K / (1 + exp(-r (t - t0))), t0 = T - h/2,
# B = 10, K = 90, r = 2, on t_i = i h, h = 0.5, 0 <= t <= 10; dS total = 0 (no decline).
# The detector smooths N with the centred mean of 2m + 1 = 5 samples (m = round(2 / h / 2)).
# The polarity is read "inside", where the acceleration stencil sees full windows (t_i in
# [2, 8], m + 2 samples from either end); samples outside copy the nearest inside flag.
# 1. The acceleration (numpy.gradient twice) is (S_{i+2} - 2 S_i + S_{i-2}) / (4 h^2); its
#    window sums telescope to P(d + m h) - P(d - m h) + P(d + (m+1) h) - P(d - (m+1) h)
#    over (2m + 1) 4 h^2, d = t_i - t0, with P(c) = N(c + h) - N(c - h) even about t0 and
#    decreasing in |c - t0|: its sign is exactly -sign d inside. t0 falls between grid
#    points; next to it |acceleration| is about 4.3 /Year^2, far above rounding.
# 2. Over the last year before t0, t_i in [t0 - 1 - h/2, t0 - h/2] (inside):
#    g_i >= (S_{i+1} - S_{i-1}) / (2h (B + K)), and (2m + 1)(S_{i+1} - S_{i-1}) =
#    N(t_i + (m+1) h) + N(t_i + m h) - N(t_i - m h) - N(t_i - (m+1) h) is smallest at
#    t_i = t0 - 1 - h/2, K (1 - expit(-4.5) - expit(-5.5)) = 88.6; so g >= 0.177 > 0.03 and
#    reinforcing feedback holds for a full year: phase II forms before t0.
# 3. At the first inside sample t_s = 2: g_s <= (S_{s+1} - S_{s-1}) / (2h B)
#    <= 2 K expit(r (t_s + (m+1) h - t0)) / ((2m + 1) 2h B) = 0.0147 < 0.03 for t0 = 6.25:
#    not reinforcing on [0, 2], so the members start in phase I.
# 4. Before t0 the growth rate of B + K s has one maximum (g' has the sign of
#    B (1 - 2 s) - K s^2) and g(t0) = K r / 4 / (B + K/2) = 0.82: one reinforcing run up to
#    t0 - h/2.
# 5. From T = t0 + h/2 to 8 the acceleration is negative (point 1) and past 8 the flag at 8
#    is copied: balancing from T to the end, 10 - T >= min_dwell years, a held run, so
#    phase III starts at its first sample, T (the dwell filter keeps whole runs: the onset
#    is not T + min_dwell).
# The third member's N stays at B: g = 0, phase I throughout, takeoff time = final time.
# Order Degree jumps at 2, 6 and never, as under the old rule: phases no longer read it.


def _runs() -> xr.Dataset:
    """Three members: x = slope * t, logistic take-offs of the firm count (see above)."""
    slopes = np.array([1.0, 2.0, -1.0])
    jumps = np.array([2.0, 6.0, np.inf])[:, None]
    order = np.where(TIME[None, :] >= jumps, 0.5, 0.1)
    firms = BASE + CAPACITY * expit(RATE * (TIME[None, :] - (TAKEOFFS[:, None] - STEP / 2)))
    return xr.Dataset(
        {"x": (("member", "time"), slopes[:, None] * TIME[None, :]),
         "Order Degree": (("member", "time"), order),
         "Innovative Firms": (("member", "time"), firms),
         "dS total": (("member", "time"), np.zeros(firms.shape))},
        coords={"member": np.arange(3), "time": TIME},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x@end", [10.0, 20.0, -10.0]), ("x@2.25", [2.25, 4.5, -2.25]), ("x@3", [3.0, 6.0, -3.0]),
     ("x@max", [10.0, 20.0, 0.0]), ("x@min", [0.0, 0.0, -10.0]), ("x@mean", [5.0, 10.0, -5.0]),
     ("x@0", [0.0, 0.0, 0.0]), ("takeoff time", [6.5, 7.5, 10.0]), ("takeoff", [1.0, 1.0, 0.0]),
     ("final order", [0.5, 0.5, 0.1]), ("Final  Firms", list(FINAL_FIRMS)),
     ("takeoff_time", [6.5, 7.5, 10.0])],
)
def test_outcomes_on_known_series(text: str, expected: list[float]) -> None:
    outcome = parse_outcome(text)
    np.testing.assert_allclose(outcome.evaluate(_runs()), expected)


def test_every_named_outcome_parses() -> None:
    for name in NAMED_OUTCOMES:
        assert parse_outcome(name).variables


def test_outcome_names_are_checked_against_the_model(noise_model: Path) -> None:
    model = load_model(noise_model)
    assert parse_outcome("firms@END", model).name == "Firms@end"
    assert parse_outcome("Firms @ 7.50", model).time == 7.5
    with pytest.raises(UnknownVariableError, match="closest: 'Firms'"):
        parse_outcome("Firmz@end", model)
    with pytest.raises(SpecError, match="after '@' expected end, max, min, mean or a time"):
        parse_outcome("Firms@last", model)
    with pytest.raises(SpecError, match=r"expected VARIABLE@end.*closest: 'takeoff time'"):
        parse_outcome("takeof time", model)


def test_times_outside_the_run_and_missing_variables_are_errors() -> None:
    with pytest.raises(AnalysisError, match=r"time 11 is outside the run \[0, 10\]"):
        parse_outcome("x@11").evaluate(_runs())
    with pytest.raises(AnalysisError, match="'y' is not in the results"):
        parse_outcome("y@end").evaluate(_runs())


def test_evaluate_outcomes_averages_replicates_and_refuses_nan() -> None:
    runs = _runs().isel(member=[0, 1, 2, 2])
    table = evaluate_outcomes(runs, [parse_outcome("x@end")], replicates=2)
    np.testing.assert_allclose(table["x@end"].to_numpy(), [15.0, -10.0])
    assert table.index.name == "sample"
    with pytest.raises(AnalysisError, match="not a multiple of 3 replicates"):
        evaluate_outcomes(runs, [parse_outcome("x@end")], replicates=3)
    broken = _runs().copy(deep=True)
    broken["x"][1, -1] = np.nan
    with pytest.raises(AnalysisError, match="NaN for 1 members"):
        evaluate_outcomes(broken, [parse_outcome("x@end")])
