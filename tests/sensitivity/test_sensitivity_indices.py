"""Sensitivity indices against known answers, and whole studies on test models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdcluster.analysis.sensitivity import INDEX_COLUMNS, morris_indices, sobol_indices
from sdcluster.engine.executors import DaskExecutor
from sdcluster.engine.options import RunOptions
from sdcluster.errors import SensitivityWarning
from sdcluster.experiments.designs import morris_design, sobol_design
from sdcluster.experiments.ranges import problem_from_model
from sdcluster.experiments.sensitivity import SensitivitySpec
from sdcluster.studies.sensitivity import SensitivityResult, run_sensitivity

COEFFICIENTS = np.array([1.0, 2.0, 3.0])  # response = x1 + 2 x2 + 3 x3 in ensemble_linear.mdl
# Explicit tolerance for Saltelli's estimators at N = 512 on a linear response.
SOBOL_ATOL = 0.02


def _analytic_first_order(widths: np.ndarray) -> np.ndarray:
    """S_i = a_i^2 Var(x_i) / sum_j a_j^2 Var(x_j) for independent uniform inputs."""
    variances = (COEFFICIENTS * widths) ** 2 / 12.0
    return variances / variances.sum()


def _index(table: pd.DataFrame, outcome: str, index: str) -> pd.DataFrame:
    return table[(table["outcome"] == outcome) & (table["index"] == index)]


def test_sobol_indices_of_a_linear_model_match_the_analytic_values(linear_model: Path) -> None:
    problem = problem_from_model(linear_model, {"x1": None, "x2": (0.0, 0.5), "x3": None})
    spec = SensitivitySpec(problem=problem, n=512, seed=3,
                           outcomes=("response@end", "Accumulated@2"), noise=False)
    result = run_sensitivity(linear_model, spec)
    assert list(result.indices.columns) == list(INDEX_COLUMNS)
    assert result.design.n_samples == 512 * 8 == len(result.outcomes)
    expected = _analytic_first_order(np.array([1.0, 0.5, 1.0]))
    for outcome in ("response@end", "Accumulated@2"):
        for index in ("S1", "ST"):
            rows = _index(result.indices, outcome, index)
            assert list(rows["parameter"]) == ["x1", "x2", "x3"]
            np.testing.assert_allclose(rows["estimate"], expected, atol=SOBOL_ATOL)
            assert np.all(rows["ci_low"] <= rows["estimate"])
            assert np.all(rows["estimate"] <= rows["ci_high"])
        second = _index(result.indices, outcome, "S2")
        assert list(zip(second["parameter"], second["parameter_2"], strict=True)) == [
            ("x1", "x2"), ("x1", "x3"), ("x2", "x3")]
        np.testing.assert_allclose(second["estimate"], 0.0, atol=SOBOL_ATOL)
    # Accumulated at t = 2 is 2 * response: the same indices.
    outcomes = result.outcomes
    np.testing.assert_allclose(outcomes["Accumulated@2"], 2 * outcomes["response@end"])


def test_sobol_indices_from_a_plain_function() -> None:
    from sdcluster.experiments.designs import ParameterRange, SensitivityProblem

    problem = SensitivityProblem(parameters=tuple(
        ParameterRange(name=f"x{i}", low=0.0, high=1.0) for i in (1, 2, 3)))
    design = sobol_design(problem, 512, seed=5, second_order=False)
    y = design.values @ COEFFICIENTS
    table = sobol_indices(problem, y, second_order=False, seed=1)
    assert set(table["index"]) == {"S1", "ST"}
    np.testing.assert_allclose(table[table["index"] == "S1"]["estimate"],
                               _analytic_first_order(np.ones(3)), atol=SOBOL_ATOL)
    # Seed 0 (the command's default) fixes the bootstrap intervals as any other seed does.
    zero = sobol_indices(problem, y, second_order=False, seed=0)
    pd.testing.assert_frame_equal(sobol_indices(problem, y, second_order=False, seed=0), zero)


def test_morris_elementary_effects_of_a_linear_model(linear_model: Path) -> None:
    problem = problem_from_model(linear_model, {"x1": None, "x2": (0.0, 0.5), "x3": None})
    spec = SensitivitySpec(problem=problem, method="morris", n=10,
                           seed=2, outcomes=("response@end",), noise=False)
    result = run_sensitivity(linear_model, spec)
    assert result.design.n_samples == 10 * 4
    # A linear response has constant elementary effects: a_i times the range width.
    effects = COEFFICIENTS * np.array([1.0, 0.5, 1.0])
    mu_star = _index(result.indices, "response@end", "mu_star")
    np.testing.assert_allclose(mu_star["estimate"], effects, rtol=1e-9)
    np.testing.assert_allclose(_index(result.indices, "response@end", "mu")["estimate"],
                               effects, rtol=1e-9)
    np.testing.assert_allclose(_index(result.indices, "response@end", "sigma")["estimate"],
                               0.0, atol=1e-9)
    assert mu_star["confidence"].notna().all()


@pytest.mark.parametrize("method", ["monte carlo", "latin hypercube"])
def test_rank_correlations_order_the_parameters(linear_model: Path, method: str) -> None:
    problem = problem_from_model(linear_model, ["x1", "x2", "x3"])
    spec = SensitivitySpec(problem=problem, method=method,  # type: ignore[arg-type]
                           n=300, seed=4, outcomes=("response@end",), noise=False)
    rows = _index(run_sensitivity(linear_model, spec).indices, "response@end", "spearman")
    estimates = rows["estimate"].to_numpy()
    assert 0 < estimates[0] < estimates[1] < estimates[2] < 1
    assert np.all(rows["ci_low"] < estimates) and np.all(estimates < rows["ci_high"])
    assert set(rows["method"]) == {method}


def test_an_outcome_that_never_varies_gives_nan_and_a_warning(linear_model: Path) -> None:
    problem = problem_from_model(linear_model, ["x1", "x2"])
    spec = SensitivitySpec(problem=problem, n=8, seed=1,
                           outcomes=("x3@end",), noise=False, method="morris")
    with pytest.warns(SensitivityWarning, match="'x3@end' is the same for every sample"):
        result = run_sensitivity(linear_model, spec)
    assert result.indices["estimate"].isna().all()
    with pytest.warns(SensitivityWarning):
        nan_sobol = sobol_indices(problem, np.ones(8 * 6))
    assert nan_sobol["estimate"].isna().all()
    assert list(nan_sobol["index"]) == ["S1", "S1", "ST", "ST", "S2"]  # the usual rows
    design = morris_design(problem, 4, seed=1)
    with pytest.warns(SensitivityWarning):
        morris_indices(problem, design, np.ones(design.n_samples))


def test_every_sample_sees_the_same_noise(noise_model: Path) -> None:
    problem = problem_from_model(noise_model, ["openness", "growth rate"])
    options = {"problem": problem, "method": "latin hypercube",
               "n": 6, "outcomes": ("Firms@end", "Noise Level@end")}
    def study(**extra: object) -> SensitivityResult:
        # Noise Level@end does not vary with the parameters, hence a warning each time.
        with pytest.warns(SensitivityWarning, match="Noise Level@end"):
            return run_sensitivity(noise_model, SensitivitySpec(seed=1, **options, **extra))  # type: ignore[arg-type]

    result = study()
    dataset = result.results.dataset
    assert set(dataset["noise_stream"].values) == {0}
    # The noise does not depend on the parameters: every sample has the same pink noise.
    assert result.outcomes["Noise Level@end"].nunique() == 1
    again = study()
    pd.testing.assert_frame_equal(again.outcomes, result.outcomes)
    replicated = study(replicates=3)
    assert replicated.results.dataset.sizes["member"] == 18 and len(replicated.outcomes) == 6
    assert replicated.results.metadata["sensitivity"]["replicates"] == 3
    np.testing.assert_array_equal(replicated.results.dataset["noise_stream"].values,
                                  np.tile([0, 1, 2], 6))


def test_a_study_on_a_local_dask_cluster_equals_the_local_one(linear_model: Path) -> None:
    problem = problem_from_model(linear_model, ["x1", "x2", "x3"])
    spec = SensitivitySpec(problem=problem, n=16, seed=2,
                           outcomes=("response@end",), noise=False)
    local = run_sensitivity(linear_model, spec, RunOptions(chunk_size=40))
    with DaskExecutor(n_workers=2, processes=False) as executor:
        distributed = run_sensitivity(linear_model, spec,
                                      RunOptions(chunk_size=40, executor=executor))
    pd.testing.assert_frame_equal(distributed.outcomes, local.outcomes)
    pd.testing.assert_frame_equal(distributed.indices, local.indices)
