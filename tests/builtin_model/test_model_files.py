"""The model as a document: both files, both engines, units, documentation and the diagram."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import simlin

from sdcluster.engine.pysd_runner import run_scenario
from sdcluster.experiments.noise import noise_inputs
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.model.paths import models_dir
from tests.builtin_model.model_support import LEVERS

MDL = models_dir() / "innovation_cluster.mdl"
XMILE = models_dir() / "innovation_cluster.xmile"
CONTROL = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER", "Time"}
SIMLIN_ONLY_STEP_CHECK = ("innovation_cluster.mdl", "innovation_cluster.xmile")


def _key(name: str) -> str:
    return name.lower().replace("_", " ").strip()


@pytest.fixture(scope="module")
def xmile_model() -> LoadedModel:
    return load_model(XMILE)


@pytest.fixture(scope="module")
def deterministic_run(cluster_model: LoadedModel):  # type: ignore[no-untyped-def]
    scenario = Scenario(name="baseline").validated(cluster_model)
    return run_scenario(cluster_model, scenario)


def test_xmile_twin_has_the_same_variables(
    cluster_model: LoadedModel, xmile_model: LoadedModel
) -> None:
    mdl_names = {_key(n) for n in cluster_model.variables} - {_key(n) for n in CONTROL}
    xmile_names = {_key(n) for n in xmile_model.variables} - {_key(n) for n in CONTROL}
    assert mdl_names == xmile_names


def test_xmile_twin_has_the_same_trajectories(deterministic_run, xmile_model: LoadedModel) -> None:  # type: ignore[no-untyped-def]
    twin = run_scenario(xmile_model, Scenario(name="baseline").validated(xmile_model))
    np.testing.assert_array_equal(deterministic_run["time"].values, twin["time"].values)
    by_key = {_key(str(n)): n for n in twin.data_vars}
    compared = 0
    for name in deterministic_run.data_vars:
        if name in CONTROL:
            continue
        np.testing.assert_allclose(
            twin[by_key[_key(str(name))]].values,
            deterministic_run[name].values,
            rtol=1e-9,
            atol=1e-12,
            err_msg=str(name),
        )
        compared += 1
    assert compared > 80


@pytest.mark.parametrize("path", [MDL, XMILE], ids=lambda p: p.suffix)
def test_pysimlin_checks_pass(path: Path) -> None:
    model = simlin.load(path)
    assert model.check() == ()
    assert model.check_units() == ()


@pytest.mark.parametrize("path", [MDL, XMILE], ids=lambda p: p.suffix)
def test_pysimlin_matches_pysd(path: Path, deterministic_run) -> None:  # type: ignore[no-untyped-def]
    results = simlin.load(path).run(analyze_loops=False).results
    by_key = {_key(str(c)): c for c in results.columns}
    times = deterministic_run["time"].values
    compared = 0
    for name in deterministic_run.data_vars:
        if name in CONTROL or _key(str(name)) not in by_key:
            continue
        theirs = results[by_key[_key(str(name))]].loc[times].to_numpy()
        np.testing.assert_allclose(
            theirs, deterministic_run[name].values, rtol=1e-6, atol=1e-12, err_msg=str(name)
        )
        compared += 1
    assert compared > 80


def test_every_variable_has_units_and_documentation(cluster_model: LoadedModel) -> None:
    for variable in cluster_model.variables.values():
        if variable.name in CONTROL:
            continue
        assert variable.units, f"{variable.name} has no units"
        assert len(variable.documentation) > 20, f"{variable.name} has no documentation"


def test_every_parameter_declares_a_range(cluster_model: LoadedModel) -> None:
    # The white-noise inputs are series fed from Python, not parameters.
    unranged = [
        name
        for name in cluster_model.constants
        if name not in CONTROL
        and name not in noise_inputs(cluster_model)
        and cluster_model.variable(name).range is None
    ]
    assert unranged == []


def test_levers_are_the_six_of_the_paper(cluster_model: LoadedModel) -> None:
    assert set(cluster_model.levers) == set(LEVERS)


def _sketch_names(text: str) -> set[str]:
    sketch = text.split("\\\\\\---///", 1)[1]
    return {
        fields[2]
        for line in sketch.splitlines()
        if (fields := line.split(","))[0] == "10" and len(fields) > 3
    }


def test_every_variable_is_placed_in_a_view(cluster_model: LoadedModel) -> None:
    placed = _sketch_names(MDL.read_text(encoding="utf-8"))
    missing = sorted(n for n in cluster_model.variables if n not in CONTROL and n not in placed)
    assert missing == []


def test_every_variable_is_placed_in_the_xmile_views(cluster_model: LoadedModel) -> None:
    views = XMILE.read_text(encoding="utf-8").split("<views>", 1)[1]
    placed = {_key(n) for n in re.findall(r'<(?:stock|flow|aux) name="([^"]+)"', views)}
    missing = sorted(
        n for n in cluster_model.variables if n not in CONTROL and _key(n) not in placed
    )
    assert missing == []


def test_the_diagram_has_six_views_with_the_named_loops() -> None:
    from sdcluster.model.diagram import loop_markers

    text = MDL.read_text(encoding="utf-8")
    views = re.findall(r"^\*([^*].*)$", text, flags=re.M)
    assert len(views) == 6
    codes = {m.code for m in loop_markers(MDL)}
    assert codes == {f"R{i}" for i in range(1, 9)} | {f"B{i}" for i in range(1, 8)}


def test_batch_engine_runs_the_xmile_twin_like_the_mdl() -> None:
    from sdcluster.engine.batch import BatchModel

    levers = {
        "openness": np.array([0.2, 0.5, 0.9]),
        "government support": np.array([0.1, 0.3, 0.8]),
    }
    wanted = ["Order Degree", "Innovative Firms", "dS total"]
    mdl = BatchModel.from_file(MDL).run(levers, 3, return_variables=wanted)
    twin = BatchModel.from_file(XMILE).run(levers, 3, return_variables=wanted)
    np.testing.assert_array_equal(mdl["time"].values, twin["time"].values)
    for name in wanted:
        np.testing.assert_allclose(twin[name].values, mdl[name].values, rtol=1e-9, atol=1e-12)
