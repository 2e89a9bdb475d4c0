"""The one check that a run's values are finite, for every engine.

PySD, pysimlin and the batch engine all refuse a run in which a variable
becomes NaN or infinite with :func:`raise_on_non_finite`: it names the first
time at which any variable is not finite, that variable, its value there and,
for an ensemble, the first member concerned and how many are, in the message
and as the fields of :class:`~sdcluster.errors.SimulationError` (``scenario``,
``member``, ``time``, ``variable``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sdcluster.errors import SimulationError

__all__ = ["raise_on_non_finite"]


def raise_on_non_finite(
    arrays: Mapping[str, ArrayLike],
    times: ArrayLike,
    *,
    where: str,
    scenario: str | None = None,
    members: ArrayLike | None = None,
    nan_allowed: Collection[str] = frozenset(),
) -> None:
    """Raise if any value is NaN or infinite, naming the first time it happens.

    Parameters
    ----------
    arrays : Mapping of str to array_like
        Model name → values, time first: shape ``(T, ...)``; with ``members``,
        shape ``(T, N)`` (pass a batch run's ``(N, T)`` arrays transposed).
    times : array_like
        The times of the first axis, shape ``(T,)``.
    where : str
        What ran, the message's prefix (``"scenario 'base'"``, a model file's name).
    scenario : str, optional
        The scenario's name, for the error's field.
    members : array_like, optional
        The members' labels, shape ``(N,)``, when the second axis is the member axis.
    nan_allowed : Collection of str, default empty
        Variables that may be NaN by construction (Vensim's ``:NA:``); only
        infinity counts in them.

    Raises
    ------
    SimulationError
        ``"<where>: '<variable>' became <value> at time <t>"``, with, for an
        ensemble, ``" in member <id> (<k> of <N> members)"``. The variable is
        the first in ``arrays`` order among those not finite at the earliest
        such time; its fields carry ``scenario``, ``member`` (``None`` without
        ``members``), ``time`` and ``variable``.

    """
    first: tuple[int, str, NDArray[np.bool_]] | None = None
    for name, values in arrays.items():
        array = np.asarray(values)
        good = ~np.isinf(array) if name in nan_allowed else np.isfinite(array)
        if good.all():
            continue
        bad = ~good.reshape(array.shape[0], -1)
        step = int(np.argmax(bad.any(axis=1)))
        if first is None or step < first[0]:
            first = (step, str(name), bad)
    if first is None:
        return
    step, name, bad = first
    time = float(np.asarray(times)[step])
    row = np.asarray(arrays[name]).reshape(bad.shape)[step]
    column = int(np.argmax(bad[step]))
    message = f"{where}: {name!r} became {row[column]} at time {time:g}"
    member: object | None = None
    if members is not None:
        ids = np.asarray(members)
        label = ids[column]
        member = label.item() if hasattr(label, "item") else label
        message += (f" in member {member!r} ({int(bad.any(axis=0).sum())} of {ids.size} "
                    "members)")
    raise SimulationError(message, scenario=scenario, member=member, time=time, variable=name)
