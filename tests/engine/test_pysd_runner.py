"""Running scenarios through PySD: isolation, steps, noise, failures."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.engine.pysd_runner import run_scenario, run_scenario_set
from sdcluster.engine.run import run_scenarios
from sdcluster.errors import ScenarioError, SimulationError
from sdcluster.experiments.noise import white_noise
from sdcluster.experiments.scenario_set import ScenarioSet
from sdcluster.experiments.scenarios import Scenario, Step
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.testing import assert_results_close
from tests import DATA

BASE = Scenario(name="base")


def test_a_run_returns_every_variable_with_its_attributes(town: LoadedModel) -> None:
    run = run_scenario(town, BASE)
    assert set(run.data_vars) == set(town.variables)
    np.testing.assert_allclose(run["time"].values, np.arange(0, 20.5, 0.5))
    assert run["Population"].attrs == {"units": "person",
                                       "documentation": "People living in the town (a stock).",
                                       "python_name": "population"}
    # Constants are stored as constant series so a results file stands alone.
    assert np.all(run["openness"].values == 0.5)


def test_variables_limit_the_output(town: LoadedModel) -> None:
    run = run_scenario(town, BASE, variables=["population", "Openness"])
    assert list(run.data_vars) == ["Population", "openness"]
    np.testing.assert_allclose(run["Population"], run_scenario(town, BASE)["Population"])


def test_runs_do_not_leak_parameters_or_final_time(town: LoadedModel) -> None:
    fresh = run_scenario(town, BASE)
    changed = Scenario(name="changed", overrides={"openness": 1.0, "initial population": 5.0},
                       steps={"birth rate": Step(at=3, to=0.0)}, final_time=30.0)
    run_scenario(town, changed.validated(town), noise_seed=4)
    again = run_scenario(town, BASE)
    assert_results_close(again, fresh, rtol=0, atol=0)


def test_overrides_change_the_run(town: LoadedModel) -> None:
    open_town = Scenario(name="open", overrides={"openness": 1.0}).validated(town)
    assert float(run_scenario(town, open_town)["immigration"][0]) == 10.0


def test_a_step_takes_effect_at_its_time(town: LoadedModel) -> None:
    stepped = Scenario(name="s", steps={"openness": Step(at=5.0, to=1.0)}).validated(town)
    run = run_scenario(town, stepped)
    openness = run["openness"].to_series()
    assert openness[4.5] == 0.5 and openness[5.0] == 1.0 and openness[20.0] == 1.0
    # Euler uses the value at the start of each step: the stock reacts after t = 5.
    immigration = run["immigration"].to_series()
    assert immigration[4.5] == 5.0 and immigration[5.0] == 10.0


def test_a_step_applies_after_the_override(town: LoadedModel) -> None:
    scenario = Scenario(name="s", overrides={"openness": 0.2},
                        steps={"openness": Step(at=2.0, to=0.8)}).validated(town)
    openness = run_scenario(town, scenario)["openness"].to_series()
    assert openness[1.5] == 0.2 and openness[2.0] == 0.8


def test_final_time_of_a_scenario(town: LoadedModel) -> None:
    longer = Scenario(name="long", final_time=30.0).validated(town)
    assert float(run_scenario(town, longer)["time"][-1]) == 30.0


def test_noise_is_seeded_on_the_time_step_grid(town: LoadedModel) -> None:
    run = run_scenario(town, BASE, noise_seed=11)
    # Member 0 of seed 11, saved every 2nd step.
    expected = white_noise(11, [0], len(town.time.step_times()))[0, ::2]
    np.testing.assert_allclose(run["white noise input"].values, expected)
    same = run_scenario(town, BASE, noise_seed=11)
    other = run_scenario(town, BASE, noise_seed=12)
    assert_results_close(same, run, rtol=0, atol=0)
    assert not np.allclose(other["Population"], run["Population"])


def test_noise_seed_is_ignored_without_a_white_noise_input(kinds: LoadedModel) -> None:
    assert_results_close(run_scenario(kinds, BASE, noise_seed=3), run_scenario(kinds, BASE))


def test_scenario_sets_share_the_noise_and_record_seeds(town: LoadedModel) -> None:
    scenarios = [BASE, Scenario(name="open", overrides={"openness": 1.0}, final_time=25.0)]
    results = run_scenarios(town, [s.validated(town) for s in scenarios], seed=5)
    dataset = results.dataset
    assert dataset["Population"].dims == ("scenario", "time")
    assert results.scenarios == ("base", "open")
    noise = dataset["white noise input"]
    np.testing.assert_array_equal(noise.sel(scenario="base").sel(time=slice(0, 20)),
                                  noise.sel(scenario="open").sel(time=slice(0, 20)))
    # The shorter run is NaN after its own final time.
    assert np.isnan(dataset["Population"].sel(scenario="base", time=25.0))
    assert results.metadata["seeds"] == {"base": 5, "open": 5}
    assert results.metadata["model_sha256"] == town.sha256
    assert results.metadata["scenarios"][1]["final_time"] == 25.0
    assert "pysd" in results.metadata["versions"]


def test_scenario_set_rejects_bad_specs() -> None:
    with pytest.raises(ScenarioError, match="at least one"):
        ScenarioSet.of([])
    with pytest.raises(ScenarioError, match="repeat: base"):
        ScenarioSet.of([BASE, BASE])
    with pytest.raises(ScenarioError, match="non-negative integer"):
        ScenarioSet.of([BASE], seed=-1)


def test_one_scenario_set_matches_single_runs(town: LoadedModel) -> None:
    open_town = Scenario(name="open", overrides={"openness": 1.0}).validated(town)
    together = run_scenario_set(town, ScenarioSet.of([BASE, open_town]))
    alone = run_scenario(town, open_town)
    assert_results_close(together.sel(scenario="open"), alone, rtol=0, atol=0)


def test_infinity_stops_the_run_naming_variable_and_time() -> None:
    blowup = load_model(DATA / "core_blowup.mdl")
    with pytest.raises(SimulationError) as raised:
        run_scenario(blowup, BASE)
    message = str(raised.value)
    assert message.startswith("scenario 'base': 'growth' became inf at time ")
    first_bad = float(message.rsplit(" ", 1)[-1])
    assert 0 < first_bad < 10
    # The same facts as fields.
    assert (raised.value.scenario, raised.value.variable) == ("base", "growth")
    assert raised.value.time == first_bad and raised.value.member is None


def test_division_by_zero_names_the_variable_and_time() -> None:
    pole = load_model(DATA / "core_pole.mdl")
    with pytest.raises(SimulationError, match=r"failed at time 5 while computing 'rate'") as raised:
        run_scenario(pole, BASE)
    assert (raised.value.time, raised.value.variable) == (5.0, "rate")
    # Moving the pole off the step grid lets the run finish.
    shifted = Scenario(name="shifted", overrides={"pole time": 5.5}).validated(pole)
    assert np.isfinite(run_scenario(pole, shifted)["Accumulated"]).all()


def test_vensim_na_is_a_result_not_a_failure() -> None:
    # ':NA:' (PySD's NaN) is what the model says before its first observation; Vensim and
    # PySD report it, and so does sdcluster, in that variable and those computed from it.
    missing = load_model(DATA / "core_missing.mdl")
    assert missing.may_be_missing == {"measured", "shown"}
    run = run_scenario(missing, Scenario(name="base").validated(missing))
    early = run["time"] < 3
    assert np.isnan(run["measured"].where(early, drop=True)).all()
    assert np.isnan(run["shown"].where(early, drop=True)).all()
    later = run["time"] >= 3
    np.testing.assert_allclose(run["measured"].where(later, drop=True),
                               run["Stock"].where(later, drop=True), rtol=1e-12)
    assert np.isfinite(run["Stock"]).all()


def test_a_pole_in_a_model_with_na_still_stops_the_run() -> None:
    missing = load_model(DATA / "core_missing.mdl")
    broken = Scenario(name="pole", overrides={"pole time": 2}).validated(missing)
    with pytest.raises(SimulationError) as raised:
        run_scenario(missing, broken)
    assert raised.value.variable == "odd ratio" and raised.value.time == 2.0
