from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from analysis_synthetic import TIME, entropy_run, run, stack
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sdcluster.analysis import (
    PHASES,
    AnalysisSettings,
    classify_phases,
    phase_onsets,
    phase_sequence,
    summary_table,
)
from sdcluster.analysis.phases import _hold_phases, growth_rate
from sdcluster.errors import AnalysisError

MICRO, MACRO, FAR, DECLINE = PHASES
EPS = AnalysisSettings().entropy_tolerance
THRESHOLD = AnalysisSettings().order_threshold


def first_time(mask: np.ndarray) -> float:
    return float(TIME[np.argmax(mask)])


def ramp_run() -> xr.Dataset:
    """Order Degree ramps through the threshold; dS orderly until t = 30, then 0."""
    order = 0.15 + 0.01 * (TIME - 0.1)
    return run(
        Order_Degree=order, dS_total=np.where(TIME < 30, -2 * EPS, 0.0), Innovative_Firms=100
    )


def test_order_ramp_gives_hand_computed_onsets() -> None:
    ds = ramp_run()
    onsets = phase_onsets(ds).iloc[0]
    assert onsets[MICRO] == 0.0
    assert onsets[MACRO] == first_time(ds["Order Degree"].values >= THRESHOLD)
    assert onsets[FAR] == 30.0
    assert np.isnan(onsets[DECLINE])
    assert phase_sequence(classify_phases(ds)) == [MICRO, MACRO, FAR]


def test_order_threshold_is_a_setting() -> None:
    ds = ramp_run()
    onsets = phase_onsets(ds, AnalysisSettings(order_threshold=0.35)).iloc[0]
    assert onsets[MACRO] == first_time(ds["Order Degree"].values >= 0.35)


def test_growth_rate_is_d_ln_n_dt() -> None:
    firms = 10 * np.exp(0.3 * TIME)
    assert np.allclose(growth_rate(firms, TIME), 0.3, rtol=1e-9)
    assert np.array_equal(growth_rate(np.zeros_like(TIME), TIME), np.zeros_like(TIME))
    dying = np.where(TIME < 10, 5 * np.exp(-0.2 * TIME), 0.0)
    rate = growth_rate(dying, TIME)
    assert np.allclose(rate[TIME < 10], -0.2, rtol=1e-9)
    assert np.array_equal(rate[TIME >= 10], np.zeros((TIME >= 10).sum()))


def test_fast_accelerating_growth_is_macro_fluctuation() -> None:
    # g = d ln N/dt = 2 a t rises; it passes 2 %/yr at t = 0.02 / (2 a) = 10.
    ds = run(Order_Degree=0.5, dS_total=0.0, Innovative_Firms=10 * np.exp(0.001 * TIME**2))
    onsets = phase_onsets(ds).iloc[0]
    assert onsets[FAR] == 0.0
    assert abs(onsets[MACRO] - 10.0) <= 0.25
    assert phase_sequence(classify_phases(ds)) == [FAR, MACRO]


def test_fast_decelerating_growth_is_not_macro_fluctuation() -> None:
    # g = 0.1 - 0.0016 t stays above 2 %/yr until t = 50 but falls throughout.
    firms = 10 * np.exp(0.1 * TIME - 0.0008 * TIME**2)
    ds = run(Order_Degree=0.5, dS_total=0.0, Innovative_Firms=firms)
    assert phase_sequence(classify_phases(ds)) == [FAR]


def decline_run(rate: float) -> xr.Dataset:
    firms = np.where(TIME < 40, 100.0, 100.0 * np.exp(-rate * (TIME - 40)))
    change = np.where(TIME < 40, -2 * EPS, 2 * EPS)
    return run(Order_Degree=0.5, dS_total=change, Innovative_Firms=firms)


def test_decline_when_disorder_and_firms_fall() -> None:
    ds = decline_run(0.05)
    onsets = phase_onsets(ds).iloc[0]
    assert onsets[MACRO] == 0.0
    assert onsets[DECLINE] == 40.0
    assert phase_sequence(classify_phases(ds)) == [MACRO, DECLINE]


def test_decline_overrides_low_order() -> None:
    firms = 10 * np.exp(-0.1 * TIME)
    ds = run(Order_Degree=0.1, dS_total=2 * EPS, Innovative_Firms=firms)
    assert phase_sequence(classify_phases(ds)) == [DECLINE]


def test_disorder_with_growing_firms_is_not_decline() -> None:
    ds = run(Order_Degree=0.5, dS_total=2 * EPS, Innovative_Firms=100 * np.exp(0.01 * TIME))
    assert phase_sequence(classify_phases(ds)) == [FAR]


def test_plateau_drift_is_not_decline_unless_threshold_zero() -> None:
    ds = decline_run(0.001)
    assert DECLINE not in phase_sequence(classify_phases(ds))
    literal = AnalysisSettings(decline_threshold=0.0)
    assert phase_onsets(ds, literal).iloc[0][DECLINE] == 40.0


def wiggle_run(start: float, length: float) -> xr.Dataset:
    inside_wiggle = (TIME - start >= 0) & (TIME - start <= length)
    order = np.where(inside_wiggle | (TIME >= 20), 0.3, 0.2)
    return run(Order_Degree=order, dS_total=-2 * EPS, Innovative_Firms=100)


def test_short_wiggle_is_ignored_with_dwell() -> None:
    ds = wiggle_run(5.0, 0.5)
    assert phase_sequence(classify_phases(ds)) == [MICRO, MACRO]
    assert phase_onsets(ds).iloc[0][MACRO] == 20.0
    raw = AnalysisSettings(min_dwell=0.0)
    assert phase_sequence(classify_phases(ds, raw)) == [MICRO, MACRO, MICRO, MACRO]
    assert phase_onsets(ds, raw).iloc[0][MACRO] == 5.0


def test_phase_held_exactly_min_dwell_counts() -> None:
    ds = wiggle_run(5.0, 1.0)
    assert phase_onsets(ds).iloc[0][MACRO] == 5.0
    assert phase_onsets(ds, AnalysisSettings(min_dwell=1.5)).iloc[0][MACRO] == 20.0


def test_wiggle_at_the_start_takes_the_first_held_phase() -> None:
    ds = wiggle_run(0.0, 0.5)
    phases = classify_phases(ds)
    assert phases.values[0] == MICRO
    assert phase_sequence(phases) == [MICRO, MACRO]


def member_dataset() -> xr.Dataset:
    """Scenario x member x time: member k's order ramp is shifted by k years."""
    scenarios = {}
    for scenario, level in (("low", -2 * EPS), ("high", 0.0)):
        members = {}
        for k in range(4):
            order = 0.15 + 0.01 * (TIME - 0.1 - k)
            members[str(k)] = run(Order_Degree=order, dS_total=level, Innovative_Firms=100)
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
    for scenario in ("low", "high"):
        for member in range(4):
            one = ds.sel(scenario=scenario).isel(member=member)
            assert (phases.sel(scenario=scenario).isel(member=member) == classify_phases(one)).all()
            expected = phase_onsets(one).iloc[0]
            got = onsets.loc[(scenario, str(member))]
            pd.testing.assert_series_equal(got, expected, check_names=False)
    shifts = onsets.xs("low", level="scenario")[MACRO].to_numpy()
    assert np.allclose(np.diff(shifts), 1.0)
    assert onsets.xs("high", level="scenario")[MACRO].isna().all()  # dS = 0: straight to III


def test_onset_index_is_the_scenario_coordinate() -> None:
    ds = stack(
        {"ramp": ramp_run(), "flat": run(Order_Degree=0.1, dS_total=0.0, Innovative_Firms=5)}
    )
    onsets = phase_onsets(ds)
    assert list(onsets.index) == ["ramp", "flat"]
    assert onsets.index.name == "scenario"
    assert list(onsets.columns) == list(PHASES)
    assert onsets.loc["flat"].isna().sum() == 3


def test_summary_table_with_padded_scenario() -> None:
    full = entropy_run(lambda t: 0.85 - 0.5 * (1 - np.exp(-t / 12)))
    short = full.sel(time=slice(0, 30))
    ds = stack({"full": full, "short": short})
    table = summary_table(ds)
    assert list(table.index) == ["full", "short"]
    assert list(table.columns[: len(PHASES)]) == list(PHASES)
    for name in ("Innovative Firms", "Knowledge Stock", "Order Degree", "synergy degree"):
        assert table.loc["full", name] == pytest.approx(float(full[name].values[-1]))
        assert table.loc["short", name] == pytest.approx(float(short[name].values[-1]))
    phases = classify_phases(ds)
    assert table.loc["short", "final phase"] == phases.sel(scenario="short", time=30.0).item()
    assert table.loc["full", "final phase"] == phases.sel(scenario="full").values[-1]
    assert set(phases.sel(scenario="short").values[TIME > 30]) == {""}


def test_summary_table_names_missing_variables() -> None:
    ds = ramp_run()
    with pytest.raises(AnalysisError, match=r"'Knowledge Stock'.*'synergy degree'"):
        summary_table(ds)


def test_missing_variables_are_all_named_with_closest() -> None:
    ds = run(order_degree=0.3, dS_total=0.0)
    with pytest.raises(AnalysisError) as caught:
        classify_phases(ds)
    message = str(caught.value)
    assert "'Order Degree' (closest: 'order degree')" in message
    assert "'Innovative Firms'" in message


def test_too_few_time_points() -> None:
    ds = run(np.array([0.0]), Order_Degree=0.3, dS_total=0.0, Innovative_Firms=1)
    with pytest.raises(AnalysisError, match="at least 2 time points"):
        classify_phases(ds)


def test_phase_sequence_inputs() -> None:
    assert phase_sequence([MICRO, MICRO, "", MACRO, MACRO, MICRO]) == [MICRO, MACRO, MICRO]
    assert phase_sequence([]) == []
    two_dim = classify_phases(member_dataset())
    with pytest.raises(AnalysisError, match="one run"):
        phase_sequence(two_dim)


@settings(max_examples=60, deadline=None)
@given(
    codes=arrays(np.int8, st.integers(2, 60), elements=st.integers(0, 3)),
    dwell=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_held_phases_last_at_least_the_dwell(codes: np.ndarray, dwell: float) -> None:
    time = np.arange(codes.size) * 0.25
    held = _hold_phases(codes, time, dwell)
    assert set(held.tolist()) <= set(codes.tolist())
    breaks = np.flatnonzero(np.diff(held)) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks - 1, [codes.size - 1]])
    raw_runs_held = any(
        time[end] - time[start] >= dwell
        for start, end in zip(
            np.concatenate([[0], np.flatnonzero(np.diff(codes)) + 1]),
            np.concatenate([np.flatnonzero(np.diff(codes)), [codes.size - 1]]),
            strict=True,
        )
    )
    if raw_runs_held:
        assert all(
            time[end] - time[start] >= dwell - 1e-9 for start, end in zip(starts, ends, strict=True)
        )
    else:
        assert np.array_equal(held, codes)
