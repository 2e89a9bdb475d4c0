"""Loop studies of single runs: score the feedback loops of scenarios with pysimlin.

:func:`analyze_loops` and :func:`analyze_scenario_loops` run scenarios through
the pysimlin engine with Loops That Matter scores
(:mod:`sdcluster.engine.pysimlin_runner`), match the model's named loops
(:mod:`sdcluster.model.named_loops`) to the enumerated loops, and read the phases
of each run; the result, a :class:`LoopAnalysis`, is what the dominance
functions of :mod:`sdcluster.analysis.loops` read. Studies over many runs
are in :mod:`sdcluster.studies.loop_ensembles` (parameter uncertainty) and
:mod:`sdcluster.studies.loop_thresholds` (one parameter swept).

Fluctuations
------------
With a noise seed each white-noise input gets the series PySD's runner feeds
it (member 0 of :mod:`sdcluster.experiments.noise`), so a noisy run is the run
PySD makes with that seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import xarray as xr

from sdcluster.analysis.loops import named_scores, run_phases
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.pysimlin_runner import PysimlinLoopRunner
from sdcluster.experiments.noise import noise_inputs, white_noise_inputs
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.named_loops import (
    LoopMatch,
    NamedLoop,
    check_named_loops,
    match_loops,
    named_loops,
)


@dataclass(frozen=True, kw_only=True)
class LoopAnalysis:
    """The feedback loops of one run and their relative scores over time.

    Attributes
    ----------
    scenario : str
        Name of the run.
    results : xarray.Dataset
        Model variables over ``"time"``, keyed by their model names (the
        results contract of ``sdcluster.results.dataset``).
    scores : xarray.DataArray
        Relative loop score of every elementary loop of the model's causal
        graph, dimensions ``("loop", "time")``; coordinates ``polarity`` (in
        this run, from the scores' signs: reinforcing, balancing, mixed or
        inactive), ``length``, ``variables`` (``" > "``-joined model names, in
        causal order) and ``partition``.
    matches : tuple of LoopMatch
        The named loops and the loops that stand for them.
    named : xarray.DataArray
        Score of each named loop, ``("named_loop", "time")``
        (:func:`~sdcluster.analysis.loops.named_scores`).
    phases : xarray.DataArray
        Phase at each time (:func:`~sdcluster.analysis.loops.run_phases`), or
        ``"whole run"`` for a model without the cluster's phase variables.
    noise_seed : int or None
        Seed of the white-noise input; ``None`` for a run without noise.

    """

    scenario: str
    results: xr.Dataset
    scores: xr.DataArray
    matches: tuple[LoopMatch, ...]
    named: xr.DataArray
    phases: xr.DataArray
    noise_seed: int | None = None


class LoopScorer:
    """Scores scenarios of one model: a pysimlin run, its named loops and phases.

    The model is loaded into pysimlin, its loops enumerated and matched to
    the named loops once, for all the runs.

    Parameters
    ----------
    model : LoadedModel
        The model.
    named : sequence of NamedLoop, optional
        The named loops; those declared in the model file by default.

    Raises
    ------
    ModelFileError
        If a named loop names a variable the model lacks.

    """

    def __init__(self, model: LoadedModel, named: Sequence[NamedLoop] | None = None) -> None:
        self.model = model
        self.named = tuple(named_loops(model.path) if named is None else named)
        check_named_loops(self.named, model)
        self.runner = PysimlinLoopRunner(model)
        self._matches: tuple[LoopMatch, ...] | None = None

    @property
    def matches(self) -> tuple[LoopMatch, ...]:
        """Return the named loops matched to the model's loops (loading the model if need be)."""
        if self._matches is None:
            self._matches = match_loops(self.named, self.runner.structure.loops())
        return self._matches

    def run(self, scenario: Scenario, *,
            noise: Mapping[str, npt.NDArray[np.float64]] | None = None,
            noise_seed: int | None = None, settings: AnalysisSettings | None = None,
            variables: Iterable[str] | None = None) -> LoopAnalysis:
        """Run one validated scenario with loop scores.

        Parameters
        ----------
        scenario : Scenario
            Validated against the model.
        noise : mapping of str to numpy.ndarray, optional
            White-noise inputs to their series, one draw per TIME STEP.
        noise_seed : int, optional
            The seed the noise was drawn with, recorded in the analysis.
        settings : AnalysisSettings, optional
            Phase thresholds; from the run's own ``"entropy tolerance"`` by default.
        variables : iterable of str, optional
            Model variables to keep in the results; all by default.

        Returns
        -------
        LoopAnalysis
            Results, loop scores, named loops and phases of the run.

        """
        run = self.runner.run(scenario, noise=noise, variables=variables)
        matches = self.matches
        return LoopAnalysis(scenario=scenario.name, results=run.results, scores=run.scores,
                            matches=matches, named=named_scores(run.scores, matches),
                            phases=run_phases(run.results, settings), noise_seed=noise_seed)


def analyze_loops(
    model: LoadedModel,
    scenario: Scenario | None = None,
    *,
    noise_seed: int | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> LoopAnalysis:
    """Run a scenario through pysimlin and score its feedback loops (Loops That Matter).

    Parameters
    ----------
    model : LoadedModel
        The model (its file is opened again by pysimlin, in memory).
    scenario : Scenario, optional
        Overrides, steps and final time; the model as it is when omitted.
    noise_seed : int, optional
        Seed of the white-noise inputs, the same series PySD's runner feeds
        (member 0 of :mod:`sdcluster.experiments.noise`, every input); no noise
        when omitted.
    named : sequence of NamedLoop, optional
        The named loops; those declared in the model file by default
        (:func:`~sdcluster.model.named_loops.named_loops`).
    settings : AnalysisSettings, optional
        Phase thresholds; from the run's own ``"entropy tolerance"`` by default.

    Returns
    -------
    LoopAnalysis
        Results, loop scores, named loops and phases of the run.

    Raises
    ------
    ModelFileError
        If pysimlin cannot load the model or a named loop names an unknown variable.
    ScenarioError, UnknownVariableError
        If the scenario does not fit the model.
    SimulationError
        If the run fails or a variable becomes NaN or infinite.

    """
    chosen = scenario or Scenario(name="baseline", title="model as it is")
    return analyze_scenario_loops(model, [chosen], noise_seed=noise_seed, named=named,
                                  settings=settings)[0]


def analyze_scenario_loops(
    model: LoadedModel,
    scenarios: Iterable[Scenario],
    *,
    noise_seed: int | None = None,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> tuple[LoopAnalysis, ...]:
    """Score the feedback loops of several scenarios, loading the model into pysimlin once.

    Each run is the one :func:`analyze_loops` makes of that scenario; the
    model is loaded, its loops enumerated and matched to the named loops once
    for all of them (about 0.4 s of each run's cost on the cluster model).

    Parameters
    ----------
    model : LoadedModel
        The model.
    scenarios : iterable of Scenario
        The scenarios, in the order of the results.
    noise_seed, named, settings
        As for :func:`analyze_loops`; every scenario gets the same noise series.

    Returns
    -------
    tuple of LoopAnalysis
        One per scenario.

    Raises
    ------
    ModelFileError, ScenarioError, UnknownVariableError, SimulationError
        As :func:`analyze_loops`.

    """
    scorer = LoopScorer(model, named)
    analyses = []
    for scenario in scenarios:
        chosen = scenario.validated(model)
        noise = None
        if noise_seed is not None:
            final_time = chosen.final_time or model.time.final_time
            steps = model.time.step_times(final_time).size
            tables = white_noise_inputs(noise_seed, [0], steps, noise_inputs(model))
            noise = {name: table[0] for name, table in tables.items()}
        analyses.append(scorer.run(chosen, noise=noise, noise_seed=noise_seed,
                                   settings=settings))
    return tuple(analyses)


# ------------------------------------------------------------------ dominance
