"""The public testing helper."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sdcluster.results.dataset import Results
from sdcluster.testing import assert_results_close


def _dataset(values: list[float], names: tuple[str, ...] = ("a", "b"),
             times: tuple[float, ...] = (0.0, 1.0)) -> xr.Dataset:
    return xr.Dataset({n: ("time", np.asarray(values, dtype=float)) for n in names},
                      coords={"time": list(times)})


def test_equal_results_pass_and_nan_equals_nan() -> None:
    left = Results(dataset=_dataset([1.0, np.nan]))
    assert_results_close(left, _dataset([1.0, np.nan]))


def test_values_within_tolerance_pass() -> None:
    assert_results_close(_dataset([1.0, 2.0]), _dataset([1.0, 2.001]), rtol=1e-3)


def test_values_outside_tolerance_name_the_variable() -> None:
    with pytest.raises(AssertionError, match="variable 'a'"):
        assert_results_close(_dataset([1.0, 2.0]), _dataset([1.0, 2.1]), rtol=1e-3)


def test_missing_and_extra_variables() -> None:
    with pytest.raises(AssertionError, match=r"missing \['b'\], extra \['c'\]"):
        assert_results_close(_dataset([1, 2], ("a", "c")), _dataset([1, 2]))


def test_different_time_axes() -> None:
    with pytest.raises(AssertionError, match="coordinate 'time'"):
        assert_results_close(_dataset([1, 2], times=(0.0, 2.0)), _dataset([1, 2]))
    with pytest.raises(AssertionError, match="shape"):
        assert_results_close(_dataset([1, 2, 3], times=(0.0, 1.0, 2.0)), _dataset([1, 2]))


def test_different_scenario_labels() -> None:
    def labelled(labels: list[str]) -> xr.Dataset:
        return xr.Dataset({"a": (("scenario", "time"), [[1.0], [2.0]])},
                          coords={"scenario": labels, "time": [0.0]})

    with pytest.raises(AssertionError, match="coordinate 'scenario'"):
        assert_results_close(labelled(["x", "y"]), labelled(["x", "z"]))


def test_different_dimensions_name_the_variable() -> None:
    runs = xr.Dataset({"a": (("scenario", "time"), [[1.0, 2.0]])},
                      coords={"scenario": ["x"], "time": [0.0, 1.0]})
    with pytest.raises(AssertionError, match=r"variable 'a': dims \('scenario', 'time'\) != "
                                             r"\('time',\)"):
        assert_results_close(runs, runs.isel(scenario=0, drop=True))
