"""Sections on the runs: entropy balance, scenarios, validation.

Each function takes saved data (a results Dataset or a report part) and
returns a :class:`~sdcluster.report.content.Section`. A section whose data is
missing, or whose analysis the model does not support, says why in a
:class:`~sdcluster.report.content.Note` instead of failing. The sweep and
the noisy ensembles have theirs in :mod:`sdcluster.report.ensemble_sections`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import ORDER_DEGREE, REGIMES, entropy_regime
from sdcluster.analysis.phase_summaries import FINAL_PHASE, KNOWLEDGE, summary_table
from sdcluster.analysis.phases import FIRMS, PHASES
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.errors import AnalysisError
from sdcluster.report.content import Block, Figure, Note, Paragraph, Section, Table
from sdcluster.report.figures import svg_text
from sdcluster.report.findings import check_counts, first_to_order
from sdcluster.report.text import (
    changes_text,
    fmt_duration,
    fmt_number,
    fmt_time,
    join_names,
)
from sdcluster.studies.companion.part import Part

#: Variables compared across scenarios for the innovation-cluster model.
CLUSTER_VARIABLES = (ORDER_DEGREE, FIRMS, KNOWLEDGE)
#: Most stocks drawn for another model.
GENERIC_PANELS = 4
#: Most entropy-balance figures drawn (the table covers every scenario).
MAX_BALANCES = 4
CLUSTER_ONLY = "this part is specific to the innovation-cluster model"


def unavailable(text: str) -> Note:
    """Return the note shown where a part of the report could not be made."""
    return Note(text=f"not available: {text}", kind="unavailable")


def cluster_note(error: AnalysisError) -> Note:
    """Return the note for a cluster-specific analysis the model does not support."""
    return unavailable(f"{error} ({CLUSTER_ONLY})")


def figure(caption: str, drawn: Any) -> Figure:
    """Return a content figure from a matplotlib figure."""
    return Figure(caption=caption, svg=svg_text(drawn))


# ------------------------------------------------------------ entropy balance


def entropy_section(ds: xr.Dataset, settings: AnalysisSettings) -> Section:
    """Return the entropy balance per scenario, the regime table and the phase timeline."""
    from sdcluster.plotting.series import plot_entropy_balance, plot_phase_timeline

    key, title = "entropy", "Entropy balance and phases"
    try:
        regimes = entropy_regime(ds, settings)
        timeline = plot_phase_timeline(ds, settings)
        shown = shown_balances(ds, settings)
        balances = [figure(f"Entropy balance of scenario {name}: diS, deS and dS of the whole "
                           "cluster (top) and dS of the subsystems R, K, U (bottom), with the "
                           "regime shaded", plot_entropy_balance(ds, name, settings))
                    for name in shown]
    except AnalysisError as error:
        return Section(key=key, title=title, blocks=(cluster_note(error),))
    intro = Paragraph(text=(
        "dS = diS + deS per subsystem (R resources, K knowledge, U actors) and in total. "
        f"The regime is orderly where dS total < -ε, disorder where dS total > ε and balanced "
        f"in between (ε = {fmt_number(settings.entropy_tolerance)} "
        f"{_per(str(ds['time'].attrs.get('units', '')))}). The table "
        f"covers every scenario; the figures show {join_names(shown)} (the reference, the "
        "first to reach phase III and those that end in decline)."))
    phases = Section(key="entropy-phases", title="Phase timeline", blocks=(
        Paragraph(text=_phase_rules(settings, str(ds["time"].attrs.get("units", "")))),
        figure("Phases of self-organization per scenario", timeline)))
    return Section(key=key, title=title,
                   blocks=(intro, _regime_table(ds, regimes), *balances),
                   subsections=(phases,))


def _scenario_names(ds: xr.Dataset) -> list[str]:
    return [str(name) for name in ds["scenario"].values] if "scenario" in ds.dims else []


def regime_durations(regimes: xr.DataArray) -> dict[str, float]:
    """Return the time one run spends in each regime.

    Each interval between saved times counts for the regime at its start, if
    the run has data at both ends (a run that ends early, padded after its
    horizon, gets no interval beyond its last time).
    """
    time = np.asarray(regimes["time"].values, dtype=float)
    values = np.asarray(regimes.values)
    labels, ends = values[:-1], values[1:]
    lengths = np.where(np.isin(ends, REGIMES), np.diff(time), 0.0)
    return {regime: float(lengths[labels == regime].sum()) for regime in REGIMES}


def _regime_table(ds: xr.Dataset, regimes: xr.DataArray) -> Table:
    rows = []
    for name in _scenario_names(ds):
        durations = regime_durations(regimes.sel(scenario=name))
        rows.append((name, *(fmt_number(durations[r]) for r in REGIMES)))
    return Table(caption="Time spent in each entropy regime (each saved interval counts for "
                         "the regime at its start)",
                 columns=("scenario", *REGIMES), rows=tuple(rows),
                 numeric=(False, True, True, True))


def shown_balances(ds: xr.Dataset, settings: AnalysisSettings) -> list[str]:
    """Return the scenarios whose entropy balance is drawn.

    The reference (``baseline``, else the first), the policy scenario that
    reaches phase III first, and up to two scenarios that end in decline;
    every scenario when the model has no phases to tell them apart.
    """
    names = _scenario_names(ds)
    if len(names) <= MAX_BALANCES:
        return names
    summary = summary_table(ds, settings)
    result = first_to_order(summary)
    declining = [str(n) for n, phase in summary[FINAL_PHASE].items() if phase == PHASES[3]]
    chosen = [result.reference, *result.scenarios[:1], *declining[:2]]
    return [name for name in names if name in chosen]


def _per(units: str) -> str:
    return f"per {units.lower()}" if units.strip().isalpha() else "per time unit"


def _phase_rules(settings: AnalysisSettings, units: str = "") -> str:
    per = _per(units)
    return ("Phases are read from the firm count N, smoothed over "
            f"{fmt_duration(settings.smoothing, units)}: phase II (macro fluctuation) while "
            "reinforcing feedback dominates N, that is while N grows faster than "
            f"{fmt_number(settings.growth_threshold)} {per} and accelerates; phase III "
            "(far from equilibrium) once, after a phase II, that fails (balancing feedback "
            "dominates); phase I (micro fluctuation) before any phase II; decline where N falls "
            f"faster than {fmt_number(settings.decline_threshold)} {per} with dS total > ε "
            f"for {fmt_duration(settings.decline_dwell, units)}. A phase counts once held for "
            f"{fmt_duration(settings.min_dwell, units)}.")


# ---------------------------------------------------------------- scenarios


def scenarios_section(ds: xr.Dataset, scenarios: Sequence[Mapping[str, Any]],
                      settings: AnalysisSettings, stocks: Sequence[str],
                      subsections: Sequence[Section] = ()) -> Section:
    """Return the scenario comparison: definitions, plots, phase onsets and end values."""
    definitions = Table(
        caption="The scenarios (policy changes relative to the model file's values)",
        columns=("scenario", "title", "changes", "description"),
        rows=tuple((str(s.get("name", "")), str(s.get("title", "")), changes_text(s),
                    str(s.get("description", ""))) for s in scenarios))
    intro = Paragraph(text="Scenario runs use PySD, the engine of record, without noise, so "
                           "differences between scenarios come from the policies alone.")
    try:
        blocks = _cluster_comparison(ds, settings)
    except AnalysisError as error:
        blocks = (cluster_note(error), *_generic_comparison(ds, stocks))
    return Section(key="scenarios", title="Policy scenarios",
                   blocks=(intro, definitions, *blocks), subsections=tuple(subsections))


def _end_times(ds: xr.Dataset, names: Sequence[str]) -> dict[str, float]:
    """Return each scenario's last saved time with data (scenarios may end at different times)."""
    series = ds[FIRMS] if FIRMS in ds.data_vars else next(iter(ds.data_vars.values()))
    if "scenario" not in series.dims:
        return {name: float(ds["time"].values[-1]) for name in names}
    ends = {}
    for name in names:
        values = series.sel(scenario=name)
        finite = ds["time"].values[np.isfinite(values.values)]
        ends[name] = float(finite[-1]) if finite.size else float("nan")
    return ends


def onset_tables(summary: pd.DataFrame, ds: xr.Dataset) -> tuple[Table, Table]:
    """Return two tables that fit a page: the phase onsets, and the values at each run's end."""
    names = [str(name) for name in summary.index]
    onsets = Table(
        caption="Phase onsets: first time each phase was entered and held (– never)",
        columns=("scenario", *PHASES, FINAL_PHASE),
        rows=tuple((str(name), *(fmt_time(row[p]) for p in PHASES), str(row[FINAL_PHASE]))
                   for name, row in summary.iterrows()),
        numeric=(False, *([True] * len(PHASES)), False))
    ends = [c for c in summary.columns if c not in (*PHASES, FINAL_PHASE)]
    end_times = _end_times(ds, names)
    values = Table(
        caption="Values at the end of each run (runs end at different times: see t)",
        columns=("scenario", "t", *ends),
        rows=tuple((str(name), fmt_number(end_times[str(name)]),
                    *(fmt_number(row[c]) for c in ends)) for name, row in summary.iterrows()),
        numeric=(False, True, *([True] * len(ends))))
    return onsets, values


def _cluster_comparison(ds: xr.Dataset, settings: AnalysisSettings) -> tuple[Block, ...]:
    from sdcluster.plotting.series import plot_scenarios

    summary = summary_table(ds, settings)
    drawn = plot_scenarios(ds, CLUSTER_VARIABLES)
    return (figure("Order Degree, innovative firms and knowledge stock per scenario", drawn),
            *onset_tables(summary, ds))


def _generic_comparison(ds: xr.Dataset, stocks: Sequence[str]) -> tuple[Block, ...]:
    from sdcluster.plotting.series import plot_scenarios

    shown = [name for name in stocks if name in ds.data_vars][:GENERIC_PANELS]
    if not shown:
        return (unavailable("the results hold none of the model's stocks"),)
    ends = [(name, *(fmt_number(ds[stock].sel(scenario=name).dropna("time").values[-1])
                     for stock in shown)) for name in _scenario_names(ds)]
    return (figure(f"{', '.join(shown)} per scenario", plot_scenarios(ds, shown)),
            Table(caption="Stocks at the end of each run", columns=("scenario", *shown),
                  rows=tuple(ends), numeric=(False, *([True] * len(shown)))))


# ---------------------------------------------------------------- validation


def _check_rows(checks: xr.Dataset) -> tuple[list[tuple[str, ...]], list[bool]]:
    """Return the table rows: reality checks first, then model checks, then invariants.

    An invariant is the same condition on every run; it gets one row that says
    on how many runs it held, and names the runs where it did not.
    """
    frame = pd.DataFrame({name: checks[name].values for name in
                          ("group", "check", "condition", "passed", "detail")})
    frame["passed"] = frame["passed"].astype(bool)
    rows: list[tuple[str, ...]] = []
    flags: list[bool] = []
    for group in ("reality", "units", "structure"):
        for r in frame[frame["group"] == group].itertuples(index=False):
            rows.append(("pass" if r.passed else "FAIL", str(r.group), str(r.check),
                         str(r.condition), str(r.detail)))
            flags.append(bool(r.passed))
    others = frame[~frame["group"].isin(("reality", "units", "structure"))]
    for keys, runs in others.groupby(["group", "condition"], sort=False):
        group, condition = (str(k) for k in keys)
        failed = runs.loc[~runs["passed"], "check"].astype(str).tolist()
        evidence = (f"held on all {len(runs)} runs" if not failed else
                    f"failed on {len(failed)} of {len(runs)} runs: {', '.join(failed)}")
        rows.append(("pass" if not failed else "FAIL", group, "every run", condition, evidence))
        flags.append(not failed)
    return rows, flags


def validation_section(part: Part) -> Section:
    """Return the validation suite (``sdcluster check``): reality checks first, invariants once."""
    key, title = "validation", "Validation"
    if not part.available or part.dataset is None:
        return Section(key=key, title=title, blocks=(unavailable(part.reason),))
    checks = part.dataset
    passed, total = check_counts(checks)
    rows, flags = _check_rows(checks)
    text = (f"The validation suite of sdcluster check: the reality checks declared as data "
            f"(each condition with its tolerance where it has one, and the measured value), "
            f"pysimlin's units and structure checks, and invariants that every run must keep "
            f"(one row each, over all runs). {passed} of {total} checks pass.")
    table = Table(caption="Validation checks", columns=("result", "group", "check", "condition",
                                                        "evidence"),
                  rows=tuple(rows), tones=tuple("pass" if ok else "fail" for ok in flags))
    return Section(key=key, title=title, blocks=(Paragraph(text=text), table))
