"""The spec of a seeded fluctuation ensemble: many runs of one scenario, each with its own noise.

An :class:`EnsembleSpec` says what an ensemble is, whatever the model and
however it runs: how many members, the root seed, whether the white-noise
input is on, a base scenario (overrides, steps, final time), an optional
:class:`~sdcluster.experiments.designs.ParameterDesign` (constants that vary
from member to member) and the variables to record. How it runs (engine,
chunk size, executor, run folder) is a
:class:`~sdcluster.engine.options.RunOptions`;
:func:`sdcluster.studies.ensemble.run_ensemble` runs the two on a model.

Members and their random numbers
--------------------------------
Member ``m`` (its global index, ``0 .. n_members - 1``) reads its
fluctuations from noise stream ``s(m)`` of the root seed: one standard
normal draw per TIME STEP for each of the model's white-noise inputs (its
constants named ``white noise ...``, see
:func:`sdcluster.experiments.noise.noise_inputs`); input ``k`` gets
``sdcluster.experiments.noise.white_noise(seed, [s(m)], n_steps, input_index=k)``.
A member's numbers depend on ``(seed, s(m))`` only, never on the chunk size,
the executor or the number of workers, and the batch engine and PySD give
the same member (the tests check ``rtol=1e-9``).

* Without a design, ``s(m) = m``: independent fluctuations.
* With a design of ``S`` samples and ``R`` replicates, ``n_members = S * R``
  and member ``m`` is replicate ``r = m % R`` of sample ``m // R``; its
  stream is ``s(m) = r``. Every sample sees the same ``R`` noise streams:
  *common random numbers*, so differences between samples come from the
  parameters, not from the draws.

Stream 0 of seed ``s`` is also the noise of ``sdcluster run --seed s``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sdcluster.errors import SpecError, did_you_mean, with_article
from sdcluster.experiments.counts import check_count
from sdcluster.experiments.designs import ParameterDesign
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel

__all__ = ["EnsembleSpec"]


@dataclass(frozen=True, kw_only=True, eq=False)
class EnsembleSpec:
    """A seeded ensemble of one scenario.

    Attributes
    ----------
    n_members : int
        Number of members; with a design it must be ``design.n_samples *
        replicates`` (use :meth:`for_design`).
    seed : int
        Root seed of the members' noise streams (see the module docstring).
    scenario : Scenario
        Base scenario: overrides, steps and final time shared by all members.
    noise : bool
        Feed the seeded white noise to the model's white-noise inputs; off, every
        member runs without fluctuations (useful with a design).
    design : ParameterDesign or None
        Constants that vary per sample; they win over the scenario's
        overrides and are a step's value before it.
    replicates : int
        Members per design sample (noise streams ``0 .. replicates - 1``).
    variables : tuple of str or None
        Variables to record; None: the study's default (see
        :meth:`validated`).

    Raises
    ------
    SpecError
        If a count or the seed is not a suitable integer, or the member count
        does not match the design.

    """

    n_members: int
    seed: int = 0
    scenario: Scenario = field(
        default_factory=lambda: Scenario(name="baseline", title="model as it is")
    )
    noise: bool = True
    design: ParameterDesign | None = None
    replicates: int = 1
    variables: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.variables is not None:
            object.__setattr__(self, "variables", tuple(self.variables))
        # Stored as plain ints: NumPy integers would change the spec's hash and its JSON.
        for name, minimum in (("n_members", 1), ("seed", 0), ("replicates", 1)):
            object.__setattr__(self, name, check_count(name, getattr(self, name),
                                                       minimum=minimum))
        if self.design is None and self.replicates != 1:
            raise SpecError("replicates apply to a parameter design; give a design or "
                            "set n_members instead")
        if self.design is not None and self.n_members != self.design.n_samples * self.replicates:
            raise SpecError(
                f"n_members = {self.n_members} does not match the design: "
                f"{self.design.n_samples} samples x {self.replicates} replicates"
            )

    @classmethod
    def for_design(cls, design: ParameterDesign, *, replicates: int = 1,
                   **fields: Any) -> EnsembleSpec:
        """Build the spec of a design: ``design.n_samples * replicates`` members."""
        count = check_count("replicates", replicates, minimum=1)
        return cls(design=design, replicates=count, n_members=design.n_samples * count,
                   **fields)

    def noise_streams(self, members: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the noise stream of each member (see the module docstring)."""
        return members % self.replicates if self.design is not None else members

    def samples(self, members: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return the design sample of each member."""
        return members // self.replicates

    def validated(self, model: LoadedModel, *,
                  default_variables: Sequence[str] = ()) -> EnsembleSpec:
        """Check names, kinds and ranges against the model; return the model's spellings.

        Parameters
        ----------
        model : LoadedModel
            The model the spec runs on.
        default_variables : sequence of str
            Recorded when :attr:`variables` is None and the model has them
            all; else the model's stocks are.

        Raises
        ------
        UnknownVariableError
            If a name matches no model variable (the message lists the closest).
        SpecError
            If the scenario is invalid, a design parameter is not a constant
            or has a value outside its declared range, or a recorded variable
            is a lookup table.

        """
        scenario = self.scenario.validated(model)
        design = None if self.design is None else _validated_design(model, self.design)
        variables = _recorded_variables(model, self.variables, default_variables)
        return replace(self, scenario=scenario, design=design, variables=variables)

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data (the design without its values)."""
        return {
            "n_members": self.n_members,
            "seed": self.seed,
            "scenario": self.scenario.to_dict(),
            "noise": self.noise,
            "design": None if self.design is None else self.design.describe(),
            "replicates": self.replicates,
            "variables": None if self.variables is None else list(self.variables),
        }

    def fingerprint(self) -> tuple[bytes, ...]:
        """Return what :meth:`describe` leaves out but fixes the members: the design's values."""
        if self.design is None:
            return ()
        return ("\0".join(self.design.names).encode(), self.design.values.tobytes())


def _validated_design(model: LoadedModel, design: ParameterDesign) -> ParameterDesign:
    names = []
    for j, name in enumerate(design.names):
        variable = model.variable(model.resolve(name, context="parameter design: "))
        if variable.kind != "constant":
            raise SpecError(
                f"parameter design: {name!r} is {with_article(variable.kind)}; "
                "only constants can vary"
                f"{did_you_mean(name, model.constants)}"
            )
        outside = [i for i, value in enumerate(design.values[:, j]) if not variable.in_range(value)]
        if outside:
            raise SpecError(
                f"parameter design: {variable.name!r} = {design.values[outside[0], j]:g} "
                f"(sample {outside[0]}, {len(outside)} samples in all) is outside its declared "
                f"range {variable.range_text()}"
            )
        names.append(variable.name)
    return replace(design, names=tuple(names))


def _recorded_variables(model: LoadedModel, variables: Sequence[str] | None,
                        default: Sequence[str]) -> tuple[str, ...]:
    if variables is None:
        wanted = (list(default) if default and all(v in model for v in default)
                  else list(model.stocks))
    else:
        wanted = [model.resolve(name, context="recorded variables: ") for name in variables]
    for name in wanted:
        if model.variables[name].kind == "lookup":
            raise SpecError(f"recorded variables: {name!r} is a lookup table, not a series")
    if not wanted:
        raise SpecError("recorded variables: give at least one variable")
    return tuple(dict.fromkeys(wanted))
