"""A batch run's arrays as a Dataset: the member × time layout.

:meth:`~sdcluster.engine.batch.BatchModel.run_arrays` returns plain arrays,
one ``(n_members, n_saved)`` array per model name;
:meth:`~sdcluster.engine.batch.BatchModel.run` checks that they are finite
(:func:`sdcluster.engine.finite.raise_on_non_finite`, naming the first time,
member and variable that are not) and wraps them in an :class:`xarray.Dataset`
with the variables' units, documentation, Python names and kinds
(:func:`member_dataset`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from sdcluster.engine.batch_variables import VariableInfo

__all__ = ["member_dataset"]

FloatArray = NDArray[np.float64]


def member_dataset(
    path: Path,
    info: Callable[[str], VariableInfo],
    arrays: Mapping[str, FloatArray],
    ids: NDArray[Any],
    labels: FloatArray,
) -> xr.Dataset:
    """Return the arrays as a Dataset of dimensions ``("member", "time")``.

    Parameters
    ----------
    path
        The model file, recorded in the ``model`` attribute.
    info
        Model name → the variable's description (``BatchModel.info``).
    arrays
        Model name → values, shape ``(n_members, n_saved)``.
    ids
        The members' labels, shape ``(n_members,)``.
    labels
        The saved times, shape ``(n_saved,)``.

    Returns
    -------
    xarray.Dataset
        One data variable per model name, with attributes ``units``,
        ``documentation``, ``python_name`` and ``kind``; the time coordinate
        carries INITIAL TIME's units.

    """
    data_vars = {}
    for name, values in arrays.items():
        variable = info(name)
        attrs = {
            "units": variable.units,
            "documentation": variable.documentation,
            "python_name": variable.python_name,
            "kind": variable.kind,
        }
        data_vars[name] = xr.Variable(("member", "time"), values, attrs=attrs)
    time_units = info("INITIAL TIME").units
    return xr.Dataset(
        data_vars,
        coords={
            "member": ("member", ids),
            "time": ("time", labels, {"units": time_units}),
        },
        attrs={"model": str(path), "engine": "sdcluster vectorized batch engine"},
    )
