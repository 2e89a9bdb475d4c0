"""Figures of results: scenario comparisons, the entropy balance, the phase timeline.

Every function returns a :class:`matplotlib.figure.Figure` built directly (no
``pyplot``), so nothing is shown, no global figure state is left behind and
any backend works, Agg included. Saving is the caller's business
(``figure.savefig(path)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sdcluster.analysis.entropy import REGIMES, SUBSYSTEMS, entropy_balance, entropy_regime
from sdcluster.analysis.phase_summaries import run_index
from sdcluster.analysis.phases import PHASES, phase_codes
from sdcluster.analysis.requirements import (
    TIME_DIM,
    require_time,
    require_variables,
    time_last,
)
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.errors import AnalysisError, did_you_mean

SCENARIO_DIM = "scenario"
DEFAULT_VARIABLES = ("Order Degree", "Innovative Firms", "Knowledge Stock")
REGIME_COLOURS = {"orderly": "#2e8b57", "balanced": "#9e9e9e", "disorder": "#c62828"}
PHASE_COLOURS = dict(zip(PHASES, ("#9ecae1", "#4292c6", "#08306b", "#e6550d"), strict=True))
#: Quantiles of the band drawn for ensembles (members or other extra dims).
BAND_QUANTILES = (0.05, 0.5, 0.95)
SHADE_ALPHA = 0.15


def _label(name: str, attrs: dict[str, object]) -> str:
    units = str(attrs.get("units", "") or "")
    return f"{name} ({units})" if units else name


def time_label(data: xr.Dataset | xr.DataArray, units: str = "") -> str:
    """Return the time axis label, ``Time (Year)``: the units of the time coordinate.

    ``units`` is used when the coordinate carries none (e.g. from a run's metadata).
    """
    attrs = dict(data[TIME_DIM].attrs) if TIME_DIM in data.coords else {}
    if not attrs.get("units") and units:
        attrs["units"] = units
    return _label("Time", attrs)


#: The scenario every other one is compared with.
BASELINE = "baseline"


def _groups(da: xr.DataArray) -> list[tuple[str | None, xr.DataArray]]:
    """Split ``da`` into one array per scenario (or one unlabelled array)."""
    if SCENARIO_DIM not in da.dims:
        return [(None, da)]
    return [
        (str(name), da.isel({SCENARIO_DIM: i})) for i, name in enumerate(da[SCENARIO_DIM].values)
    ]


def _draw_series(axes: Axes, time: np.ndarray, da: xr.DataArray, label: str | None) -> None:
    """Draw one run as a line, or many as a median line in a 5-95 % band."""
    extra = [dim for dim in da.dims if dim != TIME_DIM]
    if not extra:
        # The baseline is what every policy is read against: dashed black on top, so a
        # policy equal to it for a while shows through instead of hiding it.
        if label == BASELINE:
            axes.plot(time, time_last(da).values, label=label, color="black",
                      linestyle=(0, (5, 2)), linewidth=1.8, zorder=5)
        else:
            axes.plot(time, time_last(da).values, label=label)
        return
    runs = da.stack(run=extra).transpose("run", TIME_DIM).values
    with warnings.catch_warnings():
        # Time points beyond every member's horizon are all NaN: leave a gap.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, median, high = np.nanquantile(runs, BAND_QUANTILES, axis=0)
    band = f"{BAND_QUANTILES[0]:.0%}-{BAND_QUANTILES[-1]:.0%}"
    text = f"median, {band} of {runs.shape[0]} runs"
    (line,) = axes.plot(time, median, label=f"{label} ({text})" if label else text)
    colour = line.get_color()
    axes.fill_between(time, low, high, color=colour, alpha=0.3, linewidth=0)
    for edge in (low, high):  # the band's edges, visible where the band is thin
        axes.plot(time, edge, color=colour, linewidth=0.6, alpha=0.8)


def plot_scenarios(ds: xr.Dataset, variables: Sequence[str] = DEFAULT_VARIABLES) -> Figure:
    """Plot variables over time, one panel per variable and one line per scenario.

    Parameters
    ----------
    ds : xarray.Dataset
        Results over ``"time"``, optionally ``"scenario"`` and other
        dimensions (e.g. ``"member"``); other dimensions are drawn as a median
        line in a 5-95 % band.
    variables : sequence of str
        Vensim names of the variables, one panel each, top to bottom.

    Returns
    -------
    matplotlib.figure.Figure
        ``len(variables)`` axes sharing the time axis, labelled with units.

    Raises
    ------
    AnalysisError
        If ``variables`` is empty or names a variable the dataset lacks.

    """
    time = require_time(ds)
    if not variables:
        raise AnalysisError("plot_scenarios: expected at least one variable name")
    require_variables(ds, variables, "plot_scenarios")
    figure = Figure(figsize=(8.0, 1.0 + 2.4 * len(variables)), layout="constrained")
    panels = figure.subplots(len(variables), 1, sharex=True, squeeze=False)[:, 0]
    for axes, name in zip(panels, variables, strict=True):
        for label, group in _groups(ds[name]):
            _draw_series(axes, time, group, label)
        axes.set_ylabel(_label(name, dict(ds[name].attrs)))
        axes.grid(alpha=0.3)
    if panels[0].get_legend_handles_labels()[0]:
        panels[0].legend(loc="best", fontsize="small")
    panels[-1].set_xlabel(time_label(ds))
    panels[-1].set_xlim(time[0], time[-1])
    return figure


def _select_run(ds: xr.Dataset, scenario: str | None) -> xr.Dataset:
    """Return the single run named ``scenario`` (or the only run)."""
    if scenario is not None:
        if SCENARIO_DIM not in ds.dims:
            raise AnalysisError(
                f"scenario {scenario!r}: the dataset has no {SCENARIO_DIM!r} dimension"
            )
        names = [str(name) for name in ds[SCENARIO_DIM].values]
        if scenario not in names:
            raise AnalysisError(
                f"scenario {scenario!r}: not in the dataset{did_you_mean(scenario, names)}"
            )
        ds = ds.isel({SCENARIO_DIM: names.index(scenario)})
    extra = [str(dim) for dim in ds.dims if dim != TIME_DIM]
    if extra:
        raise AnalysisError(
            f"entropy balance plot draws one run; the data still has dims {extra}: "
            "pass scenario=... or select one member first"
        )
    return ds


def _runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """Return (first, last) index pairs of runs of equal labels."""
    breaks = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks - 1, [labels.size - 1]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _span(time: np.ndarray, first: int, last: int) -> tuple[float, float]:
    """Time from a run's first sample to the next run's first sample (or the end)."""
    end = time[last + 1] if last + 1 < time.size else time[last]
    return float(time[first]), float(end)


def _shade_regimes(axes: Axes, time: np.ndarray, regime: np.ndarray) -> None:
    for first, last in _runs(regime):
        colour = REGIME_COLOURS.get(str(regime[first]))
        if colour is not None:
            start, end = _span(time, first, last)
            axes.axvspan(start, end, color=colour, alpha=SHADE_ALPHA, linewidth=0)


def _regime_handles() -> list[Patch]:
    return [
        Patch(facecolor=REGIME_COLOURS[name], alpha=SHADE_ALPHA * 2, label=f"{name} regime")
        for name in REGIMES
    ]


def plot_entropy_balance(
    ds: xr.Dataset,
    scenario: str | None = None,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> Figure:
    """Plot the entropy balance of one run with its regime shaded.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with the six entropy flows (``"diS R"`` .. ``"deS U"``) and
        ``"dS total"`` (or the flows alone).
    scenario : str or None
        The scenario to draw; None when the dataset holds one run only.
    settings : AnalysisSettings
        Supplies the tolerance ε of the regimes.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes sharing time. Top: diS, deS and dS of the whole cluster
        (three lines) and the ±ε band (grey). Bottom: dS of
        the subsystems R, K and U (three lines). Both are shaded by regime
        (orderly, balanced, disorder) with a legend.

    Raises
    ------
    AnalysisError
        If the scenario is unknown, more than one run is left, or a variable
        is missing.

    """
    run = _select_run(ds, scenario)
    time = require_time(run)
    balance = entropy_balance(run)
    regime = entropy_regime(run, settings).values
    units = str(balance["dS"].attrs.get("units", ""))
    figure = Figure(figsize=(8.0, 6.0), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    total = balance.sel(subsystem="total")
    for name in ("diS", "deS", "dS"):
        top.plot(time, total[name].values, label=f"{name} total", linewidth=1.6)
    tolerance = settings.entropy_tolerance
    # A light band, not two dotted lines: at this scale the two lines merge into a hatch.
    top.axhspan(-tolerance, tolerance, color="black", alpha=0.12, linewidth=0)
    for subsystem in SUBSYSTEMS:
        bottom.plot(time, balance["dS"].sel(subsystem=subsystem).values, label=f"dS {subsystem}")
    for axes in (top, bottom):
        _shade_regimes(axes, time, regime)
        axes.axhline(0.0, color="black", linewidth=0.5)
        axes.grid(alpha=0.3)
    top.set_ylabel(_label("whole cluster", {"units": units}))
    bottom.set_ylabel(_label("by subsystem", {"units": units}))
    bottom.set_xlabel(time_label(run))
    finite = time[np.isfinite(total["dS"].values)]
    # A run that ends before the others is drawn to its own horizon, not theirs.
    bottom.set_xlim(time[0], finite[-1] if finite.size else time[-1])
    eps_note = f"grey band: |dS| ≤ ε = {tolerance:g}"
    top.legend(
        handles=[*top.get_legend_handles_labels()[0], *_regime_handles()],
        loc="best",
        fontsize="small",
        title=eps_note,
        title_fontsize="small",
    )
    bottom.legend(loc="best", fontsize="small")
    figure.suptitle(f"Entropy balance{f': {scenario}' if scenario else ''}")
    return figure


def _row_labels(codes: xr.DataArray) -> list[str]:
    index = run_index(codes)
    return [
        " / ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
        for key in index
    ]


def _draw_phase_row(axes: Axes, row: int, codes: np.ndarray, time: np.ndarray) -> None:
    spans: dict[int, list[tuple[float, float]]] = {}
    for first, last in _runs(codes):
        if codes[first] >= 0:
            start, end = _span(time, first, last)
            spans.setdefault(int(codes[first]), []).append((start, end - start))
    for code, ranges in spans.items():
        axes.broken_barh(ranges, (row - 0.4, 0.8), facecolors=PHASE_COLOURS[PHASES[code]])


def plot_phase_timeline(
    ds: xr.Dataset,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    *,
    max_runs: int = 40,
) -> Figure:
    """Plot each run's phases over time as a horizontal bar.

    Parameters
    ----------
    ds : xarray.Dataset
        Results as for :func:`sdcluster.analysis.phases.classify_phases`.
    settings : AnalysisSettings
        Phase thresholds and minimum dwell time.
    max_runs : int
        Most bars drawn; an ensemble of more runs is refused (summarise it
        with :func:`sdcluster.analysis.phase_summaries.phase_onsets` instead).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: a bar per scenario (or run), top to bottom in dataset
        order, coloured by phase, with a legend of the four phases.

    Raises
    ------
    AnalysisError
        If a variable is missing or there are more than ``max_runs`` runs.

    """
    codes = phase_codes(ds, settings)
    time = require_time(ds)
    rows = codes.values.reshape(-1, codes.sizes[TIME_DIM])
    if rows.shape[0] > max_runs:
        raise AnalysisError(
            f"phase timeline: {rows.shape[0]} runs exceed max_runs={max_runs}; "
            "select scenarios or members first"
        )
    labels = _row_labels(codes)
    figure = Figure(figsize=(8.0, 1.4 + 0.45 * len(labels)), layout="constrained")
    axes = figure.subplots()
    for row, row_codes in enumerate(rows):
        _draw_phase_row(axes, row, row_codes, time)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_ylim(len(labels) - 0.5, -0.5)  # first run on top
    axes.set_xlim(time[0], time[-1])
    axes.set_xlabel(time_label(ds))
    axes.grid(axis="x", alpha=0.3)
    handles = [Patch(facecolor=PHASE_COLOURS[phase], label=phase) for phase in PHASES]
    figure.legend(handles=handles, loc="outside lower center", ncols=len(PHASES), fontsize="small")
    axes.set_title("Phases of self-organization")
    return figure
