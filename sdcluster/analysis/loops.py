"""Loop dominance of one run: which feedback loop drives each phase.

The functions here read the relative loop scores of a run (Loops That Matter
[1]_, computed while the model is simulated) and the named loops' scores
built from them (:func:`named_scores`); they load nothing and run nothing.
:mod:`sdcluster.studies.loops` makes the runs
(:class:`~sdcluster.studies.loops.LoopAnalysis`);
:mod:`sdcluster.analysis.loop_ensembles` reads dominance across an ensemble.

Dominance
---------
* **polarity**: at each time the *reinforcing share* is the sum of the positive
  relative scores of all loops, the *balancing share* the sum of the negative
  ones in absolute value (they add up to 1); reinforcing loops dominate when
  their share is above one half.
* **named loop**: the named loop with the largest absolute score at that time.
  Named loops are a few of the hundreds of loops a model like the cluster
  model has; the tables report the share of the total they cover.

A phase (:func:`sdcluster.analysis.phases.classify_phases`) is dominated by the
named loop with the largest mean absolute score over the phase, in one run
(:func:`phase_polarity`) as in each member of an ensemble
(:func:`sdcluster.analysis.loop_ensembles.summarize_phases`);
:func:`phase_dominance` adds the share of the phase's time points at which
each named loop is the strongest.
:func:`sdcluster.analysis.loop_shifts.dominance_shifts` lists the moments
dominance shifts, ignoring changes that last less than its ``min_dwell``.

References
----------
.. [1] Schoenberg, W., Davidsen, P. and Eberlein, R. (2020). Understanding model
   behavior using the Loops that Matter method. *System Dynamics Review*
   36(2), 158-190. https://doi.org/10.1002/sdr.1658

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import TOTAL_CHANGE
from sdcluster.analysis.phases import ENTROPY_FLOWS, FIRMS, PHASES, classify_phases
from sdcluster.analysis.requirements import TIME_DIM
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.loop_polarity import BALANCING, LOOP_DIM, REINFORCING

#: Label of a time point at which no loop is active (e.g. the first one).
NO_LOOP = ""
NAMED_DIM = "named_loop"
PHASE_DIM = "phase"
#: Phase label of a model that lacks the variables the phases are read from.
WHOLE_RUN = "whole run"
#: The six entropy flows, which add up to dS total when the model lacks it.
#: What the phases are read from (the firm count, and dS total for decline);
#: ensembles keep only these of each run.


class ScoredRun(Protocol):
    """A run with loop scores, as the functions here read it.

    :class:`sdcluster.studies.loops.LoopAnalysis` is one.
    """

    @property
    def scores(self) -> xr.DataArray:
        """Relative loop scores, ``("loop", "time")``, with a ``partition`` coordinate."""

    @property
    def named(self) -> xr.DataArray:
        """Named loops' scores, ``("named_loop", "time")``."""

    @property
    def phases(self) -> xr.DataArray:
        """Phase at each time, ``("time",)``."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def code(self) -> str: ...


class MatchedLoop(Protocol):
    """A named loop and the ids of the loops that stand for it.

    :class:`sdcluster.model.named_loops.LoopMatch` is one.
    """

    @property
    def named(self) -> _Named:
        """The named loop (its ``name`` and ``code``)."""

    @property
    def loop_ids(self) -> tuple[str, ...]:
        """Ids of the matched loops."""


def named_scores(scores: xr.DataArray, matches: Sequence[MatchedLoop]) -> xr.DataArray:
    """Return each named loop's score: the sum of its matched loops' relative scores.

    Parameters
    ----------
    scores : xarray.DataArray
        Relative loop scores, dimensions ``("loop", "time")`` (loop ids).
    matches : sequence of MatchedLoop
        From :func:`sdcluster.model.named_loops.match_loops`.

    Returns
    -------
    xarray.DataArray
        Dimensions ``("named_loop", "time")`` (loop names), with a ``"code"``
        coordinate; NaN throughout for a named loop that matched nothing. A
        loop score left undefined (NaN) counts as 0.

    """
    position = {str(loop_id): row for row, loop_id in enumerate(scores[LOOP_DIM].values)}
    values = np.asarray(scores.transpose(LOOP_DIM, TIME_DIM).values, dtype=float)
    table = np.full((len(matches), scores.sizes[TIME_DIM]), np.nan)
    for row, match in enumerate(matches):
        rows = [position[i] for i in match.loop_ids if i in position]
        if rows:
            table[row] = np.nansum(values[rows], axis=0)
    return xr.DataArray(
        table,
        dims=(NAMED_DIM, TIME_DIM),
        coords={NAMED_DIM: [m.named.name for m in matches],
                "code": (NAMED_DIM, [m.named.code for m in matches]),
                TIME_DIM: scores[TIME_DIM].values},
    )


def has_phase_variables(names: Iterable[str]) -> bool:
    """Return whether the phases can be read: the firm count and dS total (or its flows)."""
    present = set(names)
    return FIRMS in present and (TOTAL_CHANGE in present
                                 or all(flow in present for flow in ENTROPY_FLOWS))


def run_phases(results: xr.Dataset, settings: AnalysisSettings | None = None) -> xr.DataArray:
    """Return the phase at each time of a run, or ``"whole run"`` if it cannot be read.

    Parameters
    ----------
    results : xarray.Dataset
        Model variables over ``"time"``.
    settings : AnalysisSettings, optional
        Phase thresholds; from the run's own ``"entropy tolerance"`` by default.

    Returns
    -------
    xarray.DataArray
        :func:`~sdcluster.analysis.phases.classify_phases` of the run, or
        :data:`WHOLE_RUN` throughout for a model without the cluster's phase
        variables (:func:`has_phase_variables`).

    """
    if not has_phase_variables(str(name) for name in results.data_vars):
        return xr.DataArray(np.full(results.sizes[TIME_DIM], WHOLE_RUN, dtype=object),
                            dims=(TIME_DIM,), coords={TIME_DIM: results[TIME_DIM].values})
    chosen = settings if settings is not None else AnalysisSettings.from_dataset(results)
    return classify_phases(results, chosen)


def main_partition(scores: xr.DataArray) -> int:
    """Return the cycle partition holding the most loops (the model's main feedback structure).

    Relative scores are shares *within* a partition, so polarity shares are
    read in one partition; a loop alone in its partition (e.g. the smoothing
    of a noise input) would otherwise count as a whole partition's worth.
    """
    partitions = np.asarray(scores["partition"].values, dtype=int)
    if partitions.size == 0:
        return -1
    values, counts = np.unique(partitions, return_counts=True)
    return int(values[int(np.argmax(counts))])


def polarity_shares(scores: xr.DataArray) -> xr.Dataset:
    """Return the reinforcing and balancing shares over time, in the main partition.

    Parameters
    ----------
    scores : xarray.DataArray
        ``LoopAnalysis.scores``, dimensions ``("loop", "time")``.

    Returns
    -------
    xarray.Dataset
        ``"reinforcing"``: the sum of the positive relative scores;
        ``"balancing"``: the sum of the negative ones, in absolute value. They
        add up to 1 wherever a loop is active and are 0 where none is.

    """
    inside = np.asarray(scores["partition"].values) == main_partition(scores)
    values = np.nan_to_num(np.asarray(scores.transpose(LOOP_DIM, TIME_DIM).values,
                                      dtype=float)[inside])
    time = {TIME_DIM: scores[TIME_DIM].values}
    return xr.Dataset(
        {REINFORCING: xr.DataArray(values.clip(min=0.0).sum(axis=0), dims=(TIME_DIM,)),
         BALANCING: xr.DataArray((-values).clip(min=0.0).sum(axis=0), dims=(TIME_DIM,))},
        coords=time)


def dominant_polarity(scores: xr.DataArray) -> xr.DataArray:
    """Return ``"reinforcing"``, ``"balancing"`` or ``""`` (no loop active) at each time."""
    shares = polarity_shares(scores)
    reinforcing = shares[REINFORCING].values
    balancing = shares[BALANCING].values
    labels = np.where(reinforcing > balancing, REINFORCING,
                      np.where(balancing > 0, BALANCING, NO_LOOP))
    return xr.DataArray(labels.astype(object), dims=(TIME_DIM,),
                        coords={TIME_DIM: scores[TIME_DIM].values})


def dominant_named_loop(named: xr.DataArray) -> xr.DataArray:
    """Return the named loop with the largest absolute score at each time (``""`` if none)."""
    magnitude = np.nan_to_num(np.abs(np.asarray(named.transpose(NAMED_DIM, TIME_DIM).values,
                                                dtype=float)))
    names = np.asarray(named[NAMED_DIM].values, dtype=object)
    if names.size == 0:
        labels = np.full(named.sizes[TIME_DIM], NO_LOOP, dtype=object)
    else:
        strongest = names[np.argmax(magnitude, axis=0)]
        labels = np.where(magnitude.max(axis=0) > 0, strongest, NO_LOOP)
    return xr.DataArray(labels, dims=(TIME_DIM,), coords={TIME_DIM: named[TIME_DIM].values})


def _phase_order(phases: xr.DataArray) -> list[str]:
    present = [str(p) for p in pd.unique(np.asarray(phases.values, dtype=object))]
    known = [p for p in PHASES if p in present]
    return known + [p for p in present if p not in known]


def phase_polarity(analysis: ScoredRun) -> pd.DataFrame:
    """Summarize each phase of a run: polarity shares and the dominant named loop.

    Returns
    -------
    pandas.DataFrame
        Index: phase, in the paper's order. Columns: ``start`` and ``end``
        (first and last time in the phase), ``time points`` (with an active
        loop), ``reinforcing share`` (mean), ``reinforcing dominates`` (share of
        the phase's time points at which it is above one half), ``named
        coverage`` (mean sum of the named loops' absolute scores: how much of
        the behaviour the named loops account for), ``named reinforcing
        share`` (the positive part of the named loops' summed absolute scores
        over the phase), ``dominant loop`` (the named loop with the largest
        mean absolute score over the phase).

    """
    shares = polarity_shares(analysis.scores)
    reinforcing = shares[REINFORCING].values
    active = (reinforcing + shares[BALANCING].values) > 0
    phases = np.asarray(analysis.phases.values, dtype=object)
    time = analysis.scores[TIME_DIM].values
    magnitude = np.abs(np.nan_to_num(analysis.named.values))
    rows = []
    for phase in _phase_order(analysis.phases):
        points = (phases == phase) & active
        inside = np.flatnonzero(phases == phase)
        rows.append({
            "phase": phase, "start": float(time[inside[0]]), "end": float(time[inside[-1]]),
            "time points": int(points.sum()),
            "reinforcing share": _mean(reinforcing[points]),
            "reinforcing dominates": _mean((reinforcing[points] > 0.5).astype(float)),
            "named coverage": _mean(magnitude[:, points].sum(axis=0)),
            "named reinforcing share": named_positive_share(analysis.named, points),
            "dominant loop": strongest_named_loop(analysis.named, points),
        })
    return pd.DataFrame(rows).set_index("phase")


def phase_dominance(analysis: ScoredRun) -> pd.DataFrame:
    """Return each named loop's share of dominance within each phase of a run.

    Returns
    -------
    pandas.DataFrame
        One row per phase and named loop. Columns: ``phase``, ``loop``,
        ``dominant share`` (share of the phase's active time points at which
        the loop is the strongest named loop), ``mean score`` (signed mean
        relative score over those points) and ``mean |score|``.

    """
    dominant = np.asarray(dominant_named_loop(analysis.named).values, dtype=object)
    phases = np.asarray(analysis.phases.values, dtype=object)
    scores = np.nan_to_num(np.asarray(analysis.named.values, dtype=float))
    active = dominant != NO_LOOP
    rows = []
    for phase in _phase_order(analysis.phases):
        points = (phases == phase) & active
        for row, name in enumerate(analysis.named[NAMED_DIM].values):
            rows.append({
                "phase": phase, "loop": str(name),
                "dominant share": _mean((dominant[points] == name).astype(float)),
                "mean score": _mean(scores[row, points]),
                "mean |score|": _mean(np.abs(scores[row, points])),
            })
    return pd.DataFrame(rows, columns=["phase", "loop", "dominant share", "mean score",
                                       "mean |score|"])


def _mean(values: npt.NDArray[Any]) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def named_positive_share(named: xr.DataArray, points: npt.NDArray[np.bool_]) -> float:
    """Return the share of the named loops' absolute scores at ``points`` that is positive.

    Parameters
    ----------
    named : xarray.DataArray
        Named loops' scores, ``("named_loop", "time")``; NaN counts as 0.
    points : numpy.ndarray of bool
        The time points to read.

    Returns
    -------
    float
        In [0, 1]; NaN when every score there is 0.

    """
    values = np.nan_to_num(np.asarray(named.values, dtype=float)[:, points])
    total = np.abs(values).sum()
    return float(values.clip(min=0.0).sum() / total) if total > 0 else float("nan")


def strongest_named_loop(named: xr.DataArray, points: npt.NDArray[np.bool_]) -> str:
    """Return the named loop with the largest mean absolute score at ``points``.

    Parameters
    ----------
    named : xarray.DataArray
        Named loops' scores, ``("named_loop", "time")``; NaN counts as 0.
    points : numpy.ndarray of bool
        The time points to read.

    Returns
    -------
    str
        The loop's name; ``""`` (:data:`NO_LOOP`) when there is no named loop,
        no point, or every score there is 0.

    """
    if named.sizes[NAMED_DIM] == 0 or not points.any():
        return NO_LOOP
    magnitude = np.abs(np.nan_to_num(np.asarray(named.values, dtype=float)[:, points]))
    means = magnitude.mean(axis=1)
    if means.max() <= 0:
        return NO_LOOP
    return str(named[NAMED_DIM].values[int(np.argmax(means))])
