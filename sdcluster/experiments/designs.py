"""Parameter designs: which constants vary, over what ranges, sampled how.

A :class:`SensitivityProblem` names constants and their ranges (declared in
the model, or narrowed); :func:`monte_carlo`, :func:`latin_hypercube`,
:func:`sobol_design` and :func:`morris_design` are seeded samplers (SALib's
where SALib has them) that return a :class:`ParameterDesign`: a table of
values, one row per sample, that an ensemble runs (see
:class:`sdcluster.studies.ensemble.EnsembleSpec`). Their sizes are checked with
:func:`sdcluster.experiments.counts.check_count`, the one count check.

The member coordinates of an ensemble that runs a design (``sample``,
``replicate``, ``design`` over ``parameter``) and of its noise
(``noise_stream``) are named here, next to the design that defines them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sdcluster.errors import SensitivityWarning, SpecError, did_you_mean
from sdcluster.experiments.counts import check_count

FloatArray = NDArray[np.float64]


#: Member coordinates.
NOISE_STREAM, SAMPLE, REPLICATE = "noise_stream", "sample", "replicate"


#: The design coordinate (dims member, parameter) and its parameter dim.
DESIGN, PARAMETER = "design", "parameter"


@dataclass(frozen=True, kw_only=True, eq=False)
class ParameterDesign:
    """Values of some constants, one row per sample.

    Attributes
    ----------
    names : tuple of str
        The constants (model names), one per column of ``values``.
    values : ndarray
        Shape ``(n_samples, len(names))``, finite; stored read-only.
    method : str
        How the design was made (``"given"``, ``"monte carlo"``, ``"latin
        hypercube"``, ``"sobol"``, ``"morris"``), for the metadata.
    seed : int or None
        The seed the design was sampled with, if any.

    Raises
    ------
    SpecError
        If the shape does not match the names, names repeat, or a value is
        not finite.

    """

    names: tuple[str, ...]
    values: FloatArray
    method: str = "given"
    seed: int | None = None

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64)
        names = tuple(self.names)
        if values.ndim != 2 or values.shape[1] != len(names) or values.shape[0] < 1:
            raise SpecError(
                f"parameter design: expected values of shape (n_samples >= 1, {len(names)}) "
                f"for parameters {list(names)}, got shape {values.shape}"
            )
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise SpecError(f"parameter design: parameters repeat: {', '.join(repeated)}")
        bad_rows = np.flatnonzero(~np.isfinite(values).all(axis=1))
        if bad_rows.size:
            raise SpecError(
                f"parameter design: sample {int(bad_rows[0])} has a value that is not finite: "
                f"{values[bad_rows[0]].tolist()}"
            )
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)

    @classmethod
    def from_columns(cls, columns: Mapping[str, ArrayLike], *, method: str = "given",
                     seed: int | None = None) -> ParameterDesign:
        """Build a design from ``{name: values}`` with equally long columns."""
        arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in columns.values()]
        lengths = sorted({a.shape for a in arrays})
        if len(lengths) != 1 or len(lengths[0]) != 1:
            raise SpecError(
                f"parameter design: columns must be 1-D and equally long, got shapes {lengths}"
            )
        return cls(names=tuple(columns), values=np.column_stack(arrays), method=method,
                   seed=seed)

    @property
    def n_samples(self) -> int:
        """Return the number of samples (rows)."""
        return int(self.values.shape[0])

    def column(self, name: str) -> FloatArray:
        """Return the values of one parameter."""
        return self.values[:, self.names.index(name)]

    def to_frame(self) -> pd.DataFrame:
        """Return the design as a table: one row per sample, one column per parameter."""
        frame = pd.DataFrame(self.values, columns=list(self.names))
        frame.index.name = SAMPLE
        return frame

    def describe(self) -> dict[str, Any]:
        """Return what the design is, without its values (for metadata)."""
        return {
            "method": self.method,
            "seed": self.seed,
            "n_samples": self.n_samples,
            "parameters": {
                name: {"min": float(self.values[:, j].min()), "max": float(self.values[:, j].max())}
                for j, name in enumerate(self.names)
            },
        }


Method = Literal["sobol", "morris", "latin hypercube", "monte carlo"]


METHODS: tuple[str, ...] = ("sobol", "morris", "latin hypercube", "monte carlo")


@dataclass(frozen=True, kw_only=True)
class ParameterRange:
    """A constant varied uniformly between two bounds.

    Attributes
    ----------
    name : str
        The constant's model name.
    low, high : float
        Bounds, ``low < high``, inside the declared range.

    """

    name: str
    low: float
    high: float


@dataclass(frozen=True, kw_only=True)
class SensitivityProblem:
    """The parameters of a sensitivity study and their ranges.

    Raises
    ------
    SpecError
        If there are no parameters, names repeat, or a range is empty.

    """

    parameters: tuple[ParameterRange, ...]

    def __post_init__(self) -> None:
        if not self.parameters:
            raise SpecError("sensitivity: give at least one parameter")
        names = self.names
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise SpecError(f"sensitivity: parameters repeat: {', '.join(repeated)}")
        for p in self.parameters:
            if not (math.isfinite(p.low) and math.isfinite(p.high) and p.low < p.high):
                raise SpecError(f"sensitivity: range of {p.name!r} must be finite with "
                                    f"low < high, got [{p.low:g}, {p.high:g}]")

    @property
    def names(self) -> tuple[str, ...]:
        """Return the parameter names."""
        return tuple(p.name for p in self.parameters)

    @property
    def bounds(self) -> FloatArray:
        """Return the bounds, shape ``(D, 2)``."""
        return np.array([[p.low, p.high] for p in self.parameters], dtype=np.float64)

    def salib(self) -> dict[str, Any]:
        """Return the problem as SALib's dict (``num_vars``, ``names``, ``bounds``)."""
        return {"num_vars": len(self.parameters), "names": list(self.names),
                "bounds": self.bounds.tolist()}


def _design(problem: SensitivityProblem, values: FloatArray, method: str,
            seed: int | None) -> ParameterDesign:
    # Keep samples inside the bounds despite rounding in the samplers' scaling.
    bounds = problem.bounds
    clipped = np.clip(values, bounds[:, 0], bounds[:, 1])
    return ParameterDesign(names=problem.names, values=clipped, method=method, seed=seed)


def _check_size(name: str, value: object, minimum: int = 1) -> int:
    return check_count(name, value, minimum=minimum, context="sensitivity: ")


def monte_carlo(problem: SensitivityProblem, n: int, *, seed: int | None = None) -> ParameterDesign:
    """Return ``n`` independent uniform samples over the problem's ranges."""
    _check_size("n", n)
    rng = np.random.default_rng(seed)
    bounds = problem.bounds
    unit = rng.random((n, len(problem.parameters)))
    return _design(problem, bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0]),
                   "monte carlo", seed)


def latin_hypercube(problem: SensitivityProblem, n: int, *,
                    seed: int | None = None) -> ParameterDesign:
    """Return an ``n``-point Latin hypercube over the problem's ranges (SALib ``sample.latin``)."""
    from SALib.sample import latin

    _check_size("n", n)
    values = latin.sample(problem.salib(), n, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "latin hypercube", seed)


def sobol_design(problem: SensitivityProblem, n: int, *, seed: int | None = None,
                 second_order: bool = True) -> ParameterDesign:
    """Return Saltelli's design for Sobol' indices (SALib ``sample.sobol``).

    ``n * (2D + 2)`` rows with ``second_order``, ``n * (D + 2)`` without.
    ``n`` should be a power of 2 (the Sobol' sequence's balance properties);
    otherwise a :class:`SensitivityWarning` says so and the design is still made.
    """
    from SALib.sample import sobol

    _check_size("n", n, minimum=2)
    if n & (n - 1):
        warnings.warn(f"sensitivity: Sobol' N = {n} is not a power of 2; the estimates "
                      f"converge best for N = {1 << (n - 1).bit_length()} or "
                      f"{1 << (n.bit_length() - 1)}", SensitivityWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy repeats the power-of-2 warning given above
        values = sobol.sample(problem.salib(), n, calc_second_order=second_order, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "sobol", seed)


def morris_design(problem: SensitivityProblem, n: int, *, seed: int | None = None,
                  levels: int = 4) -> ParameterDesign:
    """Return ``n`` Morris trajectories (``n * (D + 1)`` rows; SALib ``sample.morris``)."""
    from SALib.sample import morris

    _check_size("n", n, minimum=2)
    _check_size("levels", levels, minimum=2)
    values = morris.sample(problem.salib(), n, num_levels=levels, seed=seed)
    return _design(problem, np.asarray(values, dtype=np.float64), "morris", seed)


def design_runs(method: str, n: int, parameters: int, *, second_order: bool = True) -> int:
    """Return the number of samples a design of ``method`` has (before replicates).

    Sobol': ``N (2D + 2)`` with second-order indices, else ``N (D + 2)``;
    Morris: ``N (D + 1)``; Latin hypercube and Monte Carlo: ``N``.
    """
    if method == "sobol":
        return n * (2 * parameters + 2 if second_order else parameters + 2)
    if method == "morris":
        return n * (parameters + 1)
    return n


def make_design(problem: SensitivityProblem, method: str, n: int, *, seed: int | None = None,
                second_order: bool = True, levels: int = 4) -> ParameterDesign:
    """Return the design of ``method`` (one of :data:`METHODS`)."""
    if method == "sobol":
        return sobol_design(problem, n, seed=seed, second_order=second_order)
    if method == "morris":
        return morris_design(problem, n, seed=seed, levels=levels)
    if method == "latin hypercube":
        return latin_hypercube(problem, n, seed=seed)
    if method == "monte carlo":
        return monte_carlo(problem, n, seed=seed)
    raise SpecError(f"sensitivity: unknown method {method!r}; expected one of "
                        f"{', '.join(METHODS)}{did_you_mean(method, METHODS)}")
