"""Helpers shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

RunFn = Callable[..., xr.Dataset]

#: The six policy levers of the paper's section 4, by their names in the model.
LEVERS = (
    "openness",
    "internal cooperation",
    "technology introduction",
    "government support",
    "fair competition regulation",
    "university cooperation",
)


def first_time(condition: xr.DataArray) -> float:
    """Return the first time a boolean series holds, or inf."""
    times = condition["time"].values[condition.values]
    return float(times[0]) if times.size else float("inf")
