"""Phases from the dynamics over several runs: dimensions, onsets, tables, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sdcluster.analysis import (
    PHASES,
    classify_phases,
    phase_codes,
    phase_onsets,
    phase_sequence,
    summary_table,
)
from sdcluster.analysis.phase_summaries import clean_sequence_share
from sdcluster.analysis.phases import (
    NO_PHASE,
)
from sdcluster.errors import AnalysisError
from tests.analysis.analysis_synthetic import (
    TIME,
    entropy_run,
    run,
    stack,
    take_off,
)
from tests.analysis.phase_cases import (
    DECLINE,
    EPS,
    FAR,
    MACRO,
    MICRO,
    TAKE_OFF,
    entries,
    take_off_run,
)

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

