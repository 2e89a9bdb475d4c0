"""The bifurcation figure: equilibria against the lever, thresholds, take-off probability.

Like :mod:`sdcluster.plotting.series`, the function returns a
:class:`matplotlib.figure.Figure` built without ``pyplot`` and saves nothing;
saving is the caller's business (``figure.savefig(path)``).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sdcluster.studies.bifurcation_result import BifurcationResult

__all__ = ["plot_bifurcation"]

BRANCH_COLOURS = {"low": "#2166ac", "high": "#b2182b"}
FORMATION_COLOUR = "#d6604d"
PERSISTENCE_COLOUR = "#4393c3"
NOISE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
SHADE_ALPHA = 0.15


def _thresholds(axes: Axes, ds: xr.Dataset, *, label: bool) -> None:
    """Mark the formation and persistence thresholds and shade the hysteresis band."""
    form = float(ds.attrs["formation_threshold"])
    keep = float(ds.attrs["persistence_threshold"])
    if math.isfinite(form) and math.isfinite(keep) and keep < form:
        axes.axvspan(keep, form, color="#bdbdbd", alpha=SHADE_ALPHA, linewidth=0,
                     label="hysteresis" if label else None)
    for value, colour, name in ((form, FORMATION_COLOUR, "formation"),
                                (keep, PERSISTENCE_COLOUR, "persistence")):
        if math.isfinite(value):
            axes.axvline(value, color=colour, linestyle="-.", linewidth=1.2,
                         label=f"{name} {value:.3g}" if label else None)


def _equilibria(axes: Axes, ds: xr.Dataset, quantity: str, *, state: bool) -> None:
    lever = ds["lever"].values
    end = ds["end"].sel(quantity=quantity).values
    axes.plot(np.repeat(lever, end.shape[1]), end.ravel(), linestyle="none", marker=".",
              markersize=2, color="#969696", alpha=0.5, label="end states")
    for branch, colour in BRANCH_COLOURS.items():
        values = ds["stable"].sel(quantity=quantity, branch=branch).values
        axes.plot(lever, values, color=colour, linewidth=2, label=f"stable ({branch})")
    if state:
        axes.plot(lever, ds["unstable"].values, color="#000000", linestyle="--", linewidth=1.5,
                  label="unstable (basin boundary)")
    _thresholds(axes, ds, label=state)
    axes.set_ylabel(quantity)
    axes.legend(loc="best", fontsize="small", frameon=False)


def _takeoff(axes: Axes, ds: xr.Dataset) -> None:
    grid = ds["takeoff_lever"].values
    relative = bool(ds.attrs["noise_relative"])
    for i, level in enumerate(ds["noise"].values):
        colour = NOISE_COLOURS[i % len(NOISE_COLOURS)]
        row = ds.sel(noise=level)
        axes.fill_between(grid, row["takeoff_ci_low"].values, row["takeoff_ci_high"].values,
                          color=colour, alpha=SHADE_ALPHA * 2, linewidth=0)
        label = f"noise {level:g}{'×' if relative else ''}"
        axes.plot(grid, row["takeoff_probability"].values, color=colour, linewidth=1.8,
                  label=label)
    _thresholds(axes, ds, label=False)
    axes.set_ylim(-0.02, 1.02)
    axes.set_ylabel("take-off probability")
    axes.legend(loc="best", fontsize="small", frameon=False,
                title=f"{int(ds.attrs['members'])} members, Wilson 95 %")


def plot_bifurcation(result: BifurcationResult | xr.Dataset) -> Figure:
    """Draw the bifurcation diagram of a :func:`~sdcluster.studies.bifurcation.run_bifurcation`.

    One panel per recorded quantity (the state first): every run's end value
    (grey dots), the stable branches (solid), for the state the unstable
    branch between the basins (dashed), the formation and persistence
    thresholds (dash-dotted) and the hysteresis band between them (shaded).
    A last panel shows the take-off probability against the lever for each
    noise level, with its Wilson interval, when the study had noise.

    Parameters
    ----------
    result : BifurcationResult or xarray.Dataset
        The study, or its dataset.

    Returns
    -------
    matplotlib.figure.Figure

    """
    ds = result.dataset if isinstance(result, BifurcationResult) else result
    quantities = [str(q) for q in ds["quantity"].values]
    panels = len(quantities) + int("takeoff_probability" in ds)
    figure = Figure(figsize=(8.0, 3.0 * panels + 0.6), layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    for i, quantity in enumerate(quantities):
        _equilibria(axes[i], ds, quantity, state=i == 0)
    if panels > len(quantities):
        _takeoff(axes[-1], ds)
    axes[-1].set_xlabel(str(ds.attrs["lever"]))
    figure.suptitle(f"Equilibria of {ds.attrs['state']} against {ds.attrs['lever']} "
                    f"(horizon {float(ds.attrs['horizon']):g})")
    return figure
