"""The one finiteness check of every engine (sdcluster.engine.finite)."""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.engine.finite import raise_on_non_finite
from sdcluster.errors import SimulationError

TIMES = np.array([0.0, 0.5, 1.0, 1.5])


def test_finite_values_pass() -> None:
    raise_on_non_finite({"a": np.ones(4), "b": np.zeros((4, 3))}, TIMES, where="x")


def test_the_earliest_time_is_named_with_its_variable_and_value() -> None:
    late = np.array([1.0, 1.0, 1.0, np.nan])
    early = np.array([1.0, np.inf, np.inf, np.inf])
    with pytest.raises(SimulationError) as raised:
        raise_on_non_finite({"late": late, "early": early}, TIMES,
                            where="scenario 'base'", scenario="base")
    assert str(raised.value) == "scenario 'base': 'early' became inf at time 0.5"
    error = raised.value
    assert (error.scenario, error.member, error.time, error.variable) == (
        "base", None, 0.5, "early")


def test_an_ensemble_names_the_first_member_and_how_many() -> None:
    values = np.ones((4, 3))  # time x member
    values[2, 1] = -np.inf
    values[3, 2] = np.nan
    with pytest.raises(SimulationError) as raised:
        raise_on_non_finite({"Stock": values}, TIMES, where="m.mdl",
                            members=np.array([10, 11, 12]))
    assert str(raised.value) == ("m.mdl: 'Stock' became -inf at time 1 in member 11 "
                                 "(2 of 3 members)")
    assert raised.value.member == 11 and type(raised.value.member) is int


def test_nan_may_be_allowed_but_infinity_never() -> None:
    missing = np.array([np.nan, np.nan, 1.0, 1.0])
    raise_on_non_finite({"measured": missing}, TIMES, where="x", nan_allowed={"measured"})
    subscripted = np.ones((4, 2))
    subscripted[1] = [np.nan, np.inf]
    with pytest.raises(SimulationError, match=r"'ratio' became inf at time 0\.5"):
        raise_on_non_finite({"ratio": subscripted}, TIMES, where="x", nan_allowed={"ratio"})
