"""The batch engine's clock: the time points of a run, chosen as PySD chooses them.

PySD's ``Model.run`` evaluates the equations at the initial time, then at
``time + TIME STEP`` accumulated step by step up to FINAL TIME, and records
outputs at multiples of SAVEPER from the initial time, all within a relative
precision of :data:`TIME_PRECISION`. :class:`TimeSchedule` reproduces that
grid so the batch engine integrates and saves at exactly PySD's times (the
browser script of :mod:`sdcluster.engine.batch_js` computes the same grid).

This is the clock of a run; how a scenario's steps become series on that
clock is :mod:`sdcluster.experiments.inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sdcluster.errors import SpecError

__all__ = ["TIME_PRECISION", "TimeSchedule"]

FloatArray = NDArray[np.float64]

#: PySD's ``Time.rprec``: relative precision (in TIME STEPs) for final and saving times.
TIME_PRECISION = 1e-5


@dataclass(frozen=True)
class TimeSchedule:
    """The time points of one run, chosen as PySD chooses them.

    Attributes
    ----------
    times
        Every time at which equations are evaluated: the initial time, then
        ``time + time_step`` accumulated step by step (as PySD does), up to
        the final time. Exogenous input series are indexed on this grid.
    saved
        Boolean mask over ``times``: where PySD records outputs (multiples
        of SAVEPER from the initial time, within ``1e-5 * time_step``).
    labels
        The saved times rounded as PySD rounds its output index.
    time_step
        The integration step.

    """

    times: FloatArray
    saved: NDArray[np.bool_]
    labels: FloatArray
    time_step: float

    @classmethod
    def pysd(cls, initial: float, final: float, time_step: float, saveper: float) -> TimeSchedule:
        """Build the schedule PySD's ``Model.run`` follows for these control values.

        Parameters
        ----------
        initial, final
            INITIAL TIME and FINAL TIME.
        time_step
            TIME STEP, positive.
        saveper
            SAVEPER, positive.

        Returns
        -------
        TimeSchedule
            The grid, its saving mask and the saved times' labels.

        Raises
        ------
        SpecError
            If TIME STEP or SAVEPER is not positive.

        """
        if not time_step > 0 or not saveper > 0:
            raise SpecError(
                f"TIME STEP ({time_step!r}) and SAVEPER ({saveper!r}) must be positive"
            )
        precision = time_step * TIME_PRECISION
        times = [initial]
        time = initial
        while time + precision < final:  # Time.in_bounds
            time = time + time_step
            times.append(time)
        saved = [
            (t - initial) % saveper < precision or -(t - initial) % saveper < precision
            for t in times
        ]  # Time.in_return
        grid = np.array(times, dtype=np.float64)
        mask = np.array(saved, dtype=bool)
        labels = np.round(grid[mask], -int(np.log10(precision)))  # Time.round
        return cls(times=grid, saved=mask, labels=labels, time_step=time_step)
