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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sdcluster.analysis.outcomes import evaluate_outcomes, parse_outcome
from sdcluster.analysis.sensitivity import morris_indices, rank_correlations, sobol_indices
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.engine.batch import DEFAULT_CHUNK_SIZE
from sdcluster.engine.executors import Executor
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.errors import SpecError, did_you_mean
from sdcluster.experiments.designs import (
    METHODS,
    Method,
    ParameterDesign,
    SensitivityProblem,
    check_count,
    design_runs,
    make_design,
)
from sdcluster.experiments.ranges import problem_from_model
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model
from sdcluster.results.dataset import Results
from sdcluster.studies.ensemble import Engine, EnsembleSpec, run_ensemble

__all__ = [
    "SensitivityResult",
    "SensitivitySpec",
    "run_sensitivity",
]

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------ problem


# ------------------------------------------------------------------ designs


# ----------------------------------------------------------------- outcomes


# ------------------------------------------------------------------ indices


# ------------------------------------------------------------------- runner


@dataclass(frozen=True, kw_only=True)
class SensitivitySpec:
    """A sensitivity study: parameters, design, outcomes and how to run them.

    Attributes
    ----------
    model_path : Path
        The model file.
    problem : SensitivityProblem
        Parameters and ranges (see :func:`problem_from_model`).
    outcomes : tuple of str
        Outcome names (see the module docstring).
    method : str
        One of :data:`METHODS`.
    n : int
        Base sample size: Sobol' N, Morris trajectories, or the number of
        Monte Carlo / Latin hypercube samples.
    seed : int
        Seeds the design and the noise streams.
    scenario : Scenario
        Base scenario (overrides, steps, final time).
    noise : bool
        Run with the seeded white noise (common random numbers).
    replicates : int
        Noise streams per sample; a sample's outcome is their mean.
    second_order : bool
        Sobol': also second-order indices (``N * (2D + 2)`` runs).
    levels : int
        Morris: grid levels.
    confidence_level : float
        Of the confidence intervals.
    chunk_size : int
        Members per chunk.
    engine : str
        ``"auto"``, ``"batch"`` or ``"pysd"``.

    """

    model_path: Path
    problem: SensitivityProblem
    outcomes: tuple[str, ...]
    method: Method = "sobol"
    n: int = 1024
    seed: int = 0
    scenario: Scenario = field(
        default_factory=lambda: Scenario(name="baseline", title="model as it is")
    )
    noise: bool = True
    replicates: int = 1
    second_order: bool = True
    levels: int = 4
    confidence_level: float = 0.95
    chunk_size: int = DEFAULT_CHUNK_SIZE
    engine: Engine = "auto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_path", Path(self.model_path))
        object.__setattr__(self, "outcomes", tuple(self.outcomes))
        # Checked here, before the model loads; the design functions check them again.
        for name, minimum in (("n", 1), ("seed", 0), ("replicates", 1), ("levels", 2)):
            object.__setattr__(self, name, check_count(name, getattr(self, name), minimum=minimum,
                                                       context="sensitivity: "))
        if not self.outcomes:
            raise SpecError("sensitivity: give at least one outcome")
        if self.method not in METHODS:
            raise SpecError(f"sensitivity: unknown method {self.method!r}; expected one of "
                                f"{', '.join(METHODS)}{did_you_mean(self.method, METHODS)}")
        if not 0 < self.confidence_level < 1:
            raise SpecError(f"sensitivity: confidence_level must be in (0, 1), "
                                f"got {self.confidence_level}")

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data."""
        return {
            "model_path": str(self.model_path), "method": self.method, "n": self.n,
            "seed": self.seed, "outcomes": list(self.outcomes),
            "parameters": {p.name: [p.low, p.high] for p in self.problem.parameters},
            "scenario": self.scenario.to_dict(), "noise": self.noise,
            "replicates": self.replicates, "second_order": self.second_order,
            "levels": self.levels, "confidence_level": self.confidence_level,
        }


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


def run_sensitivity(spec: SensitivitySpec, *, executor: Executor | None = None,
                    settings: AnalysisSettings = DEFAULT_SETTINGS,
                    progress: bool = False) -> SensitivityResult:
    """Sample the design, run it, and compute the indices of every outcome.

    Parameters
    ----------
    spec : SensitivitySpec
        The study.
    executor : Executor, optional
        Where the runs go (local by default).
    settings : AnalysisSettings
        Phase thresholds for the take-off outcomes.
    progress : bool
        Show a progress bar on stderr.

    Examples
    --------
    >>> problem = problem_from_model(model, ["openness", "government support"])  # doctest: +SKIP
    >>> spec = SensitivitySpec(model_path=model.path, problem=problem,            # doctest: +SKIP
    ...                        outcomes=("Order Degree@end",), n=256, seed=1)
    >>> run_sensitivity(spec).indices                                             # doctest: +SKIP

    """
    model = load_model(spec.model_path)
    outcomes = [parse_outcome(text, model) for text in spec.outcomes]
    problem = problem_from_model(
        model, {p.name: (p.low, p.high) for p in spec.problem.parameters}
    )
    variables = tuple(dict.fromkeys(v for o in outcomes for v in o.variables))
    runs = design_runs(spec.method, spec.n, len(problem.parameters),
                       second_order=spec.second_order) * spec.replicates
    check_fits(run_size(model.time, spec.scenario.final_time,
                        variables=len(variables) + len(problem.parameters), runs=runs),
               f"{model.path}: sensitivity ({spec.method}, n = {spec.n:,})")
    design = make_design(problem, spec.method, spec.n, seed=spec.seed,
                         second_order=spec.second_order, levels=spec.levels)
    ensemble = EnsembleSpec.for_design(
        spec.model_path, design, replicates=spec.replicates, seed=spec.seed,
        scenario=spec.scenario, noise=spec.noise, variables=variables,
        chunk_size=spec.chunk_size, engine=spec.engine,
    )
    results = run_ensemble(ensemble, executor=executor, progress=progress)
    table = evaluate_outcomes(results.dataset, outcomes, replicates=spec.replicates,
                              settings=settings)
    indices = pd.concat([_indices(spec, problem, design, table[o.name].to_numpy(), o.name)
                         for o in outcomes], ignore_index=True)
    metadata = {**results.metadata, "sensitivity": spec.describe()}
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
