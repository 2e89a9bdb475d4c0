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
(:mod:`sdcluster.engine.noise`), the same stream member ``m`` of an ensemble
with that seed gets. The same
streams serve every lever value and noise level (common random numbers), so
the probability curves differ only by the lever and the noise level.

A threshold found on the lever grid lies in ``(value below, value]``: its
resolution is one grid step.

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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from sdcluster.analysis.bisection import k_section
from sdcluster.engine.batch import BatchModel
from sdcluster.engine.noise import white_noise
from sdcluster.engine.options import DEFAULT_OPTIONS, RunOptions
from sdcluster.errors import ResultsFileError, SimulationError, SpecError
from sdcluster.experiments.bifurcation import BifurcationSpec
from sdcluster.model.paths import builtin_model_path
from sdcluster.results.atomic import write_atomically
from sdcluster.studies import bifurcation_analysis as bif
from sdcluster.studies.bifurcation_inputs import (
    InitialSetting,
    find_constant,
    find_variable,
    initial_setting,
    noise_inputs,
    noise_parameters,
)

if TYPE_CHECKING:
    from sdcluster.model.loaded import LoadedModel

__all__ = ["BifurcationResult", "BifurcationSpec", "run_bifurcation"]

FloatArray = NDArray[np.float64]

#: Memory the recorded series of one block of members may take (bytes).
MEMORY_BUDGET = 256 * 2**20
#: Confidence level of the take-off probability intervals.
CONFIDENCE = 0.95


# ----------------------------------------------------------------- set-up


@dataclass(frozen=True, kw_only=True)
class _Setup:
    """A spec resolved against a model: names checked, grids built."""

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
        return (self.state, *self.outputs)

    @property
    def log(self) -> bool:
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


def _setup(batch: BatchModel, spec: BifurcationSpec, chunk_size: int) -> _Setup:
    lever = find_constant(batch, spec.lever)
    initial = initial_setting(batch, spec.state, allow_side_effects=spec.allow_side_effects)
    if lever == initial.constant:
        raise SpecError(f"{batch.path.name}: {lever!r} sets the initial value of "
                            f"{initial.stock!r}; it cannot be the lever too")
    low, high = _declared(batch, lever, spec.lever_range, "lever range")
    outputs = tuple(dict.fromkeys(find_variable(batch, name) for name in spec.outputs))
    inputs, parameters, values = _noise_setup(batch, spec)
    return _Setup(batch=batch, spec=spec, lever=lever, state=initial.stock,
                  outputs=tuple(o for o in outputs if o != initial.stock), initial=initial,
                  levers=np.linspace(low, high, spec.values),
                  initials=_initial_grid(batch, spec, initial.constant),
                  noise_inputs=inputs, noise_parameters=parameters, noise_values=values,
                  settle_index=_settle_index(batch, spec), chunk_size=chunk_size)


# -------------------------------------------------------------------- runs


@dataclass(frozen=True)
class _Streams:
    """Seeded white noise: one table per input, rows picked per member."""

    tables: tuple[FloatArray, ...]
    member: NDArray[np.int64]

    def block(self, names: Sequence[str], part: slice) -> dict[str, FloatArray]:
        rows = self.member[part]
        return {name: table[rows] for name, table in zip(names, self.tables, strict=True)}


def _block_size(setup: _Setup, noisy: bool) -> int:
    schedule = setup.batch.schedule(setup.spec.horizon)
    per_member = 8 * int(schedule.saved.sum()) * len(setup.quantities)
    if noisy:  # the series, and the engine's time-major copy of it
        per_member += 16 * len(schedule.times) * len(setup.noise_inputs)
    return max(1, min(setup.chunk_size, MEMORY_BUDGET // per_member))


def _part(value: Any, part: slice) -> Any:
    return value[part] if isinstance(value, np.ndarray) else value


def _simulate(setup: _Setup, params: Mapping[str, Any], n: int,
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


def _require_finite(setup: _Setup, params: Mapping[str, Any], end: FloatArray) -> None:
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


def _sweep(setup: _Setup) -> _Sweep:
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


def _separatrix(setup: _Setup, sweep: _Sweep) -> tuple[FloatArray, FloatArray]:
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


def _streams(setup: _Setup, member: NDArray[np.int64]) -> _Streams:
    n_steps = len(setup.batch.schedule(setup.spec.horizon).times)
    # Member m's input k is the ensemble's stream (m, k): the same members as ``ensemble``.
    tables = tuple(white_noise(setup.spec.seed, np.arange(setup.spec.members), n_steps,
                               input_index=k) for k in range(len(setup.noise_inputs)))
    return _Streams(tables=tables, member=member)


def _takeoff(setup: _Setup, split: float) -> tuple[FloatArray, NDArray[np.int64]]:
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


# ------------------------------------------------------------------ result


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


@dataclass(frozen=True)
class BifurcationResult:
    """The outcome of :func:`run_bifurcation`: an :class:`xarray.Dataset` and readers of it.

    The dataset has coordinates ``lever`` (the lever values), ``initial``
    (initial states, ascending), ``quantity`` (the state, then the outputs),
    ``branch`` (``"low"``, ``"high"``), ``attractor``, and, with noise,
    ``noise`` (the levels as given), ``noise_parameter`` and ``takeoff_lever``.
    Variables: ``end`` (quantity × lever × initial), ``settled`` and ``high``
    (lever × initial, 0/1), ``attractors`` and ``n_attractors``, ``stable``
    (quantity × lever × branch), ``unstable`` with its bracket
    ``unstable_low``, ``unstable_high`` (lever; the separating initial state),
    and ``takeoff_probability``, ``takeoff_reached``, ``takeoff_ci_low``,
    ``takeoff_ci_high`` and ``noise_value``. Attributes hold the thresholds
    (``formation_threshold``, ``persistence_threshold``, each with the grid
    value below it, ``hysteresis``), the ``split_level``, the names used, the
    seed, the spec (JSON) and ``notes`` (JSON list of caveats).
    """

    dataset: xr.Dataset

    def _attr(self, name: str) -> float:
        return float(self.dataset.attrs[name])

    @property
    def formation(self) -> float:
        """Formation threshold: the lowest lever value at which the low start ends high."""
        return self._attr("formation_threshold")

    @property
    def persistence(self) -> float:
        """Persistence threshold: the lowest lever value at which the high start stays high."""
        return self._attr("persistence_threshold")

    @property
    def hysteresis(self) -> float:
        """Hysteresis width, formation − persistence."""
        return self._attr("hysteresis")

    @property
    def notes(self) -> list[str]:
        """Caveats found while analysing (e.g. runs that had not settled)."""
        return list(json.loads(self.dataset.attrs["notes"]))

    def thresholds_table(self) -> pd.DataFrame:
        """Return the thresholds, hysteresis and take-off bands, one row each.

        Columns ``quantity``, ``value``, ``low``, ``high`` (the interval the
        value lies in: for a threshold the grid step ending at it) and ``note``.
        """
        return _thresholds_table(self.dataset)

    def branches_table(self) -> pd.DataFrame:
        """Return one row per lever value: attractor count, stable branches, unstable branch."""
        return _branches_table(self.dataset)

    def takeoff_table(self) -> pd.DataFrame:
        """Return the take-off probability per noise level and lever value, with Wilson bounds."""
        ds = self.dataset
        if "takeoff_probability" not in ds:
            return pd.DataFrame(columns=["noise", "lever", "reached", "members", "probability",
                                         "low", "high"])
        frame = ds[["takeoff_reached", "takeoff_probability", "takeoff_ci_low",
                    "takeoff_ci_high"]].to_dataframe().reset_index()
        frame = frame.rename(columns={"takeoff_lever": "lever", "takeoff_reached": "reached",
                                      "takeoff_probability": "probability",
                                      "takeoff_ci_low": "low", "takeoff_ci_high": "high"})
        frame.insert(3, "members", int(ds.attrs["members"]))
        return frame[["noise", "lever", "reached", "members", "probability", "low", "high"]]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the dataset to a netCDF file, atomically.

        Raises
        ------
        ResultsFileError
            If the file cannot be written.

        """
        return write_atomically(path, lambda temporary: self.dataset.to_netcdf(
            temporary, engine="netcdf4"), what="the bifurcation results")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BifurcationResult:
        """Read a file written by :meth:`save`.

        Raises
        ------
        ResultsFileError
            If it is missing or not a bifurcation results file.

        """
        try:
            dataset = xr.load_dataset(path, engine="netcdf4")
        except (OSError, ValueError) as error:
            raise ResultsFileError(f"{path}: cannot read bifurcation results ({error})") from None
        if "formation_threshold" not in dataset.attrs:
            raise ResultsFileError(f"{path}: not a bifurcation results file")
        return cls(dataset)


def _threshold_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    attrs, lever = ds.attrs, ds.attrs["lever"]
    form, form_below = attrs["formation_threshold"], attrs["formation_below"]
    keep, keep_below = attrs["persistence_threshold"], attrs["persistence_below"]
    return [
        {"quantity": "formation threshold", "value": form, "low": form_below, "high": form,
         "note": f"lowest {lever} at which the run from {ds['initial'].values[0]:g} ends high"},
        {"quantity": "persistence threshold", "value": keep, "low": keep_below, "high": keep,
         "note": f"lowest {lever} at which the run from {ds['initial'].values[-1]:g} stays high"},
        {"quantity": "hysteresis width", "value": attrs["hysteresis"],
         "low": form_below - keep, "high": form - keep_below, "note": "formation − persistence"},
        {"quantity": "split level", "value": attrs["split_level"], "low": math.nan,
         "high": math.nan, "note": f"{attrs['state']} above it counts as the high branch"},
    ]


def _takeoff_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if "takeoff_probability" not in ds:
        return rows
    grid = ds["takeoff_lever"].values
    for level in ds["noise"].values:
        probability = ds["takeoff_probability"].sel(noise=level).values
        low, high = bif.probability_band(grid, probability)
        label = f"noise {level:g}{'x' if ds.attrs['noise_relative'] else ''}"
        rows.append({"quantity": f"take-off 5-95 % band ({label})", "value": high - low,
                     "low": low, "high": high, "note": "lever values where 5 % < P < 95 %"})
        rows.append({"quantity": f"take-off 50 % ({label})",
                     "value": bif.probability_crossing(grid, probability), "low": math.nan,
                     "high": math.nan, "note": "lever at which P first reaches 1/2"})
    return rows


def _thresholds_table(ds: xr.Dataset) -> pd.DataFrame:
    return pd.DataFrame(_threshold_rows(ds) + _takeoff_rows(ds),
                        columns=["quantity", "value", "low", "high", "note"])


def _branches_table(ds: xr.Dataset) -> pd.DataFrame:
    lever = str(ds.attrs["lever"])
    frame = pd.DataFrame({lever: ds["lever"].values,
                          "attractors": ds["n_attractors"].values})
    for quantity in ds["quantity"].values:
        for branch in ("low", "high"):
            values = ds["stable"].sel(quantity=quantity, branch=branch).values
            frame[f"{quantity} ({branch} branch)"] = values
    frame[f"{ds.attrs['state']} (unstable branch)"] = ds["unstable"].values
    return frame


# --------------------------------------------------------------- assembly


def _notes(setup: _Setup, sweep: _Sweep) -> list[str]:
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


def _sweep_variables(setup: _Setup, sweep: _Sweep) -> dict[str, Any]:
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


def _takeoff_variables(setup: _Setup, grid: FloatArray,
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


def _coords(setup: _Setup, grid: FloatArray | None, width: int) -> dict[str, Any]:
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


def _attrs(setup: _Setup, sweep: _Sweep, seconds: float) -> dict[str, Any]:
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
        "spec": _json(asdict(spec)), "notes": _json(_notes(setup, sweep)),
    }


def _batch_model(model: BatchModel | LoadedModel | str | os.PathLike[str] | None) -> BatchModel:
    if isinstance(model, BatchModel):
        return model
    if model is None:
        return BatchModel.from_file(builtin_model_path())
    if isinstance(model, str | os.PathLike):
        return BatchModel.from_file(model)
    return BatchModel.from_file(model.path)


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
    setup = _setup(_batch_model(model), spec, options.chunk_size)
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

