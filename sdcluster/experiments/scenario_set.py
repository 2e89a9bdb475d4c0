"""Experiment specifications: what to run, not how. No I/O here.

A :class:`ScenarioSet` is the spec of a scenario comparison: the scenarios,
the seed of the exogenous white-noise inputs, and which variables to keep.
Engines (``sdcluster.engine``) execute it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sdcluster.errors import ScenarioError
from sdcluster.experiments.scenarios import Scenario


@dataclass(frozen=True, kw_only=True)
class ScenarioSet:
    """A comparison of scenarios on one model.

    Attributes
    ----------
    scenarios : tuple of Scenario
        The scenarios to run, validated against the model; names are unique.
    seed : int or None
        Seed of the white-noise input series (noise stream 0 of every input,
        see :mod:`sdcluster.experiments.noise`). ``None`` runs without noise (the
        inputs stay at their model values). With a seed every scenario gets
        the *same* noise series (common random numbers), so differences
        between scenarios come from the policies, not from the draws.
    variables : tuple of str or None
        Variables to keep in the results (model names); all when ``None``.

    Raises
    ------
    ScenarioError
        If there are no scenarios, names repeat, or the seed is not a
        non-negative integer.

    """

    scenarios: tuple[Scenario, ...]
    seed: int | None = None
    variables: tuple[str, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ScenarioError("a scenario set needs at least one scenario")
        names = [s.name for s in self.scenarios]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ScenarioError(f"scenario names repeat: {', '.join(repeated)}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise ScenarioError(f"seed must be a non-negative integer, got {self.seed!r}")

    @classmethod
    def of(cls, scenarios: Iterable[Scenario], *, seed: int | None = None,
           variables: Iterable[str] | None = None) -> ScenarioSet:
        """Build a set from any iterables."""
        return cls(scenarios=tuple(scenarios), seed=seed,
                   variables=None if variables is None else tuple(variables))
