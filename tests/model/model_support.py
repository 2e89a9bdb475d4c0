"""Helpers shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

RunFn = Callable[..., xr.Dataset]


def first_time(condition: xr.DataArray) -> float:
    """Return the first time a boolean series holds, or inf."""
    times = condition["time"].values[condition.values]
    return float(times[0]) if times.size else float("inf")
