"""Helpers of the behaviour tests: batch runs, seeded noisy runs, phases, episodes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sdcluster.analysis.phases import phase_codes
from sdcluster.analysis.settings import AnalysisSettings
from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.noise import white_noise
from sdcluster.model.loaded import LoadedModel, load_model
from tests.builtin_model.model_support import LEVERS

EPSILON = AnalysisSettings().entropy_tolerance
#: pytest's ``record_property`` fixture: the tests record the figure they measured.
RecordProperty = Callable[[str, object], None]
__all__ = ["EPSILON", "LEVERS", "RecordProperty"]
NOISE_INPUTS = ("white noise entry", "white noise knowledge", "white noise spinoffs")


@functools.cache
def _loaded(path: Path) -> LoadedModel:
    return load_model(path)


def _declared(batch: BatchModel, name: str) -> tuple[float | None, float | None] | None:
    return _loaded(batch.path).variable(name).range


def parameter_range(batch: BatchModel, name: str) -> tuple[float, float]:
    """Return the declared range of a constant."""
    declared = _declared(batch, name)
    assert declared is not None and None not in declared, name
    low, high = declared
    assert low is not None and high is not None
    return float(low), float(high)


def ranged_parameters(batch: BatchModel) -> list[str]:
    """Constants with a declared range of non-zero width (noise inputs excluded)."""
    names = []
    for name in batch.parameters:
        declared = _declared(batch, name)
        if declared and None not in declared and declared[1] != declared[0]:
            names.append(name)
    return sorted(names)


def stocks(batch: BatchModel) -> list[str]:
    """The model's stocks."""
    return [state.element for state in batch.plan.states]


def saveper(batch: BatchModel) -> float:
    """The saving interval."""
    return batch.default("SAVEPER")


def batch_run(batch: BatchModel, params: Mapping[str, Any], n: int, names: Sequence[str],
              *, final_time: float | None = None, inputs: Mapping[str, Any] | None = None,
              check_finite: bool = True) -> dict[str, np.ndarray]:
    """Run ``n`` members deterministically (or with ``inputs``); saved series per name."""
    out = batch.run_arrays(params, n, inputs=inputs, return_variables=list(names),
                           final_time=final_time)
    if check_finite:
        for name, series in out.items():
            assert np.all(np.isfinite(series)), name
    return {name: np.asarray(series) for name, series in out.items()}


def noisy_run(batch: BatchModel, params: Mapping[str, Any], n: int, names: Sequence[str],
              *, seed: int, final_time: float | None = None) -> dict[str, np.ndarray]:
    """Run ``n`` members with the seeded white noise of the ensemble (member m, input k)."""
    steps = len(batch.schedule(final_time).times)
    members = np.arange(n)
    inputs = {name: white_noise(seed, members, steps, input_index=k)
              for k, name in enumerate(NOISE_INPUTS)}
    return batch_run(batch, params, n, names, final_time=final_time, inputs=inputs)


def phase_codes_of(out: Mapping[str, np.ndarray], time: np.ndarray,
                   settings: AnalysisSettings | None = None) -> np.ndarray:
    """Phase codes (member × time) of batch output holding firms and dS total."""
    firms = out["Innovative Firms"]
    ds = xr.Dataset(
        {name: (("member", "time"), out[name]) for name in ("Innovative Firms", "dS total")},
        coords={"member": np.arange(firms.shape[0]), "time": time},
    )
    return np.asarray(phase_codes(ds, settings or AnalysisSettings()).values)


def episodes(ds_total: np.ndarray, step: float,
             min_years: float = 2.0) -> list[tuple[float, float]]:
    """Ordering episodes: intervals of the orderly regime (dS < -ε) lasting ``min_years``."""
    orderly = np.concatenate([[False], ds_total < -EPSILON, [False]])
    edges = np.flatnonzero(np.diff(orderly.astype(int)))
    spans = [(a * step, b * step) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return [(a, b) for a, b in spans if b - a >= min_years]
