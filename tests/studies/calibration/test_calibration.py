"""Calibration with emcee on a logistic model: recovery, coverage, identifiability, seeds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import RunOptions
from sdcluster.errors import ResultsFileError
from sdcluster.experiments.calibration import (
    CalibrationSpec,
    SeriesMap,
)
from sdcluster.model.loaded import LoadedModel
from sdcluster.studies import calibration_posterior as posterior
from sdcluster.studies.calibration import CalibrationResult, make_evaluator, run_calibration
from tests.studies.calibration.cases import LOGISTIC, TRUTH, YEARS, row, simulate, spec_for


@pytest.fixture(scope="module")
def recovered(batch: BatchModel, model: LoadedModel) -> CalibrationResult:
    observations = simulate(batch, TRUTH, sigma=0.05, seed=7)
    return run_calibration(model, spec_for(observations, steps=2000))


# ---------------------------------------------------------------- recovery


def test_recovers_known_parameters(recovered: CalibrationResult) -> None:
    assert recovered.engine == "batch"
    assert recovered.names == ("growth rate", "capacity", "sigma[population]")
    kept = recovered.posterior()
    for j, (name, truth) in enumerate([*TRUTH.items(), ("sigma[population]", 0.05)]):
        # One replicate misses a 90 % interval one time in ten (the coverage test
        # counts that); the 99.5 % interval should hold the truth.
        low, high = np.quantile(kept[:, :, j], [0.0025, 0.9975])
        assert low <= truth <= high, (name, low, high)
        assert bool(row(recovered, name)["identified"])
    for name, truth in TRUTH.items():
        assert row(recovered, name)["median"] == pytest.approx(truth, rel=0.05)
    # Informative data: the intervals are a few percent of the prior's width.
    assert row(recovered, "growth rate")["width_ratio"] < 0.05
    assert row(recovered, "capacity")["width_ratio"] < 0.05


def test_diagnostics_show_convergence(recovered: CalibrationResult) -> None:
    assert recovered.chain.shape == (2000, 16, 3)
    assert recovered.log_prob.shape == (2000, 16)
    assert recovered.burn == 1000
    assert 0.2 < recovered.acceptance.mean() < 0.8
    assert np.all(recovered.rhat < 1.1), recovered.rhat
    assert np.all(recovered.ess > 100), recovered.ess
    assert np.all(recovered.autocorr < 1000 / 20), recovered.autocorr
    assert not recovered.interrupted and not recovered.unidentified


def test_median_run_fits_with_theil_split_summing_to_one(recovered: CalibrationResult) -> None:
    fit = recovered.fit.set_index("series").loc["population"]
    assert fit["r2"] > 0.99
    assert fit["um"] + fit["us"] + fit["uc"] == pytest.approx(1.0)
    # Noise, not a systematic error: the MSE is mostly unequal covariation.
    assert fit["uc"] > 0.9
    assert fit["n"] == YEARS.size
    run = recovered.median_run
    assert list(run.columns) == ["year", "population observed", "population predicted"]
    relative = run["population predicted"] / run["population observed"]
    assert np.all(np.abs(np.log(relative)) < 4 * 0.05)


def test_predictive_band_brackets_the_data(recovered: CalibrationResult) -> None:
    band = recovered.band.sel(series="population")
    assert band["time"].values[0] == 0 and band["time"].values[-1] == 20
    observed = recovered.spec.observations.set_index("year")["population"]
    low = band["predictive_q05"].sel(time=observed.index.values)
    high = band["predictive_q95"].sel(time=observed.index.values)
    inside = ((observed.values >= low.values) & (observed.values <= high.values)).mean()
    assert inside >= 0.8
    assert np.all(band["model_q05"] <= band["model_q50"])
    assert np.all(band["model_q50"] <= band["model_q95"])


def test_save_is_arviz_readable_and_never_overwrites_the_data(
        recovered: CalibrationResult, tmp_path: Path) -> None:
    import arviz as az

    target = recovered.save(tmp_path / "posterior.nc")
    idata = az.from_netcdf(target)
    assert {"posterior", "sample_stats", "observed_data", "warmup_posterior",
            "calibration_table", "calibration_fit", "calibration_band"} <= set(idata.groups())
    assert idata.posterior.sizes == {"chain": 16, "draw": 1000}
    np.testing.assert_array_equal(idata.posterior["capacity"].values,
                                  recovered.chain[1000:, :, 1].T)
    assert not list(tmp_path.glob(".posterior*"))
    data = tmp_path / "data.csv"
    data.write_text("year,population\n0,10\n")
    copy = CalibrationResult(**{**recovered.__dict__,
                                "spec": spec_for(recovered.spec.observations,
                                                 source=str(data))})
    with pytest.raises(ResultsFileError, match="input file"):
        copy.save(data)
    assert data.read_text() == "year,population\n0,10\n"


def test_a_thinned_file_keeps_every_kth_step(recovered: CalibrationResult,
                                             tmp_path: Path) -> None:
    import arviz as az

    idata = az.from_netcdf(recovered.save(tmp_path / "thin.nc", thin=10))
    assert idata.posterior.sizes == {"chain": 16, "draw": 100}
    np.testing.assert_array_equal(idata.posterior["capacity"].values,
                                  recovered.chain[1000::10, :, 1].T)
    assert idata.warmup_posterior.sizes["draw"] == 100
    assert int(idata.calibration_diagnostics.attrs["thin"]) == 10


# ------------------------------------------------------- identifiability


def test_parameter_the_output_ignores_is_flagged_unidentified(
        batch: BatchModel, model: LoadedModel) -> None:
    observations = simulate(batch, TRUTH, sigma=0.05, seed=11)
    spec = spec_for(observations, parameters={"growth rate": None, "capacity": None,
                                              "survey cost": None}, steps=600)
    result = run_calibration(model, spec)
    assert result.unidentified == ("survey cost",)
    assert row(result, "survey cost")["width_ratio"] >= 0.8
    assert row(result, "growth rate")["width_ratio"] < 0.1
    assert "unidentified (posterior ~ prior): survey cost" in result.summary()


# ------------------------------------------------------------ seeds


def test_same_seed_gives_the_same_chain_bit_for_bit(
        batch: BatchModel, model: LoadedModel) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    spec = spec_for(observations, steps=120, seed=42)
    first = run_calibration(model, spec)
    second = run_calibration(LOGISTIC, spec)
    assert np.array_equal(first.chain, second.chain)
    assert np.array_equal(first.log_prob, second.log_prob)
    other = run_calibration(model, spec_for(observations, steps=120, seed=43))
    assert not np.array_equal(first.chain, other.chain)


def test_interrupted_run_keeps_what_was_sampled(
        batch: BatchModel, model: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    calls = {"n": 0}
    original = posterior.Posterior.__call__

    def interrupting(self: object, theta: np.ndarray) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 1 + 2 * 30 + 1:  # the candidates, 30 steps of two halves, Ctrl-C
            raise KeyboardInterrupt
        return original(self, theta)  # type: ignore[arg-type]

    monkeypatch.setattr(posterior.Posterior, "__call__", interrupting)
    result = run_calibration(model, spec_for(observations, steps=200))
    assert result.interrupted
    assert result.steps_done == 30
    assert result.burn == 15  # half of what was sampled, as the asked burn (100) was not reached
    assert "interrupted after 30 steps" in result.summary()


def test_interrupt_before_the_first_step_is_not_swallowed(
        batch: BatchModel, model: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    original = posterior.Posterior.__call__
    calls = {"n": 0}

    def interrupting(self: object, theta: np.ndarray) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, theta)  # type: ignore[arg-type]

    monkeypatch.setattr(posterior.Posterior, "__call__", interrupting)
    with pytest.raises(KeyboardInterrupt):
        run_calibration(model, spec_for(observations, steps=50))


# --------------------------------------------------- other likelihoods


def test_negative_binomial_counts_with_an_estimated_scale_and_offset(
        batch: BatchModel, model: LoadedModel) -> None:
    # Counts observed in calendar years 2000-2020 of a tenth of the population.
    clean = simulate(batch, TRUTH, sigma=0.0, seed=0)["population"].to_numpy()
    counts = np.random.default_rng(5).poisson(0.1 * clean).astype(float)
    observations = pd.DataFrame({"year": 2000 + YEARS, "count": counts})
    spec = CalibrationSpec(
        observations=observations, time_column="year", likelihood="negbinom",
        mappings=(SeriesMap("Population", "count", scale_prior=(0.01, 1.0),
                            time_offset=2000.0),),
        parameters={"growth rate": None}, walkers=16, steps=800, seed=2)
    result = run_calibration(model, spec)
    assert result.names == ("growth rate", "scale[count]", "alpha[count]")
    scale = row(result, "scale[count]")
    assert scale["q05"] <= 0.1 <= scale["q95"]
    growth = row(result, "growth rate")
    assert growth["q05"] <= 0.5 <= growth["q95"]
    # Poisson data: the overdispersion is small.
    assert row(result, "alpha[count]")["q95"] < 0.05


def test_estimated_time_offset_is_recovered(batch: BatchModel, model: LoadedModel) -> None:
    # The model's time 0 falls at 1998.4 on the data's clock.
    observations = simulate(batch, TRUTH, sigma=0.03, seed=9, times=np.arange(2.0, 19.0))
    observations["year"] = observations["year"] + 1998.4
    spec = spec_for(observations, parameters={"growth rate": None},
                    mappings=(SeriesMap("Population", "population",
                                        offset_prior=(1997.0, 2000.0)),))
    result = run_calibration(model, spec)
    offset = row(result, "offset[population]")
    assert offset["q05"] <= 1998.4 <= offset["q95"]
    assert offset["q95"] - offset["q05"] < 0.5


# ------------------------------------------------------------- engines


def test_pysd_fallback_gives_the_batch_engines_numbers(model: LoadedModel) -> None:
    params = {"growth rate": np.array([0.3, 0.9]), "capacity": np.array([400.0, 2500.0])}
    batch = make_evaluator(model, ["Population"], 20.0, engine="batch")
    pysd = make_evaluator(model, ["Population"], 20.0, engine="pysd")
    assert (batch.engine, pysd.engine) == ("batch", "pysd")
    np.testing.assert_array_equal(batch.times, pysd.times)
    np.testing.assert_allclose(pysd.run(params, 2)["Population"],
                               batch.run(params, 2)["Population"], rtol=1e-9)


def test_pysd_engine_runs_a_short_calibration(batch: BatchModel, model: LoadedModel) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    spec = spec_for(observations, parameters={"growth rate": None}, walkers=4, steps=3)
    result = run_calibration(model, spec, RunOptions(engine="pysd"))
    assert result.engine == "pysd" and result.chain.shape == (3, 4, 2)


# ------------------------------------------------------------- coverage


@pytest.mark.slow
def test_ninety_percent_intervals_cover_the_truth_in_most_replicates(
        batch: BatchModel, model: LoadedModel) -> None:
    """Issue 14: 20 seeded replicates, truths drawn from the priors, >= 80 % coverage."""
    rng = np.random.default_rng(2024)
    covered = {"growth rate": 0, "capacity": 0, "sigma[population]": 0}
    for replicate in range(20):
        truth = {"growth rate": rng.uniform(0.1, 2.0), "capacity": rng.uniform(100, 5000)}
        sigma = math.exp(rng.uniform(math.log(0.02), math.log(0.2)))
        observations = simulate(batch, truth, sigma=sigma, seed=100 + replicate)
        spec = spec_for(observations, dispersion_prior=(0.02, 0.2), seed=replicate)
        result = run_calibration(model, spec)
        for name, value in [*truth.items(), ("sigma[population]", sigma)]:
            found = row(result, name)
            covered[name] += bool(found["q05"] <= value <= found["q95"])
    share = sum(covered.values()) / (20 * len(covered))
    assert share >= 0.8, covered
    assert min(covered.values()) >= 14, covered  # no parameter far below the rest


