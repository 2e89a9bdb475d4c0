"""Ensemble summaries on synthetic members with known answers, and on the built-in model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy.special import expit
from scipy.stats import binomtest

from sdcluster.analysis.ensembles import (
    onset_distribution,
    onset_times,
    percentile_bands,
    takeoff_probability,
)
from sdcluster.analysis.phase_summaries import phase_onsets
from sdcluster.analysis.phases import PHASES
from sdcluster.analysis.settings import DEFAULT_SETTINGS
from sdcluster.analysis.statistics import wilson_interval
from sdcluster.engine.options import RunOptions
from sdcluster.errors import AnalysisError, SpecError
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.model.paths import builtin_model_path
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import run_ensemble, save_ensemble

STEP = 0.25
TIME = np.arange(0.0, 40.0 + STEP, STEP)
MICRO, MACRO, FAR, DECLINE = PHASES
#: Dispersed base, capacity and rate (1/Year) of the synthetic take-offs.
BASE, CAPACITY, RATE = 10.0, 90.0, 2.0

# Why a member built by _members_taking_off_at(onsets) enters phase III exactly at its
# onset T (default settings: smoothing 2 years, growth threshold 0.03, min_dwell 1):
#
# N(t) = B + K / (1 + exp(-r (t - t0))) with t0 = T - h/2, B = 10, K = 90, r = 2, on the grid
# t_i = i h, h = 0.25, 0 <= t <= 40; dS total = 0, so there is never a decline. The detector
# smooths N with the centred mean of 2m + 1 samples, m = round(2 / h / 2) = 4: S_i is the
# mean of N(t_i + k h), |k| <= m, wherever the window fits (t_i in [1, 39]).
#
# 1. Acceleration. Twice numpy.gradient in the interior is A_i = (S_{i+2} - 2 S_i + S_{i-2})
#    / (4 h^2); with F(s) = N(s + 2h) - N(s) the window sums telescope:
#      (2m + 1) 4 h^2 A_i = F(t_i + (m - 1) h) + F(t_i + m h) - F(t_i - (m + 2) h)
#                           - F(t_i - (m + 1) h).
#    F(s) = P(s + h) with P(c) = N(c + h) - N(c - h) even about t0 and strictly decreasing
#    in |c - t0| (N' is even about t0 and unimodal). So, with d = t_i - t0,
#      sign A_i = sign(P(d + m h) - P(d - m h) + P(d + (m + 1) h) - P(d - (m + 1) h))
#               = -sign d     (|d + a| < |d - a| exactly when d < 0),
#    exactly, for every t_i whose stencil uses full windows only (t_i in [1.5, 38.5]).
#    t0 lies half-way between grid points, so A > 0 up to t0 - h/2 and A < 0 from
#    T = t0 + h/2 on; next to t0, |A| is about 2.8 /Year^2, far above rounding error.
# 2. Growth over the last year before the inflection, t_i in [t0 - 1 - h/2, t0 - h/2]:
#    g_i = (ln S_{i+1} - ln S_{i-1}) / (2h) >= (S_{i+1} - S_{i-1}) / (2h S_{i+1}), and
#    S_{i+1} <= B + K = 100; the difference telescopes too,
#      (2m + 1)(S_{i+1} - S_{i-1}) = N(t_i + (m+1)h) + N(t_i + m h) - N(t_i - m h)
#                                   - N(t_i - (m+1)h),
#    even about t0 and smallest on this span at t_i = t0 - 1 - h/2, where it is
#    K (1 - expit(-4.25) - expit(-4.75)) = 87.96. So g >= 87.96 / 9 / (0.5 * 100) = 0.195
#    > 0.03: reinforcing (g > 0.03 and A > 0) holds over that whole year, a run of at least
#    min_dwell, so phase II is entered no later than T - h - 1.
# 3. Start. The detector reads the polarity only "inside", where the acceleration stencil
#    sees full windows (t_i in [1.5, 38.5], m + 2 samples from either end); samples outside
#    copy the flag of the nearest inside sample. At the first one, t_s = (m + 2) h = 1.5:
#      g_s <= (S_{s+1} - S_{s-1}) / (2h S_{s-1}) <= 2 (N(t_s + (m+1) h) - B) / ((2m+1) 2h B)
#          = 2 K expit(r (t_s + (m + 1) h - t0)) / ((2m + 1) 2h B),
#    which is 0.0077 < 0.03 for the earliest t0 used here (5.875): not reinforcing at 1.5,
#    hence on [0, 1.5] too, and every member starts in phase I.
# 4. Before the inflection the continuous growth rate of B + K s (s the logistic) has
#    g' of the sign of B (1 - 2 s) - K s^2: it rises to one maximum and falls to
#    g(t0) = K r / 4 / (B + K / 2) = 0.82, so {g > 0.03} before t0 is one interval ending at
#    t0; the reinforcing run that starts where g passes 0.03 is not interrupted before
#    t0 - h/2 (its start, about 3.4 years before t0, is not asserted).
# 5. After the inflection A < 0 on [T, 38.5] (point 1) and the samples past 38.5 copy the
#    flag at 38.5: not reinforcing from T to the end, 40 - T >= min_dwell years (T <= 31
#    here), so that run is held and, phase II having formed, phase III starts at its first
#    sample, T. The dwell filter keeps whole runs (non-causal), so the onset is where
#    balancing feedback takes over, not T + min_dwell.
# A member with t0 = inf has N = B flat: g = 0 everywhere, phase I throughout.


def _members_taking_off_at(onsets: list[float]) -> xr.Dataset:
    """Members whose firm count is a logistic take-off with phase III onset at ``onsets``.

    ``inf``: never takes off (N stays at the base). See the derivation above.
    """
    midpoints = np.array(onsets, dtype=float)[:, None] - STEP / 2
    firms = BASE + CAPACITY * expit(RATE * (TIME[None, :] - midpoints))
    return xr.Dataset(
        {"Innovative Firms": (("member", "time"), firms),
         "dS total": (("member", "time"), np.zeros(firms.shape))},
        coords={"member": np.arange(len(onsets)), "time": TIME},
    )


def test_takeoff_probability_counts_members_reaching_phase_three_by_the_horizon() -> None:
    takeoffs = [6.0, 12.5, 20.0, 31.0, np.inf, np.inf, 8.0, np.inf]
    ds = _members_taking_off_at(takeoffs)
    onsets = onset_times(ds)
    expected = np.where(np.isfinite(takeoffs), takeoffs, np.nan)
    np.testing.assert_array_equal(onsets[FAR].to_numpy(), expected)
    # Point 2/3 above: phase I at the start, phase II held at least a year before phase III.
    np.testing.assert_array_equal(onsets[MICRO].to_numpy(), 0.0)
    macro = onsets[MACRO].to_numpy()
    assert np.array_equal(np.isnan(macro), np.isnan(expected))
    assert np.all(macro[~np.isnan(macro)] > 0.0)
    assert np.all(macro[~np.isnan(macro)]
                  <= expected[~np.isnan(expected)] - STEP - DEFAULT_SETTINGS.min_dwell)
    assert onsets[DECLINE].isna().all()
    whole = takeoff_probability(ds)
    assert (whole.reached, whole.members, whole.horizon) == (5, 8, 40.0)
    assert whole.probability == pytest.approx(5 / 8)
    early = takeoff_probability(onsets, horizon=12.5)
    assert early.reached == 3  # 6, 8 and 12.5 (the horizon itself counts)
    expected = binomtest(3, 8).proportion_ci(confidence_level=0.95, method="wilson")
    assert (early.ci_low, early.ci_high) == pytest.approx((expected.low, expected.high))


def test_wilson_interval_matches_scipy_at_the_edges() -> None:
    for successes in (0, 10):
        expected = binomtest(successes, 10).proportion_ci(confidence_level=0.9, method="wilson")
        assert wilson_interval(successes, 10, 0.9) == pytest.approx((expected.low, expected.high))
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0  # exactly
    with pytest.raises(SpecError, match="confidence"):
        takeoff_probability(_members_taking_off_at([6.0]), confidence=1.5)


def test_onset_distribution_summarises_the_members_that_reached_each_phase() -> None:
    takeoffs = [6.0, 12.5, 20.0, np.inf]
    table = onset_distribution(onset_times(_members_taking_off_at(takeoffs)), percentiles=(50,))
    assert table.loc[FAR, "reached"] == 3 and table.loc[FAR, "share"] == pytest.approx(0.75)
    assert table.loc[FAR, "mean"] == pytest.approx(np.mean(takeoffs[:3]))
    assert table.loc[FAR, "p50"] == pytest.approx(12.5)
    assert table.loc[MACRO, "reached"] == 3  # phase III only ever follows phase II
    assert table.loc[DECLINE, "reached"] == 0 and np.isnan(table.loc[DECLINE, "mean"])
    assert table.loc[MICRO, "share"] == 1.0 and table.loc[MICRO, "mean"] == 0.0


def test_onsets_in_blocks_equal_onsets_at_once() -> None:
    takeoffs = [6.0, 7.0, np.inf, 15.0, 9.5, 30.0, 11.25]
    ds = _members_taking_off_at(takeoffs)
    at_once = phase_onsets(ds)
    np.testing.assert_array_equal(onset_times(ds, block=3).to_numpy(), at_once.to_numpy())
    np.testing.assert_array_equal(at_once[FAR].to_numpy(),
                                  np.where(np.isfinite(takeoffs), takeoffs, np.nan))
    with pytest.raises(AnalysisError, match="Innovative Firms"):
        onset_times(ds.drop_vars("Innovative Firms"))


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
    with pytest.raises(SpecError, match=r"\[0, 100\]"):
        percentile_bands(ds, percentiles=(120,))
    with pytest.raises(SpecError, match="closest: 'level'"):
        percentile_bands(ds, ["levels"])


def test_an_ensemble_of_the_builtin_model_round_trips_with_its_summaries(tmp_path: Path) -> None:
    spec = EnsembleSpec(n_members=12, seed=2)
    results = run_ensemble(builtin_model_path(), spec,
                           RunOptions(chunk_size=5, run_dir=tmp_path / "chunks"))
    estimate = takeoff_probability(results.dataset)
    bands = percentile_bands(results.dataset, ["Order Degree"])
    out = save_ensemble(results, tmp_path / "ensemble.nc")
    loaded = Results.load(out)
    assert loaded.dataset.sizes == {"member": 12, "time": 301}  # 0 .. 150 every 0.5 years
    assert loaded.metadata["ensemble"]["seed"] == 2 and loaded.metadata["seeds"] == {"baseline": 2}
    again = takeoff_probability(loaded.dataset)
    assert again == estimate and 0.0 <= estimate.probability <= 1.0
    # The lazily opened chunks go through Dask's quantile: equal to rounding.
    xr.testing.assert_allclose(percentile_bands(loaded.dataset, ["Order Degree"]), bands,
                               rtol=1e-12)
    low, median, high = bands["Order Degree"].sel(time=60.0).values[[0, 2, 4]]
    assert low <= median <= high
