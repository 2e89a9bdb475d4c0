"""Calibration with emcee on a logistic model: recovery, coverage, identifiability, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import RunOptions
from sdcluster.errors import ResultsFileError, ScenarioError
from sdcluster.experiments.calibration import (
    CalibrationError,
    CalibrationSpec,
    SeriesMap,
    read_observations,
)
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.studies import calibration_posterior as posterior
from sdcluster.studies.calibration import CalibrationResult, make_evaluator, run_calibration

LOGISTIC = Path(__file__).resolve().parents[1] / "data" / "calibration_logistic.mdl"
YEARS = np.arange(21.0)  # observed at model times 0..20
TRUTH = {"growth rate": 0.5, "capacity": 1000.0}


@pytest.fixture(scope="module")
def batch() -> BatchModel:
    return BatchModel.from_file(LOGISTIC)


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return load_model(LOGISTIC)


def simulate(batch: BatchModel, params: dict[str, float], sigma: float, seed: int,
             times: np.ndarray = YEARS) -> pd.DataFrame:
    """Population at ``times`` from known parameters, with log-normal noise of ``sigma``."""
    run = batch.run_arrays({k: np.array([v]) for k, v in params.items()}, 1,
                           return_variables=["Population"], final_time=float(times.max()))
    labels = batch.schedule(float(times.max())).labels
    clean = np.interp(times, labels, run["Population"][0])
    noise = np.exp(sigma * np.random.default_rng(seed).standard_normal(times.size))
    return pd.DataFrame({"year": times, "population": clean * noise})


def spec_for(observations: pd.DataFrame, **changes: object) -> CalibrationSpec:
    settings: dict[str, object] = {
        "observations": observations,
        "mappings": (SeriesMap("Population", "population"),),
        "parameters": {"growth rate": None, "capacity": None},
        "time_column": "year", "walkers": 16, "steps": 1000, "seed": 1,
    }
    settings.update(changes)
    return CalibrationSpec(**settings)  # type: ignore[arg-type]


def row(result: CalibrationResult, name: str) -> pd.Series:
    return result.table.set_index("name").loc[name]


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


# ------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def observations(batch: BatchModel) -> pd.DataFrame:
    return simulate(batch, TRUTH, sigma=0.05, seed=1)


@pytest.mark.parametrize(("changes", "message"), [
    ({"mappings": (SeriesMap("Population", "populaton"),)},
     "column 'populaton' is not in the observations; expected one of 1 columns; "
     "closest: 'population'"),
    ({"mappings": (SeriesMap("Populaton", "population"),)},
     "no variable 'Populaton' in model calibration_logistic.mdl; closest: 'Population'"),
    ({"parameters": {"growth rat": None}}, "closest: 'growth rate'"),
    ({"parameters": {"net growth": None}},
     "'net growth' is a flow; expected a constant; closest:"),
    ({"parameters": {"capacity": (50.0, 900.0)}}, "outside the declared range [100, 5000]"),
    ({"time_column": "yaer"}, "time column 'yaer' is not in the observations; expected one "
     "of 2 columns; closest: 'year'"),
    ({"walkers": 4}, "walkers = 4; expected at least 6"),
    ({"walkers": 7}, "walkers = 7; expected an even number"),
    ({"likelihood": "lognorm"}, "likelihood 'lognorm'; expected one of lognormal, negbinom; "
     "closest: 'lognormal'"),
    ({"burn": 1000}, "burn = 1000; expected 0 <= burn < steps (1000)"),
    ({"mappings": (SeriesMap("Population", "population", time_offset=5.0),)},
     "before the model's initial time 0"),
    ({"mappings": (SeriesMap("Population", "population", scale_prior=(0.0, 1.0)),)},
     "scale prior [0, 1]; expected finite bounds with 0 < low < high"),
])
def test_bad_inputs_are_one_line_errors(model: LoadedModel, observations: pd.DataFrame,
                                        changes: dict[str, object], message: str) -> None:
    with pytest.raises(CalibrationError) as caught:
        spec_for(observations, **changes).validated(model)
    assert isinstance(caught.value, ScenarioError)
    text = str(caught.value)
    assert "\n" not in text
    assert message in text


def test_observations_the_likelihood_cannot_take(model: LoadedModel,
                                                 observations: pd.DataFrame) -> None:
    zero = observations.assign(population=observations["population"].where(
        observations["year"] != 3, 0.0))
    with pytest.raises(CalibrationError, match="value 0 is not positive; the lognormal"):
        spec_for(zero).validated(model)
    with pytest.raises(CalibrationError, match="must be counts"):
        spec_for(observations, likelihood="negbinom").validated(model)
    text = observations.astype({"population": object})
    text.loc[4, "population"] = "n/a"
    with pytest.raises(CalibrationError, match="value 'n/a' is not a number"):
        spec_for(text).validated(model)


def test_read_observations(tmp_path: Path) -> None:
    good = tmp_path / "obs.csv"
    good.write_text("year,population,note\n2000,10,a\n2001,,b\n2002,30,c\n")
    frame = read_observations(good, time_column="year")
    assert list(frame["year"]) == [2000.0, 2001.0, 2002.0]
    assert math.isnan(frame["population"][1])
    latin = tmp_path / "latin.csv"
    latin.write_bytes("year,Bogot\xe1\n2000,1\n".encode("latin-1"))
    assert list(read_observations(latin, time_column="year").columns) == ["year", "Bogot\xe1"]
    errors = {
        tmp_path / "missing.csv": "missing.csv: no such file",
        good: "time column 'time' is not in the observations; expected one of 3 columns",
    }
    for path, message in errors.items():
        with pytest.raises(CalibrationError, match=message):
            read_observations(path)
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("year,x\n2000,1\n2000,2\n")
    with pytest.raises(CalibrationError, match=r"repeated.csv: time column 'year': repeated"):
        read_observations(repeated, time_column="year")


def test_describe_lists_mapping_and_priors(model: LoadedModel,
                                           observations: pd.DataFrame) -> None:
    text = spec_for(observations, source="obs.csv").validated(model).describe()
    assert "calibration to obs.csv: 21 times (0-20), likelihood lognormal" in text
    assert "population(t) ~ 'Population'(t - 0)" in text
    assert "growth rate: uniform [0.1, 2]" in text
    assert "sigma[population]: log-uniform [0.01, 2]" in text


def test_a_very_short_run_summarizes_without_warnings(batch: BatchModel,
                                                      model: LoadedModel) -> None:
    import warnings

    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_calibration(model, spec_for(observations, walkers=8, steps=4))
        text = result.summary()
        result.to_inference_data()
    assert [str(w.message) for w in caught] == []
    assert "max R-hat nan; min ESS nan" in text  # too short to tell, and said so
    assert "shorter than 50 autocorrelation times" in text


TWO_MODES = Path(__file__).resolve().parents[1] / "data" / "calibration_two_modes.mdl"


def _mode_switches(moves: str, temperatures: int = 1) -> tuple[float, float, CalibrationResult]:
    """Calibrate 'mix' (true 0.8; 0.2 fits as well): walkers visiting both modes, mass above 1/2."""
    batch, model = BatchModel.from_file(TWO_MODES), load_model(TWO_MODES)
    times = np.arange(11.0)
    run = batch.run_arrays({}, 1, return_variables=["Level"], final_time=10.0)
    clean = np.interp(times, batch.schedule(10.0).labels, run["Level"][0])
    noise = np.exp(0.02 * np.random.default_rng(3).standard_normal(times.size))
    observations = pd.DataFrame({"year": times, "level": clean * noise})
    spec = CalibrationSpec(observations=observations, mappings=(SeriesMap("Level", "level"),),
                           parameters={"mix": None}, time_column="year", walkers=16,
                           steps=1500, seed=2, moves=moves,  # type: ignore[arg-type]
                           temperatures=temperatures)
    result = run_calibration(model, spec)
    mix = result.posterior()[:, :, result.names.index("mix")]  # (kept steps, walkers)
    high = mix > 0.5
    both = float(np.mean(high.any(axis=0) & (~high).any(axis=0)))
    return both, float(high.mean()), result


def test_differential_evolution_moves_cross_between_modes() -> None:
    # The stretch move keeps each walker in the mode it started in; differential evolution
    # with mode hopping (ter Braak 2006) moves walkers between them, so both modes carry
    # their share of the posterior (one half each: the likelihood is symmetric).
    both, mass, _ = _mode_switches("de")
    assert both >= 0.5, both
    assert 0.3 <= mass <= 0.7, mass


def test_unknown_moves_are_refused(model: LoadedModel) -> None:
    observations = pd.DataFrame({"year": YEARS, "population": np.ones(YEARS.size)})
    with pytest.raises(CalibrationError, match="moves 'gibbs'; expected one of stretch, de"):
        spec_for(observations, moves="gibbs").validated(model)


def test_stretch_moves_alone_leave_each_walker_in_its_mode() -> None:
    # The contrast the two tests around it need: without help no walker crosses.
    both, _, result = _mode_switches("stretch")
    assert both < 0.1, both
    assert result.rhat.max() > 1.1


def test_parallel_tempering_carries_stretch_walkers_between_modes() -> None:
    # Hot ensembles sample likelihood ** (1 / T), under which the barrier at mix = 1/2
    # is low; swaps carry their positions down to T = 1 (Earl & Deem 2005).
    both, mass, result = _mode_switches("stretch", temperatures=4)
    assert both >= 0.5, both
    assert 0.3 <= mass <= 0.7, mass
    assert result.rhat.max() <= 1.1, result.rhat
    assert result.metadata["temperatures"] == 4
    rates = [float(r) for r in result.metadata["swap_acceptance"].split()]
    assert len(rates) == 3 and all(0 < r < 1 for r in rates), rates
    assert "parallel tempering: 4 temperatures up to 1000" in result.summary()


def test_tempered_runs_are_bit_identical_for_one_seed(batch: BatchModel,
                                                       model: LoadedModel) -> None:
    observations = simulate(batch, TRUTH, sigma=0.1, seed=3)
    spec = spec_for(observations, steps=60, seed=5, temperatures=3)
    first, second = run_calibration(model, spec), run_calibration(model, spec)
    assert np.array_equal(first.chain, second.chain)
    assert first.metadata["swap_acceptance"] == second.metadata["swap_acceptance"]
    untempered = run_calibration(model, spec_for(observations, steps=60, seed=5))
    assert not np.array_equal(first.chain, untempered.chain)


@pytest.mark.parametrize(("changes", "message"), [
    ({"temperatures": 0}, r"temperatures must be at least 1, got 0 \(1: no tempering\)"),
    ({"temperatures": 2.5}, r"temperatures must be an integer, got 2.5"),
    ({"temperatures": True}, r"temperatures must be an integer, got True"),
    ({"temperatures": 3, "max_temperature": 1.0}, r"max_temperature = 1.0; expected a finite"),
    ({"temperatures": 3, "max_temperature": math.inf}, r"max_temperature = inf; expected"),
])
def test_bad_tempering_settings_are_refused(model: LoadedModel, changes: dict[str, object],
                                            message: str) -> None:
    observations = pd.DataFrame({"year": YEARS, "population": np.ones(YEARS.size)})
    with pytest.raises(CalibrationError, match=message):
        spec_for(observations, **changes).validated(model)
