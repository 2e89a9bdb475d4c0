"""Phases of self-organization from the dynamics of the firm count N (model spec v2):
the unit functions, the dwell filter and the rules on a take-off.

The expected values are derived in :mod:`tests.analysis.phase_cases`.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sdcluster.analysis import (
    PHASES,
    classify_phases,
    phase_onsets,
    phase_sequence,
)
from sdcluster.analysis.phases import (
    NO_PHASE,
    _held,
    _held_flags,
    _sequence,
    growth_rate,
    smooth,
    time_derivative,
)
from tests.analysis.analysis_synthetic import (
    TIME,
    run,
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
    first_sample_after,
    inflection,
    phases_of,
    resolution,
    rules,
    take_off_run,
)

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

