"""Sensitivity problems and designs: declared ranges, bad input, sizes, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sdcluster.errors import SensitivityWarning, SpecError, UnknownVariableError
from sdcluster.experiments.designs import (
    ParameterRange,
    SensitivityProblem,
    latin_hypercube,
    make_design,
    monte_carlo,
    morris_design,
    sobol_design,
)
from sdcluster.experiments.ranges import problem_from_model
from sdcluster.experiments.sensitivity import SensitivitySpec


@pytest.fixture(scope="module")
def problem() -> SensitivityProblem:
    return SensitivityProblem(parameters=(
        ParameterRange(name="a", low=0.0, high=1.0),
        ParameterRange(name="b", low=-2.0, high=2.0),
        ParameterRange(name="c", low=10.0, high=20.0),
    ))


def test_declared_ranges_are_the_default_and_can_be_narrowed(noise_model: Path) -> None:
    found = problem_from_model(noise_model, {"Openness": None, "capacity": (100.0, 400.0)})
    assert found.names == ("openness", "capacity")
    np.testing.assert_array_equal(found.bounds, [[0.0, 1.0], [100.0, 400.0]])
    assert found.salib() == {"num_vars": 2, "names": ["openness", "capacity"],
                             "bounds": [[0.0, 1.0], [100.0, 400.0]]}


@pytest.mark.parametrize(
    ("parameters", "error", "message"),
    [
        ({"opennes": None}, UnknownVariableError, "closest: 'openness'"),
        ({"openness": (0.5, 1.5)}, SpecError, r"\[0.5, 1.5\] is outside the declared range"),
        ({"open ended": None}, SpecError, r"no closed declared range \(\[0, \?\]\)"),
        ({"white noise input": None}, SpecError, r"no closed declared range \(none\)"),
        ({"crowding": None}, SpecError, "is an auxiliary; only constants"),
        ({"openness": (0.8, 0.2)}, SpecError, "low < high"),
        ({}, SpecError, "at least one parameter"),
    ],
)
def test_bad_parameters_are_refused(noise_model: Path, parameters: dict[str, object],
                                    error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        problem_from_model(noise_model, parameters)  # type: ignore[arg-type]


def test_an_open_ended_range_is_fine_once_given(noise_model: Path) -> None:
    found = problem_from_model(noise_model, {"open ended": (1.0, 50.0)})
    assert found.parameters == (ParameterRange(name="open ended", low=1.0, high=50.0),)


def test_repeated_parameters_are_refused() -> None:
    twice = ParameterRange(name="a", low=0.0, high=1.0)
    with pytest.raises(SpecError, match="parameters repeat: a"):
        SensitivityProblem(parameters=(twice, twice))


@pytest.mark.parametrize(
    ("method", "rows"),
    [("sobol", 16 * (2 * 3 + 2)), ("morris", 16 * (3 + 1)), ("latin hypercube", 16),
     ("monte carlo", 16)],
)
def test_designs_have_the_documented_size_stay_in_bounds_and_repeat_by_seed(
    problem: SensitivityProblem, method: str, rows: int,
) -> None:
    design = make_design(problem, method, 16, seed=4)
    assert design.values.shape == (rows, 3) and design.names == problem.names
    assert design.method == method and design.seed == 4
    bounds = problem.bounds
    assert np.all(design.values >= bounds[:, 0]) and np.all(design.values <= bounds[:, 1])
    np.testing.assert_array_equal(make_design(problem, method, 16, seed=4).values, design.values)
    assert not np.array_equal(make_design(problem, method, 16, seed=5).values, design.values)


def test_sobol_without_second_order_is_smaller(problem: SensitivityProblem) -> None:
    assert sobol_design(problem, 8, seed=1, second_order=False).n_samples == 8 * (3 + 2)


def test_sobol_warns_when_n_is_not_a_power_of_two(problem: SensitivityProblem) -> None:
    with pytest.warns(SensitivityWarning, match="N = 12 is not a power of 2.*16 or 8"):
        design = sobol_design(problem, 12, seed=1)
    assert design.n_samples == 12 * 8


def test_a_latin_hypercube_has_one_sample_per_stratum(problem: SensitivityProblem) -> None:
    design = latin_hypercube(problem, 10, seed=3)
    bounds = problem.bounds
    strata = np.floor((design.values - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) * 10)
    for column in strata.T:
        assert sorted(column.astype(int)) == list(range(10))


def test_monte_carlo_and_morris_sizes_are_checked(problem: SensitivityProblem) -> None:
    with pytest.raises(SpecError, match="sensitivity: n must be at least 1"):
        monte_carlo(problem, 0)
    with pytest.raises(SpecError, match="sensitivity: levels must be at least 2"):
        morris_design(problem, 4, levels=1)
    with pytest.raises(SpecError, match=r"unknown method 'sobel'.*closest: 'sobol'"):
        make_design(problem, "sobel", 8)


def test_a_spec_checks_its_options(problem: SensitivityProblem) -> None:
    with pytest.raises(SpecError, match="at least one outcome"):
        SensitivitySpec(problem=problem, outcomes=())
    with pytest.raises(SpecError, match="unknown method"):
        SensitivitySpec(problem=problem, outcomes=("x@end",),
                        method="fast")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="confidence_level"):
        SensitivitySpec(problem=problem, outcomes=("x@end",),
                        confidence_level=95)
    # Refused before any model is given.
    with pytest.raises(SpecError, match="sensitivity: seed must be at least 0"):
        SensitivitySpec(problem=problem, outcomes=("x@end",), seed=-1)
    with pytest.raises(SpecError, match="sensitivity: levels must be at least 2"):
        SensitivitySpec(problem=problem, outcomes=("x@end",),
                        levels=1)
    spec = SensitivitySpec(problem=problem, outcomes=("x@end",),
                           n=np.int64(8), seed=np.int64(1))
    assert type(spec.n) is int and type(spec.seed) is int
