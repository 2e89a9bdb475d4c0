"""Bifurcation study on a bistable model whose folds are known analytically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sdcluster.engine.batch import BatchModel
from sdcluster.errors import AnalysisError, SpecError, UnknownVariableError
from sdcluster.studies import bifurcation as study
from sdcluster.studies.bifurcation import BifurcationResult, BifurcationSpec, run_bifurcation
from sdcluster.studies.bifurcation_inputs import initial_setting, noise_parameters
from tests.studies.studies_support import LAKE, equilibria, folds, variant


def _step(result: BifurcationResult) -> float:
    lever = result.dataset["lever"].values
    return float(lever[1] - lever[0])


def test_thresholds_and_hysteresis_match_the_analytic_folds(
        lake_result: BifurcationResult) -> None:
    _, u_form, _, u_persist = folds()
    step = _step(lake_result)
    # The threshold found on the grid is the first grid value past the fold.
    assert u_form <= lake_result.formation < u_form + step
    assert u_persist - step < lake_result.persistence < u_persist + step
    assert abs(lake_result.hysteresis - (u_form - u_persist)) < 2 * step
    attrs = lake_result.dataset.attrs
    assert attrs["formation_below"] < u_form <= attrs["formation_threshold"]


def test_stable_branches_are_the_analytic_equilibria(lake_result: BifurcationResult) -> None:
    ds = lake_result.dataset
    _, u_form, _, u_persist = folds()
    for u in ds["lever"].values[::7]:
        if abs(u - u_form) < 0.02 or abs(u - u_persist) < 0.02:
            continue  # runs near a fold settle slowly
        roots = equilibria(float(u))
        stable = ds["stable"].sel(quantity="Cluster Size", lever=u).values
        expected_low = roots[0] if u < u_form else np.nan
        expected_high = roots[-1] if u > u_persist else np.nan
        np.testing.assert_allclose(stable, [expected_low, expected_high], rtol=1e-4, atol=1e-6)
        bistable = u_persist < u < u_form
        assert int(ds["n_attractors"].sel(lever=u)) == (2 if bistable else 1)


def test_unstable_branch_is_the_middle_equilibrium(lake_result: BifurcationResult) -> None:
    ds = lake_result.dataset
    _, u_form, _, u_persist = folds()
    inside = ds["lever"].values[(ds["lever"].values > u_persist + 0.01)
                                & (ds["lever"].values < u_form - 0.01)]
    assert inside.size > 50
    for u in inside:
        middle = equilibria(float(u))[1]
        low = float(ds["unstable_low"].sel(lever=u))
        high = float(ds["unstable_high"].sel(lever=u))
        assert low <= middle <= high
        assert float(ds["unstable"].sel(lever=u)) == pytest.approx(middle, rel=2e-3)
    outside = ds["unstable"].where((ds["lever"] < u_persist - 0.01)
                                   | (ds["lever"] > u_form + 0.01), drop=True)
    assert np.isnan(outside.values).all()


def test_outputs_follow_the_branches(lake_result: BifurcationResult) -> None:
    ds = lake_result.dataset
    size = ds["stable"].sel(quantity="Cluster Size").values
    order = ds["stable"].sel(quantity="Order Degree").values
    np.testing.assert_allclose(order, size / (size + 1.0), rtol=1e-6)


def test_takeoff_probability_rises_with_the_lever_and_widens_with_noise(
        lake_result: BifurcationResult) -> None:
    ds = lake_result.dataset
    _, u_form, _, u_persist = folds()
    probability = ds["takeoff_probability"]
    grid = ds["takeoff_lever"].values
    # Below persistence no high state exists: only a transient excursion at the
    # horizon counts, and with low noise none happens.
    assert (probability.values[0, grid < u_persist - 0.02] == 0).all()
    assert (probability.values[:, grid < u_persist - 0.02] <= 0.05).all()
    assert (probability.values[:, grid > u_form + 0.01] == 1).all()
    table = lake_result.thresholds_table().set_index("quantity")
    narrow = table.loc["take-off 5-95 % band (noise 0.5x)", "value"]
    wide = table.loc["take-off 5-95 % band (noise 2x)", "value"]
    assert wide > narrow > 0
    low, high = ds["takeoff_ci_low"].values, ds["takeoff_ci_high"].values
    assert (low <= probability.values).all() and (probability.values <= high).all()
    assert ds["noise_value"].values.ravel().tolist() == pytest.approx([0.025, 0.1])


def test_results_are_seeded_and_independent_of_block_size(
        lake: BatchModel, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = BifurcationSpec(lever="openness", state="Cluster Size", values=11,
                           initial_states=5, initial_range=(0.01, 3.0), horizon=100,
                           noise_levels=(2.0,), takeoff_values=6, members=40, seed=7)
    first = run_bifurcation(lake, spec).dataset
    monkeypatch.setattr(study, "MEMORY_BUDGET", 20_000)  # blocks of a few members
    second = run_bifurcation(lake, spec).dataset
    other = run_bifurcation(lake, BifurcationSpec(**{**spec.__dict__, "seed": 8})).dataset
    for name in ("end", "takeoff_reached", "unstable"):
        np.testing.assert_array_equal(first[name].values, second[name].values)
    assert not np.array_equal(first["takeoff_reached"].values, other["takeoff_reached"].values)
    assert first.attrs["seed"] == 7


def test_save_and_load_round_trip(lake_result: BifurcationResult, tmp_path: Path) -> None:
    path = lake_result.save(tmp_path / "bif.nc")
    loaded = BifurcationResult.load(path)
    assert loaded.formation == lake_result.formation
    assert json.loads(loaded.dataset.attrs["spec"])["lever"] == "openness"
    np.testing.assert_array_equal(loaded.dataset["end"].values,
                                  lake_result.dataset["end"].values)
    assert loaded.branches_table().shape == lake_result.branches_table().shape


def test_initial_state_is_set_through_the_initial_value_constant(lake: BatchModel) -> None:
    setting = initial_setting(lake, "cluster_size")
    assert (setting.stock, setting.constant, setting.default) == (
        "Cluster Size", "initial size", 0.05)
    assert setting.also_sets == ()


def test_a_literal_initial_value_cannot_be_set(tmp_path: Path) -> None:
    model = BatchModel.from_file(variant(tmp_path, "literal", "\t\tinitial size)", "\t\t0.05)"))
    with pytest.raises(AnalysisError, match="cannot override a stock's initial value"):
        initial_setting(model, "Cluster Size")


def test_an_initial_constant_that_changes_the_dynamics_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, "side", "openness * inflow scale",
                   "openness * inflow scale * initial size / 0.05")
    model = BatchModel.from_file(path)
    with pytest.raises(AnalysisError, match=r"'inflow'.*change the dynamics"):
        initial_setting(model, "Cluster Size")
    assert initial_setting(model, "Cluster Size", allow_side_effects=True).constant == (
        "initial size")


def test_unknown_names_name_the_closest_valid_ones(lake: BatchModel) -> None:
    with pytest.raises(UnknownVariableError, match=r"closest constants: 'openness'"):
        run_bifurcation(lake, BifurcationSpec(lever="opennes", state="Cluster Size"))
    with pytest.raises(UnknownVariableError, match="closest stocks: 'Cluster Size'"):
        run_bifurcation(lake, BifurcationSpec(lever="openness", state="Cluster Sizes"))
    with pytest.raises(UnknownVariableError, match="'growth' is a flow"):
        run_bifurcation(lake, BifurcationSpec(lever="growth", state="Cluster Size"))


def test_noise_needs_an_input_and_an_amplitude(tmp_path: Path) -> None:
    quiet = BatchModel.from_file(variant(tmp_path, "quiet", "white noise input", "shock"))
    spec = BifurcationSpec(lever="openness", state="Cluster Size", values=3, initial_states=2,
                           horizon=10)
    with pytest.raises(AnalysisError, match="no white-noise input"):
        run_bifurcation(quiet, spec)
    result = run_bifurcation(quiet, BifurcationSpec(**{**spec.__dict__, "noise_levels": ()}))
    assert "takeoff_probability" not in result.dataset
    assert result.takeoff_table().empty
    plain = BatchModel.from_file(variant(tmp_path, "plain", "noise sd", "fluctuation size"))
    with pytest.raises(AnalysisError, match="no noise-amplitude constant"):
        noise_parameters(plain)
    assert noise_parameters(plain, "fluctuation size") == ("fluctuation size",)


def test_absolute_noise_levels_set_the_amplitude(lake: BatchModel) -> None:
    spec = BifurcationSpec(lever="openness", state="Cluster Size", values=3, initial_states=2,
                           horizon=10, noise_levels=(0.0, 0.2), noise_relative=False,
                           takeoff_values=2, members=3)
    ds = run_bifurcation(lake, spec).dataset
    assert ds["noise_value"].values.ravel().tolist() == [0.0, 0.2]


@pytest.mark.parametrize(("change", "message"), [
    ({"values": 1}, "values must be at least 2"),
    ({"lever_range": (1.0, 0.0)}, "lever_range must be"),
    ({"initial_states": (1.0, 1.0)}, "two distinct initial states"),
    ({"horizon": -1.0}, "horizon must be a positive number"),
    ({"noise_levels": (-1.0,)}, "noise levels must be >= 0"),
    ({"initial_spacing": "cubic"}, "initial_spacing"),
    ({"seed": -1}, "seed must be at least 0"),
])
def test_bad_specs_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        BifurcationSpec(**{"lever": "openness", "state": "Cluster Size", **change})  # type: ignore[arg-type]


def test_ranges_default_to_the_declared_ones(lake: BatchModel) -> None:
    spec = BifurcationSpec(lever="openness", state="Cluster Size", values=3, initial_states=4,
                           horizon=10, noise_levels=())
    ds = run_bifurcation(LAKE, spec).dataset
    assert ds["lever"].values.tolist() == [0.0, 0.5, 1.0]
    # "initial size" is declared [0, 3]: log spacing starts at 3/1000.
    np.testing.assert_allclose(ds["initial"].values, np.geomspace(0.003, 3.0, 4))
    assert lake.default("initial size") == ds.attrs["initial_default"]
