"""Summaries of the phases of runs: onsets, end states, sequences.

:mod:`sdcluster.analysis.phases` reads each time point's phase from a run's
dynamics; this module condenses those codes per run: when each phase is first
entered (:func:`phase_onsets`), the end state and final phase
(:func:`summary_table`), the order of the phases (:func:`phase_sequence`) and
the share of runs that show the paper's clean sequence
(:func:`clean_sequence_share`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from sdcluster.analysis.entropy import NO_DATA, ORDER_DEGREE, SYNERGY_DEGREE
from sdcluster.analysis.phases import (
    DECLINE,
    FAR,
    FIRMS,
    MACRO,
    MICRO,
    NO_PHASE,
    PHASES,
    phase_codes,
)
from sdcluster.analysis.requirements import (
    TIME_DIM,
    aligned_time_last,
    require_time,
    require_variables,
)
from sdcluster.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from sdcluster.errors import AnalysisError

KNOWLEDGE = "Knowledge Stock"
#: Variables whose end values :func:`summary_table` reports.
SUMMARY_VARIABLES = (FIRMS, KNOWLEDGE, ORDER_DEGREE, SYNERGY_DEGREE)
FINAL_PHASE = "final phase"


def run_index(codes: xr.DataArray) -> pd.Index:
    """Return an index with one entry per run: the coordinates of the dims other than time.

    One leading dim gives its coordinate index (e.g. scenario names), several
    a MultiIndex over all their combinations, none a one-entry ``run`` index.
    """
    leading = [dim for dim in codes.dims if dim != TIME_DIM]
    if not leading:
        return pd.RangeIndex(1, name="run")
    levels = [
        codes[dim].to_index() if dim in codes.coords else pd.RangeIndex(codes.sizes[dim], name=dim)
        for dim in leading
    ]
    if len(levels) == 1:
        return levels[0].rename(str(leading[0]))
    return pd.MultiIndex.from_product(levels, names=[str(dim) for dim in leading])


def _onset_times(codes: np.ndarray, time: np.ndarray) -> dict[str, np.ndarray]:
    """First time each phase code occurs per row (NaN if never)."""
    onsets = {}
    for code, phase in enumerate(PHASES):
        entered = codes == code
        first = entered.argmax(axis=-1)
        onsets[phase] = np.where(entered.any(axis=-1), time[first], np.nan)
    return onsets


def phase_onsets(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Return when each run first entered and held each phase.

    Parameters
    ----------
    ds : xarray.Dataset
        Results as for :func:`classify_phases`.
    settings : AnalysisSettings
        Smoothing, thresholds and dwell times.

    Returns
    -------
    pandas.DataFrame
        One row per run, indexed by the leading dimension's coordinate
        (``scenario`` or ``member``; a MultiIndex when there are several, a
        one-row ``run`` index when there is none); one column per phase in
        :data:`PHASES` order holding the onset time (model time units), NaN
        if the phase was never reached.

    """
    return _onsets_frame(phase_codes(ds, settings), require_time(ds))


def _onsets_frame(codes: xr.DataArray, time: np.ndarray) -> pd.DataFrame:
    rows = codes.values.reshape(-1, codes.sizes[TIME_DIM])
    return pd.DataFrame(_onset_times(rows, time), index=run_index(codes))


def _last_valid(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the last value where ``valid`` holds, and whether there was one."""
    last = valid.shape[-1] - 1 - valid[..., ::-1].argmax(axis=-1)
    picked = np.take_along_axis(values, last[..., np.newaxis], axis=-1)[..., 0]
    return picked, np.asarray(valid.any(axis=-1))


def summary_table(ds: xr.Dataset, settings: AnalysisSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Return one row per run: phase onsets, final phase and end values.

    Parameters
    ----------
    ds : xarray.Dataset
        Results as for :func:`classify_phases`, plus ``"Knowledge Stock"``
        and ``"synergy degree"``.
    settings : AnalysisSettings
        Smoothing, thresholds and dwell times.

    Returns
    -------
    pandas.DataFrame
        Index as in :func:`phase_onsets`. Columns: one per phase in
        :data:`PHASES` (onset time, NaN if never reached); ``"final phase"``
        (the phase at the last time point with data); and the end values
        (last non-NaN) of ``"Innovative Firms"``, ``"Knowledge Stock"``,
        ``"Order Degree"`` and ``"synergy degree"``, under those names.

    Raises
    ------
    AnalysisError
        If a variable is missing.

    """
    require_variables(ds, SUMMARY_VARIABLES, "summary table")
    codes = phase_codes(ds, settings)
    table = _onsets_frame(codes, require_time(ds))
    rows = codes.values.reshape(-1, codes.sizes[TIME_DIM])
    final_codes, any_phase = _last_valid(rows, rows != NO_PHASE)
    table[FINAL_PHASE] = np.where(any_phase, np.asarray(PHASES)[final_codes], NO_DATA)
    arrays = aligned_time_last(ds, SUMMARY_VARIABLES)
    for name, array in zip(SUMMARY_VARIABLES, arrays, strict=True):
        array = array.broadcast_like(codes).transpose(*codes.dims)
        values = array.values.reshape(rows.shape)
        end, has_value = _last_valid(values, ~np.isnan(values))
        table[name] = np.where(has_value, end, np.nan)
    return table


def phase_sequence(phases: xr.DataArray | Iterable[str]) -> list[str]:
    """Return the phases of one run in the order they were entered.

    Consecutive repeats collapse into one entry and time points without data
    are skipped; a phase that is left and entered again appears again, so a
    run without reversal gives a list without repeats in :data:`PHASES` order,
    e.g. ``["micro fluctuation", "macro fluctuation", "far from equilibrium"]``.

    Parameters
    ----------
    phases : xarray.DataArray or iterable of str
        Phase names of one run over time, e.g. ``classify_phases(ds).sel(scenario="baseline")``.

    Returns
    -------
    list of str
        The phase sequence.

    Raises
    ------
    AnalysisError
        If ``phases`` is a DataArray with dims other than time alone.

    """
    if isinstance(phases, xr.DataArray):
        if phases.ndim != 1:
            raise AnalysisError(
                f"phase_sequence: expected the phases of one run (1 dim), got dims {phases.dims}; "
                "select one scenario or member first"
            )
        phases = [str(label) for label in phases.values]
    sequence: list[str] = []
    for label in phases:
        if label != NO_DATA and (not sequence or sequence[-1] != label):
            sequence.append(str(label))
    return sequence


def clean_sequence_share(codes: xr.DataArray | np.ndarray) -> float:
    """Return the share of runs whose phases start I → II → III and never decline.

    The spec's measure of clean phases (version 2, 'Phases'): a run is clean
    when the first three phases it enters are micro fluctuation, macro
    fluctuation and far from equilibrium, in that order, and it never enters
    decline. Later returns to phase II (a new technology generation) keep a
    run clean.

    Parameters
    ----------
    codes : xarray.DataArray or numpy.ndarray
        Phase codes (:func:`phase_codes`) with time on the last axis; every
        other axis indexes runs.

    Returns
    -------
    float
        The share in [0, 1]; NaN when there are no runs.

    """
    values = np.asarray(codes.values if isinstance(codes, xr.DataArray) else codes)
    rows = values.reshape(-1, values.shape[-1]) if values.ndim else values.reshape(0, 0)
    clean = []
    for row in rows:
        row = row[row != NO_PHASE]
        entered = [int(c) for k, c in enumerate(row) if k == 0 or c != row[k - 1]]
        clean.append(entered[:3] == [MICRO, MACRO, FAR] and DECLINE not in entered)
    return float(np.mean(clean)) if clean else float("nan")
