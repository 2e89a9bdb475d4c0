"""Helpers for tests that compare simulation results."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sdcluster.results.dataset import Results


def _as_dataset(value: Results | xr.Dataset) -> xr.Dataset:
    return value.dataset if isinstance(value, Results) else value


def assert_results_close(
    actual: Results | xr.Dataset,
    expected: Results | xr.Dataset,
    *,
    rtol: float = 1e-7,
    atol: float = 0.0,
) -> None:
    """Assert that two results hold the same variables, coordinates and close values.

    NaN equals NaN (a scenario that ends early is NaN-padded). Attributes and
    metadata are not compared.

    Parameters
    ----------
    actual, expected : Results or xarray.Dataset
        The results to compare.
    rtol, atol : float
        Relative and absolute tolerance, as in :func:`numpy.testing.assert_allclose`.

    Raises
    ------
    AssertionError
        Naming the missing or extra variables, the differing coordinate, the
        variable whose dimensions differ, or the variable whose values differ.

    """
    left, right = _as_dataset(actual), _as_dataset(expected)
    missing = sorted(set(map(str, right.data_vars)) - set(map(str, left.data_vars)))
    extra = sorted(set(map(str, left.data_vars)) - set(map(str, right.data_vars)))
    if missing or extra:
        raise AssertionError(f"variables differ: missing {missing}, extra {extra}")
    for name in right.coords:
        if name not in left.coords:
            raise AssertionError(f"coordinate {name!r} missing")
        _assert_coordinate_equal(str(name), left[name].values, right[name].values)
    for name in right.data_vars:
        if set(left[name].dims) != set(right[name].dims):
            raise AssertionError(f"variable {name!r}: dims {left[name].dims} != {right[name].dims}")
        left_values = left[name].transpose(*right[name].dims).values
        np.testing.assert_allclose(left_values, right[name].values, rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=f"variable {name!r}")


def _assert_coordinate_equal(name: str, left: np.ndarray, right: np.ndarray) -> None:
    if left.shape != right.shape:
        raise AssertionError(f"coordinate {name!r}: shape {left.shape} != {right.shape}")
    if np.issubdtype(right.dtype, np.number):
        np.testing.assert_allclose(left, right, rtol=1e-12, err_msg=f"coordinate {name!r}")
    elif [str(v) for v in left] != [str(v) for v in right]:
        raise AssertionError(f"coordinate {name!r}: {list(left)} != {list(right)}")
