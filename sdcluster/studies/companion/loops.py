"""Loop dominance for the report (Loops That Matter, :mod:`sdcluster.studies.loops`).

:func:`make_loops` scores the feedback loops of every scenario run with
pysimlin and keeps, per scenario, the score of each named loop over time,
the reinforcing and balancing shares, the phases and the per-phase summary
(:func:`~sdcluster.analysis.loops.phase_polarity`); then it runs a
Latin-hypercube ensemble over the policy levers and keeps, per member and
phase, the dominant named loop and the reinforcing share, from which the
report computes how often each loop dominates each phase.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.experiments.scenarios import Scenario
from sdcluster.studies.companion.context import RunContext
from sdcluster.studies.companion.part import Part
from sdcluster.studies.companion.parts import column_values

if TYPE_CHECKING:
    from sdcluster.studies.loops import LoopAnalysis

#: Per-phase summary columns kept from :func:`~sdcluster.analysis.loops.phase_polarity`.
PHASE_SUMMARY = ("start", "end", "reinforcing share", "named coverage", "dominant loop")


def _scenario_part(analysis: LoopAnalysis, grid: np.ndarray) -> dict[str, Any]:
    from sdcluster.analysis.loops import polarity_shares
    from sdcluster.loop_polarity import BALANCING, REINFORCING

    shares = polarity_shares(analysis.scores).reindex(time=grid)
    named = analysis.named.reindex(time=grid)
    phases = analysis.phases.reindex(time=grid).fillna("")
    return {"score": named.values, "reinforcing share": shares[REINFORCING].values,
            "balancing share": shares[BALANCING].values,
            "phase": np.asarray(phases.values, dtype=str)}


def _phase_rows(name: str, analysis: LoopAnalysis) -> pd.DataFrame:
    from sdcluster.analysis.loops import phase_polarity

    table = phase_polarity(analysis).reset_index()
    table.insert(0, "scenario", name)
    return table[["scenario", "phase", *PHASE_SUMMARY]]


def scenario_dominance(context: RunContext, scenarios: Sequence[Scenario]) -> xr.Dataset:
    """Score the loops of each scenario; return scores, shares, phases and phase summaries."""
    from sdcluster.analysis.loops import NAMED_DIM
    from sdcluster.studies.loops import analyze_scenario_loops

    analyses = analyze_scenario_loops(context.model, scenarios, settings=context.settings)
    grid = np.unique(np.concatenate([a.named["time"].values for a in analyses]))
    parts = [_scenario_part(a, grid) for a in analyses]
    names = [str(n) for n in analyses[0].named[NAMED_DIM].values]
    table = pd.concat([_phase_rows(s.name, a) for s, a in zip(scenarios, analyses, strict=True)],
                      ignore_index=True)
    data: dict[str, Any] = {
        "score": (("scenario", "named_loop", "time"), np.stack([p["score"] for p in parts])),
        "reinforcing share": (("scenario", "time"),
                              np.stack([p["reinforcing share"] for p in parts])),
        "balancing share": (("scenario", "time"), np.stack([p["balancing share"] for p in parts])),
        "phase": (("scenario", "time"), np.stack([p["phase"] for p in parts])),
    }
    for column in table.columns:
        data[f"summary {column}"] = ("row", column_values(table[column]))
    return xr.Dataset(data, coords={"scenario": [s.name for s in scenarios],
                                    "named_loop": names, "time": grid})


def loop_ensemble(context: RunContext, ranges: Mapping[str, tuple[float, float]]) -> xr.Dataset:
    """Run the Latin-hypercube loop ensemble over ``ranges``; return what it found per phase.

    The dims are named ``ensemble_member`` and ``ensemble_phase`` so that they
    sit beside the scenario runs in one dataset;
    :func:`sdcluster.report.analysis_sections.loop_ensemble_from` rebuilds the
    :class:`~sdcluster.studies.loop_ensembles.LoopEnsemble` from them.
    """
    from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec
    from sdcluster.studies.loop_ensembles import run_loop_ensemble

    spec = LoopEnsembleSpec(ranges=ranges, samples=context.sizes.loop_members, seed=context.seed,
                            scenario=context.base)
    ensemble = run_loop_ensemble(context.model, spec, settings=context.settings)
    dims = ("ensemble_member", "ensemble_phase")
    return xr.Dataset({
        "ensemble dominant": (dims, np.asarray(ensemble.dominant.values, dtype=str)),
        "ensemble reinforcing share": (dims, ensemble.reinforcing_share.values),
        "ensemble named reinforcing share": (dims, ensemble.named_reinforcing_share.values),
        "ensemble score": ((*dims, "named_loop"), ensemble.phase_scores.values),
        "ensemble sample": (("ensemble_member", "ensemble_parameter"),
                            ensemble.parameters.to_numpy(dtype=float)),
    }, coords={"ensemble_member": np.arange(spec.samples),
               "ensemble_phase": [str(p) for p in ensemble.dominant["phase"].values],
               "named_loop": [str(n) for n in ensemble.phase_scores["named_loop"].values],
               "ensemble_parameter": [str(c) for c in ensemble.parameters.columns]})


def make_loops(context: RunContext) -> Part:
    """Loop dominance of every scenario, and how often each loop dominates across an ensemble."""
    from sdcluster.experiments.ranges import parameter_ranges

    ranges = parameter_ranges(context.model)  # the policy levers over their declared ranges
    runs = scenario_dominance(context, context.scenarios)
    ensemble = loop_ensemble(context, ranges)
    dataset = xr.merge([runs, ensemble], join="outer")
    metadata = {"method": "Loops That Matter (pysimlin), relative loop scores",
                "ensemble_members": context.sizes.loop_members, "seed": context.seed,
                "base_scenario": context.base.name, "sampled": "policy levers, Latin hypercube",
                "ranges": {str(k): list(v) for k, v in ranges.items()},
                "time_units": context.model.time.units}
    return Part(name="loops", dataset=dataset, metadata=metadata)
