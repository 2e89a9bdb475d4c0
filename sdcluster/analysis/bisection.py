"""Narrowing brackets around a change of outcome: bisection and k-section, the one copy.

A *bracket* ``[lower, upper]`` holds a change: the outcome at ``lower`` is
"low", at ``upper`` "high" (whatever the two words mean to the caller: a run
that does not self-organize and one that does, a basin left and right of a
separatrix, a loop that does not dominate and one that does). Each round
evaluates ``points`` interior points of every bracket and keeps the first
low-to-high change among them, so a bracket shrinks by ``points + 1`` a round;
``points = 1`` is bisection.

The functions take the outcome as a callable and never run anything
themselves: the studies pass a callable that runs the model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sdcluster.errors import SpecError
from sdcluster.experiments.counts import check_count

__all__ = ["bisect", "k_section", "narrow_brackets", "section_points"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: ``is_high(rows, points)``: for the brackets ``rows`` (indices) and their interior
#: ``points`` (shape ``(len(rows), k)``), whether each point's outcome is high.
HighOutcome = Callable[[NDArray[np.intp], FloatArray], ArrayLike]


def section_points(lower: FloatArray, upper: FloatArray, count: int, *,
                   log: bool = False) -> FloatArray:
    """Return ``count`` points strictly inside each bracket, evenly (or log-evenly) spaced.

    One point is the midpoint ``(lower + upper) / 2`` (the geometric mean with
    ``log``).

    Returns
    -------
    ndarray
        Shape ``(n, count)``.

    """
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if log and np.all(lower > 0):
        fractions = np.arange(1, count + 1) / (count + 1)
        return np.exp(np.log(lower)[:, None] + np.log(upper / lower)[:, None] * fractions)
    if count == 1:
        return ((lower + upper) / 2)[:, None]
    fractions = np.arange(1, count + 1) / (count + 1)
    return lower[:, None] + (upper - lower)[:, None] * fractions


def narrow_brackets(lower: FloatArray, upper: FloatArray, points: FloatArray,
                    high: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Shrink each bracket to the first low-to-high change among its interior points.

    ``high[i, j]`` tells whether the outcome at ``points[i, j]`` is high; the
    bracket ends are known to be low and high.
    """
    grid = np.column_stack([lower, points, upper])
    outcome = np.column_stack([np.zeros_like(lower, dtype=bool), high,
                               np.ones_like(upper, dtype=bool)])
    first_high = np.argmax(outcome, axis=1)  # there is always one: the upper end
    rows = np.arange(grid.shape[0])
    return grid[rows, first_high - 1], grid[rows, first_high]


def k_section(lower: ArrayLike, upper: ArrayLike, is_high: HighOutcome, *, points: int = 1,
              rounds: int | None = None, tolerance: float | None = None,
              log: bool = False) -> tuple[FloatArray, FloatArray]:
    """Narrow many brackets at once, ``points`` interior points per bracket and round.

    Parameters
    ----------
    lower, upper : array_like
        The brackets, shape ``(n,)``; brackets with a NaN end are left alone.
    is_high : callable
        ``is_high(rows, points)`` returns, for the brackets ``rows`` still
        being narrowed and their interior points (``(len(rows), points)``),
        whether the outcome at each point is high.
    points : int
        Interior points per bracket and round (1: bisection).
    rounds : int, optional
        Stop after this many rounds.
    tolerance : float, optional
        Stop narrowing a bracket once it is at most this wide.
    log : bool
        Spread the points evenly in ``log`` (when every lower end is positive).

    Returns
    -------
    lower, upper : ndarray
        The narrowed brackets.

    Raises
    ------
    SpecError
        If neither ``rounds`` nor a positive ``tolerance`` bounds the search,
        or ``points`` < 1.

    """
    if rounds is None and (tolerance is None or not tolerance > 0):
        raise SpecError("k-section: give rounds or a positive tolerance, "
                        f"got rounds={rounds!r}, tolerance={tolerance!r}")
    points = check_count("points", points, context="k-section: ")
    low = np.array(lower, dtype=np.float64, ndmin=1)
    high = np.array(upper, dtype=np.float64, ndmin=1)
    done = 0
    while rounds is None or done < rounds:
        active = np.isfinite(low) & np.isfinite(high)
        if tolerance is not None:
            active &= high - low > tolerance
        rows = np.flatnonzero(active)
        if not rows.size:
            break
        inner = section_points(low[rows], high[rows], points, log=log)
        outcome = np.asarray(is_high(rows, inner), dtype=bool).reshape(inner.shape)
        low[rows], high[rows] = narrow_brackets(low[rows], high[rows], inner, outcome)
        done += 1
    return low, high


def bisect(lower: float, upper: float, is_high: Callable[[float], bool], *,
           tolerance: float) -> tuple[float, float]:
    """Bisect one bracket until it is at most ``tolerance`` wide.

    ``is_high(x)`` is the outcome at ``x``: high at ``upper``, low at
    ``lower``. Returns the final bracket; its midpoint is the estimate.

    Examples
    --------
    >>> low, high = bisect(0.0, 1.0, lambda x: x > 0.3, tolerance=1e-3)
    >>> round((low + high) / 2, 3)
    0.3

    """
    def outcome(rows: NDArray[np.intp], points: FloatArray) -> BoolArray:
        del rows  # one bracket
        return np.array([[is_high(float(points[0, 0]))]])

    low, high = k_section([lower], [upper], outcome, tolerance=tolerance)
    return float(low[0]), float(high[0])
