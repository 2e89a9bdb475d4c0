"""Thresholds of the self-organization analysis, as one frozen settings object.

Every threshold that turns a continuous model output into a label (entropy
regime, phase) is a convention, not a law. Keeping them here, named and
documented, lets a report state exactly which conventions it used and lets a
sensitivity study vary them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from sdcluster.errors import AnalysisError

#: Name of the model constant that holds the entropy tolerance ε.
ENTROPY_TOLERANCE_VARIABLE = "entropy tolerance"


@dataclass(frozen=True, kw_only=True)
class AnalysisSettings:
    """Named thresholds for entropy regimes and phases.

    Parameters
    ----------
    order_threshold : float
        Order Degree (Dmnl) at or above which the cluster counts as ordered,
        i.e. out of phase I (micro fluctuation). Default 0.25.
    entropy_tolerance : float
        ε in 1/Year. ``dS total < -ε`` is the *orderly* regime, ``dS total > ε``
        *disorder*, anything in between *balanced* (the paper's ΔE(dS) = 0).
        Default 0.005. This value wins over the model constant
        ``"entropy tolerance"`` unless the settings are built with
        :meth:`from_dataset`.
    growth_threshold : float
        Firm growth rate g = d ln N / dt (1/Year) above which growth counts as
        fast in the phase II test. Default 0.02 (2 %/yr).
    acceleration_threshold : float
        dg/dt (1/Year²) above which growth counts as accelerating. Default 0:
        any rise of the per-firm growth rate, i.e. faster than exponential
        growth, the signature of positive feedback amplifying a fluctuation.
    decline_threshold : float
        The firm count *falls* when g < -decline_threshold (1/Year). Default
        0.005 (0.5 %/yr): a cluster that has settled on a plateau and drifts
        by a few hundredths of a percent a year is not in decline, while the
        declines the model is built to show (a closed or isolated cluster)
        lose several percent a year. Set 0 for the literal rule "N falls".
    min_dwell : float
        Minimum time (Year) a phase must be held to count. A run of samples
        with one raw phase label is *held* when the time between its first
        and last sample is at least ``min_dwell``; shorter runs (wiggles
        around a threshold) take the label of the phase held before them.
        Default 1.0; 0 turns the filter off.

    Raises
    ------
    AnalysisError
        If a threshold is not a finite number or a tolerance/dwell is negative.

    """

    order_threshold: float = 0.25
    entropy_tolerance: float = 0.005
    growth_threshold: float = 0.02
    acceleration_threshold: float = 0.0
    decline_threshold: float = 0.005
    min_dwell: float = 1.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise AnalysisError(
                    f"AnalysisSettings.{field.name}: expected a finite number, got {value!r}"
                )
        for name in ("entropy_tolerance", "min_dwell", "decline_threshold"):
            if getattr(self, name) < 0:
                raise AnalysisError(
                    f"AnalysisSettings.{name}: expected a value >= 0, got {getattr(self, name)!r}"
                )

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, **overrides: Any) -> AnalysisSettings:
        """Build settings whose ε is the dataset's model constant, if it has one.

        Precedence: an explicit keyword in ``overrides`` wins, then the model
        constant ``"entropy tolerance"`` stored in ``ds``, then the default.

        Parameters
        ----------
        ds : xarray.Dataset
            Results holding model variables (constants stored as time series).
        **overrides
            Any :class:`AnalysisSettings` field.

        Returns
        -------
        AnalysisSettings
            The settings.

        Raises
        ------
        AnalysisError
            If the stored tolerance differs between runs: one ε must apply to
            the whole dataset so that regimes are comparable.

        """
        if "entropy_tolerance" not in overrides and ENTROPY_TOLERANCE_VARIABLE in ds.data_vars:
            values = np.asarray(ds[ENTROPY_TOLERANCE_VARIABLE].values, dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                if not np.allclose(values, values.flat[0], rtol=1e-12, atol=0.0):
                    raise AnalysisError(
                        f"dataset variable {ENTROPY_TOLERANCE_VARIABLE!r}: expected one value "
                        f"for all runs, found {np.unique(values)[:5].tolist()}; "
                        "pass entropy_tolerance explicitly"
                    )
                overrides["entropy_tolerance"] = float(values.flat[0])
        return cls(**overrides)


#: The default settings, shared (the object is immutable).
DEFAULT_SETTINGS = AnalysisSettings()
