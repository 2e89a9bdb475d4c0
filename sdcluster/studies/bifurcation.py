"""Bifurcation and take-off analysis of one state against one lever, on the batch engine.

For a lever (a constant, e.g. ``openness``) and a state (a stock, e.g.
``Innovative Firms``), :func:`run_bifurcation`

1. runs the model to a long horizon from many initial states at each of many
   lever values (200 × 20 = 4,000 members in one batch call, no noise) and
   records the end value of the state and of any other outputs;
2. clusters each lever value's end states into distinct attractors and splits
   them into a low and a high stable branch (:func:`~sdcluster.studies.
   bifurcation_analysis.split_level`);
3. estimates the unstable branch as the initial state that separates runs
   ending low from runs ending high (found by k-section on the initial state,
   all lever values at once);
4. reads the formation threshold (the lowest lever value at which the run from
   the lowest initial state ends high), the persistence threshold (the lowest
   lever value at which the run from the highest initial state stays high) and
   the hysteresis width, formation − persistence;
5. estimates the take-off probability against the lever at several noise
   levels: the share of noisy members from the model's default initial state
   that end on the high branch, with Wilson score intervals.

Initial states are set through the constant that the stock's INTEG initial
value refers to (:mod:`sdcluster.studies.bifurcation_inputs` explains why and
when that is impossible). Noise levels scale the model's noise-amplitude
constant(s); the white-noise inputs are fed seeded streams, member ``m``'s
input ``k`` being ``white_noise(seed, [m], n_steps, input_index=k)``
(:mod:`sdcluster.experiments.noise`), the same stream member ``m`` of an ensemble
with that seed gets. The same
streams serve every lever value and noise level (common random numbers), so
the probability curves differ only by the lever and the noise level.

A threshold found on the lever grid lies in ``(value below, value]``: its
resolution is one grid step.

The study's parts: :mod:`~sdcluster.studies.bifurcation_setup` resolves the spec
against the model, this module runs the members and assembles the dataset,
:mod:`~sdcluster.studies.bifurcation_analysis` classifies end states (pure),
:func:`sdcluster.analysis.bisection.k_section` narrows the separatrix, and
:mod:`~sdcluster.studies.bifurcation_result` reads tables from the result.

References
----------
.. [1] S. H. Strogatz, *Nonlinear Dynamics and Chaos*, 2nd ed., Westview (2015),
   ch. 3 (saddle-node bifurcations, hysteresis).
.. [2] M. Scheffer et al., "Catastrophic shifts in ecosystems", *Nature* 413,
   591-596 (2001), https://doi.org/10.1038/35098000.
.. [3] E. B. Wilson, "Probable inference, the law of succession, and statistical
   inference", *JASA* 22, 209-212 (1927), https://doi.org/10.1080/01621459.1927.10502953.

"""

from __future__ import annotations

import json
import math
import os
import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from sdcluster.analysis.bisection import k_section
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.errors import SimulationError, SpecError
from sdcluster.experiments.bifurcation import BifurcationSpec
from sdcluster.experiments.noise import white_noise
from sdcluster.model.loaded import LoadedModel, load_model
from sdcluster.studies import bifurcation_analysis as bif
from sdcluster.studies.bifurcation_result import BifurcationResult
from sdcluster.studies.bifurcation_setup import Setup, resolve

__all__ = ["BifurcationResult", "BifurcationSpec", "run_bifurcation"]

FloatArray = NDArray[np.float64]

#: Memory the recorded series of one block of members may take (bytes).
MEMORY_BUDGET = 256 * 2**20
#: Confidence level of the take-off probability intervals.
CONFIDENCE = 0.95


# -------------------------------------------------------------------- runs


@dataclass(frozen=True)
class _Streams:
    """Seeded white noise: one table per input, rows picked per member."""

    tables: tuple[FloatArray, ...]
    member: NDArray[np.int64]

    def block(self, names: Sequence[str], part: slice) -> dict[str, FloatArray]:
        rows = self.member[part]
        return {name: table[rows] for name, table in zip(names, self.tables, strict=True)}


def _block_size(setup: Setup, noisy: bool) -> int:
    schedule = setup.batch.schedule(setup.spec.horizon)
    per_member = 8 * int(schedule.saved.sum()) * len(setup.quantities)
    if noisy:  # the series, and the engine's time-major copy of it
        per_member += 16 * len(schedule.times) * len(setup.noise_inputs)
    return max(1, min(setup.chunk_size, MEMORY_BUDGET // per_member))


def _part(value: Any, part: slice) -> Any:
    return value[part] if isinstance(value, np.ndarray) else value


def _simulate(setup: Setup, params: Mapping[str, Any], n: int,
              streams: _Streams | None = None) -> tuple[FloatArray, FloatArray]:
    """Run ``n`` members; return end values ``(n, quantities)`` and the state at the settle time."""
    names = list(setup.quantities)
    end, before = np.empty((n, len(names))), np.empty(n)
    block = _block_size(setup, streams is not None)
    for start in range(0, n, block):
        part = slice(start, min(n, start + block))
        arrays = setup.batch.run_arrays(
            {name: _part(value, part) for name, value in params.items()}, part.stop - start,
            inputs=None if streams is None else streams.block(setup.noise_inputs, part),
            return_variables=names, final_time=setup.spec.horizon)
        for j, name in enumerate(names):
            end[part, j] = arrays[name][:, -1]
        before[part] = arrays[setup.state][:, setup.settle_index]
    _require_finite(setup, params, end)
    return end, before


def _require_finite(setup: Setup, params: Mapping[str, Any], end: FloatArray) -> None:
    bad = np.flatnonzero(~np.isfinite(end).all(axis=1))
    if bad.size == 0:
        return
    first = int(bad[0])
    lever = float(_part(params[setup.lever], slice(first, first + 1)).squeeze())
    start = float(np.asarray(_part(params[setup.initial.constant],
                                   slice(first, first + 1))).squeeze())
    raise SimulationError(
        f"{setup.batch.path.name}: {len(bad)} of {end.shape[0]} runs end in NaN or infinity "
        f"(first: {setup.lever} = {lever:g}, {setup.initial.constant} = {start:g})"
    )


@dataclass(frozen=True, kw_only=True)
class _Sweep:
    """The deterministic sweep, classified."""

    end: FloatArray  # (quantity, lever, initial)
    settled: NDArray[np.bool_]  # (lever, initial)
    high: NDArray[np.bool_]  # (lever, initial)
    centres: FloatArray  # (lever, attractor)
    counts: NDArray[np.int64]
    split: float
    tolerance: float


def _sweep(setup: Setup) -> _Sweep:
    n_lever, n_init = setup.levers.size, setup.initials.size
    params = {**setup.deterministic(), setup.lever: np.repeat(setup.levers, n_init),
              setup.initial.constant: np.tile(setup.initials, n_lever)}
    end, before = _simulate(setup, params, n_lever * n_init)
    state = end[:, 0].reshape(n_lever, n_init)
    spread = float(np.ptp(state)) or max(1.0, float(np.abs(state).max()))
    tolerance = setup.spec.cluster_tolerance * spread
    settled = np.abs(end[:, 0] - before).reshape(n_lever, n_init) <= tolerance
    centres, counts = bif.attractors(state, settled, tolerance)
    split = bif.split_level(centres, counts, tolerance)
    high = state > split if math.isfinite(split) else np.zeros_like(settled)
    return _Sweep(end=end.T.reshape(-1, n_lever, n_init), settled=settled, high=high,
                  centres=centres, counts=counts, split=split, tolerance=tolerance)


def _separatrix(setup: Setup, sweep: _Sweep) -> tuple[FloatArray, FloatArray]:
    """Bracket the initial state that separates the basins, per lever value (k-section)."""
    lower, upper = bif.bracket_separatrix(setup.initials, sweep.high)
    k = setup.spec.bisection_points

    def ends_high(rows: NDArray[np.intp], points: FloatArray) -> NDArray[np.bool_]:
        params = {**setup.deterministic(), setup.lever: np.repeat(setup.levers[rows], k),
                  setup.initial.constant: points.ravel()}
        end, _ = _simulate(setup, params, rows.size * k)
        return end[:, 0].reshape(rows.size, k) > sweep.split

    return k_section(lower, upper, ends_high, points=k, rounds=setup.spec.bisection_rounds,
                     log=setup.log)


def _streams(setup: Setup, member: NDArray[np.int64]) -> _Streams:
    n_steps = len(setup.batch.schedule(setup.spec.horizon).times)
    # Member m's input k is the ensemble's stream (m, k): the same members as ``ensemble``.
    tables = tuple(white_noise(setup.spec.seed, np.arange(setup.spec.members), n_steps,
                               input_index=k) for k in range(len(setup.noise_inputs)))
    return _Streams(tables=tables, member=member)


def _takeoff(setup: Setup, split: float) -> tuple[FloatArray, NDArray[np.int64]]:
    """Return the take-off lever grid and the members ending high, ``(noise level, lever)``."""
    spec = setup.spec
    grid = np.linspace(setup.levers[0], setup.levers[-1], spec.takeoff_values)
    n_levels, members = setup.noise_values.shape[0], spec.members
    n = n_levels * grid.size * members
    level = np.repeat(np.arange(n_levels), grid.size * members)
    params: dict[str, Any] = {
        setup.lever: np.tile(np.repeat(grid, members), n_levels),
        setup.initial.constant: (setup.initial.default if spec.takeoff_initial is None
                                 else spec.takeoff_initial),
    }
    for j, name in enumerate(setup.noise_parameters):
        params[name] = setup.noise_values[level, j]
    streams = _streams(setup, np.tile(np.arange(members), n_levels * grid.size))
    end, _ = _simulate(setup, params, n, streams)
    high = end[:, 0] > split if math.isfinite(split) else np.zeros(n, dtype=bool)
    return grid, high.reshape(n_levels, grid.size, members).sum(axis=2)


# --------------------------------------------------------------- assembly


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def _notes(setup: Setup, sweep: _Sweep) -> list[str]:
    notes = []
    unsettled = int((~sweep.settled).sum())
    if unsettled:
        notes.append(f"{unsettled} of {sweep.settled.size} sweep runs had not settled by the "
                     "horizon (slow near a fold: a longer horizon sharpens the thresholds)")
    if not math.isfinite(sweep.split):
        notes.append("no distinct high state: every run ends on one branch; no thresholds")
    elif setup.initials[0] > sweep.split:
        notes.append("the lowest initial state is above the split level: the formation "
                     "threshold is not measured from a low state")
    elif setup.initials[-1] <= sweep.split:
        notes.append("the highest initial state is below the split level: the persistence "
                     "threshold is not measured from a high state")
    if setup.initial.also_sets:
        notes.append(f"{setup.initial.constant!r} also sets the initial value of "
                     f"{', '.join(map(repr, setup.initial.also_sets))}")
    return notes


def _sweep_variables(setup: Setup, sweep: _Sweep) -> dict[str, Any]:
    stable = np.stack([bif.branch_values(values, sweep.high, sweep.settled)
                       for values in sweep.end])
    return {
        "end": (("quantity", "lever", "initial"), sweep.end),
        "settled": (("lever", "initial"), sweep.settled.astype(np.int8)),
        "high": (("lever", "initial"), sweep.high.astype(np.int8)),
        "attractors": (("lever", "attractor"), sweep.centres),
        "n_attractors": (("lever",), sweep.counts),
        "stable": (("quantity", "lever", "branch"), stable),
    }


def _takeoff_variables(setup: Setup, grid: FloatArray,
                       reached: NDArray[np.int64]) -> dict[str, Any]:
    from sdcluster.analysis.statistics import wilson_interval

    members = setup.spec.members
    bounds = np.array([[wilson_interval(int(r), members, CONFIDENCE) for r in row]
                       for row in reached])
    return {
        "takeoff_reached": (("noise", "takeoff_lever"), reached),
        "takeoff_probability": (("noise", "takeoff_lever"), reached / members),
        "takeoff_ci_low": (("noise", "takeoff_lever"), bounds[..., 0]),
        "takeoff_ci_high": (("noise", "takeoff_lever"), bounds[..., 1]),
        "noise_value": (("noise", "noise_parameter"), setup.noise_values),
    }


def _coords(setup: Setup, grid: FloatArray | None, width: int) -> dict[str, Any]:
    coords: dict[str, Any] = {
        "lever": ("lever", setup.levers, {"long_name": setup.lever}),
        "initial": ("initial", setup.initials, {"long_name": setup.initial.constant}),
        "quantity": ("quantity", list(setup.quantities)),
        "branch": ("branch", ["low", "high"]),
        "attractor": ("attractor", np.arange(width)),
    }
    if grid is not None:
        coords["takeoff_lever"] = ("takeoff_lever", grid, {"long_name": setup.lever})
        coords["noise"] = ("noise", np.array(setup.spec.noise_levels, dtype=np.float64))
        coords["noise_parameter"] = ("noise_parameter", list(setup.noise_parameters))
    return coords


def _attrs(setup: Setup, sweep: _Sweep, seconds: float) -> dict[str, Any]:
    form, form_below = bif.first_reached(setup.levers, sweep.high[:, 0])
    keep, keep_below = bif.first_reached(setup.levers, sweep.high[:, -1])
    spec = setup.spec
    return {
        "model": str(setup.batch.path), "engine": "sdcluster vectorized batch engine",
        "lever": setup.lever, "state": setup.state, "outputs": _json(list(setup.outputs)),
        "initial_constant": setup.initial.constant, "initial_default": setup.initial.default,
        "initial_also_sets": _json(list(setup.initial.also_sets)),
        "formation_threshold": form, "formation_below": form_below,
        "persistence_threshold": keep, "persistence_below": keep_below,
        "hysteresis": form - keep, "split_level": sweep.split,
        "cluster_tolerance_abs": sweep.tolerance, "horizon": float(spec.horizon),
        "seed": int(spec.seed), "members": int(spec.members),
        "takeoff_initial": (setup.initial.default if spec.takeoff_initial is None
                            else float(spec.takeoff_initial)),
        "noise_relative": int(spec.noise_relative),
        "noise_inputs": _json(list(setup.noise_inputs)),
        "noise_parameters": _json(list(setup.noise_parameters)),
        "noise_streams": "input k of member m: white_noise(seed, [m], n_steps, input_index=k)",
        "confidence": CONFIDENCE, "seconds": seconds,
        "spec": _json(spec.describe()), "notes": _json(_notes(setup, sweep)),
    }


def _batch_model(model: BatchModel | LoadedModel | str | os.PathLike[str] | None) -> BatchModel:
    """Return the batch engine of ``model``, built from the loaded model (loaded once)."""
    if isinstance(model, BatchModel):
        return model
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    return BatchModel.from_model(loaded)


def run_bifurcation(model: BatchModel | LoadedModel | str | os.PathLike[str] | None,
                    spec: BifurcationSpec,
                    options: RunOptions | None = None) -> BifurcationResult:
    """Run a bifurcation and take-off study (see the module docstring).

    Parameters
    ----------
    model : BatchModel, LoadedModel, str or PathLike, or None
        The model (a file is compiled for the batch engine); the built-in model if None.
    spec : BifurcationSpec
        What to run.
    options : RunOptions, optional
        ``chunk_size`` bounds the members of one batch call (memory bounds
        them too); the engine must be ``"auto"`` or ``"batch"``: the study
        runs on the batch engine only.

    Returns
    -------
    BifurcationResult

    Raises
    ------
    UnknownVariableError
        If the lever, state or an output is not in the model (naming the closest names).
    AnalysisError
        If the state's initial value cannot be set, or noise is asked for and
        the model has no white-noise input or noise-amplitude constant.
    SpecError
        For ranges the spec does not give and the model does not declare.
    SimulationError
        If a run ends in NaN or infinity.
    UnsupportedConstructError
        If the batch engine cannot run the model.

    Examples
    --------
    >>> spec = BifurcationSpec(lever="openness", state="Innovative Firms",
    ...                        outputs=("Order Degree",), seed=1)   # doctest: +SKIP
    >>> result = run_bifurcation(None, spec)                      # doctest: +SKIP
    >>> result.formation, result.persistence, result.hysteresis   # doctest: +SKIP

    """
    options = DEFAULT_OPTIONS if options is None else options
    if options.engine == "pysd":
        raise SpecError("bifurcation: the study runs on the batch engine only; "
                        "use engine 'auto' or 'batch'")
    started = clock.perf_counter()
    setup = resolve(_batch_model(model), spec, options.chunk_size)
    sweep = _sweep(setup)
    lower, upper = _separatrix(setup, sweep)
    variables = _sweep_variables(setup, sweep)
    variables["unstable_low"], variables["unstable_high"] = ("lever", lower), ("lever", upper)
    middle = np.sqrt(lower * upper) if setup.log and np.all(setup.initials > 0) else (
        (lower + upper) / 2)
    variables["unstable"] = (("lever",), middle)
    grid = None
    if setup.noise_inputs:
        grid, reached = _takeoff(setup, sweep.split)
        variables.update(_takeoff_variables(setup, grid, reached))
    dataset = xr.Dataset(variables, coords=_coords(setup, grid, sweep.centres.shape[1]))
    dataset.attrs.update(_attrs(setup, sweep, clock.perf_counter() - started))
    return BifurcationResult(dataset)

