"""Loop dominance in the built-in innovation-cluster model."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sdcluster.analysis.loops import (
    ALL_REINFORCING,
    BALANCING,
    NAMED_REINFORCING,
    REINFORCING,
    LoopAnalysis,
    LoopEnsembleSpec,
    analyze_loops,
    dominance_drivers,
    dominance_frequencies,
    parameter_ranges,
    phase_dominance,
    phase_polarity,
    run_loop_ensemble,
)
from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.errors import ScenarioError, UnknownVariableError
from sdcluster.model import LoadedModel, load_model
from sdcluster.scenarios import load_scenarios

COMPARED = ("Innovative Firms", "Knowledge Stock", "Order Degree", "dS total")


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return load_model()


@pytest.fixture(scope="module")
def baseline(model: LoadedModel) -> LoopAnalysis:
    return analyze_loops(model)


def test_every_named_loop_is_found_with_its_polarity(baseline: LoopAnalysis) -> None:
    assert len(baseline.matches) == 13
    polarity = baseline.scores["polarity"].to_series()
    for match in baseline.matches:
        assert match.matched and not match.notes, (match.named.name, match.notes)
        for loop_id in match.loop_ids:
            on_loop = set(str(baseline.scores["variables"].sel(loop=loop_id).item()).split(" > "))
            assert any(set(chain) <= on_loop for chain in match.named.chains)
            # The run may show a loop mixed (R3's competition effect turns over
            # at high pressure) but never of the opposite polarity throughout.
            assert polarity[loop_id] in {match.named.intended_polarity, "mixed", "inactive"}


def test_reinforcing_loops_drive_take_off_and_balancing_loops_the_mature_cluster(
    baseline: LoopAnalysis,
) -> None:
    table = phase_polarity(baseline)
    take_off = table.loc["macro fluctuation"]
    mature = table.loc["far from equilibrium"]
    assert take_off["reinforcing share"] > 0.5
    assert take_off["reinforcing dominates"] > 0.5
    assert take_off["named reinforcing share"] > 0.5
    assert mature["reinforcing share"] < 0.5
    assert mature["reinforcing dominates"] < 0.5
    assert mature["named reinforcing share"] < 0.5
    # The named loops are a small part of the model's hundreds of loops.
    assert baseline.scores.sizes["loop"] > 100
    assert (table["named coverage"] < 0.5).all()


def test_phase_dominance_shares_add_up(baseline: LoopAnalysis) -> None:
    table = phase_dominance(baseline)
    totals = table.groupby("phase")["dominant share"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    assert set(table["phase"]) == set(baseline.phases.values)


@pytest.mark.parametrize(("scenario_name", "seed"),
                         [("baseline", None), ("baseline", 7), ("closing_mature_cluster", 3)])
def test_pysimlin_run_equals_the_pysd_run(model: LoadedModel, scenario_name: str,
                                          seed: int | None) -> None:
    # Noise and scenario steps are fed to pysimlin step by step: the run must be
    # the one PySD, the engine of record, makes with the same seed.
    scenario = load_scenarios(model, [scenario_name])[0]
    loops = analyze_loops(model, scenario, noise_seed=seed)
    reference = run_scenario(model, scenario, noise_seed=seed, variables=COMPARED)
    assert_allclose(loops.results["time"].values, reference["time"].values)
    for name in COMPARED:
        assert_allclose(loops.results[name].values, reference[name].values, rtol=1e-9,
                        atol=1e-9, err_msg=name)
    if seed is not None:
        assert loops.noise_seed == seed


def test_a_small_ensemble(model: LoadedModel) -> None:
    ranges = parameter_ranges(model, ["openness", "internal cooperation"],
                              overrides={"openness": (0.4, 0.9)})
    spec = LoopEnsembleSpec(ranges=ranges, samples=6, seed=2, noise_seed=5)
    ensemble = run_loop_ensemble(model, spec)
    sample = ensemble.parameters
    assert sample.shape == (6, 2)
    assert sample["openness"].between(0.4, 0.9).all()
    # A Latin hypercube puts one member in each sixth of every range.
    assert sorted(np.floor((sample["openness"] - 0.4) / 0.5 * 6).astype(int)) == list(range(6))
    frequencies = dominance_frequencies(ensemble)
    for phase, rows in frequencies.groupby("phase"):
        named = rows[~rows["loop"].isin([ALL_REINFORCING, NAMED_REINFORCING])]
        assert named["dominates"].sum() == rows["reached"].iloc[0], phase
        reached = rows[rows["reached"] > 0]
        assert (reached["low"] <= reached["share"]).all()
        assert (reached["share"] <= reached["high"]).all()
    drivers = dominance_drivers(ensemble)
    assert set(drivers["parameter"]) == {"openness", "internal cooperation"}
    assert drivers["rho"].dropna().between(-1, 1).all()
    assert ensemble.seconds > 0


def test_noise_changes_the_members(model: LoadedModel) -> None:
    ranges = parameter_ranges(model, ["openness"])
    quiet = run_loop_ensemble(model, LoopEnsembleSpec(ranges=ranges, samples=2, seed=1))
    noisy = run_loop_ensemble(model, LoopEnsembleSpec(ranges=ranges, samples=2, seed=1,
                                                      noise_seed=1))
    assert quiet.parameters.equals(noisy.parameters)
    assert not np.allclose(quiet.reinforcing_share.fillna(-1), noisy.reinforcing_share.fillna(-1))


def test_bad_ensemble_specs_are_clear_errors(model: LoadedModel) -> None:
    with pytest.raises(UnknownVariableError, match=r"openess.*openness"):
        parameter_ranges(model, ["openess"])
    with pytest.raises(ScenarioError, match="'Innovative Firms' is a stock"):
        parameter_ranges(model, ["Innovative Firms"])
    with pytest.raises(ScenarioError, match="samples must be an integer >= 1"):
        LoopEnsembleSpec(ranges={"openness": (0.0, 1.0)}, samples=0)
    with pytest.raises(ScenarioError, match="low < high"):
        LoopEnsembleSpec(ranges={"openness": (1.0, 0.0)})


def test_polarity_words(baseline: LoopAnalysis) -> None:
    words = set(baseline.scores["polarity"].values)
    assert {REINFORCING, BALANCING} <= words <= {REINFORCING, BALANCING, "mixed", "inactive"}
