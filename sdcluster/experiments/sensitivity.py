"""The spec of a global sensitivity study: parameters and ranges, design, outcomes.

A :class:`SensitivitySpec` says what is varied (a
:class:`~sdcluster.experiments.designs.SensitivityProblem`), how it is
sampled (Monte Carlo, Latin hypercube, Sobol' after Saltelli, Morris: see
:mod:`sdcluster.experiments.designs`), which outcomes are measured (the
outcome language of :mod:`sdcluster.analysis.outcomes`), on which base
scenario, and with which noise (``replicates`` common noise streams per
sample). :func:`sdcluster.studies.sensitivity.run_sensitivity` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sdcluster.errors import SpecError, did_you_mean
from sdcluster.experiments.counts import check_count
from sdcluster.experiments.designs import METHODS, Method, SensitivityProblem
from sdcluster.experiments.ranges import problem_from_model
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel

__all__ = ["SensitivitySpec"]


@dataclass(frozen=True, kw_only=True)
class SensitivitySpec:
    """A sensitivity study: parameters, design and outcomes.

    Attributes
    ----------
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

    Raises
    ------
    SpecError
        If a count or the seed is not a suitable integer, there is no
        outcome, the method is unknown or the confidence level is not in (0, 1).

    """

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

    def __post_init__(self) -> None:
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

    def validated(self, model: LoadedModel) -> SensitivitySpec:
        """Return the spec with the model's spellings, ranges checked, scenario validated.

        Raises
        ------
        UnknownVariableError
            If a parameter is not in the model (the message lists the closest).
        SpecError
            If a parameter is not a constant or its range leaves the declared one.
        ScenarioError
            If the base scenario is invalid for the model.

        """
        problem = problem_from_model(
            model, {p.name: (p.low, p.high) for p in self.problem.parameters})
        return replace(self, problem=problem, scenario=self.scenario.validated(model))

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data."""
        return {
            "method": self.method, "n": self.n,
            "seed": self.seed, "outcomes": list(self.outcomes),
            "parameters": {p.name: [p.low, p.high] for p in self.problem.parameters},
            "scenario": self.scenario.to_dict(), "noise": self.noise,
            "replicates": self.replicates, "second_order": self.second_order,
            "levels": self.levels, "confidence_level": self.confidence_level,
        }
