"""Figures the report draws itself, and the conversion of any figure to SVG text.

The figures of :mod:`sdcluster.plotting.series` serve every user; the ones here
(openness sweep, fan charts, take-off curve, Sobol' indices, loop
dominance) belong to the report's experiments. All return :class:`matplotlib.figure.Figure` objects;
:func:`svg_text` turns one into a standalone, reproducible SVG document
(fixed ids, no timestamp) that both renderers embed as vector graphics.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sdcluster.analysis.thresholds import SWEEP_LEVER, Threshold
from sdcluster.loop_polarity import BALANCING, REINFORCING
from sdcluster.plotting.series import time_label

#: Percentile bands of a fan chart, outermost first, and the median.
FAN_BANDS = ((5.0, 95.0), (25.0, 75.0))
FAN_MEDIAN = 50.0
_FAN_COLOUR = "#1f5f99"
_CRITICAL_COLOUR = "#c62828"


def svg_text(figure: Figure) -> str:
    """Return ``figure`` as a standalone SVG document.

    Text stays text (selectable in the PDF, and three times quicker to
    convert than glyph outlines), in DejaVu Sans or the viewer's sans-serif
    font; ids are derived from a fixed salt and the date is left out, so the
    same figure gives the same text on every run.
    """
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "sdcluster-report", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _label(name: str, da: xr.DataArray) -> str:
    units = str(da.attrs.get("units", ""))
    return f"{name} ({units})" if units and units != "Dmnl" else name


def plot_fan_chart(ensemble: xr.Dataset, variables: Sequence[str]) -> Figure:
    """Draw percentile bands of ensemble members over time, one panel per variable.

    Parameters
    ----------
    ensemble : xarray.Dataset
        Dims ``("member", "time")``.
    variables : sequence of str
        Variables to draw, top to bottom.

    """
    time = np.asarray(ensemble["time"].values, dtype=float)
    figure = Figure(figsize=(8.0, 1.0 + 2.3 * len(variables)), layout="constrained")
    panels = figure.subplots(len(variables), 1, sharex=True, squeeze=False)[:, 0]
    members = ensemble.sizes["member"]
    for axes, name in zip(panels, variables, strict=True):
        runs = ensemble[name].transpose("member", "time").values
        for (low, high), alpha in zip(FAN_BANDS, (0.18, 0.35), strict=True):
            lower, upper = np.percentile(runs, [low, high], axis=0)
            axes.fill_between(time, lower, upper, color=_FAN_COLOUR, alpha=alpha, linewidth=0,
                              label=f"{low:g}-{high:g} %")
        axes.plot(time, np.percentile(runs, FAN_MEDIAN, axis=0), color=_FAN_COLOUR,
                  linewidth=1.6, label="median")
        axes.set_ylabel(_label(name, ensemble[name]))
        axes.grid(alpha=0.3)
    panels[0].legend(loc="best", fontsize="small", title=f"{members} members",
                     title_fontsize="small")
    panels[-1].set_xlabel(time_label(ensemble))
    panels[-1].set_xlim(time[0], time[-1])
    return figure


def plot_takeoff_curve(curve: pd.DataFrame, threshold: Threshold | None) -> Figure:
    """Draw the take-off probability against openness, with its 95 % interval.

    The deterministic critical openness, when known, is marked.
    """
    figure = Figure(figsize=(8.0, 3.6), layout="constrained")
    axes = figure.subplots()
    values = curve[SWEEP_LEVER].to_numpy(dtype=float)
    axes.fill_between(values, curve["low"].to_numpy(dtype=float),
                      curve["high"].to_numpy(dtype=float), color=_FAN_COLOUR, alpha=0.2,
                      linewidth=0, label="95 % interval (Wilson)")
    axes.plot(values, curve["probability"].to_numpy(dtype=float), marker="o", markersize=3,
              color=_FAN_COLOUR, label="take-off probability")
    if threshold is not None and threshold.status == "found":
        axes.axvline(threshold.estimate, color=_CRITICAL_COLOUR, linestyle="--", linewidth=1,
                     label=f"critical openness without noise ({threshold.estimate:.3f})")
    axes.set_xlabel(SWEEP_LEVER)
    axes.set_ylabel("share reaching phase III")
    axes.set_ylim(-0.03, 1.03)
    axes.set_xlim(values.min(), values.max())
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return figure


def plot_sweep(table: pd.DataFrame, threshold: Threshold, horizon: float) -> Figure:
    """Draw the openness sweep: phase III onset (top) and Order Degree at the end (bottom)."""
    figure = Figure(figsize=(8.0, 5.0), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    values = table[SWEEP_LEVER].to_numpy(dtype=float)
    onset = table["phase III onset"].to_numpy(dtype=float)
    top.plot(values, onset, marker="o", markersize=3, color=_FAN_COLOUR)
    never = ~np.isfinite(onset)
    top.plot(values[never], np.full(never.sum(), horizon), linestyle="none", marker="x",
             color="#777777", label="no phase III by the end of the run")
    top.set_ylabel("phase III onset (time)")
    if never.any():
        top.legend(loc="best", fontsize="small")
    if "Order Degree at end" in table:
        bottom.plot(values, table["Order Degree at end"].to_numpy(dtype=float), marker="o",
                    markersize=3, color=_FAN_COLOUR)
    bottom.set_ylabel("Order Degree at the end")
    bottom.set_xlabel(SWEEP_LEVER)
    for axes in (top, bottom):
        if threshold.status == "found":
            axes.axvline(threshold.estimate, color=_CRITICAL_COLOUR, linestyle="--", linewidth=1)
        axes.grid(alpha=0.3)
    return figure


def plot_sobol(indices: pd.DataFrame) -> Figure:
    """Draw first-order (S1) and total (ST) Sobol' indices, one panel per outcome.

    Parameters are sorted by ST; error bars are the bootstrap confidence intervals.
    """
    outcomes = list(dict.fromkeys(str(o) for o in indices["outcome"]))
    figure = Figure(figsize=(8.0, 0.8 + 2.8 * len(outcomes)), layout="constrained")
    panels = figure.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    for axes, outcome in zip(panels, outcomes, strict=True):
        rows = indices[indices["outcome"] == outcome]
        total = rows[rows["index"] == "ST"].set_index("parameter")
        first = rows[rows["index"] == "S1"].set_index("parameter")
        order = total["estimate"].astype(float).sort_values(ascending=True).index.tolist()
        positions = np.arange(len(order))
        for offset, (label, table, colour) in enumerate(
                (("S1 (first order)", first, "#9ecae1"), ("ST (total)", total, _FAN_COLOUR))):
            values = table.loc[order, "estimate"].to_numpy(dtype=float)
            errors = table.loc[order, "confidence"].to_numpy(dtype=float)
            axes.barh(positions + 0.38 * (offset - 0.5), values, height=0.36, xerr=errors,
                      color=colour, label=label, error_kw={"elinewidth": 0.8})
        axes.set_yticks(positions, order)
        axes.set_title(outcome, fontsize="medium")
        axes.axvline(0.0, color="black", linewidth=0.5)
        axes.grid(axis="x", alpha=0.3)
    panels[0].legend(loc="lower right", fontsize="small")
    panels[-1].set_xlabel("Sobol' index")
    return figure


def _loop_colours(names: Sequence[str]) -> dict[str, str]:
    """Red shades for reinforcing loops, blue for balancing ones (the CLI's polarity colours)."""
    from sdcluster.model.named_loops import intended_polarity

    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(intended_polarity(name), []).append(name)
    maps = {REINFORCING: "Reds", BALANCING: "Blues"}
    colours = {}
    for polarity, members in groups.items():
        palette = mpl.colormaps[maps.get(polarity, "Greys")]
        for i, name in enumerate(members):  # light to dark within a polarity
            colours[name] = mpl.colors.to_hex(palette(0.4 + 0.5 * i / max(1, len(members) - 1)))
    return colours


def plot_dominance_timeline(labels: Mapping[str, np.ndarray], time: np.ndarray, *,
                            time_label: str = "Time") -> Figure:
    """Draw, per scenario, which named loop dominates over time (one bar per scenario).

    Parameters
    ----------
    labels : mapping of str to ndarray
        Scenario name to the dominant named loop at each time (``""`` where none).
    time : ndarray
        The time of each label.
    time_label : str
        The time axis's label, with its units.

    """
    from sdcluster.analysis.loop_shifts import label_runs

    names = sorted({str(v) for row in labels.values() for v in row} - {""})
    colours = _loop_colours(names)
    figure = Figure(figsize=(8.0, 1.8 + 0.45 * len(labels) + 0.18 * len(names)),
                    layout="constrained")
    axes = figure.subplots()
    for row, values in enumerate(labels.values()):
        for first, last in label_runs(values):
            if values[first]:
                end = time[last + 1] if last + 1 < time.size else time[last]
                axes.broken_barh([(time[first], end - time[first])], (row - 0.4, 0.8),
                                 facecolors=colours[str(values[first])])
    axes.set_yticks(range(len(labels)), list(labels))
    axes.set_ylim(len(labels) - 0.5, -0.5)
    axes.set_xlim(time[0], time[-1])
    axes.set_xlabel(time_label)
    axes.grid(axis="x", alpha=0.3)
    handles = [Patch(facecolor=colours[name], label=name) for name in names]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small",
                  title="red: reinforcing loops, blue: balancing", title_fontsize="small")
    return figure


def plot_reinforcing_share(shares: xr.DataArray) -> Figure:
    """Draw the reinforcing share of the loop scores as one strip per scenario over time.

    A heat strip rather than one line per scenario: nine lines over one
    another read as spaghetti. Red where reinforcing loops carry more than half
    of the scores, blue where balancing ones do, white at one half.
    """
    names = [str(n) for n in shares["scenario"].values]
    time = np.asarray(shares["time"].values, dtype=float)
    figure = Figure(figsize=(8.0, 1.2 + 0.32 * len(names)), layout="constrained")
    axes = figure.subplots()
    values = np.ma.masked_invalid(np.asarray(shares.transpose("scenario", "time").values,
                                             dtype=float))
    step = time[1] - time[0] if time.size > 1 else 1.0
    # One image, not a mesh of cells: browsers draw hairlines between adjacent SVG cells.
    # Masked (after a run's horizon) is white: the PDF renderer would draw it black.
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="white")
    mesh = axes.imshow(values, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
                       interpolation="nearest",
                       extent=(time[0], time[-1] + step, len(names), 0))
    axes.set_yticks(np.arange(len(names)) + 0.5, names)
    axes.set_ylim(len(names), 0)
    axes.set_xlim(time[0], time[-1])
    axes.set_xlabel(time_label(shares))
    colourbar = figure.colorbar(mesh, ax=axes, fraction=0.04, pad=0.01)
    colourbar.set_label("reinforcing share")
    return figure
