"""The spec of a bifurcation and take-off study of one state against one lever.

A :class:`BifurcationSpec` names the lever (a constant swept over a grid),
the state (a stock whose equilibria are sought), the grid of initial states,
the horizon, the noise levels and members of the take-off probability, the
seed of the noise streams, and the tolerances of the classification;
:func:`sdcluster.studies.bifurcation.run_bifurcation` runs it on the batch
engine (its module docstring says what each step computes).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from sdcluster.errors import SpecError
from sdcluster.experiments.counts import check_count

__all__ = ["BifurcationSpec", "Spacing"]

#: How initial states (and the k-section points) are spread.
Spacing = Literal["log", "linear"]


def _count(name: str, value: object, minimum: int = 1) -> None:
    check_count(name, value, minimum=minimum, context="bifurcation spec: ")


def _range(name: str, value: object) -> None:
    if value is None:
        return
    if (not isinstance(value, tuple) or len(value) != 2
            or not all(isinstance(v, int | float) and math.isfinite(v) for v in value)
            or not value[0] < value[1]):
        raise SpecError(f"bifurcation spec: {name} must be (low, high) with low < high, "
                            f"got {value!r}")


def _finite(name: str, value: object, *, positive: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):  # type: ignore[operator]
        kind = "a positive number" if positive else "a finite number"
        raise SpecError(f"bifurcation spec: {name} must be {kind}, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class BifurcationSpec:
    """What a bifurcation and take-off study runs (see the module docstring).

    Attributes
    ----------
    lever : str
        The constant swept (e.g. ``"openness"``).
    state : str
        The stock whose equilibria are sought (e.g. ``"Innovative Firms"``).
    lever_range : (float, float), optional
        Lowest and highest lever value; the lever's declared range by default.
    values : int
        Number of lever values, evenly spaced (default 200).
    initial_states : int or tuple of float
        Number of initial states (default 20) spread over ``initial_range``,
        or the initial states themselves.
    initial_range : (float, float), optional
        Lowest and highest initial state; the declared range of the stock's
        initial-value constant by default (a lower bound of 0 becomes
        1/1000 of the upper one with log spacing).
    initial_spacing : {"log", "linear"}
        How initial states (and the k-section points) are spread.
    horizon : float
        FINAL TIME of every run (default 300): long, so runs reach their attractor.
    outputs : tuple of str
        Other variables whose end values are recorded per branch (e.g. ``("Order Degree",)``).
    noise_levels : tuple of float
        Noise levels of the take-off probability (default 0.5, 1 and 2); empty: none.
    noise_relative : bool
        Levels are multiples of the model's noise amplitude (default) or its absolute values.
    noise_parameter : str or tuple of str, optional
        The noise-amplitude constant(s) the levels set; by default those
        named like ``noise sd`` or ``noise amplitude``.
    noise_inputs : tuple of str, optional
        The white-noise input constants; by default those named like ``white noise input``.
    takeoff_values : int
        Number of lever values of the take-off probability, over ``lever_range`` (default 50).
    members : int
        Noisy members per lever value and noise level (default 200).
    takeoff_initial : float, optional
        Initial state of the noisy members; the model's default by default.
    seed : int
        Root seed of the noise streams.
    cluster_tolerance : float
        End states closer than this fraction of the spread of all end states
        form one attractor; runs whose state moved by more than it over the
        last ``settle_fraction`` of the horizon count as unsettled.
    settle_fraction : float
        Share of the horizon over which runs must have settled.
    bisection_points, bisection_rounds : int
        The unstable branch is bracketed by ``bisection_rounds`` rounds of
        ``bisection_points`` interior points each (a bracket shrinks by
        ``bisection_points + 1`` per round).
    allow_side_effects : bool
        Accept an initial-value constant that also enters the model's equations.

    """

    lever: str
    state: str
    lever_range: tuple[float, float] | None = None
    values: int = 200
    initial_states: int | tuple[float, ...] = 20
    initial_range: tuple[float, float] | None = None
    initial_spacing: Spacing = "log"
    horizon: float = 300.0
    outputs: tuple[str, ...] = ()
    noise_levels: tuple[float, ...] = (0.5, 1.0, 2.0)
    noise_relative: bool = True
    noise_parameter: str | tuple[str, ...] | None = None
    noise_inputs: tuple[str, ...] | None = None
    takeoff_values: int = 50
    members: int = 200
    takeoff_initial: float | None = None
    seed: int = 0
    cluster_tolerance: float = 0.01
    settle_fraction: float = 0.1
    bisection_points: int = 15
    bisection_rounds: int = 2
    allow_side_effects: bool = False

    def __post_init__(self) -> None:
        for name in ("outputs", "noise_levels", "noise_inputs", "lever_range", "initial_range"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.initial_states, list | np.ndarray):
            object.__setattr__(self, "initial_states", tuple(map(float, self.initial_states)))
        self._check_counts()
        self._check_numbers()

    def describe(self) -> dict[str, Any]:
        """Return the spec as JSON-able data (every field)."""
        return asdict(self)

    def _check_counts(self) -> None:
        _count("values", self.values, 2)
        _count("takeoff_values", self.takeoff_values, 2)
        _count("members", self.members)
        _count("seed", self.seed, 0)
        _count("bisection_points", self.bisection_points)
        _count("bisection_rounds", self.bisection_rounds, 0)
        if isinstance(self.initial_states, tuple):
            if len(set(self.initial_states)) < 2:
                raise SpecError("bifurcation spec: give at least two distinct initial states")
            for value in self.initial_states:
                _finite("initial_states", value)
        else:
            _count("initial_states", self.initial_states, 2)

    def _check_numbers(self) -> None:
        _range("lever_range", self.lever_range)
        _range("initial_range", self.initial_range)
        _finite("horizon", self.horizon, positive=True)
        _finite("cluster_tolerance", self.cluster_tolerance, positive=True)
        _finite("settle_fraction", self.settle_fraction, positive=True)
        if self.takeoff_initial is not None:
            _finite("takeoff_initial", self.takeoff_initial)
        for level in self.noise_levels:
            _finite("noise_levels", level)
            if level < 0:
                raise SpecError(f"bifurcation spec: noise levels must be >= 0, got {level}")
        if self.initial_spacing not in ("log", "linear"):
            raise SpecError("bifurcation spec: initial_spacing must be 'log' or 'linear', "
                                f"got {self.initial_spacing!r}")
        if self.settle_fraction >= 1:
            raise SpecError("bifurcation spec: settle_fraction must be below 1")
