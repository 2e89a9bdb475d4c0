"""Sections on sweeps and noisy ensembles: critical openness, fluctuations, take-off.

Like :mod:`sdcluster.report.result_sections`, each function takes a saved
report part and returns a :class:`~sdcluster.report.content.Section`, saying
why in a note where the part is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sdcluster.analysis.ensembles import TakeoffEstimate, takeoff_estimate
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.analysis.thresholds import (
    SWEEP_LEVER,
    Threshold,
    critical_openness,
    half_probability_openness,
    reaches_phase_iii,
    takeoff_curve,
)
from sdcluster.report.content import Block, Paragraph, Section, Table
from sdcluster.report.figures import plot_fan_chart, plot_sweep, plot_takeoff_curve
from sdcluster.report.findings import sweep_table
from sdcluster.report.result_sections import CLUSTER_VARIABLES, figure, unavailable
from sdcluster.report.text import fmt_level, fmt_number, fmt_share, fmt_time
from sdcluster.studies.companion.part import Part

__all__ = [
    "ensemble_text",
    "fluctuations_section",
    "sweep_section",
    "takeoff_sentence",
    "threshold_text",
]


# ---------------------------------------------------------------- openness sweep


def sweep_section(part: Part, settings: AnalysisSettings) -> Section:
    """Return the openness sweep: threshold, figure and table of evaluated values."""
    key, title = "sweep", "Critical openness"
    if not part.available or part.dataset is None:
        return Section(key=key, title=title, blocks=(unavailable(part.reason),))
    sweep = part.dataset
    horizon = float(sweep["time"].values[-1])
    threshold = critical_openness(sweep, settings)
    table = sweep_table(sweep, settings)
    rows = tuple((fmt_level(r[SWEEP_LEVER]), str(r["stage"]), fmt_time(r["phase III onset"]),
                  *(fmt_number(r[c]) for c in table.columns[3:])) for _, r in table.iterrows())
    blocks = (
        Paragraph(text=_sweep_text(part.metadata, threshold)),
        figure("Openness sweep without noise: onset of phase III and Order Degree at the end; "
               "dashed: critical openness", plot_sweep(table, threshold, horizon)),
        Table(caption="Every evaluated openness value (grid and bisection)",
              columns=(SWEEP_LEVER, "stage", "phase III onset", *table.columns[3:]), rows=rows,
              numeric=(True, False, *([True] * (len(table.columns) - 2)))),
    )
    return Section(key=key, title=title, blocks=blocks)


def threshold_text(threshold: Threshold) -> str:
    """Return the finding of the sweep in one sentence."""
    if threshold.status == "never":
        return ("No critical openness: the cluster does not self-organize at any openness of "
                "the sweep.")
    if threshold.status == "always":
        return ("No critical openness: the cluster self-organizes at every openness of the "
                "sweep.")
    low, high = fmt_level(threshold.lower), fmt_level(threshold.upper)
    text = (f"Critical openness {fmt_level(threshold.estimate)} (bracket {low} to {high}): "
            f"the cluster does not self-organize at {low} and does at every evaluated "
            "openness above it")
    if threshold.exceptions:
        shown = ", ".join(fmt_level(v) for v in threshold.exceptions[:6])
        more = " …" if len(threshold.exceptions) > 6 else ""
        text += (f"; exceptions below it that reach phase III all the same: {shown}{more}")
    return text + "."


def _sweep_text(metadata: Mapping[str, Any], threshold: Threshold) -> str:
    low, high = metadata.get("range", [0.0, 1.0])
    return (f"Scenario {metadata.get('base_scenario', '')!s} run at {metadata.get('grid_points')} "
            f"evenly spaced openness values from {fmt_level(low)} to {fmt_level(high)} with the "
            "vectorized batch engine, without noise; the bracket above which every run reaches "
            "phase III (far from equilibrium) by the end of the run was halved until narrower "
            f"than {fmt_number(metadata.get('tolerance'))} ({threshold.evaluated} runs in all). "
            f"{threshold_text(threshold)}")


# ---------------------------------------------------------------- fluctuations


def fluctuations_section(ensemble: Part, takeoff: Part, settings: AnalysisSettings,
                         threshold: Threshold | None) -> Section:
    """Return the fan charts of the ensemble and the take-off probability against openness."""
    blocks: list[Block] = []
    if ensemble.available and ensemble.dataset is not None:
        blocks += _ensemble_blocks(ensemble, settings)
    else:
        blocks.append(unavailable(f"fluctuation ensemble: {ensemble.reason}"))
    subsections = (_takeoff_section(takeoff, threshold),)
    return Section(key="fluctuations", title="Fluctuations", blocks=tuple(blocks),
                   subsections=subsections)


def ensemble_text(metadata: Mapping[str, Any]) -> str:
    """Return how the ensemble was made, in one sentence."""
    engine = metadata.get("engine") or "unrecorded"
    return (f"{metadata.get('members')} runs of scenario {metadata.get('base_scenario')} with "
            f"seeded white noise: noise sd {fmt_number(metadata.get('noise_sd'))}, root seed "
            f"{metadata.get('seed')}, {metadata.get('streams', '')}; engine: {engine}.")


def _ensemble_blocks(ensemble: Part, settings: AnalysisSettings) -> list[Block]:
    assert ensemble.dataset is not None
    dataset = ensemble.dataset
    result = takeoff_estimate(reaches_phase_iii(dataset, settings))
    shown = [name for name in CLUSTER_VARIABLES if name in dataset.data_vars]
    return [
        Paragraph(text=ensemble_text(ensemble.metadata) + " " + takeoff_sentence(result)),
        figure("Fan chart of the fluctuation ensemble: median and 5-95 %, 25-75 % bands",
               plot_fan_chart(dataset, shown)),
    ]


def takeoff_sentence(result: TakeoffEstimate) -> str:
    """Return the take-off probability of an ensemble in one sentence."""
    return (f"{result.reached} of {result.members} runs reach phase III by the end: "
            f"take-off probability {fmt_share(result.probability)} (95 % interval "
            f"{fmt_share(result.ci_low)} to {fmt_share(result.ci_high)}).")


def _takeoff_section(takeoff: Part, threshold: Threshold | None) -> Section:
    key, title = "takeoff", "Take-off probability against openness"
    if not takeoff.available or takeoff.dataset is None:
        return Section(key=key, title=title, blocks=(unavailable(takeoff.reason),))
    curve = takeoff_curve(takeoff.dataset)
    half = half_probability_openness(curve)
    rows = tuple((fmt_level(r[SWEEP_LEVER]), str(int(r["members"])), str(int(r["take-off"])),
                  fmt_share(r["probability"]), f"{fmt_share(r['low'])} to {fmt_share(r['high'])}")
                 for _, r in curve.iterrows())
    text = (f"The same {takeoff.metadata.get('members')} noise streams at each of "
            f"{len(curve)} openness values (common random numbers). From openness "
            f"{fmt_level(half)} on the take-off probability stays at or above 50 % (linear "
            "interpolation).")
    return Section(key=key, title=title, blocks=(
        Paragraph(text=text),
        figure("Share of runs reaching phase III by the end, against openness",
               plot_takeoff_curve(curve, threshold)),
        Table(caption="Take-off probability per openness value",
              columns=(SWEEP_LEVER, "runs", "take-off", "probability", "95 % interval"),
              rows=rows, numeric=(True, True, True, True, False)),
    ))
