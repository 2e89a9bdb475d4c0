"""Global sensitivity analysis of a model's outcomes: design, run, indices.

:func:`run_sensitivity` takes a :class:`SensitivitySpec`, samples its design
(:mod:`sdcluster.experiments.designs`: Monte Carlo, Latin hypercube, Sobol'
after Saltelli, Morris; ranges from the model, :mod:`sdcluster.experiments.ranges`),
runs it as an ensemble (batch engine, chunked, on any executor), evaluates
the outcomes (:mod:`sdcluster.analysis.outcomes`, the outcome language) and
returns them with the indices (:mod:`sdcluster.analysis.sensitivity`) as a
tidy table with confidence intervals.

Common random numbers: with the noise on, every parameter sample runs with
the same noise streams (``replicates`` of them, streams ``0 .. R-1``; see
:mod:`sdcluster.studies.ensemble`), and a sample's outcome is the mean over its
replicates. The indices then measure the parameters' effect, not the luck
of the draws.

The designs and the indices cite their sources in
:mod:`sdcluster.experiments.designs` and :mod:`sdcluster.analysis.sensitivity`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sdcluster.analysis.outcomes import evaluate_outcomes, parse_outcome
from sdcluster.analysis.sensitivity import morris_indices, rank_correlations, sobol_indices
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.experiments.designs import (
    ParameterDesign,
    SensitivityProblem,
    design_runs,
    make_design,
)
from sdcluster.experiments.ensemble import EnsembleSpec
from sdcluster.experiments.sensitivity import SensitivitySpec
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import run_ensemble

__all__ = [
    "SensitivityResult",
    "SensitivitySpec",
    "run_sensitivity",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, eq=False)
class SensitivityResult:
    """What :func:`run_sensitivity` returns.

    Attributes
    ----------
    spec : SensitivitySpec
        The study.
    design : ParameterDesign
        The sampled parameter values.
    outcomes : pandas.DataFrame
        One row per sample, one column per outcome.
    indices : pandas.DataFrame
        Tidy indices (columns :data:`INDEX_COLUMNS`).
    results : Results
        The runs (dims member, time; design values as member coordinates).

    """

    spec: SensitivitySpec
    design: ParameterDesign
    outcomes: pd.DataFrame
    indices: pd.DataFrame
    results: Results


def run_sensitivity(model: LoadedModel | str | os.PathLike[str], spec: SensitivitySpec,
                    options: RunOptions | None = None, *,
                    settings: AnalysisSettings = DEFAULT_SETTINGS) -> SensitivityResult:
    """Sample the design, run it, and compute the indices of every outcome.

    Parameters
    ----------
    model : LoadedModel or path
        The model (loaded, or its file).
    spec : SensitivitySpec
        The study.
    options : RunOptions, optional
        How the runs go: engine, chunk size, executor (local by default),
        progress bar.
    settings : AnalysisSettings
        Phase thresholds for the take-off outcomes.

    Examples
    --------
    >>> problem = problem_from_model(model, ["openness", "government support"])  # doctest: +SKIP
    >>> spec = SensitivitySpec(problem=problem, outcomes=("Order Degree@end",),   # doctest: +SKIP
    ...                        n=256, seed=1)
    >>> run_sensitivity(model, spec).indices                                      # doctest: +SKIP

    """
    model = model if isinstance(model, LoadedModel) else load_model(model)
    outcomes = [parse_outcome(text, model) for text in spec.outcomes]
    problem = spec.validated(model).problem
    variables = tuple(dict.fromkeys(v for o in outcomes for v in o.variables))
    runs = design_runs(spec.method, spec.n, len(problem.parameters),
                       second_order=spec.second_order) * spec.replicates
    check_fits(run_size(model.time, spec.scenario.final_time,
                        variables=len(variables) + len(problem.parameters), runs=runs),
               f"{model.path}: sensitivity ({spec.method}, n = {spec.n:,})")
    design = make_design(problem, spec.method, spec.n, seed=spec.seed,
                         second_order=spec.second_order, levels=spec.levels)
    ensemble = EnsembleSpec.for_design(
        design, replicates=spec.replicates, seed=spec.seed,
        scenario=spec.scenario, noise=spec.noise, variables=variables,
    )
    # A run folder is for one ensemble's chunks; the sensitivity runs stay in memory.
    results = run_ensemble(model, ensemble, replace(options or DEFAULT_OPTIONS, run_dir=None))
    table = evaluate_outcomes(results.dataset, outcomes, replicates=spec.replicates,
                              settings=settings)
    indices = pd.concat([_indices(spec, problem, design, table[o.name].to_numpy(), o.name)
                         for o in outcomes], ignore_index=True)
    metadata = {**results.metadata,
                "sensitivity": {"model_path": str(model.path), **spec.describe()}}
    return SensitivityResult(spec=spec, design=design, outcomes=table, indices=indices,
                             results=Results(dataset=results.dataset, metadata=metadata))


def _indices(spec: SensitivitySpec, problem: SensitivityProblem, design: ParameterDesign,
             y: FloatArray, outcome: str) -> pd.DataFrame:
    level = spec.confidence_level
    if spec.method == "sobol":
        return sobol_indices(problem, y, outcome=outcome, second_order=spec.second_order,
                             confidence_level=level, seed=spec.seed)
    if spec.method == "morris":
        return morris_indices(problem, design, y, outcome=outcome, levels=spec.levels,
                              confidence_level=level, seed=spec.seed)
    return rank_correlations(problem, design, y, outcome=outcome, method=spec.method,
                             confidence_level=level)
