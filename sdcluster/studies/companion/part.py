"""One companion experiment's outcome: :class:`Part`, a dataset or the reason it is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

#: The companion parts, in the order a report run makes them.
PARTS = ("policies", "sweep", "thresholds", "ensemble", "takeoff", "sensitivity", "checks", "loops")


@dataclass(frozen=True, kw_only=True)
class Part:
    """One companion part of a report: a dataset, or the reason it is missing.

    Attributes
    ----------
    name : str
        One of :data:`PARTS`.
    dataset : xarray.Dataset or None
        The data; ``None`` when the part is unavailable.
    metadata : Mapping
        How the part was made (sizes, seeds, settings).
    reason : str
        Why the part is unavailable (empty when it is available).

    """

    name: str
    dataset: xr.Dataset | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def available(self) -> bool:
        """Return whether the part holds data."""
        return self.dataset is not None and not self.reason

    @classmethod
    def missing(cls, name: str, reason: str) -> Part:
        """Return an unavailable part."""
        return cls(name=name, reason=reason)
