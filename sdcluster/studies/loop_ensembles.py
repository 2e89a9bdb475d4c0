"""Loop ensembles: loop dominance across a Latin-hypercube sample of parameters.

:func:`run_loop_ensemble` draws the sample
(:func:`~sdcluster.experiments.designs.latin_hypercube` over
:func:`~sdcluster.experiments.ranges.parameter_ranges`), scores the loops of every
member with pysimlin (:class:`~sdcluster.studies.loops.LoopScorer`) and keeps, per member and
phase, what :func:`sdcluster.analysis.loop_ensembles.summarize_phases` reads;
:func:`~sdcluster.analysis.loop_ensembles.dominance_frequencies` and
:func:`~sdcluster.analysis.loop_ensembles.dominance_drivers` analyse the
:class:`LoopEnsemble`.
"""

from __future__ import annotations

import time as clock
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from sdcluster.analysis.loop_ensembles import PhaseSummary, summarize_phases
from sdcluster.analysis.loops import (
    NAMED_DIM,
    PHASE_DIM,
    WHOLE_RUN,
    has_phase_variables,
)
from sdcluster.analysis.phases import PHASE_INPUTS, PHASES
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.experiments.designs import ParameterRange, SensitivityProblem, latin_hypercube
from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec
from sdcluster.experiments.noise import noise_inputs, white_noise_inputs
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.named_loops import LoopMatch, NamedLoop
from sdcluster.results.dataset import MEMBER_DIM
from sdcluster.studies.loops import LoopScorer

__all__ = ["LoopEnsemble", "LoopEnsembleSpec", "run_loop_ensemble"]


@dataclass(frozen=True, kw_only=True)
class LoopEnsemble:
    """Loop dominance of every member of a parameter sample, phase by phase.

    Attributes
    ----------
    spec : LoopEnsembleSpec
        What was run.
    parameters : pandas.DataFrame
        The sample (index ``"member"``).
    phase_scores : xarray.DataArray
        Mean signed score of each named loop over each phase,
        ``("member", "phase", "named_loop")``; NaN where a member never
        reaches the phase.
    reinforcing_share : xarray.DataArray
        Mean reinforcing share over each phase, ``("member", "phase")``.
    named_reinforcing_share : xarray.DataArray
        The same for the named loops only (``named reinforcing share`` of
        :func:`~sdcluster.analysis.loops.phase_polarity`), ``("member", "phase")``.
    dominant : xarray.DataArray
        The named loop with the largest mean absolute score over each phase,
        ``("member", "phase")``; ``""`` where the phase is not reached.
    matches : tuple of LoopMatch
        The named loops as matched in the first member.
    seconds : float
        Wall time of the runs.

    """

    spec: LoopEnsembleSpec
    parameters: pd.DataFrame
    phase_scores: xr.DataArray
    reinforcing_share: xr.DataArray
    named_reinforcing_share: xr.DataArray
    dominant: xr.DataArray
    matches: tuple[LoopMatch, ...]
    seconds: float



def run_loop_ensemble(
    model: LoadedModel,
    spec: LoopEnsembleSpec,
    options: RunOptions | None = None,
    *,
    named: Sequence[NamedLoop] | None = None,
    settings: AnalysisSettings | None = None,
) -> LoopEnsemble:
    """Score the loops of every member of a Latin-hypercube sample, phase by phase.

    Parameters
    ----------
    model : LoadedModel
        The model.
    spec : LoopEnsembleSpec
        Ranges, sample size, seeds and base scenario.
    options : RunOptions, optional
        Only ``progress`` applies (a bar on stderr): members run one by one
        through pysimlin.
    named : sequence of NamedLoop, optional
        The named loops; those of the model file by default.
    settings : AnalysisSettings, optional
        Phase thresholds; from each run's ``"entropy tolerance"`` by default.

    Returns
    -------
    LoopEnsemble
        Per member and phase: named-loop scores, reinforcing share, dominant loop.

    Raises
    ------
    SpecError, UnknownVariableError, ModelFileError, SimulationError
        As :func:`~sdcluster.studies.loops.analyze_loops`, naming the member that failed.

    """
    import sys

    from tqdm import tqdm

    valid = spec.validated(model)
    base = valid.scenario or Scenario(name="baseline")
    problem = SensitivityProblem(parameters=tuple(
        ParameterRange(name=k, low=lo, high=hi) for k, (lo, hi) in valid.ranges.items()))
    parameters = latin_hypercube(problem, spec.samples, seed=spec.seed).to_frame()
    parameters.index.name = MEMBER_DIM
    scorer = LoopScorer(model, named)
    noise = _ensemble_noise(model, base, spec)
    phases = list(PHASES) if has_phase_variables(model.variables) else [WHOLE_RUN]
    summaries: list[PhaseSummary] = []
    matches: tuple[LoopMatch, ...] = ()
    started = clock.perf_counter()
    for member in tqdm(parameters.index, desc="loop runs", unit="run", file=sys.stderr,
                       disable=not (options or DEFAULT_OPTIONS).progress):
        row = {str(k): float(v) for k, v in parameters.loc[member].items()}
        scenario = Scenario(name=f"member {member}", overrides={**base.overrides, **row},
                            steps=base.steps, final_time=base.final_time)
        member_noise = {name: table[member] for name, table in noise.items()}
        analysis = scorer.run(scenario, noise=member_noise, settings=settings,
                              variables=PHASE_INPUTS)
        matches = matches or analysis.matches
        summaries.append(summarize_phases(analysis, phases))
    seconds = clock.perf_counter() - started
    return _ensemble(spec, parameters, summaries, phases, scorer.named, matches, seconds)


def _ensemble_noise(model: LoadedModel, base: Scenario,
                    spec: LoopEnsembleSpec) -> dict[str, npt.NDArray[np.float64]]:
    """Return each noise input's series for every member, ``(samples, steps)``; none unseeded."""
    if spec.noise_seed is None:
        return {}
    steps = model.time.step_times(base.final_time or model.time.final_time).size
    return white_noise_inputs(spec.noise_seed, np.arange(spec.samples), steps,
                              noise_inputs(model))


def _ensemble(spec: LoopEnsembleSpec, parameters: pd.DataFrame,
              summaries: Sequence[PhaseSummary], phases: Sequence[str],
              named: Sequence[NamedLoop], matches: tuple[LoopMatch, ...],
              seconds: float) -> LoopEnsemble:
    members = parameters.index.to_numpy()
    names = [loop.name for loop in named]
    coords_phase = {MEMBER_DIM: members, PHASE_DIM: list(phases)}
    return LoopEnsemble(
        spec=spec, parameters=parameters, matches=matches, seconds=seconds,
        phase_scores=xr.DataArray(
            np.stack([s.scores for s in summaries]).reshape(len(members), len(phases),
                                                            len(names)),
            dims=(MEMBER_DIM, PHASE_DIM, NAMED_DIM),
            coords={**coords_phase, NAMED_DIM: names}),
        reinforcing_share=xr.DataArray(np.stack([s.reinforcing for s in summaries]),
                                       dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
        named_reinforcing_share=xr.DataArray(
            np.stack([s.named_reinforcing for s in summaries]),
            dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
        dominant=xr.DataArray(np.array([s.dominant for s in summaries], dtype=object),
                              dims=(MEMBER_DIM, PHASE_DIM), coords=coords_phase),
    )
