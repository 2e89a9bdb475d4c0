"""Loop dominance across an ensemble: how often each loop dominates each phase, and why.

Each member of an ensemble is one run with loop scores
(:class:`~sdcluster.analysis.loops.ScoredRun`); :func:`summarize_phases` keeps
what it says about each phase, and :mod:`sdcluster.studies.loop_ensembles`
stacks the members into a :class:`~sdcluster.studies.loop_ensembles.LoopEnsemble`.
:func:`dominance_frequencies` counts, per phase, the members in which each
named loop dominates, with Wilson intervals
(:func:`sdcluster.analysis.statistics.wilson_interval`);
:func:`dominance_drivers` ranks the sampled parameters by their Spearman
correlation with dominance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from sdcluster.analysis.loops import (
    NAMED_DIM,
    NO_LOOP,
    PHASE_DIM,
    ScoredRun,
    named_positive_share,
    polarity_shares,
    strongest_named_loop,
)
from sdcluster.analysis.phases import PHASES
from sdcluster.analysis.statistics import wilson_interval
from sdcluster.loop_polarity import BALANCING, REINFORCING


class ScoredEnsemble(Protocol):
    """Loop dominance of every member of a parameter sample, phase by phase.

    :class:`sdcluster.studies.loop_ensembles.LoopEnsemble` is one.
    """

    @property
    def parameters(self) -> pd.DataFrame:
        """The sample (index ``"member"``, one column per parameter)."""

    @property
    def phase_scores(self) -> xr.DataArray:
        """Mean signed score of each named loop, ``("member", "phase", "named_loop")``."""

    @property
    def reinforcing_share(self) -> xr.DataArray:
        """Mean reinforcing share over each phase, ``("member", "phase")``."""

    @property
    def named_reinforcing_share(self) -> xr.DataArray:
        """The same for the named loops only, ``("member", "phase")``."""

    @property
    def dominant(self) -> xr.DataArray:
        """Dominant named loop of each phase, ``("member", "phase")``; ``""`` if not reached."""


@dataclass
class PhaseSummary:
    """Loop dominance of one run, phase by phase (one member of an ensemble).

    Attributes
    ----------
    scores : numpy.ndarray
        Mean signed score of each named loop over each phase, ``(phase, named loop)``;
        NaN for a phase the run does not reach.
    reinforcing : numpy.ndarray
        Mean reinforcing share over each phase, ``(phase,)``.
    named_reinforcing : numpy.ndarray
        Positive part of the named loops' absolute scores over each phase, ``(phase,)``.
    dominant : list of str
        The named loop with the largest mean absolute score over each phase
        (``""`` where none is active).

    """

    scores: npt.NDArray[np.float64]
    reinforcing: npt.NDArray[np.float64]
    named_reinforcing: npt.NDArray[np.float64]
    dominant: list[str] = field(default_factory=list)


def summarize_phases(analysis: ScoredRun, phases: Sequence[str]) -> PhaseSummary:
    """Return the dominance of each of ``phases`` in one run (see :class:`PhaseSummary`)."""
    shares = polarity_shares(analysis.scores)
    reinforcing = shares[REINFORCING].values
    active = (reinforcing + shares[BALANCING].values) > 0
    labels = np.asarray(analysis.phases.values, dtype=object)
    named = np.nan_to_num(np.asarray(analysis.named.values, dtype=float))
    summary = PhaseSummary(scores=np.full((len(phases), named.shape[0]), np.nan),
                           reinforcing=np.full(len(phases), np.nan),
                           named_reinforcing=np.full(len(phases), np.nan))
    for row, phase in enumerate(phases):
        points = (labels == phase) & active
        summary.dominant.append(strongest_named_loop(analysis.named, points))
        if points.any():
            summary.scores[row] = named[:, points].mean(axis=1)
            summary.reinforcing[row] = reinforcing[points].mean()
            summary.named_reinforcing[row] = named_positive_share(analysis.named, points)
    return summary


ALL_REINFORCING = "reinforcing loops (all)"
#: Row of :func:`dominance_frequencies` for the reinforcing named loops together.
NAMED_REINFORCING = "reinforcing named loops"


def dominance_frequencies(ensemble: ScoredEnsemble, confidence: float = 0.95) -> pd.DataFrame:
    """Return how often each named loop dominates each phase across the ensemble.

    Returns
    -------
    pandas.DataFrame
        Columns ``phase``, ``loop``, ``dominates`` (members in which it
        dominates the phase), ``reached`` (members that reach the phase),
        ``share`` and its Wilson interval ``low``, ``high``. The row
        ``"reinforcing loops (all)"`` counts members whose mean reinforcing
        share over the phase is above one half, the row ``"reinforcing named
        loops"`` those whose named reinforcing share is.

    """
    rows = []
    for phase in ensemble.dominant[PHASE_DIM].values:
        dominant = np.asarray(ensemble.dominant.sel({PHASE_DIM: phase}).values, dtype=object)
        reached = int((dominant != NO_LOOP).sum())
        counts = {name: int((dominant == name).sum())
                  for name in ensemble.phase_scores[NAMED_DIM].values}
        for label, shares in ((ALL_REINFORCING, ensemble.reinforcing_share),
                              (NAMED_REINFORCING, ensemble.named_reinforcing_share)):
            share = np.asarray(shares.sel({PHASE_DIM: phase}).values, dtype=float)
            counts[label] = int((share[np.isfinite(share)] > 0.5).sum())
        for loop, count in counts.items():
            low, high = wilson_interval(count, reached, confidence)
            rows.append({"phase": str(phase), "loop": str(loop), "dominates": count,
                         "reached": reached, "share": count / reached if reached else np.nan,
                         "low": low, "high": high})
    return pd.DataFrame(rows, columns=["phase", "loop", "dominates", "reached", "share",
                                       "low", "high"])


#: Response of :func:`dominance_drivers` for the reinforcing share.
REINFORCING_SHARE = "reinforcing share"


def dominance_drivers(ensemble: ScoredEnsemble) -> pd.DataFrame:
    """Return Spearman rank correlations between parameters and loop dominance.

    For each phase, each sampled parameter is correlated with the members'
    mean reinforcing share over the phase and with each named loop's mean
    absolute score over the phase, across the members that reach the phase.

    Returns
    -------
    pandas.DataFrame
        Columns ``phase``, ``response`` (``"reinforcing share"`` or a loop
        name), ``parameter``, ``rho``, ``p value`` and ``members``; NaN where a
        response or parameter does not vary. Sorted by phase, then by |rho|.

    """
    from scipy.stats import spearmanr

    rows = []
    for phase in ensemble.reinforcing_share[PHASE_DIM].values:
        responses = {REINFORCING_SHARE: ensemble.reinforcing_share.sel({PHASE_DIM: phase}).values}
        scores = abs(ensemble.phase_scores.sel({PHASE_DIM: phase}))
        for name in scores[NAMED_DIM].values:
            responses[str(name)] = scores.sel({NAMED_DIM: name}).values
        for response, values in responses.items():
            reached = np.isfinite(values)
            for parameter in ensemble.parameters.columns:
                x = ensemble.parameters[parameter].to_numpy()[reached]
                y = np.asarray(values)[reached]
                rho, p_value = (float("nan"), float("nan"))
                if x.size > 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                    result = spearmanr(x, y)
                    rho, p_value = float(result.statistic), float(result.pvalue)
                rows.append({"phase": str(phase), "response": response,
                             "parameter": str(parameter), "rho": rho, "p value": p_value,
                             "members": int(reached.sum())})
    frame = pd.DataFrame(rows, columns=["phase", "response", "parameter", "rho", "p value",
                                        "members"])
    order = {p: i for i, p in enumerate(PHASES)}
    frame["_phase"] = frame["phase"].map(order)
    frame["_size"] = -frame["rho"].abs()
    return (frame.sort_values(["_phase", "_size"], na_position="last", kind="stable")
            .drop(columns=["_phase", "_size"]).reset_index(drop=True))


# ------------------------------------------------------------- threshold search
