"""Ensemble summaries on synthetic members with known answers, and on the built-in model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy.stats import binomtest

from sdcluster.analysis.phases import PHASES, phase_onsets
from sdcluster.ensemble import (
    EnsembleSpec,
    onset_distribution,
    onset_times,
    percentile_bands,
    run_ensemble,
    save_ensemble,
    takeoff_probability,
    wilson_interval,
)
from sdcluster.errors import AnalysisError, ScenarioError
from sdcluster.paths import builtin_model_path
from sdcluster.results import Results

TIME = np.arange(0.0, 40.25, 0.25)
FAR = PHASES[2]


def _members_ordering_at(times: list[float]) -> xr.Dataset:
    """Members whose Order Degree jumps from 0.1 to 0.5 at the given times (inf: never).

    The firm count and dS total stay constant, so after the jump nothing amplifies and
    nothing declines: the phase goes from micro fluctuation straight to far from equilibrium.
    """
    jumps = np.array(times)[:, None]
    order = np.where(TIME[None, :] >= jumps, 0.5, 0.1)
    shape = order.shape
    return xr.Dataset(
        {"Order Degree": (("member", "time"), order),
         "Innovative Firms": (("member", "time"), np.full(shape, 100.0)),
         "dS total": (("member", "time"), np.zeros(shape))},
        coords={"member": np.arange(len(times)), "time": TIME},
    )


def test_takeoff_probability_counts_members_reaching_phase_three_by_the_horizon() -> None:
    jumps = [5.0, 12.5, 20.0, 31.0, np.inf, np.inf, 8.0, np.inf]
    ds = _members_ordering_at(jumps)
    onsets = onset_times(ds)
    expected = np.where(np.isfinite(jumps), jumps, np.nan)
    np.testing.assert_array_equal(onsets[FAR].to_numpy(), expected)
    whole = takeoff_probability(ds)
    assert (whole.reached, whole.members, whole.horizon) == (5, 8, 40.0)
    assert whole.probability == pytest.approx(5 / 8)
    early = takeoff_probability(onsets, horizon=12.5)
    assert early.reached == 3  # 5, 8 and 12.5 (the horizon itself counts)
    expected = binomtest(3, 8).proportion_ci(confidence_level=0.95, method="wilson")
    assert (early.ci_low, early.ci_high) == pytest.approx((expected.low, expected.high))


def test_wilson_interval_matches_scipy_at_the_edges() -> None:
    for successes in (0, 10):
        expected = binomtest(successes, 10).proportion_ci(confidence_level=0.9, method="wilson")
        assert wilson_interval(successes, 10, 0.9) == pytest.approx((expected.low, expected.high))
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0  # exactly
    with pytest.raises(ScenarioError, match="confidence"):
        takeoff_probability(_members_ordering_at([1.0]), confidence=1.5)


def test_onset_distribution_summarises_the_members_that_reached_each_phase() -> None:
    jumps = [5.0, 12.5, 20.0, np.inf]
    table = onset_distribution(onset_times(_members_ordering_at(jumps)), percentiles=(50,))
    assert table.loc[FAR, "reached"] == 3 and table.loc[FAR, "share"] == pytest.approx(0.75)
    assert table.loc[FAR, "mean"] == pytest.approx(np.mean(jumps[:3]))
    assert table.loc[FAR, "p50"] == pytest.approx(12.5)
    assert table.loc[PHASES[3], "reached"] == 0 and np.isnan(table.loc[PHASES[3], "mean"])
    assert table.loc[PHASES[0], "share"] == 1.0


def test_onsets_in_blocks_equal_onsets_at_once() -> None:
    ds = _members_ordering_at([3.0, 7.0, np.inf, 15.0, 2.5, 30.0, 1.0])
    np.testing.assert_array_equal(onset_times(ds, block=3).to_numpy(),
                                  phase_onsets(ds).to_numpy())
    with pytest.raises(AnalysisError, match="Order Degree"):
        onset_times(ds.drop_vars("Order Degree"))


def test_percentile_bands_of_uniformly_spread_members() -> None:
    members = np.arange(101.0)
    values = members[:, None] + 0.0 * TIME[None, :]
    ds = xr.Dataset({"level": (("member", "time"), values)},
                    coords={"member": members.astype(int), "time": TIME})
    bands = percentile_bands(ds, percentiles=(5, 50, 95))
    assert bands["level"].dims == ("percentile", "time")
    np.testing.assert_allclose(bands["level"].sel(time=10.0).values, [5.0, 50.0, 95.0])
    lazy = percentile_bands(ds.chunk({"member": 30}), percentiles=(5, 50, 95))
    xr.testing.assert_allclose(lazy, bands)
    with pytest.raises(ScenarioError, match=r"\[0, 100\]"):
        percentile_bands(ds, percentiles=(120,))
    with pytest.raises(ScenarioError, match="closest: 'level'"):
        percentile_bands(ds, ["levels"])


def test_an_ensemble_of_the_builtin_model_round_trips_with_its_summaries(tmp_path: Path) -> None:
    spec = EnsembleSpec(model_path=builtin_model_path(), n_members=12, seed=2, chunk_size=5)
    results = run_ensemble(spec, run_dir=tmp_path / "chunks")
    estimate = takeoff_probability(results.dataset)
    bands = percentile_bands(results.dataset, ["Order Degree"])
    out = save_ensemble(results, tmp_path / "ensemble.nc")
    loaded = Results.load(out)
    assert loaded.dataset.sizes == {"member": 12, "time": 241}
    assert loaded.metadata["ensemble"]["seed"] == 2 and loaded.metadata["seeds"] == {"baseline": 2}
    again = takeoff_probability(loaded.dataset)
    assert again == estimate and 0.0 <= estimate.probability <= 1.0
    # The lazily opened chunks go through Dask's quantile: equal to rounding.
    xr.testing.assert_allclose(percentile_bands(loaded.dataset, ["Order Degree"]), bands,
                               rtol=1e-12)
    low, median, high = bands["Order Degree"].sel(time=60.0).values[[0, 2, 4]]
    assert low <= median <= high
