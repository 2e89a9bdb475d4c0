"""Loops That Matter arithmetic: relative loop scores from link scores, a loop's polarity.

Loops That Matter (LTM) [1]_ scores every feedback loop at every time step: the
*loop score* is the product of the scores of its links, a link's score being
the share of the change in its target that the source explains, signed by the
link's effect. Divided by the sum of the absolute loop scores of all loops in
the same cycle partition (the stocks linked by feedback), it becomes the
*relative loop score* in [-1, 1]: positive while the loop reinforces, negative
while it balances, and summing in absolute value to 1.

:func:`loop_scores` builds the relative scores of given loops from the link
scores a run recorded; :func:`run_polarity` names a loop's polarity over the
run. :class:`~sdcluster.engine.pysimlin_runner.PysimlinLoopRunner` records the
link scores and calls both.

References
----------
.. [1] Schoenberg, W., Davidsen, P. and Eberlein, R. (2020). Understanding model
   behavior using the Loops that Matter method. *System Dynamics Review*
   36(2), 158-190. https://doi.org/10.1002/sdr.1658

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sdcluster.loop_polarity import BALANCING, REINFORCING

__all__ = ["loop_scores", "run_polarity"]


def loop_scores(loops: Sequence[Sequence[str]], link_scores: Mapping[tuple[str, str], Any],
                partitions: Sequence[int], steps: int) -> npt.NDArray[np.float64]:
    """Return the relative loop scores of loops from their links' scores (LTM [1]_).

    A loop's score is the product of the scores of its links; divided by the
    sum of the absolute scores of the loops in the same partition it is the
    relative score, 0 where every loop of the partition is 0.

    Parameters
    ----------
    loops : sequence of sequence of str
        Each loop's variables in causal order (as :func:`feedback_loops`).
    link_scores : mapping of (str, str) to array
        Score series of each link, cause to effect; a missing or ``None``
        score makes the loops through that link NaN.
    partitions : sequence of int
        Partition of each loop (loops are compared within one).
    steps : int
        Length of the series (longer ones are cut).

    Returns
    -------
    numpy.ndarray
        ``(loop, time)``; NaN where a link score is missing or not finite.

    """
    # One row per scored link, padded with NaN to ``steps``; the last row is
    # all NaN and stands for a missing link.
    index: dict[tuple[str, str], int] = {}
    rows: list[npt.NDArray[np.float64]] = []
    for link, series in link_scores.items():
        if series is not None:
            values = np.full(steps, np.nan)
            given = np.asarray(series, dtype=float)[:steps]
            values[: given.size] = given
            index[link] = len(rows)
            rows.append(values)
    rows.append(np.full(steps, np.nan))
    table = np.vstack(rows)
    missing = len(rows) - 1
    raw = np.empty((len(loops), steps))
    for row, loop in enumerate(loops):
        links = [index.get((source, loop[(k + 1) % len(loop)]), missing)
                 for k, source in enumerate(loop)]
        raw[row] = table[links].prod(axis=0)
    raw[~np.isfinite(raw)] = np.nan
    relative = np.zeros_like(raw)
    groups = np.asarray(partitions, dtype=int)
    for group in np.unique(groups):
        inside = groups == group
        total = np.nansum(np.abs(raw[inside]), axis=0)
        safe = np.where(total > 0, total, 1.0)
        relative[inside] = np.where(total > 0, raw[inside] / safe, 0.0)
        relative[inside] = np.where(np.isnan(raw[inside]), np.nan, relative[inside])
    return relative


def run_polarity(scores: npt.NDArray[np.float64]) -> str:
    """Return a loop's polarity in a run, from the signs of its relative scores."""
    active = scores[np.isfinite(scores) & (scores != 0)]
    if active.size == 0:
        return "inactive"
    if (active > 0).all():
        return REINFORCING
    return BALANCING if (active < 0).all() else "mixed"
