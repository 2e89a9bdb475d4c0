"""Pure functions of end states: attractors, branches, thresholds and basin brackets.

Every function takes plain NumPy arrays laid out as the bifurcation study
lays them out: ``(lever value, initial state)`` for end states, initial
states ascending. Nothing here runs a model. The brackets of
:func:`bracket_separatrix` are narrowed by :func:`sdcluster.analysis.bisection.k_section`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "attractors",
    "bracket_separatrix",
    "branch_values",
    "first_reached",
    "probability_band",
    "probability_crossing",
    "split_level",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _groups(values: FloatArray, tolerance: float) -> list[FloatArray]:
    """Split sorted finite ``values`` where consecutive ones differ by more than ``tolerance``."""
    ordered = np.sort(values[np.isfinite(values)])
    if ordered.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(ordered) > tolerance) + 1
    return list(np.split(ordered, cuts))


def attractors(end: FloatArray, settled: BoolArray,
               tolerance: float) -> tuple[FloatArray, NDArray[np.int64]]:
    """Cluster the end states of each lever value into distinct attractors.

    Parameters
    ----------
    end : ndarray
        End values of the state, shape ``(n_lever, n_initial)``.
    settled : ndarray of bool
        Which runs had settled (changed by at most ``tolerance`` over the
        last part of the run); only those count, unless none at a lever value did.
    tolerance : float
        End values closer than this (consecutively, after sorting) belong to one attractor.

    Returns
    -------
    centres : ndarray
        Shape ``(n_lever, k)``: each lever value's attractors (means of their
        end values), ascending, padded with NaN to the largest count ``k``.
    counts : ndarray of int
        Number of attractors per lever value.

    """
    found = []
    for row, ok in zip(end, settled, strict=True):
        chosen = row[ok] if ok.any() else row
        found.append([float(group.mean()) for group in _groups(chosen, tolerance)])
    width = max(1, max(len(centres) for centres in found))
    table = np.full((len(found), width), np.nan)
    for i, centres in enumerate(found):
        table[i, : len(centres)] = centres
    return table, np.array([len(c) for c in found], dtype=np.int64)


def split_level(centres: FloatArray, counts: NDArray[np.int64], tolerance: float) -> float:
    """Return the state value that separates the low branch from the high branch.

    Where some lever values have two or more attractors, the split is halfway
    between the highest low attractor and the lowest high attractor over
    those lever values (the gap between the two folds); if those overlap,
    the median of the midpoints of each such lever value. With a single
    attractor everywhere, the split is the middle of the largest gap between
    attractor values over the sweep, if that gap exceeds ``tolerance``.

    Returns
    -------
    float
        The split level, NaN when there is no distinct high state.

    """
    several = counts >= 2
    if several.any():
        rows = centres[several]
        lows = rows[:, 0]
        highs = np.array([row[np.isfinite(row)][-1] for row in rows])
        if lows.max() < highs.min():
            return float((lows.max() + highs.min()) / 2)
        return float(np.median((lows + highs) / 2))
    pooled = np.unique(centres[np.isfinite(centres)])
    if pooled.size < 2:
        return float("nan")
    gaps = np.diff(pooled)
    widest = int(np.argmax(gaps))
    if gaps[widest] <= tolerance:
        return float("nan")
    return float((pooled[widest] + pooled[widest + 1]) / 2)


def branch_values(end: FloatArray, high: BoolArray, settled: BoolArray) -> FloatArray:
    """Return each lever value's low and high stable branch of one quantity.

    Parameters
    ----------
    end : ndarray
        End values of the quantity, shape ``(n_lever, n_initial)``.
    high : ndarray of bool
        Which runs ended on the high branch (classified on the state).
    settled : ndarray of bool
        Which runs had settled; unsettled runs count only where no run settled.

    Returns
    -------
    ndarray
        Shape ``(n_lever, 2)``: the median end value of the runs ending low
        and of those ending high; NaN where no run ends on that branch.

    """
    result = np.full((end.shape[0], 2), np.nan)
    for column, side in enumerate((~high, high)):
        for i in range(end.shape[0]):
            chosen = side[i] & settled[i] if (side[i] & settled[i]).any() else side[i]
            if chosen.any():
                result[i, column] = float(np.median(end[i, chosen]))
    return result


def first_reached(lever: FloatArray, reached: BoolArray) -> tuple[float, float]:
    """Return the lowest lever value where ``reached`` holds, and the grid value below it.

    The threshold lies in ``(below, value]``. Both are NaN if it never holds;
    ``below`` is NaN if it holds at the first lever value already.
    """
    hits = np.flatnonzero(reached)
    if hits.size == 0:
        return float("nan"), float("nan")
    first = int(hits[0])
    below = float(lever[first - 1]) if first > 0 else float("nan")
    return float(lever[first]), below


def bracket_separatrix(initial: FloatArray, high: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Bracket, per lever value, the initial state that separates low from high outcomes.

    Parameters
    ----------
    initial : ndarray
        Initial states, ascending, shape ``(n_initial,)``.
    high : ndarray of bool
        Shape ``(n_lever, n_initial)``: which runs ended high.

    Returns
    -------
    low, high : ndarray
        Shape ``(n_lever,)``: the highest initial state ending low below the
        lowest one ending high (the first low-to-high change from below),
        and that lowest one. NaN where there is no such change (one basin only).

    """
    n_lever = high.shape[0]
    lower, upper = np.full(n_lever, np.nan), np.full(n_lever, np.nan)
    for i in range(n_lever):
        change = np.flatnonzero(~high[i, :-1] & high[i, 1:])
        if change.size:
            lower[i], upper[i] = initial[change[0]], initial[change[0] + 1]
    return lower, upper


def probability_band(lever: FloatArray, probability: FloatArray, low: float = 0.05,
                     high: float = 0.95) -> tuple[float, float]:
    """Return the lowest and highest lever value where ``low < probability < high``.

    NaN, NaN when the probability is never strictly between the two.
    """
    inside = np.flatnonzero((probability > low) & (probability < high))
    if inside.size == 0:
        return float("nan"), float("nan")
    return float(lever[inside[0]]), float(lever[inside[-1]])


def probability_crossing(lever: FloatArray, probability: FloatArray,
                         level: float = 0.5) -> float:
    """Return the lever value where the probability first reaches ``level`` (linear interpolation).

    NaN if it never does; the first lever value if it starts there.
    """
    above = np.flatnonzero(probability >= level)
    if above.size == 0:
        return float("nan")
    j = int(above[0])
    if j == 0:
        return float(lever[0])
    p0, p1 = probability[j - 1], probability[j]
    return float(lever[j - 1] + (level - p0) / (p1 - p0) * (lever[j] - lever[j - 1]))
