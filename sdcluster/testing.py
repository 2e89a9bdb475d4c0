"""Helpers for tests that compare simulation results."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.results.dataset import Results

#: Relative tolerance of an engine-vs-PySD comparison (the engines agree to 1e-9), and
#: the absolute floor for values that are (close to) zero.
ENGINE_RTOL = 1e-9
ENGINE_ATOL = 1e-12


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


def assert_matches_pysd(
    batch: Mapping[str, np.ndarray],
    member: int,
    reference: pd.DataFrame,
    *,
    rtol: float = ENGINE_RTOL,
    atol: float = ENGINE_ATOL,
) -> None:
    """Assert that one member of a batch-engine run equals a PySD run, variable by variable.

    Parameters
    ----------
    batch : Mapping[str, numpy.ndarray]
        ``BatchModel.run_arrays`` output: per variable, an array (member x time).
    member : int
        The member to compare.
    reference : pandas.DataFrame
        PySD's ``run()`` output on the same time points, one column per variable
        to compare (every column is compared).
    rtol, atol : float
        Relative tolerance and absolute floor (for values close to zero), as in
        :func:`numpy.testing.assert_allclose`; the engines agree to 1e-9 by default.

    Raises
    ------
    AssertionError
        Naming the first variable and member that differ.

    """
    for column in reference.columns:
        np.testing.assert_allclose(
            batch[column][member],
            reference[column].to_numpy(dtype=float),
            rtol=rtol,
            atol=atol,
            err_msg=f"variable {column!r}, member {member}",
        )
