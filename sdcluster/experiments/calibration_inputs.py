"""The pieces a calibration spec is made of: priors, series maps, observations read from CSV.

A :class:`Prior` is one free quantity and its (log-)uniform prior; a
:class:`SeriesMap` says how one model variable meets one observed column
(scale, time offset, each fixed or estimated); :func:`read_observations`
reads the tidy table of observed series.
:class:`~sdcluster.experiments.calibration.CalibrationSpec` puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sdcluster.errors import CalibrationError, did_you_mean

__all__ = ["Prior", "SeriesMap", "check_column", "checked_times", "read_observations"]


@dataclass(frozen=True)
class Prior:
    """One free quantity and its prior.

    Attributes
    ----------
    name : str
        A model constant, or ``scale[column]``, ``offset[column]``,
        ``sigma[column]``, ``alpha[column]``.
    low, high : float
        Bounds of the prior (``low < high``).
    log : bool
        Uniform in ``log(value)`` (then ``low > 0``) rather than in ``value``.

    """

    name: str
    low: float
    high: float
    log: bool = False

    def to_sampling(self, value: np.ndarray | float) -> np.ndarray:
        """Map values to the space the sampler moves in (the log for log-uniform priors)."""
        array = np.asarray(value, dtype=np.float64)
        return np.log(array) if self.log else array

    def from_sampling(self, value: np.ndarray | float) -> np.ndarray:
        """Map sampler coordinates back to values."""
        array = np.asarray(value, dtype=np.float64)
        return np.exp(array) if self.log else array

    @property
    def sampling_bounds(self) -> tuple[float, float]:
        """The bounds in the sampler's space."""
        if self.log:
            return math.log(self.low), math.log(self.high)
        return self.low, self.high

    def quantile(self, q: float) -> float:
        """Return the prior's ``q`` quantile (in value units)."""
        low, high = self.sampling_bounds
        return float(self.from_sampling(low + q * (high - low)))


@dataclass(frozen=True)
class SeriesMap:
    """How one model variable meets one observed column.

    Attributes
    ----------
    variable : str
        The model variable (any variable: stock, flow, auxiliary).
    column : str
        The observed column.
    scale : float
        Fixed factor from model units to the data's (used when ``scale_prior`` is None).
    scale_prior : (float, float) or None
        Bounds of a log-uniform prior to estimate the scale instead.
    time_offset : float
        Observed time of the model's time 0 (used when ``offset_prior`` is None).
    offset_prior : (float, float) or None
        Bounds of a uniform prior to estimate the offset instead.

    """

    variable: str
    column: str
    scale: float = 1.0
    scale_prior: tuple[float, float] | None = None
    time_offset: float = 0.0
    offset_prior: tuple[float, float] | None = None

    def describe(self) -> str:
        """Return the mapping as one line, e.g. ``"patents = scale * knowledge creation"``."""
        if self.scale_prior is not None:
            scale = f"scale~logU({self.scale_prior[0]:g}, {self.scale_prior[1]:g}) * "
        else:
            scale = "" if self.scale == 1 else f"{self.scale:g} * "
        if self.offset_prior is not None:
            offset = f"offset~U({self.offset_prior[0]:g}, {self.offset_prior[1]:g})"
        else:
            offset = f"{self.time_offset:g}"
        return f"{self.column}(t) ~ {scale}{self.variable!r}(t - {offset})"


def check_column(name: str, columns: Sequence[str], where: str) -> None:
    """Refuse a column name that is not in ``columns``, naming the closest."""
    if name not in columns:
        raise CalibrationError(f"{where} {name!r} is not in the observations; expected one of "
                               f"{len(columns)} columns{did_you_mean(name, columns)}")


def checked_times(values: pd.Series, source: str, column: str) -> np.ndarray:
    """Return the time column as floats: finite, unique and increasing, or a CalibrationError."""
    times = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    where = f"{source}: time column {column!r}"
    if not np.isfinite(times).all():
        bad = values[~np.isfinite(times)].iloc[0]
        raise CalibrationError(f"{where}: value {bad!r} is not a finite number; expected times")
    if len(np.unique(times)) != len(times):
        raise CalibrationError(f"{where}: repeated times; expected one row per time (a wide "
                               "table, one column per series)")
    if (np.diff(times) < 0).any():
        raise CalibrationError(f"{where}: times are not increasing; expected rows in time order")
    return times


def read_observations(path: str | Path, *, time_column: str = "time") -> pd.DataFrame:
    """Read a tidy CSV of observations: a time column and one column per series.

    UTF-8 is tried first, then Latin-1 (US government files often use it).
    Only the time column is checked here; the columns a calibration maps are
    checked by :meth:`CalibrationSpec.validated`, so other columns (names,
    notes) may hold text.

    Raises
    ------
    CalibrationError
        One line naming the file (and the column): missing or unreadable
        file, no such time column, non-numeric times or values.

    """
    source = Path(path)
    try:
        try:
            frame = pd.read_csv(source)
        except UnicodeDecodeError:
            frame = pd.read_csv(source, encoding="latin-1")
    except FileNotFoundError:
        raise CalibrationError(f"{source}: no such file; expected a CSV of observations") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CalibrationError(f"{source}: cannot read the observations ({reason})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    columns = list(frame.columns)
    check_column(time_column, columns, f"{source}: time column")
    times = checked_times(frame[time_column], str(source), time_column)
    frame[time_column] = times
    return frame
