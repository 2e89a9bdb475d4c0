"""The spec of a loop ensemble: loop dominance across a Latin-hypercube sample of parameters.

A :class:`LoopEnsembleSpec` names the constants to sample and their ranges,
the sample size, the seed of the Latin hypercube, the root seed of the
white-noise inputs (or none) and the base scenario;
:func:`sdcluster.studies.loop_ensembles.run_loop_ensemble` scores the loops of
every member.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sdcluster.errors import SpecError
from sdcluster.experiments.counts import check_count
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel

__all__ = ["LoopEnsembleSpec"]


@dataclass(frozen=True, kw_only=True)
class LoopEnsembleSpec:
    """A Latin-hypercube sample of parameters, each member scored for loop dominance.

    Attributes
    ----------
    ranges : mapping of str to (float, float)
        Constants to sample and their ranges (model names; see
        :func:`~sdcluster.experiments.ranges.parameter_ranges`).
    samples : int
        Number of members.
    seed : int
        Seed of the Latin hypercube.
    noise_seed : int or None
        Root seed of the white-noise inputs: member ``m`` gets noise stream
        ``m`` of ``noise_seed`` for every input (:mod:`sdcluster.experiments.noise`),
        as in the batch engine's ensembles. ``None``: parameter uncertainty only.
    scenario : Scenario or None
        The base the sample varies (its overrides, steps and final time).

    Raises
    ------
    SpecError
        If there are no ranges, a range is empty, or a count or seed is invalid.

    """

    ranges: Mapping[str, tuple[float, float]]
    samples: int = 100
    seed: int = 0
    noise_seed: int | None = None
    scenario: Scenario | None = None

    def __post_init__(self) -> None:
        if not self.ranges:
            raise SpecError("loop ensemble: give at least one parameter to sample")
        for name, (low, high) in self.ranges.items():
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise SpecError(f"loop ensemble: range of {name!r} must be finite and "
                                    f"low < high, got [{low:g}, {high:g}]")
        counts: list[tuple[str, object, int]] = [("samples", self.samples, 1),
                                                  ("seed", self.seed, 0)]
        if self.noise_seed is not None:
            counts.append(("noise_seed", self.noise_seed, 0))
        for label, value, least in counts:
            check_count(label, value, minimum=least, context="loop ensemble: ")

    def validated(self, model: LoadedModel) -> LoopEnsembleSpec:
        """Return the spec with the model's spellings and the base scenario validated.

        Raises
        ------
        UnknownVariableError
            If a sampled name is not in the model (the message lists the closest).
        ScenarioError
            If the base scenario is invalid for the model.

        """
        scenario = (self.scenario or Scenario(name="baseline")).validated(model)
        ranges = {model.resolve(name): bounds for name, bounds in self.ranges.items()}
        return replace(self, ranges=ranges, scenario=scenario)

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data."""
        return {
            "ranges": {name: [low, high] for name, (low, high) in self.ranges.items()},
            "samples": self.samples, "seed": self.seed, "noise_seed": self.noise_seed,
            "scenario": None if self.scenario is None else self.scenario.to_dict(),
        }
