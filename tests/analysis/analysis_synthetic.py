"""Hand-built results datasets with known answers for the analysis tests (no model needed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr

TIME = np.arange(0.0, 60.0 + 0.125, 0.25)

UNITS = {
    "Innovative Firms": "firm",
    "Knowledge Stock": "KU",
    "Order Degree": "Dmnl",
    "synergy degree": "Dmnl",
    "dS total": "1/Year",
    "knowledge creation": "KU/Year",
    "knowledge absorption": "KU/Year",
    "young firm exit": "firm/Year",
    "mature firm exit": "firm/Year",
    **{f"{kind} {j}": "1/Year" for kind in ("diS", "deS", "dS") for j in "RKU"},
}


def run(time: np.ndarray = TIME, **series: np.ndarray | float) -> xr.Dataset:
    """Return a one-run dataset over ``time``; keyword names use '_' for ' '."""
    data = {}
    for key, values in series.items():
        name = key.replace("_", " ")
        array = np.broadcast_to(np.asarray(values, dtype=float), time.shape).copy()
        data[name] = xr.DataArray(
            array,
            dims="time",
            attrs={"units": UNITS.get(name, "Dmnl"), "documentation": "", "python_name": key},
        )
    return xr.Dataset(data, coords={"time": time})


def stack(runs: Mapping[str, xr.Dataset], dim: str = "scenario") -> xr.Dataset:
    """Stack one-run datasets along ``dim`` (outer join on time pads with NaN)."""
    names = list(runs)
    stacked = xr.concat(
        [runs[name] for name in names], dim=dim, join="outer", data_vars="all", coords="minimal"
    )
    return stacked.assign_coords({dim: names})


def entropy_run(
    entropy: Callable[[np.ndarray], np.ndarray],
    firms: np.ndarray | float = 100.0,
    time: np.ndarray = TIME,
) -> xr.Dataset:
    """A run whose three subsystem entropies follow ``entropy(t)`` with offsets.

    Flows are consistent with the stocks: dS_j = dS_j/dt analytically (here
    numerically, finely), diS_j = 0.1 (1 - S_j), deS_j = dS_j - diS_j.
    """
    offsets = {"R": 0.0, "K": 0.02, "U": -0.02}
    series: dict[str, np.ndarray | float] = {"Innovative_Firms": firms}
    total = np.zeros_like(time)
    levels = []
    for subsystem, offset in offsets.items():
        level = entropy(time) + offset
        change = np.gradient(level, time)
        produced = 0.1 * (1.0 - level)
        series[f"Entropy_{subsystem}"] = level
        series[f"diS_{subsystem}"] = produced
        series[f"deS_{subsystem}"] = change - produced
        series[f"dS_{subsystem}"] = change
        total = total + change
        levels.append(level)
    series["dS_total"] = total
    series["Order_Degree"] = 1.0 - np.mean(levels, axis=0)
    gains = np.array([level[0] - level for level in levels])
    sign = np.where(np.all(gains > 0, axis=0), 1.0, -1.0)
    series["synergy_degree"] = sign * np.cbrt(np.abs(np.prod(gains, axis=0)))
    series["Knowledge_Stock"] = 50.0 + time
    return run(time, **series)


def take_off(
    generations: list[tuple[float, float, float]],
    base: float = 100.0,
    time: np.ndarray = TIME,
) -> np.ndarray:
    """Firm count of logistic take-offs above a dispersed base of ``base`` firms.

    N(t) = base + sum of K / (1 + exp(-r (t - t*))) over ``generations``, each
    given as (capacity K, midpoint t*, rate r): one technology generation each.
    """
    firms = np.full(time.shape, base, dtype=float)
    for capacity, midpoint, rate in generations:
        firms = firms + capacity / (1.0 + np.exp(-rate * (time - midpoint)))
    return firms


def log_linear_firms(
    segments: list[tuple[float, float, float]],
    level: float = 100.0,
    time: np.ndarray = TIME,
) -> np.ndarray:
    """Firm count whose logarithm is piecewise linear: growth rate ``rate`` on [start, end].

    N(t) = level * exp(sum of rate * clip(t - start, 0, end - start)) over
    ``segments``, each given as (start, end, rate); flat outside the segments.
    """
    exponent = np.zeros(time.shape, dtype=float)
    for start, end, rate in segments:
        exponent = exponent + rate * np.clip(time - start, 0.0, end - start)
    return level * np.exp(exponent)
