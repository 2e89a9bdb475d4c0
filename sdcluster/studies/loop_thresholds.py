"""Dominance thresholds: where a named loop takes over a phase as one parameter varies.

:func:`dominance_threshold` sweeps one constant over its range, scoring the
loops of each run with pysimlin (:class:`~sdcluster.studies.loops.LoopScorer`),
and narrows the first change of the phase's dominant named loop by bisection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdcluster.analysis.bisection import bisect
from sdcluster.analysis.loop_ensembles import summarize_phases
from sdcluster.analysis.loops import NO_LOOP, WHOLE_RUN
from sdcluster.analysis.phases import PHASE_INPUTS, PHASES
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.errors import AnalysisError, did_you_mean
from sdcluster.experiments.counts import check_count
from sdcluster.experiments.ranges import parameter_ranges
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.named_loops import NamedLoop
from sdcluster.studies.loops import LoopScorer


@dataclass(frozen=True, kw_only=True)
class ThresholdSearch:
    """Where a named loop takes over (or loses) a phase as one parameter varies.

    Attributes
    ----------
    parameter, loop, phase : str
        What was searched.
    threshold : float or None
        The parameter value at which the loop starts (``takes_over``) or
        stops dominating the phase, to within ``tolerance``; ``None`` when its
        dominance does not change over the range.
    takes_over : bool
        True when the loop dominates above the threshold.
    grid : pandas.DataFrame
        The coarse sweep: columns ``value`` and ``dominant`` (the phase's
        dominant named loop, ``""`` when the phase is not reached).

    """

    parameter: str
    loop: str
    phase: str
    threshold: float | None
    takes_over: bool
    grid: pd.DataFrame


def dominance_threshold(
    model: LoadedModel,
    *,
    parameter: str,
    loop: str,
    phase: str,
    value_range: tuple[float, float] | None = None,
    points: int = 11,
    tolerance: float = 0.005,
    scenario: Scenario | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> ThresholdSearch:
    """Find the parameter value at which a named loop takes over (or loses) a phase.

    A sweep of ``points`` values over ``value_range`` (the declared range by
    default) finds the first interval over which the loop's dominance of the
    phase changes (members that do not reach the phase are skipped);
    bisection then narrows it to ``tolerance``.

    Parameters
    ----------
    model : LoadedModel
        The model.
    parameter : str
        A constant.
    loop : str
        A named loop, by name or code (``"R5"``).
    phase : str
        One of :data:`~sdcluster.analysis.phases.PHASES`, or ``"whole run"``
        for a model without the cluster's phases.
    value_range : (float, float), optional
        Range to search.
    points : int
        Values in the coarse sweep (at least 2).
    tolerance : float
        Width of the final bracket.
    scenario : Scenario, optional
        The base (other constants); the model as it is by default.
    named, settings
        As for :func:`~sdcluster.studies.loops.analyze_loops`.

    Returns
    -------
    ThresholdSearch
        The threshold (or ``None``) and the sweep.

    Raises
    ------
    AnalysisError
        If the loop or phase is unknown.
    SpecError
        If ``points`` is not an integer of at least 2 (the shared count check,
        :func:`~sdcluster.experiments.counts.check_count`).

    """
    scorer = LoopScorer(model, named)
    target = _named_loop(scorer.named, loop, model)
    if phase not in (*PHASES, WHOLE_RUN):
        raise AnalysisError(f"unknown phase {phase!r}{did_you_mean(phase, (*PHASES, WHOLE_RUN))}")
    points = check_count("points", points, minimum=2, context="threshold search: ")
    name = model.resolve(parameter)
    low, high = value_range or parameter_ranges(model, [name])[name]
    base = (scenario or Scenario(name="baseline")).validated(model)

    def dominant_at(value: float) -> str:
        trial = Scenario(name=f"{name} = {value:g}", overrides={**base.overrides, name: value},
                         steps=base.steps, final_time=base.final_time)
        analysis = scorer.run(trial, settings=settings, variables=PHASE_INPUTS)
        summary = summarize_phases(analysis, [phase])
        return summary.dominant[0]

    values = np.linspace(low, high, points)
    labels = [dominant_at(float(v)) for v in values]
    grid = pd.DataFrame({"value": values, "dominant": labels})
    return _refine(grid, target, tolerance, dominant_at,
                   ThresholdSearch(parameter=name, loop=target, phase=phase, threshold=None,
                                   takes_over=False, grid=grid))


def _named_loop(named: Sequence[NamedLoop], wanted: str, model: LoadedModel) -> str:
    for loop in named:
        if wanted in (loop.name, loop.code):
            return loop.name
    choices = [loop.name for loop in named] + [loop.code for loop in named]
    raise AnalysisError(f"{model.path.name}: no named loop {wanted!r}"
                        f"{did_you_mean(wanted, choices)}")


def _refine(grid: pd.DataFrame, target: str, tolerance: float,
            dominant_at: Callable[[float], str], found: ThresholdSearch) -> ThresholdSearch:
    reached = grid[grid["dominant"] != NO_LOOP].reset_index(drop=True)
    holds = (reached["dominant"] == target).to_numpy()
    changes = np.flatnonzero(holds[1:] != holds[:-1])
    if changes.size == 0:
        return found
    first = int(changes[0])
    below = bool(holds[first])

    def past_the_change(value: float) -> bool:
        label = dominant_at(value)
        return not (label != NO_LOOP and (label == target) == below)

    low, high = bisect(float(reached["value"][first]), float(reached["value"][first + 1]),
                       past_the_change, tolerance=tolerance)
    return ThresholdSearch(parameter=found.parameter, loop=found.loop, phase=found.phase,
                           threshold=(low + high) / 2, takes_over=not below, grid=grid)
