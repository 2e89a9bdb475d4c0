"""When loop dominance shifts in one run, and runs of equal labels.

:func:`dominance_shifts` reads the dominant polarity and the dominant named
loop at each time (:mod:`sdcluster.analysis.loops`) and lists the moments
either changes, ignoring changes that last less than ``min_dwell`` (one time
unit by default), as phases ignore short changes
(:class:`~sdcluster.analysis.settings.AnalysisSettings`). :func:`hold_labels`
and :func:`label_runs` are that filter and its runs, also used by the plots
and the report to shade who dominates when.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sdcluster.analysis.loops import ScoredRun, dominant_named_loop, dominant_polarity
from sdcluster.analysis.requirements import TIME_DIM

__all__ = ["dominance_shifts", "hold_labels", "label_runs"]


def hold_labels(labels: Sequence[Any] | npt.NDArray[Any], time: npt.NDArray[np.float64],
                min_dwell: float) -> npt.NDArray[np.object_]:
    """Ignore label changes that last less than ``min_dwell``.

    A run of equal labels is *held* when the time from its first to its last
    point is at least ``min_dwell``; a shorter run takes the label held
    before it (at the start: the first held label), as phases do
    (:class:`~sdcluster.analysis.settings.AnalysisSettings`). With no held
    run at all the labels are returned unchanged.
    """
    values = np.asarray(labels, dtype=object)
    bounds = label_runs(values)
    held = [(a, b) for a, b in bounds if time[b] - time[a] >= min_dwell]
    if not held:
        return values.copy()
    out = values.copy()
    previous = values[held[0][0]]
    for first, last in bounds:
        if (first, last) in held:
            previous = values[first]
        else:
            out[first:last + 1] = previous
    return out


def label_runs(values: Sequence[Any] | npt.NDArray[Any]) -> list[tuple[int, int]]:
    """Return the (first, last) indices of each run of equal consecutive values."""
    labels = np.asarray(values, dtype=object)
    if labels.size == 0:
        return []
    changes = [i for i in range(1, labels.size) if labels[i] != labels[i - 1]]
    starts = [0, *changes]
    ends = [*(c - 1 for c in changes), labels.size - 1]
    return list(zip(starts, ends, strict=True))


def dominance_shifts(analysis: ScoredRun, min_dwell: float = 1.0) -> pd.DataFrame:
    """Return the moments at which dominance shifts, ignoring changes shorter than ``min_dwell``.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``phase`` (at that time), ``level`` (``"polarity"``
        or ``"named loop"``), ``from`` and ``to``; sorted by time.

    """
    time = np.asarray(analysis.scores[TIME_DIM].values, dtype=float)
    phases = np.asarray(analysis.phases.values, dtype=object)
    rows = []
    for level, labels in (("polarity", dominant_polarity(analysis.scores).values),
                          ("named loop", dominant_named_loop(analysis.named).values)):
        held = hold_labels(labels, time, min_dwell)
        for first, _ in label_runs(held)[1:]:
            rows.append({"time": float(time[first]), "phase": str(phases[first]),
                         "level": level, "from": str(held[first - 1]), "to": str(held[first])})
    frame = pd.DataFrame(rows, columns=["time", "phase", "level", "from", "to"])
    return frame.sort_values(["time", "level"], kind="stable").reset_index(drop=True)
