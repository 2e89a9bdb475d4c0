"""What an analysis needs from a results dataset, and one clear error when it is missing.

Results datasets (see ``sdcluster.results.dataset``) hold one data variable per model
variable, keyed by its Vensim name, over a ``"time"`` dimension plus any
leading dimensions (``"scenario"``, ``"member"``, ...). The helpers here check
that contract and give every analysis the same way to say what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr

from sdcluster.errors import AnalysisError, closest_names

TIME_DIM = "time"


def require_variables(ds: xr.Dataset, names: Iterable[str], purpose: str) -> None:
    """Raise if ``ds`` lacks any of the model variables ``names``.

    Parameters
    ----------
    ds : xarray.Dataset
        Results dataset.
    names : iterable of str
        Vensim names of the variables the analysis reads.
    purpose : str
        What the analysis is, for the message (e.g. ``"phase classification"``).

    Raises
    ------
    AnalysisError
        Naming every missing variable, each with the closest names present.

    """
    present = [str(name) for name in ds.data_vars]
    missing = [name for name in names if name not in ds.data_vars]
    if not missing:
        return
    described = []
    for name in missing:
        close = closest_names(name, present)
        hint = f" (closest: {', '.join(repr(c) for c in close)})" if close else ""
        described.append(f"{name!r}{hint}")
    raise AnalysisError(
        f"{purpose} needs model variables missing from the dataset: {', '.join(described)}"
    )


def require_time(ds: xr.Dataset | xr.DataArray, *, min_points: int = 1) -> np.ndarray:
    """Return the time coordinate as floats after checking it.

    Parameters
    ----------
    ds : xarray.Dataset or xarray.DataArray
        Data with a ``"time"`` dimension.
    min_points : int
        Fewest time points the caller can work with.

    Returns
    -------
    numpy.ndarray
        Time values, strictly increasing.

    Raises
    ------
    AnalysisError
        If there is no ``"time"`` dimension, too few points, or time does not
        strictly increase.

    """
    if TIME_DIM not in ds.dims:
        raise AnalysisError(
            f"results data: expected a {TIME_DIM!r} dimension, found dims {tuple(ds.dims)}"
        )
    if TIME_DIM in ds.coords:
        time = np.asarray(ds[TIME_DIM].values, dtype=float)
    else:
        time = np.arange(ds.sizes[TIME_DIM], dtype=float)
    if time.size < min_points:
        raise AnalysisError(
            f"results data: expected at least {min_points} time points, found {time.size}"
        )
    if time.size > 1 and not np.all(np.diff(time) > 0):
        raise AnalysisError("results data: expected the time coordinate to strictly increase")
    return time


def time_last(da: xr.DataArray) -> xr.DataArray:
    """Return ``da`` with ``"time"`` as its last dimension (other dims keep their order)."""
    return da.transpose(..., TIME_DIM)


def aligned_time_last(ds: xr.Dataset, names: Iterable[str]) -> list[xr.DataArray]:
    """Return the named variables broadcast against each other, time last, as floats.

    Constants stored without some leading dimension are broadcast, so every
    returned array has the same dims and shape.
    """
    arrays = xr.broadcast(*(ds[name].astype(float) for name in names))
    order = [*(dim for dim in arrays[0].dims if dim != TIME_DIM), TIME_DIM]
    return [array.transpose(*order) for array in arrays]
