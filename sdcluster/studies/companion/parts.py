"""The companion experiments of a report, each returning a :class:`~sdcluster.report.data.Part`.

- :func:`make_sweep`: the base scenario at evenly spaced openness values,
  deterministic, with the vectorized batch engine; the bracket where runs
  start to self-organize is refined by bisection;
- :func:`make_ensemble`: a seeded fluctuation ensemble of the base scenario
  (:func:`sdcluster.studies.ensemble.run_ensemble`, one noise stream per member);
- :func:`make_takeoff`: the same noise streams at evenly spaced openness
  values (common random numbers); each run's phase onsets are kept;
- :func:`make_sensitivity`: Sobol' indices of the policy levers
  (:func:`sdcluster.studies.sensitivity.run_sensitivity`), deterministic runs;
- :func:`make_checks`: the validation suite of ``sdcluster check``.

A maker raises an :class:`~sdcluster.errors.SdclusterError` when the model
does not support its experiment; the report run then saves the part as
unavailable with that message.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.bisection import bisect
from sdcluster.analysis.phases import PHASES
from sdcluster.analysis.thresholds import bracket_indices, reaches_phase_iii
from sdcluster.errors import ReportError
from sdcluster.studies.companion.context import (
    REPORT_RUN_VARIABLES,
    SWEEP_LEVER,
    RunContext,
)
from sdcluster.studies.companion.part import Part

#: Outcomes of the sensitivity analysis of the innovation-cluster model.
CLUSTER_OUTCOMES = ("final order", "takeoff time")
#: Stocks whose end values are the outcomes for another model.
GENERIC_OUTCOME_STOCKS = 2
#: Constant that sets the strength of the fluctuations (recorded in the report).
NOISE_SD = "noise sd"


def column_values(column: pd.Series) -> np.ndarray:
    """Return a table column as floats if it holds numbers, else as strings (for netCDF)."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=str)
    return column.to_numpy(dtype=float)


# ---------------------------------------------------------------- sweep


def _run_lever(context: RunContext, values: Sequence[float] | np.ndarray) -> xr.Dataset:
    """Run the base scenario once per openness value, without noise (batch engine)."""
    params: dict[str, Any] = context.base_parameters()
    params[SWEEP_LEVER] = np.asarray(values, dtype=float)
    return context.batch.run(params, len(params[SWEEP_LEVER]),
                               return_variables=list(REPORT_RUN_VARIABLES),
                               final_time=context.base.final_time)


def make_sweep(context: RunContext) -> Part:
    """Sweep openness without noise; refine the self-organization threshold by bisection."""
    context.require([SWEEP_LEVER, *REPORT_RUN_VARIABLES], "the openness sweep")
    low, high = context.lever_range(SWEEP_LEVER)
    grid = np.linspace(low, high, context.sizes.sweep_points)
    runs = [_run_lever(context, grid)]
    values = [float(v) for v in grid]
    indices = bracket_indices(reaches_phase_iii(runs[0], context.settings))

    def organizes(value: float) -> bool:
        run = _run_lever(context, [value])
        runs.append(run)
        values.append(value)
        return bool(reaches_phase_iii(run, context.settings)[0])

    if indices is not None:
        bisect(values[indices[0]], values[indices[1]], organizes,
               tolerance=context.sizes.sweep_tolerance)
    stages = ["grid"] * len(grid) + ["bisection"] * (len(values) - len(grid))
    dataset = xr.concat(runs, dim="member").assign_coords(
        {"member": np.arange(len(values)), SWEEP_LEVER: ("member", values),
         "stage": ("member", stages)})
    metadata = {"lever": SWEEP_LEVER, "range": [low, high], "grid_points": len(grid),
                "tolerance": context.sizes.sweep_tolerance, "base_scenario": context.base.name,
                "engine": "sdcluster vectorized batch engine"}
    return Part(name="sweep", dataset=dataset, metadata=metadata)


# ---------------------------------------------------------------- ensembles


def _noise_sd(context: RunContext) -> float | None:
    if NOISE_SD in context.base.overrides:
        return float(context.base.overrides[NOISE_SD])
    return context.model.variable(NOISE_SD).default if NOISE_SD in context.model else None


def _streams_text(inputs: tuple[str, ...]) -> str:
    """Say how the members' noise derives from the seed (see :mod:`sdcluster.experiments.noise`)."""
    if len(inputs) == 1:
        return "member m draws from SeedSequence(seed, spawn_key=(m,))"
    return (f"member m draws input k of {', '.join(inputs)} from SeedSequence(seed, "
            "spawn_key=(m, k)), spawn_key=(m,) for k = 0")


def _ensemble_metadata(context: RunContext, members: int,
                       inputs: tuple[str, ...]) -> dict[str, Any]:
    return {"seed": context.seed, "members": members, "noise_sd": _noise_sd(context),
            "base_scenario": context.base.name, "noise_inputs": list(inputs),
            "streams": _streams_text(inputs)}


def make_ensemble(context: RunContext) -> Part:
    """Run the base scenario with seeded white noise, one stream per member."""
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.studies.run import run

    inputs = context.require_noise_inputs("the fluctuation ensemble")
    context.require(REPORT_RUN_VARIABLES, "the fluctuation ensemble")
    members = context.sizes.ensemble_members
    spec = EnsembleSpec(n_members=members, seed=context.seed, scenario=context.base)
    results = run(context.model, spec)
    metadata = {**_ensemble_metadata(context, members, inputs),
                "engine": results.metadata.get("engine", ""),
                "ensemble": results.metadata.get("ensemble", {})}
    return Part(name="ensemble", dataset=results.dataset.load(), metadata=metadata)


def make_takeoff(context: RunContext) -> Part:
    """Run the ensemble's noise streams at evenly spaced openness values; keep phase onsets.

    Every openness value gets the same noise streams (common random numbers),
    so the curve's differences come from openness, not from the draws.
    """
    from sdcluster.analysis.ensembles import onset_times
    from sdcluster.experiments.designs import ParameterDesign
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.studies.run import run

    inputs = context.require_noise_inputs("the take-off curve")
    context.require([SWEEP_LEVER, *REPORT_RUN_VARIABLES], "the take-off curve")
    low, high = context.lever_range(SWEEP_LEVER)
    values = np.linspace(low, high, context.sizes.takeoff_points)
    members = context.sizes.ensemble_members
    design = ParameterDesign.from_columns({SWEEP_LEVER: values})
    spec = EnsembleSpec.for_design(design, replicates=members, seed=context.seed,
                                   scenario=context.base, variables=REPORT_RUN_VARIABLES)
    onsets = onset_times(run(context.model, spec).dataset, context.settings)
    shape = (len(values), members)  # member m is replicate m % R of sample m // R
    dataset = xr.Dataset(
        {f"onset {phase}": (("openness", "member"), onsets[phase].to_numpy().reshape(shape),
                            {"units": context.model.time.units,
                             "documentation": f"first time the run entered and held the "
                                              f"phase {phase!r}; NaN if never"})
         for phase in PHASES},
        coords={"openness": values, "member": np.arange(members)},
    )
    return Part(name="takeoff", dataset=dataset,
                metadata={**_ensemble_metadata(context, members, inputs), "lever": SWEEP_LEVER})


# ---------------------------------------------------------------- sensitivity


def _sensitivity_parameters(context: RunContext) -> list[str]:
    closed = [name for name in context.model.levers
              if (bounds := context.model.variables[name].range) is not None
              and None not in bounds and bounds[0] != bounds[1]]
    if not closed:
        raise ReportError(f"{context.model.path.name} has no policy lever with a closed "
                          "declared range to vary")
    return closed


def _sensitivity_outcomes(context: RunContext) -> tuple[str, ...]:
    if all(name in context.model for name in REPORT_RUN_VARIABLES):
        return CLUSTER_OUTCOMES
    return tuple(f"{stock}@end" for stock in context.model.stocks[:GENERIC_OUTCOME_STOCKS])


def make_sensitivity(context: RunContext) -> Part:
    """Compute first-order and total Sobol' indices of the levers on the report's outcomes."""
    from sdcluster.errors import SensitivityWarning
    from sdcluster.experiments.ranges import problem_from_model
    from sdcluster.experiments.sensitivity import SensitivitySpec
    from sdcluster.studies.sensitivity import run_sensitivity

    problem = problem_from_model(context.model, _sensitivity_parameters(context))
    spec = SensitivitySpec(problem=problem, outcomes=_sensitivity_outcomes(context),
                           method="sobol", n=context.sizes.sensitivity_samples, seed=context.seed,
                           scenario=context.base, noise=False, second_order=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SensitivityWarning)
        result = run_sensitivity(context.model, spec, settings=context.settings)
    indices = result.indices.reset_index(drop=True)
    data: dict[str, Any] = {column: ("row", column_values(indices[column]))
                            for column in indices.columns}
    data["design"] = (("sample", "design_parameter"), np.asarray(result.design.values))
    for outcome in result.outcomes.columns:
        data[f"outcome {outcome}"] = ("sample", result.outcomes[outcome].to_numpy(dtype=float))
    dataset = xr.Dataset(data, coords={"design_parameter": list(result.design.names)})
    metadata = {**spec.describe(), "runs": int(result.design.n_samples),
                "warnings": [str(w.message) for w in caught]}
    return Part(name="sensitivity", dataset=dataset, metadata=metadata)


# ---------------------------------------------------------------- checks


def make_checks(context: RunContext) -> Part:
    """Run the validation suite (``sdcluster check``) and keep its rows."""
    from sdcluster.studies.validation import run_checks

    rows = run_checks(context.model, context.checks_dir)
    columns: dict[str, list[Any]] = {
        "group": [r.group for r in rows], "check": [r.check for r in rows],
        "condition": [r.condition for r in rows], "passed": [r.passed for r in rows],
        "detail": [r.detail for r in rows],
    }
    dataset = xr.Dataset({name: ("row", np.asarray(values)) for name, values in columns.items()})
    return Part(name="checks", dataset=dataset, metadata={"rows": len(rows)})
