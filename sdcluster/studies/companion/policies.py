"""The policy comparison of a report: every scenario against the baseline, same horizon, same noise.

For each scenario ``s`` with horizon ``h_s`` (its final time), :func:`make_policies`
runs

- ``s`` once without noise (the deterministic run) and as a seeded ensemble
  of ``ensemble_members`` members (the same noise streams for every scenario:
  common random numbers, so differences between scenarios come from the
  policies, not from the draws), both with the vectorized batch engine;
- the baseline (the report's first scenario) the same way up to the longest
  horizon, read at ``h_s``, so that ``s`` and the baseline are compared at
  the same time.

It keeps, per scenario and member, the phase onsets and the firms and Order
Degree at the horizon, for both ``s`` and the baseline;
:mod:`sdcluster.analysis.policies` turns them into the decision table.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

from sdcluster.analysis.ensembles import onset_times
from sdcluster.analysis.entropy import ORDER_DEGREE
from sdcluster.analysis.phases import FIRMS, PHASES
from sdcluster.analysis.policies import BASELINE_PREFIX, DETERMINISTIC, OUTCOMES, onset_name
from sdcluster.experiments.scenarios import Scenario
from sdcluster.studies.companion.context import REPORT_RUN_VARIABLES, RunContext
from sdcluster.studies.companion.part import Part

__all__ = ["make_policies"]


def _run(context: RunContext, scenario: Scenario, *, noise: bool) -> xr.Dataset:
    """Run ``scenario``: one member without noise, or the seeded ensemble with it."""
    from sdcluster.experiments.ensemble import EnsembleSpec
    from sdcluster.studies.run import run

    members = context.sizes.ensemble_members if noise else 1
    spec = EnsembleSpec(n_members=members, seed=context.seed, scenario=scenario, noise=noise,
                        variables=REPORT_RUN_VARIABLES)
    return run(context.model, spec).dataset.load()


def _horizon(context: RunContext, scenario: Scenario) -> float:
    return float(context.model.time.final_time if scenario.final_time is None
                 else scenario.final_time)


def _summary(context: RunContext, ds: xr.Dataset, horizon: float) -> dict[str, np.ndarray]:
    """Return the phase onsets and the outcomes at ``horizon`` of each member of ``ds``."""
    upto = ds.sel(time=slice(None, horizon))
    onsets = onset_times(upto, context.settings)
    values = {onset_name(phase): onsets[phase].to_numpy(dtype=float) for phase in PHASES}
    for name in OUTCOMES:
        values[name] = upto[name].isel(time=-1).to_numpy().astype(float).reshape(-1)
    return values


def make_policies(context: RunContext) -> Part:
    """Compare every scenario with the baseline at the scenario's horizon (module docstring)."""
    inputs = context.require_noise_inputs("the policy comparison")
    context.require(list(dict.fromkeys([*REPORT_RUN_VARIABLES, FIRMS, ORDER_DEGREE])),
                    "the policy comparison")
    horizons = [_horizon(context, s) for s in context.scenarios]
    longest = dataclasses.replace(context.base, final_time=max(horizons))
    baseline = {noise: _run(context, longest, noise=noise) for noise in (True, False)}
    columns: dict[str, list[np.ndarray]] = {}
    for scenario, horizon in zip(context.scenarios, horizons, strict=True):
        for noise in (True, False):
            runs = _run(context, scenario, noise=noise)
            prefix = "" if noise else DETERMINISTIC
            for label, ds in (("", runs), (BASELINE_PREFIX, baseline[noise])):
                for name, values in _summary(context, ds, horizon).items():
                    columns.setdefault(f"{label}{prefix}{name}", []).append(values)
    members = np.arange(context.sizes.ensemble_members)
    data = {}
    for name, rows in columns.items():
        stacked = np.stack(rows)
        data[name] = (("scenario", "member"), stacked) if stacked.shape[1] == members.size \
            else (("scenario",), stacked[:, 0])
    dataset = xr.Dataset(data, coords={"scenario": [s.name for s in context.scenarios],
                                       "member": members})
    dataset["horizon"] = ("scenario", np.asarray(horizons),
                          {"units": context.model.time.units})
    dataset["title"] = ("scenario", np.array([s.title or s.name for s in context.scenarios],
                                             dtype=str))
    metadata = {"seed": context.seed, "members": int(members.size),
                "baseline": context.base.name, "noise_inputs": list(inputs),
                "engine": "batch (PySD where the batch engine cannot run the model)"}
    return Part(name="policies", dataset=dataset, metadata=metadata)
