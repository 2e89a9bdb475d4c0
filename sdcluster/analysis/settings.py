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
    """Named settings for entropy regimes and phases (see :mod:`sdcluster.analysis.phases`).

    Parameters
    ----------
    entropy_tolerance : float
        ε in 1/Year. ``dS total < -ε`` is the *orderly* regime, ``dS total > ε``
        *disorder*, anything in between *balanced* (the paper's ΔE(dS) = 0).
        Default 0.005. This value wins over the model constant
        ``"entropy tolerance"`` unless the settings are built with
        :meth:`from_dataset`.
    smoothing : float
        Width (Year) of the centred moving average applied to the firm count
        before its growth and acceleration are read. Default 2.0: wider than
        the one-year correlation time of the model's fluctuations, short
        against the decades of a take-off. 0 turns it off.
    growth_threshold : float
        Firm growth rate g = d ln N / dt (1/Year) above which accelerating
        growth counts as macroscopic (phase II). Default 0.02 (2 %/yr): the
        same magnitude as the spec's sustained fall (``decline_threshold``).
        At the start of the built-in model's take-off g rises about
        0.012/yr, so a threshold moves the onset of phase II by about
        threshold / 0.012 yr when doubled; 0.03 moved it 2.5 yr (spec: at
        most 2), 0.02 moves it 1.5 yr (``bench/bench_phases.py``).
    decline_threshold : float
        The firm count *falls* when g < -decline_threshold (1/Year); with
        dS total > ε this is decline. Default 0.02 (2 %/yr).
    decline_dwell : float
        Years a fall must last to count as decline. Default 2.0.
    min_dwell : float
        Minimum time (Year) the feedback polarity on the firm count must be
        held before the phase changes. Default 1.0; 0 turns the filter off.

    Raises
    ------
    AnalysisError
        If a threshold is not a finite number or a tolerance/dwell is negative.

    """

    entropy_tolerance: float = 0.005
    smoothing: float = 2.0
    growth_threshold: float = 0.02
    decline_threshold: float = 0.02
    decline_dwell: float = 2.0
    min_dwell: float = 1.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise AnalysisError(
                    f"AnalysisSettings.{field.name}: expected a finite number, got {value!r}"
                )
        for name in ("entropy_tolerance", "min_dwell", "decline_threshold", "smoothing",
                     "decline_dwell", "growth_threshold"):
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
