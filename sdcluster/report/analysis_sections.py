"""Sections "Sensitivity" and "Loop dominance", drawn from their saved parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.phases import FIRMS
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.plotting.series import time_label
from sdcluster.report.content import Block, Note, Paragraph, Section, Table
from sdcluster.report.figures import (
    plot_dominance_timeline,
    plot_reinforcing_share,
    plot_sobol,
)
from sdcluster.report.findings import indices_table, top_parameters
from sdcluster.report.result_sections import figure, unavailable
from sdcluster.report.text import (
    fmt_duration,
    fmt_number,
    fmt_share,
    fmt_time,
    fmt_uncertain,
    join_names,
)
from sdcluster.studies.companion.part import Part

#: What the named outcomes of the sensitivity analysis mean, for the report's text.
OUTCOME_MEANINGS = {
    "takeoff time": "time of reaching phase III; the end of the run if never",
    "takeoff": "1 if phase III is reached by the end of the run, else 0",
}


# ---------------------------------------------------------------- sensitivity


def outcome_label(outcome: str) -> str:
    """Return an outcome name with its meaning, e.g. ``final order (Order Degree at ...)``."""
    variable, at, statistic = outcome.partition("@")
    if at and statistic == "end":
        return f"{variable} at the end of the run"
    meaning = OUTCOME_MEANINGS.get(outcome)
    return f"{outcome} ({meaning})" if meaning else outcome


def sensitivity_finding(part: Part, count: int = 3) -> str:
    """Return the summary sentence: the most influential parameters on each outcome."""
    if not part.available or part.dataset is None:
        return f"Most influential parameters not available: {part.reason}"
    indices = indices_table(part.dataset)
    clauses = []
    for outcome in dict.fromkeys(str(o) for o in indices["outcome"]):
        ranked = top_parameters(indices, outcome, count=count)
        named = join_names(f"{name} ({value:.2f})" for name, value in ranked)
        clauses.append(f"on {outcome_label(outcome)}: {named or 'undefined'}")
    return ("Most influential parameters by total Sobol' index ST, "
            + "; ".join(clauses) + ".")


def sensitivity_section(part: Part) -> Section:
    """Return the Sobol' indices of the levers as a chart and a table."""
    key, title = "sensitivity", "Sensitivity"
    if not part.available or part.dataset is None:
        return Section(key=key, title=title, blocks=(unavailable(part.reason),))
    indices = indices_table(part.dataset)
    meta = part.metadata
    parameters = meta.get("parameters", {})
    text = (f"Sobol' indices (Saltelli's design on a scrambled Sobol' sequence, SALib) of "
            f"{len(parameters)} policy levers over their declared ranges: N = {meta.get('n')}, "
            f"{meta.get('runs')} runs of scenario {meta.get('scenario', {}).get('name', '')} "
            f"without noise, seed {meta.get('seed')}. S1 is the share of an outcome's variance "
            "due to a lever alone, ST including its interactions; intervals are bootstrap "
            f"{fmt_share(meta.get('confidence_level', 0.95))} confidence intervals. "
            + sensitivity_finding(part))
    blocks: list[Block] = [Paragraph(text=text),
                           figure("Sobol' indices of the policy levers (bars: S1 and ST; lines: "
                                  "confidence intervals)", plot_sobol(indices)),
                           _indices_table(indices)]
    blocks += [Note(text=f"SALib: {warning}") for warning in meta.get("warnings", [])]
    return Section(key=key, title=title, blocks=tuple(blocks))


def _indices_table(indices: pd.DataFrame) -> Table:
    rows = []
    for (outcome, parameter), group in indices.groupby(["outcome", "parameter"], sort=False):
        values = {str(r["index"]): (float(r["estimate"]), float(r["confidence"]))
                  for _, r in group.iterrows()}
        rows.append((str(outcome), str(parameter),
                     *(_with_interval(*values.get(name, (np.nan, np.nan)))
                       for name in ("S1", "ST"))))
    return Table(caption="Sobol' indices (estimate ± half-width of the confidence interval)",
                 columns=("outcome", "parameter", "S1", "ST"), rows=tuple(rows),
                 numeric=(False, False, True, True))


def _with_interval(estimate: float, half_width: float) -> str:
    return fmt_uncertain(estimate, half_width)


# ---------------------------------------------------------------- loop dominance


def dominant_labels(runs: xr.Dataset, min_dwell: float) -> dict[str, np.ndarray]:
    """Return, per scenario, the dominant named loop over time, ignoring brief changes."""
    from sdcluster.analysis.loop_shifts import hold_labels
    from sdcluster.analysis.loops import dominant_named_loop

    time = np.asarray(runs["time"].values, dtype=float)
    labels = {}
    for scenario in runs["scenario"].values:
        named = runs["score"].sel(scenario=scenario)
        valid = np.isfinite(np.asarray(named.values, dtype=float)).any(axis=0)
        strongest = np.asarray(dominant_named_loop(named).values, dtype=object)
        strongest[~valid] = ""
        labels[str(scenario)] = np.asarray(hold_labels(strongest, time, min_dwell), dtype=str)
    return labels


def phase_summary(dataset: xr.Dataset) -> pd.DataFrame:
    """Return the stored per-scenario, per-phase loop summary."""
    prefix = "summary "
    return pd.DataFrame({str(name)[len(prefix):]: dataset[name].values
                         for name in dataset.data_vars if str(name).startswith(prefix)})


def loops_finding(part: Part, reference: str) -> str:
    """Return the summary sentence: which named loop dominates each phase of the reference run."""
    if not part.available or part.dataset is None:
        return f"Loop dominance not available: {part.reason}"
    summary = phase_summary(part.dataset)
    rows = summary[summary["scenario"] == reference]
    if rows.empty:
        return f"Loop dominance: scenario {reference} was not scored."
    clauses = [f"{r['phase']}: {r['dominant loop'] or 'none'}" for _, r in rows.iterrows()]
    return (f"Dominant named loop per phase of {reference} (largest mean |relative loop "
            f"score|): {'; '.join(clauses)}.")


#: Below this many firms the cluster no longer exists: its loop scores are shares of
#: vanishing changes, so no loop is said to dominate (assumption: one firm).
EXTINCT_FIRMS = 1.0


def _blank_extinct(labels: dict[str, np.ndarray], time: np.ndarray,
                   results: xr.Dataset | None) -> dict[str, np.ndarray]:
    """Return the labels with no dominant loop where a scenario has fewer than one firm."""
    if results is None or FIRMS not in results.data_vars or "scenario" not in results.dims:
        return labels
    blanked = {}
    for name, values in labels.items():
        if name not in results["scenario"].values:
            blanked[name] = values
            continue
        firms = results[FIRMS].sel(scenario=name).interp(time=time).values
        blanked[name] = np.where(firms < EXTINCT_FIRMS, "", values)
    return blanked


def loops_section(part: Part, settings: AnalysisSettings,
                  results: xr.Dataset | None = None) -> Section:
    """Return loop dominance: timeline per scenario, phase table, ensemble shares.

    ``results`` (the scenario runs) blanks the timeline where a cluster has
    died out (:data:`EXTINCT_FIRMS`).
    """
    key, title = "loop-dominance", "Loop dominance"
    if not part.available or part.dataset is None:
        return Section(key=key, title=title, blocks=(unavailable(part.reason),))
    dataset = part.dataset
    runs = dataset[["score", "reinforcing share", "phase"]]
    labels = _blank_extinct(dominant_labels(runs, settings.min_dwell),
                            np.asarray(runs["time"].values, dtype=float), results)
    time_units = str(part.metadata.get("time_units", ""))
    text = ("Loops That Matter (Schoenberg, Davidsen and Eberlein 2020, doi:10.1002/sdr.1658), "
            "computed by pysimlin while it simulates each scenario: a loop's relative score is "
            "its share of the change in the model's stocks, positive while it reinforces, "
            "negative while it balances. The named loops are those drawn in the diagram; the "
            f"dominant one at a time has the largest |score| (changes shorter than "
            f"{fmt_duration(settings.min_dwell, time_units)} "
            "are ignored).")
    blocks: list[Block] = [
        Paragraph(text=text),
        figure("Dominant named loop over time, per scenario (red: reinforcing, blue: "
               "balancing; blank where the cluster has fewer than one firm)",
               plot_dominance_timeline(labels, np.asarray(runs["time"].values, dtype=float),
                                       time_label=time_label(runs, time_units))),
        figure("Reinforcing share of all loop scores (main feedback partition): red where "
               "reinforcing loops carry more than half, blue where balancing loops do",
               plot_reinforcing_share(runs["reinforcing share"])),
        _phase_table(phase_summary(dataset)),
    ]
    return Section(key=key, title=title, blocks=tuple(blocks),
                   subsections=(_ensemble_section(dataset, part.metadata),))




def _phase_table(summary: pd.DataFrame) -> Table:
    rows = tuple((str(r["scenario"]), str(r["phase"]), fmt_time(r["start"]), fmt_time(r["end"]),
                  fmt_number(r["reinforcing share"]), fmt_number(r["named coverage"]),
                  str(r["dominant loop"]) or "–") for _, r in summary.iterrows())
    return Table(caption="Per scenario and phase: mean reinforcing share, share of the scores "
                         "the named loops cover, and the dominant named loop",
                 columns=("scenario", "phase", "from", "to", "reinforcing share",
                          "named coverage", "dominant loop"),
                 rows=rows, numeric=(False, False, True, True, True, True, False))


def loop_ensemble_from(dataset: xr.Dataset, metadata: Mapping[str, Any]) -> Any:
    """Rebuild the loop ensemble a report run stored.

    Returns a :class:`~sdcluster.studies.loop_ensembles.LoopEnsemble`.
    """
    from sdcluster.experiments.loop_ensemble import LoopEnsembleSpec
    from sdcluster.studies.loop_ensembles import LoopEnsemble

    names = {"ensemble_member": "member", "ensemble_phase": "phase"}
    ranges = {str(k): (float(v[0]), float(v[1])) for k, v in metadata.get("ranges", {}).items()}
    parameters = pd.DataFrame(dataset["ensemble sample"].values,
                              columns=[str(p) for p in dataset["ensemble_parameter"].values])
    parameters.index.name = "member"
    return LoopEnsemble(
        spec=LoopEnsembleSpec(ranges=ranges, samples=dataset.sizes["ensemble_member"],
                              seed=int(metadata.get("seed", 0))),
        parameters=parameters,
        phase_scores=dataset["ensemble score"].rename(names),
        reinforcing_share=dataset["ensemble reinforcing share"].rename(names),
        named_reinforcing_share=dataset["ensemble named reinforcing share"].rename(names),
        dominant=dataset["ensemble dominant"].astype(object).rename(names),
        matches=(), seconds=0.0)


def _ensemble_section(dataset: xr.Dataset, metadata: Mapping[str, Any]) -> Section:
    from sdcluster.analysis.loop_ensembles import dominance_frequencies
    from sdcluster.plotting.loops import plot_ensemble_dominance

    key, title = "loop-ensemble", "Dominance across parameter uncertainty"
    if "ensemble dominant" not in dataset.data_vars:
        return Section(key=key, title=title, blocks=(unavailable("no loop ensemble stored"),))
    frequencies = dominance_frequencies(loop_ensemble_from(dataset, metadata))
    shown = frequencies[(frequencies["reached"] > 0) & (frequencies["dominates"] > 0)]
    text = (f"{metadata.get('ensemble_members')} members, the policy levers drawn by Latin "
            f"hypercube over their declared ranges (seed {metadata.get('seed')}), scenario "
            f"{metadata.get('base_scenario')} otherwise. Shares count the members that reach "
            "the phase; intervals are Wilson 95 % intervals.")
    rows = tuple((str(r["phase"]), str(r["loop"]), f"{r['dominates']} of {r['reached']}",
                  fmt_share(r["share"]), f"{fmt_share(r['low'])} to {fmt_share(r['high'])}")
                 for _, r in shown.iterrows())
    blocks: list[Block] = [Paragraph(text=text)]
    if len(shown):
        blocks.append(figure("Share of ensemble members in which each named loop dominates "
                             "each phase (hatched: reinforcing loops as a whole)",
                             plot_ensemble_dominance(frequencies)))
    blocks.append(Table(caption="How often each named loop dominates each phase",
                        columns=("phase", "loop", "members", "share", "95 % interval"),
                        rows=rows, numeric=(False, False, True, True, False)))
    return Section(key=key, title=title, blocks=tuple(blocks))
