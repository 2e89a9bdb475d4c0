"""Outcomes: the registry, the VARIABLE@... syntax, and their values on synthetic runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sdcluster.errors import AnalysisError, ScenarioError, UnknownVariableError
from sdcluster.model import load_model
from sdcluster.sensitivity import NAMED_OUTCOMES, evaluate_outcomes, parse_outcome

TIME = np.arange(0.0, 10.5, 0.5)


def _runs() -> xr.Dataset:
    """Three members: x = slope * t, and Order Degree jumping at t = 2, 6 and never."""
    slopes = np.array([1.0, 2.0, -1.0])
    jumps = np.array([2.0, 6.0, np.inf])[:, None]
    order = np.where(TIME[None, :] >= jumps, 0.5, 0.1)
    shape = order.shape
    return xr.Dataset(
        {"x": (("member", "time"), slopes[:, None] * TIME[None, :]),
         "Order Degree": (("member", "time"), order),
         "Innovative Firms": (("member", "time"), np.full(shape, 50.0)),
         "dS total": (("member", "time"), np.zeros(shape))},
        coords={"member": np.arange(3), "time": TIME},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x@end", [10.0, 20.0, -10.0]), ("x@2.25", [2.25, 4.5, -2.25]), ("x@3", [3.0, 6.0, -3.0]),
     ("x@max", [10.0, 20.0, 0.0]), ("x@min", [0.0, 0.0, -10.0]), ("x@mean", [5.0, 10.0, -5.0]),
     ("x@0", [0.0, 0.0, 0.0]), ("takeoff time", [2.0, 6.0, 10.0]), ("takeoff", [1.0, 1.0, 0.0]),
     ("final order", [0.5, 0.5, 0.1]), ("Final  Firms", [50.0, 50.0, 50.0]),
     ("takeoff_time", [2.0, 6.0, 10.0])],
)
def test_outcomes_on_known_series(text: str, expected: list[float]) -> None:
    outcome = parse_outcome(text)
    np.testing.assert_allclose(outcome.evaluate(_runs()), expected)


def test_every_named_outcome_parses() -> None:
    for name in NAMED_OUTCOMES:
        assert parse_outcome(name).variables


def test_outcome_names_are_checked_against_the_model(noise_model: Path) -> None:
    model = load_model(noise_model)
    assert parse_outcome("firms@END", model).name == "Firms@end"
    assert parse_outcome("Firms @ 7.50", model).time == 7.5
    with pytest.raises(UnknownVariableError, match="closest: 'Firms'"):
        parse_outcome("Firmz@end", model)
    with pytest.raises(ScenarioError, match="after '@' expected end, max, min, mean or a time"):
        parse_outcome("Firms@last", model)
    with pytest.raises(ScenarioError, match=r"expected VARIABLE@end.*closest: 'takeoff time'"):
        parse_outcome("takeof time", model)


def test_times_outside_the_run_and_missing_variables_are_errors() -> None:
    with pytest.raises(AnalysisError, match=r"time 11 is outside the run \[0, 10\]"):
        parse_outcome("x@11").evaluate(_runs())
    with pytest.raises(AnalysisError, match="'y' is not in the results"):
        parse_outcome("y@end").evaluate(_runs())


def test_evaluate_outcomes_averages_replicates_and_refuses_nan() -> None:
    runs = _runs().isel(member=[0, 1, 2, 2])
    table = evaluate_outcomes(runs, [parse_outcome("x@end")], replicates=2)
    np.testing.assert_allclose(table["x@end"].to_numpy(), [15.0, -10.0])
    assert table.index.name == "sample"
    with pytest.raises(AnalysisError, match="not a multiple of 3 replicates"):
        evaluate_outcomes(runs, [parse_outcome("x@end")], replicates=3)
    broken = _runs().copy(deep=True)
    broken["x"][1, -1] = np.nan
    with pytest.raises(AnalysisError, match="NaN for 1 members"):
        evaluate_outcomes(broken, [parse_outcome("x@end")])
