"""Run scenarios through PySD, the engine of record.

PySD keeps parameters, the final time and the clock from one ``run()`` to
the next. Every run here therefore passes the model-file value of *every*
scalar constant (then the scenario's overrides on top) and the whole clock,
so a run never depends on the runs before it, while one translated model is
reused across scenarios.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from tqdm import tqdm

from sdcluster.engine.finite import raise_on_non_finite
from sdcluster.engine.resources import check_fits, run_size
from sdcluster.errors import SimulationError
from sdcluster.experiments.inputs import pysd_step_series
from sdcluster.experiments.noise import noise_inputs, white_noise_inputs
from sdcluster.experiments.scenario_set import ScenarioSet
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import LoadedModel
from sdcluster.model.variables import TimeSettings

#: The white-noise input of single-input models; every constant named ``white noise ...``
#: is an input (see :func:`sdcluster.experiments.noise.noise_inputs`).
WHITE_NOISE_INPUT = "white noise input"


def run_scenario(
    model: LoadedModel,
    scenario: Scenario,
    *,
    noise_seed: int | None = None,
    variables: Iterable[str] | None = None,
    noise_member: int = 0,
) -> xr.Dataset:
    """Run one scenario; return a Dataset with dimension ``time``.

    Parameters
    ----------
    model : LoadedModel
        The model; the scenario must have been validated against it.
    scenario : Scenario
        Overrides, steps and final time of the run.
    noise_seed : int, optional
        Seed of the white-noise series fed to the model's noise inputs, its
        constants named ``white noise ...`` (standard normal, one draw per
        TIME STEP and input; see :mod:`sdcluster.experiments.noise`). Ignored
        when the model has none.
    variables : iterable of str, optional
        Variables to return (model names); every variable except lookups
        when omitted.
    noise_member : int
        Which stream of ``noise_seed`` to use: member ``noise_member`` of the
        ensemble with root seed ``noise_seed``, every input (see
        :mod:`sdcluster.experiments.noise`); 0 for scenario runs.

    Returns
    -------
    xarray.Dataset
        One data variable per model variable (its model name), with attrs
        ``units``, ``documentation`` and ``python_name``.

    Raises
    ------
    SimulationError
        If the run fails or produces NaN or infinity; the message names the
        scenario, the variable and the first time.

    """
    clock = model.clock_for(scenario.overrides)  # FINAL TIME = horizon follows its override
    final_time = clock.final_time if scenario.final_time is None else scenario.final_time
    names = _returned_names(model, variables)
    check_fits(run_size(clock, final_time, variables=len(names)),
               f"{model.path}: scenario {scenario.name!r}")
    params = _run_parameters(model, scenario, noise_seed, final_time, noise_member, clock)
    pysd_model = model.pysd_model
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # PySD warns when a constant becomes a time series; that is intended here.
            warnings.simplefilter("ignore")
            frame = pysd_model.run(
                params=params,
                return_columns=[model.variables[n].python_name for n in names],
                final_time=final_time,
                time_step=clock.time_step,
                saveper=clock.saveper,
                initial_condition="original",
                progress=False,
                # Subscripted variables come back as one DataArray per time point
                # (not as 'name[a]' columns), so their dimensions survive.
                flatten_output=False,
            )
    except (ArithmeticError, ValueError) as error:
        variable = _failing_variable(model, error.__traceback__)
        when = float(model.pysd_model.time())
        raise SimulationError(_failure_message(scenario, error, variable, when),
                              scenario=scenario.name, time=when, variable=variable) from None
    dataset = _to_dataset(model, frame, names)
    # Refuse NaN or infinity, except NaN in variables that may be ':NA:' by construction.
    raise_on_non_finite({str(name): values.transpose("time", ...).values
                         for name, values in dataset.data_vars.items()},
                        dataset["time"].values, where=f"scenario {scenario.name!r}",
                        scenario=scenario.name, nan_allowed=model.may_be_missing)
    return dataset


def run_scenario_set(model: LoadedModel, spec: ScenarioSet, *,
                     progress: bool = False) -> xr.Dataset:
    """Run every scenario of ``spec``; return a Dataset with dims ``scenario`` and ``time``.

    Scenarios with different final times share the union of their time
    points; a scenario's values after its own final time are NaN.

    Parameters
    ----------
    model : LoadedModel
        The model the scenarios were validated against.
    spec : ScenarioSet
        Scenarios, noise seed and variables.
    progress : bool
        Show a progress bar on stderr.

    """
    runs = []
    for scenario in tqdm(spec.scenarios, desc="scenarios", unit="run", file=sys.stderr,
                         disable=not progress or len(spec.scenarios) < 2):
        # Common random numbers: every scenario gets the set's noise stream.
        runs.append(run_scenario(model, scenario, noise_seed=spec.seed,
                                 variables=spec.variables))
    combined = xr.concat(runs, dim="scenario", join="outer", combine_attrs="override")
    # Plain numpy strings (not pandas' string dtype) so netCDF stores them as text.
    names = np.array([s.name for s in spec.scenarios], dtype=str)
    return combined.assign_coords(scenario=names).transpose("scenario", "time", ...)


def _returned_names(model: LoadedModel, variables: Iterable[str] | None) -> list[str]:
    if variables is None:
        return [v.name for v in model.variables.values() if v.kind != "lookup"]
    return list(dict.fromkeys(model.resolve(name) for name in variables))


def _run_parameters(model: LoadedModel, scenario: Scenario, noise_seed: int | None,
                    final_time: float, noise_member: int = 0,
                    clock: TimeSettings | None = None) -> dict[str, Any]:
    """Every scalar constant's value for this run: defaults, overrides, steps, noise."""
    clock = model.time if clock is None else clock
    params: dict[str, Any] = {
        v.python_name: v.default for v in model.variables.values()
        if v.kind == "constant" and v.default is not None
    }
    for name, value in scenario.overrides.items():
        params[model.variables[name].python_name] = value
    for name, step in scenario.steps.items():
        variable = model.variables[name]
        before = params.get(variable.python_name, variable.default)
        params[variable.python_name] = pysd_step_series(
            step, before, clock.initial_time, final_time, clock.time_step
        )
    if noise_seed is not None:
        times = clock.step_times(final_time)
        noise = white_noise_inputs(noise_seed, [noise_member], len(times), noise_inputs(model))
        for name, series in noise.items():
            params[model.variables[name].python_name] = pd.Series(series[0], index=times)
    return params


def _to_dataset(model: LoadedModel, frame: pd.DataFrame, names: list[str]) -> xr.Dataset:
    time = np.asarray(frame.index, dtype=float)
    data_vars = {}
    for name in names:
        variable = model.variables[name]
        data_vars[name] = _series(frame[variable.python_name], time).assign_attrs(
            units=variable.units, documentation=variable.documentation,
            python_name=variable.python_name,
        )
    dataset = xr.Dataset(data_vars, coords={"time": time})
    dataset["time"].attrs["units"] = model.time.units
    return dataset


def _series(column: pd.Series, time: np.ndarray) -> xr.DataArray:
    """Return one variable's values over time, with its subscript dimensions if it has any."""
    first = column.iloc[0] if len(column) else None
    if not isinstance(first, xr.DataArray):
        return xr.DataArray(np.asarray(column, dtype=float), dims=("time",))
    stacked = xr.concat([cell.astype(float) for cell in column], dim="time")
    series: xr.DataArray = stacked.assign_coords(time=time).transpose("time", ...)
    return series


def _failure_message(scenario: Scenario, error: BaseException, variable: str | None,
                     time: float) -> str:
    where = f" while computing {variable!r}" if variable else ""
    return (f"scenario {scenario.name!r}: the run failed at time {time:g}{where}: "
            f"{type(error).__name__}: {error}")


def _failing_variable(model: LoadedModel, trace: TracebackType | None) -> str:
    """Name the model variable whose equation raised, from the traceback."""
    translated = str(model.translated_path)
    by_python: Mapping[str, str] = {v.python_name: v.name for v in model.variables.values()}
    found = ""
    while trace is not None:
        code = trace.tb_frame.f_code
        if code.co_filename == translated and code.co_name in by_python:
            found = by_python[code.co_name]
        trace = trace.tb_next
    return found
