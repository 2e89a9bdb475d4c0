"""Phases of self-organization from the dynamics of the firm count N (model spec v2).

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
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sdcluster.analysis import (
    PHASES,
    AnalysisSettings,
    classify_phases,
    phase_codes,
    phase_onsets,
    phase_sequence,
    summary_table,
)
from sdcluster.analysis.phase_summaries import clean_sequence_share
from sdcluster.analysis.phases import (
    NO_PHASE,
    _held,
    _held_flags,
    _sequence,
    growth_rate,
    smooth,
    time_derivative,
)
from sdcluster.errors import AnalysisError
from tests.analysis.analysis_synthetic import (
    TIME,
    entropy_run,
    log_linear_firms,
    run,
    stack,
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


# unit functions ----------------------------------------------------------------


def test_growth_rate_is_d_ln_n_dt() -> None:
    firms = 10 * np.exp(0.3 * TIME)
    assert np.allclose(growth_rate(firms, TIME), 0.3, rtol=1e-9)
    assert np.array_equal(growth_rate(np.zeros_like(TIME), TIME), np.zeros_like(TIME))
    dying = np.where(TIME < 10, 5 * np.exp(-0.2 * TIME), 0.0)
    rate = growth_rate(dying, TIME)
    assert np.allclose(rate[TIME < 10], -0.2, rtol=1e-9)
    assert np.array_equal(rate[TIME >= 10], np.zeros((TIME >= 10).sum()))


def test_time_derivative_goes_one_sided_next_to_nan() -> None:
    time = np.arange(6.0)
    values = np.array([0.0, 1.0, 4.0, 9.0, np.nan, np.nan])  # t², then padding
    # Central differences of t² are exact (2t); t = 0 forward, t = 3 backward.
    expected = np.array([1.0, 2.0, 4.0, 5.0, np.nan, np.nan])
    assert np.allclose(time_derivative(values, time), expected, equal_nan=True)


def test_smooth_is_a_centred_moving_average() -> None:
    values = 10 * np.exp(0.1 * TIME)
    assert np.array_equal(smooth(values, TIME, 0.0), values)
    assert np.array_equal(smooth(values, TIME, STEP), values)  # no sample either side
    smoothed = smooth(values, TIME, 2.0)  # ±1 year: 9 samples
    # Inside, the mean of 9 samples of an exponential is the exponential times a constant.
    factor = np.mean(np.exp(0.1 * STEP * np.arange(-4, 5)))
    assert np.allclose(smoothed[4:-4], factor * values[4:-4], rtol=1e-12)
    # At the ends the window shrinks to the samples available.
    assert smoothed[0] == pytest.approx(values[:5].mean())
    assert smoothed[-1] == pytest.approx(values[-5:].mean())
    holed = values.copy()
    holed[10] = np.nan
    smoothed = smooth(holed, TIME, 2.0)
    assert np.isnan(smoothed[10])
    assert smoothed[8] == pytest.approx(np.mean(np.delete(values[4:13], 6)))


def reference_held(codes: np.ndarray, time: np.ndarray, dwell: float) -> np.ndarray:
    """Held where the run of equal codes containing the sample lasts >= dwell, or no data."""
    held = np.zeros(codes.size, dtype=bool)
    start = 0
    for end in range(codes.size):
        if end == codes.size - 1 or codes[end + 1] != codes[start]:
            held[start : end + 1] = time[end] - time[start] >= dwell or codes[start] == NO_PHASE
            start = end + 1
    return held


@settings(max_examples=80, deadline=None)
@given(
    codes=arrays(np.int8, st.integers(1, 60), elements=st.integers(-1, 3)),
    dwell=st.sampled_from([0.0, 0.3, 0.5, 1.0, 2.0]),
)
def test_held_runs_last_at_least_the_dwell(codes: np.ndarray, dwell: float) -> None:
    time = np.arange(codes.size) * STEP
    assert np.array_equal(_held(codes, time, dwell), reference_held(codes, time, dwell))
    flags = codes > 1
    expected = flags & reference_held(flags.astype(np.int8), time, dwell) if dwell > 0 else flags
    assert np.array_equal(_held_flags(flags, time, dwell), expected)


def test_run_of_exactly_the_dwell_counts_despite_rounding() -> None:
    time = np.concatenate([[0.0], np.cumsum(np.full(15, 0.1))])  # time[10] = 0.9999999999999999
    codes = np.array([1] * 11 + [0] * 5, dtype=np.int8)
    assert _held(codes, time, 1.0)[:11].all()
    assert not _held(codes, time, 1.0)[11:].any()


@settings(max_examples=80, deadline=None)
@given(flags=arrays(np.bool_, st.tuples(st.just(3), st.integers(1, 40))))
def test_sequence_follows_the_rules(flags: np.ndarray) -> None:
    macro, balancing, decline = flags
    balancing = balancing & ~macro  # the two polarities exclude each other
    codes = _sequence(macro, balancing, decline)
    formed = np.cumsum(macro) > 0  # a macro fluctuation has been held by sample k
    for k, code in enumerate(codes):
        name = PHASES[code]
        assert (name == DECLINE) == decline[k]
        if macro[k] and not decline[k]:
            assert name == MACRO
        assert name != FAR or formed[k]  # phase III only after a phase II
        assert name != MICRO or not formed[k]  # phase I only before one
        before = PHASES[codes[k - 1]] if k else MICRO
        if name != before and name == FAR and before == MACRO:
            assert balancing[k]
        if before == DECLINE and name != DECLINE and not macro[k]:
            assert name == (FAR if formed[k] else MICRO)


@settings(max_examples=40, deadline=None)
@given(
    firms=arrays(np.float64, st.integers(2, 120), elements=st.floats(1.0, 1e4)),
    change=st.floats(-0.05, 0.05),
    smoothing=st.sampled_from([0.0, 1.0, 2.0]),
    dwell=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_far_from_equilibrium_never_precedes_macro_fluctuation(
    firms: np.ndarray, change: float, smoothing: float, dwell: float
) -> None:
    time = np.arange(firms.size) * STEP
    chosen = rules(smoothing=smoothing, min_dwell=dwell)
    ds = run(time, Innovative_Firms=firms, dS_total=change)
    labels = list(classify_phases(ds, chosen).values)
    first_macro = labels.index(MACRO) if MACRO in labels else len(labels)
    assert FAR not in labels[:first_macro]
    assert MICRO not in labels[first_macro:]


# the rules on hand-computed series -----------------------------------------------


@pytest.mark.parametrize("smoothing", [0.0, 2.0, 4.0])
def test_take_off_passes_micro_macro_far(smoothing: float) -> None:
    chosen = rules(smoothing=smoothing)
    onsets = phase_onsets(take_off_run(), chosen).iloc[0]
    # g = 900 r L (1 - L) / (100 + 900 L) rises through 3 %/yr at L = 0.0091 (t ≈ 18.40),
    # N'' > 0 until the inflection t* = 30.125, and g(t*) = 0.164 stays above 3 %/yr.
    expected_macro = crossing(TAKE_OFF, DEFAULTS.growth_threshold, 0.0, 30.125)
    assert expected_macro == pytest.approx(18.40, abs=0.01)
    assert onsets[MICRO] == 0.0
    assert abs(onsets[MACRO] - expected_macro) <= resolution(chosen)
    assert onsets[FAR] == first_sample_after(30.125) == 30.25
    assert np.isnan(onsets[DECLINE])
    assert phase_sequence(classify_phases(take_off_run(), chosen)) == [MICRO, MACRO, FAR]


def test_second_generation_returns_to_macro_then_far() -> None:
    # Between the generations g falls to about 0.0025 (at t ≈ 27) while N'' changes sign
    # (near t ≈ 26.7): far below 3 %/yr, so the run stays in III until the second take-off.
    # Each generation's inflection moves by < 1e-4 year from its own t* (the other's N''
    # is e^-12.5 smaller there): still half a step from the samples either side.
    got = phases_of(take_off(GENERATIONS), -2 * EPS)
    threshold = DEFAULTS.growth_threshold
    first = crossing(GENERATIONS, threshold, 0.0, 15.125)
    second = crossing(GENERATIONS, threshold, 27.625, 40.125)
    assert (first, second) == (pytest.approx(6.92, abs=0.01), pytest.approx(33.37, abs=0.01))
    assert [phase for phase, _ in got] == [MICRO, MACRO, FAR, MACRO, FAR]
    times = [t for _, t in got]
    assert times[0] == 0.0
    assert abs(times[1] - first) <= resolution()
    assert times[2] == first_sample_after(inflection(GENERATIONS, 15.125)) == 15.25
    assert abs(times[3] - second) <= resolution()
    assert times[4] == first_sample_after(inflection(GENERATIONS, 40.125)) == 40.25


@pytest.mark.parametrize(
    "firms, change",
    [
        pytest.param(np.full(TIME.shape, 100.0), -2 * EPS, id="constant"),
        pytest.param(100.0 * np.exp(-0.01 * TIME), 2 * EPS, id="shrinking 1 %/yr"),
        pytest.param(100.0 * np.exp(-0.05 * TIME), 2 * EPS, id="declining 5 %/yr"),
        pytest.param(100.0 * np.exp(-0.05 * TIME), EPS, id="shrinking 5 %/yr, dS = eps"),
        # N'' = -9 e^(-t/10) < 0: growing, but balancing feedback dominates throughout.
        pytest.param(100 + 900 * (1 - np.exp(-0.1 * TIME)), -2 * EPS, id="concave growth"),
        # g = r (1 - L) 900 L / (100 + 900 L) < r = 2.5 %/yr, below the threshold.
        pytest.param(take_off([(900.0, 30.125, 0.025)]), -2 * EPS, id="slow take-off"),
    ],
)
def test_a_cluster_that_never_takes_off_never_reaches_far(firms: np.ndarray, change: float) -> None:
    phases = {phase for phase, _ in phases_of(firms, change)}
    assert phases <= {MICRO, DECLINE}


def falls(rate: float, start: float, end: float) -> np.ndarray:
    """Factor exp(-rate (t - start)) during [start, end], constant after."""
    return log_linear_firms([(start, end, -rate)], level=1.0)


# dS total is orderly before t = 40 and `after` from then on.
def change_from_40(after: float) -> np.ndarray:
    return np.where(TIME >= 40, after, -2 * EPS)


def test_fall_with_disorder_is_decline_then_back_to_micro() -> None:
    # The fall of 5 %/yr lasts from t = 40 to 55. Falling needs dS > eps, true from t = 40
    # on; the detected g is exactly -0.05 from t = 41.25 to 53.75 (windows inside the fall).
    got = phases_of(100.0 * falls(0.05, 40.0, 55.0), change_from_40(2 * EPS))
    assert [phase for phase, _ in got] == [MICRO, DECLINE, MICRO]
    assert 40.0 <= got[1][1] <= 41.25 + STEP
    assert abs(got[2][1] - 55.0) <= resolution()


@pytest.mark.parametrize("after", [EPS, 0.0, -2 * EPS])
def test_fall_without_disorder_is_not_decline(after: float) -> None:
    assert phases_of(100.0 * falls(0.05, 40.0, 55.0), change_from_40(after)) == [(MICRO, 0.0)]


def test_slow_fall_is_not_decline_unless_the_threshold_is_lowered() -> None:
    firms = 100.0 * falls(0.01, 40.0, 55.0)  # detected g stays within [-0.01, 0] > -0.02
    assert phases_of(firms, change_from_40(2 * EPS)) == [(MICRO, 0.0)]
    got = phases_of(firms, change_from_40(2 * EPS), rules(decline_threshold=0.005))
    assert [phase for phase, _ in got] == [MICRO, DECLINE, MICRO]
    assert 40.0 <= got[1][1] <= 41.25 + STEP


def test_decline_of_a_formed_cluster_returns_to_far() -> None:
    # First generation alone: II from about 6.9, III from 15.25; g < 2e-6 by t = 40.
    firms = take_off(GENERATIONS[:1]) * falls(0.05, 40.0, 50.0)
    got = phases_of(firms, change_from_40(2 * EPS))
    assert [phase for phase, _ in got] == [MICRO, MACRO, FAR, DECLINE, FAR]
    assert got[2][1] == 15.25
    assert 40.0 <= got[3][1] <= 41.25 + STEP
    assert abs(got[4][1] - 50.0) <= resolution()


def test_dip_shorter_than_decline_dwell_is_ignored() -> None:
    # To first order in the dip's depth, the detected g at t is
    # [l(t+1.25) + l(t+1) - l(t-1) - l(t-1.25)] / 4.5 with l = ln N (9-sample mean, centred
    # difference). For a 1-year dip of 5 %/yr from t = 40 that is -0.022 (< -0.02) on
    # [40, 41] only: 1 year of decline signal, half the 2-year dwell. A 4-year dip gives
    # about 4 years.
    formed = take_off(GENERATIONS[:1])
    short = phases_of(formed * falls(0.05, 40.0, 41.0), change_from_40(2 * EPS))
    assert short == phases_of(formed, change_from_40(2 * EPS))
    assert [phase for phase, _ in short] == [MICRO, MACRO, FAR]
    long = phases_of(formed * falls(0.05, 40.0, 44.0), change_from_40(2 * EPS))
    assert [phase for phase, _ in long] == [MICRO, MACRO, FAR, DECLINE, FAR]


def test_decline_dwell_boundary_without_smoothing() -> None:
    # smoothing 0: g = (ln N[i+1] - ln N[i-1]) / 2h is -0.025 at t = 40 and 41.5, -0.05
    # between, 0 elsewhere: a fall signal on exactly [40, 41.5], held 1.5 years.
    firms = 100.0 * falls(0.05, 40.0, 41.5)
    change = change_from_40(2 * EPS)
    held = phases_of(firms, change, rules(smoothing=0.0, decline_dwell=1.5))
    assert held == [(MICRO, 0.0), (DECLINE, 40.0), (MICRO, 41.75)]
    for dwell in (1.75, DEFAULTS.decline_dwell):
        assert phases_of(firms, change, rules(smoothing=0.0, decline_dwell=dwell)) == [
            (MICRO, 0.0)
        ]


# Without smoothing, ln N rising at 10 %/yr on [5, 12] and on [12.5, 20], flat elsewhere.
# With y = e^(0.1 h), the centred differences give, for a burst on [a, b]: g = 0.05 at a
# and b, 0.1 between; N'' > 0 from a to b - 2h (at b - h it is prop. to y³ - 2y² + 1 < 0),
# < 0 from b - h to b + h. At a restart q after a pause: g = 0.05 and N'' > 0 from q on.
# So the reinforcing polarity holds on [5, 11.5] (6.5 years) and [12.5, 19.5] (7 years),
# the balancing one on [0, 4.75], [11.75, 12.25] (0.5 year) and [19.75, 60].
BURSTS = [(5.0, 12.0, 0.1), (12.5, 20.0, 0.1)]


@pytest.mark.parametrize(
    "dwell, expected",
    [
        (0.5, [(MICRO, 0.0), (MACRO, 5.0), (FAR, 11.75), (MACRO, 12.5), (FAR, 19.75)]),
        (0.75, [(MICRO, 0.0), (MACRO, 5.0), (FAR, 19.75)]),
        (DEFAULTS.min_dwell, [(MICRO, 0.0), (MACRO, 5.0), (FAR, 19.75)]),
        (6.5, [(MICRO, 0.0), (MACRO, 5.0), (FAR, 19.75)]),
        (6.75, [(MICRO, 0.0), (MACRO, 12.5), (FAR, 19.75)]),
        (7.0, [(MICRO, 0.0), (MACRO, 12.5), (FAR, 19.75)]),
        (7.25, [(MICRO, 0.0)]),
    ],
)
def test_min_dwell_filters_polarity_runs(dwell: float, expected: list[tuple[str, float]]) -> None:
    chosen = rules(smoothing=0.0, min_dwell=dwell)
    assert phases_of(log_linear_firms(BURSTS), -2 * EPS, chosen) == expected


@pytest.mark.parametrize(
    "threshold, expected",
    [
        (0.04, [(MICRO, 0.0), (MACRO, 5.0), (FAR, 19.75)]),  # 0.05 at the burst's first sample
        (0.06, [(MICRO, 0.0), (MACRO, 5.25), (FAR, 19.75)]),  # only 0.1 inside counts
        (0.11, [(MICRO, 0.0)]),
    ],
)
def test_growth_threshold_is_strict_without_smoothing(
    threshold: float, expected: list[tuple[str, float]]
) -> None:
    chosen = rules(smoothing=0.0, growth_threshold=threshold)
    assert phases_of(log_linear_firms(BURSTS), -2 * EPS, chosen) == expected


def test_growth_threshold_moves_the_take_off() -> None:
    firms = take_off(TAKE_OFF)
    # 10 %/yr: g passes it at L = 0.039 (t ≈ 22.1), still before t*: III unchanged.
    chosen = rules(growth_threshold=0.1)
    got = phases_of(firms, -2 * EPS, chosen)
    assert [phase for phase, _ in got] == [MICRO, MACRO, FAR]
    assert abs(got[1][1] - crossing(TAKE_OFF, 0.1, 0.0, 30.125)) <= resolution(chosen)
    assert got[2][1] == 30.25
    # 18 %/yr: g > 0.18 only for L in (0.115, 0.435), t in (25.0, 29.5): II ends when g
    # drops below the threshold while N still accelerates.
    chosen = rules(growth_threshold=0.18)
    # dg/dL = 0 where 900 L² + 200 L - 100 = 0: g peaks at L = (sqrt(10^5) - 100) / 900.
    peak_level = (np.sqrt(1e5) - 100.0) / 900.0
    peak = 30.125 + np.log(peak_level / (1 - peak_level)) / 0.4
    rise, fall = crossing(TAKE_OFF, 0.18, 0.0, peak), crossing(TAKE_OFF, 0.18, peak, 30.125)
    got = phases_of(firms, -2 * EPS, chosen)
    assert [phase for phase, _ in got] == [MICRO, MACRO, FAR]
    assert abs(got[1][1] - rise) <= resolution(chosen)
    assert abs(got[2][1] - fall) <= resolution(chosen)
    # max g = 0.208 (at L = 0.240): a 25 %/yr threshold is never passed.
    assert peak_level == pytest.approx(0.2403, abs=1e-4)
    assert true_growth(peak, TAKE_OFF) == pytest.approx(0.2077, abs=1e-4)
    assert phases_of(firms, -2 * EPS, rules(growth_threshold=0.25)) == [(MICRO, 0.0)]


def test_smoothing_reads_the_trend_through_year_scale_fluctuations() -> None:
    # A wiggle of period 1.125 years = 4.5 samples: the 9-sample mean of default smoothing
    # sums it over exactly two periods, to 0, leaving the take-off (onsets as above).
    # Raw, the wiggle's N'' (amplitude 2 (2 pi / 1.125)² = 62, halved by the differences)
    # swamps the take-off's (< 6) and flips sign every 0.56 year: neither polarity holds
    # for a year while the take-off lasts, so no phase II.
    firms = take_off(TAKE_OFF) + 2.0 * np.sin(2 * np.pi * TIME / 1.125)
    got = phases_of(firms, -2 * EPS)
    assert [phase for phase, _ in got] == [MICRO, MACRO, FAR]
    expected_macro = crossing(TAKE_OFF, DEFAULTS.growth_threshold, 0.0, 30.125)
    assert abs(got[1][1] - expected_macro) <= resolution()
    assert got[2][1] == 30.25
    assert phases_of(firms, -2 * EPS, rules(smoothing=0.0)) == [(MICRO, 0.0)]


def test_growth_below_the_initial_firm_count_is_no_macro_fluctuation() -> None:
    # A cluster dying out (-10 %/yr) that grows at 20 %/yr for 5 years while it has under
    # a tenth of its initial firms: large relative growth of few firms, no take-off. The
    # same burst lifting the cluster above where it started is one.
    dying = log_linear_firms([(0.0, 30.0, -0.1), (30.0, 35.0, 0.2), (35.0, 60.0, -0.1)])
    assert phases_of(dying, -2 * EPS, rules(smoothing=0.0)) == [(MICRO, 0.0)]
    rising = log_linear_firms([(0.0, 10.0, -0.1), (30.0, 40.0, 0.2)])
    assert phases_of(rising, -2 * EPS, rules(smoothing=0.0)) == [
        (MICRO, 0.0), (MACRO, 35.0), (FAR, 39.75)]


def test_steady_exponential_take_off_without_smoothing_is_macro_throughout() -> None:
    # g = 0.05 > 0.03 and N'' = 0.05² N > 0 for all t; the one-sided end differences of
    # an exponential are positive too (prop. to (y - 1)² / 2).
    assert phases_of(10 * np.exp(0.05 * TIME), 0.0, rules(smoothing=0.0)) == [
        (MACRO, 0.0)
    ]


def test_steady_exponential_take_off_is_macro_from_the_first_full_window() -> None:
    # The shrinking end windows of the smoother would halve d ln N/dt within smoothing/2
    # of either end (I for the first year, III for the last). The polarity is read only
    # where the window, widened by the two samples the acceleration reaches, is full:
    # from sample half + 2 = round(2 / 0.25 / 2) + 2 = 6, t = 1.5. Before it nothing is
    # known (phase I); after the last full window its polarity holds to the end.
    assert phases_of(10 * np.exp(0.05 * TIME)) == [(MICRO, 0.0), (MACRO, 1.5)]


def test_a_run_cut_during_take_off_ends_in_macro_fluctuation() -> None:
    # A logistic above a base of 10 firms, cut before its inflection point (t0 = 70 >
    # TIME[-1] = 60): at t = 60 it grows at g = 0.24/yr and still accelerates, so it has
    # not reached phase III.
    firms = 10 + 1000 / (1 + np.exp(-0.3 * (TIME - 70.0)))
    assert [phase for phase, _ in phases_of(firms)] == [MICRO, MACRO]


# several runs, tables, inputs ------------------------------------------------------


def member_dataset() -> xr.Dataset:
    """Scenario x member x time: 'grow' members take off k years later, 'stall' ones never."""
    scenarios = {}
    for scenario in ("grow", "stall"):
        members = {}
        for k in range(4):
            if scenario == "grow":
                firms = take_off([(900.0, 30.125 + k, 0.4)])
            else:
                firms = np.full(TIME.shape, 100.0 + 10 * k)
            members[str(k)] = run(Innovative_Firms=firms, dS_total=-2 * EPS)
        scenarios[scenario] = stack(members, "member")
    return stack(scenarios, "scenario")


def test_multi_dim_matches_run_by_run() -> None:
    ds = member_dataset()
    phases = classify_phases(ds)
    assert phases.dims == ("scenario", "member", "time")
    onsets = phase_onsets(ds)
    assert isinstance(onsets.index, pd.MultiIndex)
    assert list(onsets.index.names) == ["scenario", "member"]
    assert len(onsets) == 8
    for scenario in ("grow", "stall"):
        for member in range(4):
            one = ds.sel(scenario=scenario).isel(member=member)
            assert (phases.sel(scenario=scenario).isel(member=member) == classify_phases(one)).all()
            expected = phase_onsets(one).iloc[0]
            got = onsets.loc[(scenario, str(member))]
            pd.testing.assert_series_equal(got, expected, check_names=False)
    grow = onsets.xs("grow", level="scenario")
    assert np.allclose(np.diff(grow[MACRO].to_numpy()), 1.0)  # the same take-off, k years later
    assert grow[FAR].tolist() == [30.25, 31.25, 32.25, 33.25]
    stall = onsets.xs("stall", level="scenario")
    assert (stall[MICRO] == 0.0).all()
    assert stall[[MACRO, FAR, DECLINE]].isna().all().all()


def test_onset_index_is_the_scenario_coordinate() -> None:
    flat = run(Innovative_Firms=np.full(TIME.shape, 5.0), dS_total=0.0)
    ds = stack({"take-off": take_off_run(), "flat": flat})
    onsets = phase_onsets(ds)
    assert list(onsets.index) == ["take-off", "flat"]
    assert onsets.index.name == "scenario"
    assert list(onsets.columns) == list(PHASES)
    assert onsets.loc["take-off", FAR] == 30.25
    assert onsets.loc["flat"].isna().sum() == 3


def test_summary_table_with_padded_scenario() -> None:
    full = entropy_run(lambda t: 0.85 - 0.5 * (1 - np.exp(-t / 12)), firms=take_off(TAKE_OFF))
    short = full.sel(time=slice(0, 30))  # ends 0.125 year before the inflection
    ds = stack({"full": full, "short": short})
    table = summary_table(ds)
    assert list(table.index) == ["full", "short"]
    assert list(table.columns[: len(PHASES)]) == list(PHASES)
    for name in ("Innovative Firms", "Knowledge Stock", "Order Degree", "synergy degree"):
        assert table.loc["full", name] == pytest.approx(float(full[name].values[-1]))
        assert table.loc["short", name] == pytest.approx(float(short[name].values[-1]))
    assert table.loc["full", "final phase"] == FAR
    assert table.loc["short", "final phase"] == MACRO  # still accelerating at t = 30
    assert np.isnan(table.loc["short", FAR])
    assert table.loc["full", FAR] == 30.25
    phases = classify_phases(ds)
    assert table.loc["short", "final phase"] == phases.sel(scenario="short", time=30.0).item()
    assert set(phases.sel(scenario="short").values[TIME > 30]) == {""}
    # NaN padding changes nothing before it: the same phases as the short run alone.
    alone = classify_phases(short)
    padded = phases.sel(scenario="short", time=slice(0, 30))
    assert np.array_equal(padded.values, alone.values)


@pytest.mark.parametrize("variable", ["Innovative Firms", "dS total"])
def test_nan_time_point_has_no_phase_and_changes_nothing_else(variable: str) -> None:
    ds = take_off_run()
    ds[variable] = ds[variable].where(ds["time"] != 25.0)
    codes = phase_codes(ds)
    phases = classify_phases(ds)
    assert codes.dtype == np.int8
    assert codes.sel(time=25.0).item() == NO_PHASE
    assert phases.sel(time=25.0).item() == ""
    valid = codes.values != NO_PHASE
    assert valid.sum() == TIME.size - 1
    assert list(np.asarray(PHASES)[codes.values[valid]]) == list(phases.values[valid])
    assert phase_sequence(phases) == [MICRO, MACRO, FAR]
    assert entries(phases) == entries(classify_phases(take_off_run()))


def test_summary_table_names_missing_variables() -> None:
    with pytest.raises(AnalysisError, match=r"'Knowledge Stock'.*'Order Degree'.*'synergy degree'"):
        summary_table(take_off_run())


def test_missing_variables_are_named_with_closest() -> None:
    with pytest.raises(AnalysisError, match=r"'Innovative Firms' \(closest: 'innovative firms'\)"):
        classify_phases(run(innovative_firms=100.0, dS_total=0.0))
    with pytest.raises(AnalysisError, match="'dS total'"):
        classify_phases(run(Innovative_Firms=100.0))


def test_too_few_time_points() -> None:
    ds = run(np.array([0.0]), dS_total=0.0, Innovative_Firms=1)
    with pytest.raises(AnalysisError, match="at least 2 time points"):
        classify_phases(ds)


def test_phase_sequence_inputs() -> None:
    assert phase_sequence([MICRO, MICRO, "", MACRO, MACRO, MICRO]) == [MICRO, MACRO, MICRO]
    assert phase_sequence([]) == []
    two_dim = classify_phases(member_dataset())
    with pytest.raises(AnalysisError, match="one run"):
        phase_sequence(two_dim)


def test_clean_sequence_share_counts_runs_entering_i_ii_iii_without_decline() -> None:
    codes = np.array([
        [0, 0, 1, 1, 2, 2, 1, 2],  # clean, with a second generation
        [0, 1, 2, 2, 3, 3, 2, 2],  # declines: not clean
        [1, 1, 2, 2, 2, 2, 2, 2],  # starts in II: not clean
        [0, 0, 0, 0, 0, 0, 0, 0],  # never forms: not clean
        [-1, 0, 1, 1, 2, 2, 2, -1],  # no-data points are skipped: clean
    ])
    assert clean_sequence_share(codes) == pytest.approx(2 / 5)
    assert clean_sequence_share(codes[:1]) == 1.0
    assert np.isnan(clean_sequence_share(codes[:0]))
