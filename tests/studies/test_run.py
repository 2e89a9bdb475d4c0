"""The one entry point: ``sdcluster.run(model, spec, options)`` dispatches on the spec."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sdcluster
from sdcluster.engine.options import DEFAULT_CHUNK_SIZE, RunOptions
from sdcluster.errors import SpecError
from sdcluster.experiments.designs import ParameterDesign
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.ranges import problem_from_model
from sdcluster.experiments.scenario_set import ScenarioSet
from sdcluster.experiments.scenarios import Scenario
from sdcluster.experiments.sensitivity import SensitivitySpec
from sdcluster.model.loaded import load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import run_ensemble
from sdcluster.studies.run import run
from sdcluster.studies.sensitivity import SensitivityResult, run_sensitivity
from sdcluster.testing import assert_results_close


def test_the_package_exports_the_entry_point_and_its_types() -> None:
    assert sdcluster.run is run
    assert sdcluster.RunOptions is RunOptions
    assert sdcluster.EnsembleSpec is EnsembleSpec


def test_an_ensemble_spec_runs_the_ensemble_study(noise_model: Path) -> None:
    spec = EnsembleSpec(n_members=4, seed=3, variables=("Firms",))
    options = RunOptions(chunk_size=3)
    results = run(noise_model, spec, options)
    assert isinstance(results, Results)
    assert results.metadata["ensemble"]["chunk_size"] == 3
    assert_results_close(results.dataset, run_ensemble(noise_model, spec, options).dataset,
                         rtol=0, atol=0)


def test_a_sensitivity_spec_runs_the_sensitivity_study(linear_model: Path) -> None:
    problem = problem_from_model(linear_model, ["x1", "x2"])
    spec = SensitivitySpec(problem=problem, method="morris", n=4, seed=1,
                           outcomes=("response@end",), noise=False)
    result = run(load_model(linear_model), spec)
    assert isinstance(result, SensitivityResult)
    assert result.indices.equals(run_sensitivity(linear_model, spec).indices)


def test_a_scenario_set_runs_through_pysd(noise_model: Path) -> None:
    model = load_model(noise_model)
    scenario_set = ScenarioSet.of([Scenario(name="a"), Scenario(name="b",
                                                                overrides={"openness": 0.9})])
    results = run(model, scenario_set)
    assert list(results.dataset["scenario"].values) == ["a", "b"]
    with pytest.raises(SpecError, match="runs through PySD"):
        run(model, scenario_set, RunOptions(engine="batch"))


def test_options_never_change_the_numbers(noise_model: Path) -> None:
    design = ParameterDesign.from_columns({"openness": [0.2, 0.8]})
    spec = EnsembleSpec.for_design(design, replicates=2, seed=5, variables=("Firms",))
    one = run(noise_model, spec, RunOptions(chunk_size=1, engine="batch")).dataset
    other = run(noise_model, spec, RunOptions(chunk_size=4, engine="pysd")).dataset
    assert_results_close(one, other, rtol=1e-9)


def test_unknown_specs_and_bad_options_are_refused(noise_model: Path) -> None:
    with pytest.raises(SpecError, match="no study runs a Scenario"):
        run(noise_model, Scenario(name="x"))  # type: ignore[call-overload]
    with pytest.raises(SpecError, match="engine must be one of"):
        RunOptions(engine="fast")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="chunk_size must be at least 1, got 0"):
        RunOptions(chunk_size=0)
    options = RunOptions(chunk_size=np.int64(7), run_dir="here")  # type: ignore[arg-type]
    assert type(options.chunk_size) is int and options.run_dir == Path("here")
    assert RunOptions().chunk_size == DEFAULT_CHUNK_SIZE


def test_every_spec_describes_itself_as_json_data(noise_model: Path) -> None:
    import json

    from sdcluster.experiments.bifurcation import BifurcationSpec
    from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec

    model = load_model(noise_model)
    problem = problem_from_model(model, ["openness"])
    specs = [EnsembleSpec(n_members=2), SensitivitySpec(problem=problem, outcomes=("Firms@end",)),
             LoopEnsembleSpec(ranges={"openness": (0.2, 0.8)}, samples=3),
             BifurcationSpec(lever="openness", state="Firms")]
    for spec in specs:
        json.dumps(spec.describe())
    loops = LoopEnsembleSpec(ranges={"OPENNESS": (0.2, 0.8)}).validated(model)
    assert list(loops.ranges) == ["openness"] and loops.scenario is not None
    assert loops.describe()["ranges"] == {"openness": [0.2, 0.8]}
    sensitivity = SensitivitySpec(problem=problem, outcomes=("Firms@end",)).validated(model)
    assert [p.name for p in sensitivity.problem.parameters] == ["openness"]
