"""Figures of loop dominance: a timeline per scenario and ensemble shares per phase.

Like :mod:`sdcluster.plotting.series`, every function returns a
:class:`matplotlib.figure.Figure` built without ``pyplot`` and saves nothing;
saving is the caller's business (``figure.savefig(path)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sdcluster.analysis.loop_ensembles import ALL_REINFORCING, NAMED_REINFORCING
from sdcluster.analysis.loop_shifts import label_runs
from sdcluster.analysis.loops import dominant_named_loop, polarity_shares
from sdcluster.errors import AnalysisError
from sdcluster.loop_polarity import BALANCING, REINFORCING
from sdcluster.model.named_loops import intended_polarity
from sdcluster.plotting.series import PHASE_COLOURS

if TYPE_CHECKING:
    from sdcluster.studies.loops import LoopAnalysis

POLARITY_COLOURS = {REINFORCING: "#b2182b", BALANCING: "#2166ac"}
#: Colour of a phase that is not one of the paper's (e.g. "whole run").
OTHER_PHASE_COLOUR = "#bdbdbd"
SHADE_ALPHA = 0.18
_POLARITY_ROWS = (ALL_REINFORCING, NAMED_REINFORCING)


def _colour(loop: str) -> str:
    """Red for a reinforcing (R...) loop name, blue for a balancing (B...) one."""
    if loop in _POLARITY_ROWS:
        return POLARITY_COLOURS[REINFORCING]
    return POLARITY_COLOURS.get(intended_polarity(loop), "#636363")


def _spans(labels: npt.NDArray[np.object_],
           time: npt.NDArray[np.float64]) -> list[tuple[str, float, float]]:
    """Return (label, start, end) of each run of equal labels; a run ends where the next starts."""
    return [(str(labels[first]), float(time[first]), float(time[min(last + 1, labels.size - 1)]))
            for first, last in label_runs(labels)]


def _shade_phases(axes: Axes, analysis: LoopAnalysis) -> list[str]:
    time = np.asarray(analysis.phases["time"].values, dtype=float)
    shown = []
    for phase, start, end in _spans(np.asarray(analysis.phases.values, dtype=object), time):
        axes.axvspan(start, end, color=PHASE_COLOURS.get(phase, OTHER_PHASE_COLOUR),
                     alpha=SHADE_ALPHA, linewidth=0)
        if phase not in shown:
            shown.append(phase)
    return shown


def _draw_shares(axes: Axes, analysis: LoopAnalysis) -> list[str]:
    shares = polarity_shares(analysis.scores)
    time = np.asarray(shares["time"].values, dtype=float)
    reinforcing = shares[REINFORCING].values
    active = (reinforcing + shares[BALANCING].values) > 0
    shown = _shade_phases(axes, analysis)
    axes.plot(time[active], reinforcing[active], color=POLARITY_COLOURS[REINFORCING],
              linewidth=1.5, label="reinforcing share")
    axes.axhline(0.5, color="black", linewidth=0.8, linestyle="--")
    axes.set_ylim(0.0, 1.0)
    axes.set_ylabel("reinforcing share")
    axes.set_title(f"{analysis.scenario}: above 0.5 reinforcing loops dominate", fontsize=10)
    return shown


def _draw_strip(axes: Axes, analysis: LoopAnalysis) -> None:
    time = np.asarray(analysis.named["time"].values, dtype=float)
    labels = np.asarray(dominant_named_loop(analysis.named).values, dtype=object)
    rows = [str(n) for n in analysis.named["named_loop"].values if (labels == n).any()]
    _shade_phases(axes, analysis)
    for row, loop in enumerate(rows):
        bars = [(start, end - start) for label, start, end in _spans(labels, time)
                if label == loop]
        axes.broken_barh(bars, (row - 0.35, 0.7), color=_colour(loop))
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    axes.invert_yaxis()
    axes.set_xlabel("time")
    if not rows:
        axes.text(0.5, 0.5, "no named loop is active", transform=axes.transAxes,
                  ha="center", va="center")


def plot_loop_dominance(analyses: Sequence[LoopAnalysis]) -> Figure:
    """Draw a dominance timeline for each run.

    For each run, the upper panel shows the reinforcing share of the loop
    scores over time (above the dashed line reinforcing loops dominate), the
    lower panel which named loop is the strongest at each time, both over the
    run's phases (shaded).

    Parameters
    ----------
    analyses : sequence of LoopAnalysis
        From :func:`sdcluster.studies.loops.analyze_loops`.

    Raises
    ------
    AnalysisError
        If ``analyses`` is empty.

    """
    if not analyses:
        raise AnalysisError("plot_loop_dominance: no runs to draw")
    strip_rows = [max(1, int(np.unique(dominant_named_loop(a.named).values).size))
                  for a in analyses]
    ratios = [r for rows in strip_rows for r in (3.0, 0.45 * rows + 0.8)]
    figure = Figure(figsize=(10, sum(ratios) * 0.75 + 0.6), layout="constrained")
    grid = figure.subplots(2 * len(analyses), 1, height_ratios=ratios, squeeze=False)[:, 0]
    shown: list[str] = []
    for index, analysis in enumerate(analyses):
        shares, strip = grid[2 * index], grid[2 * index + 1]
        strip.sharex(shares)
        shown += [p for p in _draw_shares(shares, analysis) if p not in shown]
        _draw_strip(strip, analysis)
    handles = [Patch(color=PHASE_COLOURS.get(p, OTHER_PHASE_COLOUR), alpha=0.5, label=p)
               for p in shown]
    handles += [Patch(color=c, label=f"{p} loop") for p, c in POLARITY_COLOURS.items()]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4),
                  fontsize=8)
    return figure


def plot_ensemble_dominance(frequencies: pd.DataFrame) -> Figure:
    """Draw how often each named loop dominates each phase across an ensemble.

    One panel per phase reached by some member: a bar per loop that dominates
    the phase in at least one member, plus the reinforcing loops as a whole
    and the reinforcing named loops together (hatched),
    with the interval from :func:`~sdcluster.analysis.loop_ensembles.dominance_frequencies`.

    Parameters
    ----------
    frequencies : pandas.DataFrame
        From :func:`sdcluster.analysis.loop_ensembles.dominance_frequencies`.

    Raises
    ------
    AnalysisError
        If no member reaches any phase.

    """
    reached = frequencies[frequencies["reached"] > 0]
    phases = list(dict.fromkeys(reached["phase"]))
    if not phases:
        raise AnalysisError("plot_ensemble_dominance: no member reaches any phase")
    figure = Figure(figsize=(10, 1.2 + 2.6 * len(phases)), layout="constrained")
    panels = figure.subplots(len(phases), 1, squeeze=False)[:, 0]
    for axes, phase in zip(panels, phases, strict=True):
        rows = reached[(reached["phase"] == phase)
                       & ((reached["dominates"] > 0) | reached["loop"].isin(_POLARITY_ROWS))]
        _draw_bars(axes, rows)
        axes.set_title(f"{phase} (reached by {int(rows['reached'].iloc[0])} members)",
                       fontsize=10)
    panels[-1].set_xlabel("share of members in which the loop dominates the phase "
                          "(bars: Wilson 95% interval)")
    return figure


def _draw_bars(axes: Axes, rows: pd.DataFrame) -> None:
    position = np.arange(len(rows))
    share = rows["share"].to_numpy(dtype=float)
    errors = np.vstack([share - rows["low"].to_numpy(dtype=float),
                        rows["high"].to_numpy(dtype=float) - share])
    colours = [_colour(str(loop)) for loop in rows["loop"]]
    bars = axes.barh(position, share, xerr=errors, color=colours, alpha=0.8, capsize=3)
    for bar, loop in zip(bars, rows["loop"], strict=True):
        if loop in _POLARITY_ROWS:  # a polarity, not a loop: set it apart
            bar.set_hatch("//")
            bar.set_alpha(0.5)
    axes.set_yticks(position, [str(loop) for loop in rows["loop"]], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.0)
    axes.axvline(0.5, color="black", linewidth=0.8, linestyle="--")


__all__ = ["plot_ensemble_dominance", "plot_loop_dominance"]
