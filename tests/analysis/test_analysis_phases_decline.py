"""Phases from the dynamics: decline as a sustained fall, and how each setting moves a phase.

The expected values are derived in :mod:`tests.analysis.phase_cases`.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.analysis_synthetic import (
    TIME,
    log_linear_firms,
    take_off,
)
from tests.analysis.phase_cases import (
    DECLINE,
    DEFAULTS,
    EPS,
    FAR,
    GENERATIONS,
    MACRO,
    MICRO,
    STEP,
    TAKE_OFF,
    crossing,
    phases_of,
    resolution,
    rules,
    true_growth,
)


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

