"""A bifurcation spec resolved against a model: names checked, grids built.

:func:`resolve` turns a :class:`~sdcluster.experiments.bifurcation.BifurcationSpec`
into a :class:`Setup` for the batch model: the lever and the state found, the
constant that sets the state's initial value
(:mod:`sdcluster.studies.bifurcation_inputs`), the lever grid and the initial
states (declared ranges where the spec gives none), the noise inputs and
amplitudes of every noise level, and the time from which runs must have settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sdcluster.engine.batch import BatchModel
from sdcluster.errors import SpecError
from sdcluster.experiments.bifurcation import BifurcationSpec
from sdcluster.studies.bifurcation_inputs import (
    InitialSetting,
    find_constant,
    find_variable,
    initial_setting,
    noise_inputs,
    noise_parameters,
)

__all__ = ["Setup", "resolve"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class Setup:
    """A spec resolved against a model: names checked, grids built.

    Attributes
    ----------
    batch : BatchModel
        The compiled model.
    spec : BifurcationSpec
        The study.
    lever, state : str
        Model names of the lever and of the state (a stock).
    outputs : tuple of str
        Model names of the other recorded quantities.
    initial : InitialSetting
        How the state's initial value is set.
    levers, initials : ndarray
        The lever grid and the initial states (ascending).
    noise_inputs, noise_parameters : tuple of str
        The white-noise inputs fed and the noise-amplitude constants set.
    noise_values : ndarray
        ``(noise level, noise parameter)``: the amplitudes of each level.
    settle_index : int
        Saved-time index from which runs must have settled.
    chunk_size : int
        Most members in one batch call.

    """

    batch: BatchModel
    spec: BifurcationSpec
    lever: str
    state: str
    outputs: tuple[str, ...]
    initial: InitialSetting
    levers: FloatArray
    initials: FloatArray
    noise_inputs: tuple[str, ...]
    noise_parameters: tuple[str, ...]
    noise_values: FloatArray  # (noise level, noise parameter)
    settle_index: int
    chunk_size: int  # most members in one batch call

    @property
    def quantities(self) -> tuple[str, ...]:
        """Return the recorded quantities: the state, then the outputs."""
        return (self.state, *self.outputs)

    @property
    def log(self) -> bool:
        """Return whether initial states are log-spaced."""
        return self.spec.initial_spacing == "log"

    def deterministic(self) -> dict[str, Any]:
        """Parameters that switch the noise off."""
        return dict.fromkeys(self.noise_inputs, 0.0)


def _declared(batch: BatchModel, name: str, given: tuple[float, float] | None,
              what: str) -> tuple[float, float]:
    if given is not None:
        return given
    low, high = batch.info(name).limits
    if low is None or high is None or not low < high:
        raise SpecError(f"{batch.path.name}: {name!r} declares no range [low, high]; give "
                            f"the {what} explicitly")
    return float(low), float(high)


def _initial_grid(batch: BatchModel, spec: BifurcationSpec, constant: str) -> FloatArray:
    if isinstance(spec.initial_states, tuple):
        return np.unique(np.array(spec.initial_states, dtype=np.float64))
    low, high = _declared(batch, constant, spec.initial_range, "initial range")
    if spec.initial_spacing == "linear":
        return np.linspace(low, high, spec.initial_states)
    if high <= 0:
        raise SpecError(f"log-spaced initial states need a positive upper bound, got {high}")
    low = low if low > 0 else high / 1000
    return np.geomspace(low, high, spec.initial_states)


def _noise_setup(batch: BatchModel,
                 spec: BifurcationSpec) -> tuple[tuple[str, ...], tuple[str, ...], FloatArray]:
    if not spec.noise_levels:
        return (), (), np.zeros((0, 0))
    inputs = noise_inputs(batch, spec.noise_inputs)
    parameters = noise_parameters(batch, spec.noise_parameter)
    levels = np.array(spec.noise_levels, dtype=np.float64)
    if not spec.noise_relative:
        return inputs, parameters, np.repeat(levels[:, None], len(parameters), axis=1)
    defaults = np.array([batch.default(name) for name in parameters])
    if not np.any(defaults):
        raise SpecError(
            f"{batch.path.name}: the noise amplitude {', '.join(map(repr, parameters))} is 0 in "
            "the model, so relative noise levels are all 0; give absolute levels"
        )
    return inputs, parameters, levels[:, None] * defaults[None, :]


def _settle_index(batch: BatchModel, spec: BifurcationSpec) -> int:
    labels = batch.schedule(spec.horizon).labels
    if labels[-1] < spec.horizon - 1e-9 * max(1.0, abs(spec.horizon)) or labels.size < 2:
        raise SpecError(f"{batch.path.name}: horizon {spec.horizon:g} gives too few saved "
                            "times (check INITIAL TIME and SAVEPER)")
    target = labels[-1] - spec.settle_fraction * (labels[-1] - labels[0])
    return int(min(np.searchsorted(labels, target), labels.size - 2))


def resolve(batch: BatchModel, spec: BifurcationSpec, chunk_size: int) -> Setup:
    """Resolve ``spec`` against ``batch``: names checked, grids and noise levels built.

    Raises
    ------
    UnknownVariableError, AnalysisError, SpecError
        As :func:`~sdcluster.studies.bifurcation.run_bifurcation` says.

    """
    lever = find_constant(batch, spec.lever)
    initial = initial_setting(batch, spec.state, allow_side_effects=spec.allow_side_effects)
    if lever == initial.constant:
        raise SpecError(f"{batch.path.name}: {lever!r} sets the initial value of "
                            f"{initial.stock!r}; it cannot be the lever too")
    low, high = _declared(batch, lever, spec.lever_range, "lever range")
    outputs = tuple(dict.fromkeys(find_variable(batch, name) for name in spec.outputs))
    inputs, parameters, values = _noise_setup(batch, spec)
    return Setup(batch=batch, spec=spec, lever=lever, state=initial.stock,
                  outputs=tuple(o for o in outputs if o != initial.stock), initial=initial,
                  levers=np.linspace(low, high, spec.values),
                  initials=_initial_grid(batch, spec, initial.constant),
                  noise_inputs=inputs, noise_parameters=parameters, noise_values=values,
                  settle_index=_settle_index(batch, spec), chunk_size=chunk_size)
