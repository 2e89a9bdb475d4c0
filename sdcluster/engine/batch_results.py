"""A batch run's arrays as a Dataset: the finiteness check and the member × time layout.

:meth:`~sdcluster.engine.batch.BatchModel.run_arrays` returns plain arrays,
one ``(n_members, n_saved)`` array per model name;
:meth:`~sdcluster.engine.batch.BatchModel.run` checks that they are finite
(:func:`check_finite`, naming the first member and time that are not) and
wraps them in an :class:`xarray.Dataset` with the variables' units,
documentation, Python names and kinds (:func:`member_dataset`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from sdcluster.engine.batch_variables import VariableInfo
from sdcluster.errors import SimulationError

__all__ = ["check_finite", "member_dataset"]

FloatArray = NDArray[np.float64]


def check_finite(
    path: Path, arrays: Mapping[str, FloatArray], ids: NDArray[Any], labels: FloatArray
) -> None:
    """Raise if any returned value is NaN or infinite.

    Parameters
    ----------
    path
        The model file, named in the message.
    arrays
        Model name → values, shape ``(n_members, n_saved)``.
    ids
        The members' labels, shape ``(n_members,)``.
    labels
        The saved times, shape ``(n_saved,)``.

    Raises
    ------
    SimulationError
        Naming the variable, how many members, and the first member and its
        first time that are not finite (also as the error's fields).

    """
    for name, values in arrays.items():
        if np.isfinite(values.T).all():  # .T: the buffer's contiguous order, faster
            continue
        bad = ~np.isfinite(values)
        members = np.flatnonzero(bad.any(axis=1))
        first = members[0]
        time = labels[np.flatnonzero(bad[first])[0]]
        raise SimulationError(
            f"{path.name}: {name!r} is NaN or infinite for {len(members)} of "
            f"{len(ids)} members (first: member {ids[first]!r} at time {time!r})",
            member=ids[first].item() if hasattr(ids[first], "item") else ids[first],
            time=float(time), variable=str(name),
        )


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
    arrays, ids, labels
        As for :func:`check_finite`.

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
