"""The logistic test model of the calibration tests, its known truth, and helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdcluster.engine.batch import BatchModel
from sdcluster.experiments.calibration import (
    CalibrationSpec,
    SeriesMap,
)
from sdcluster.studies.calibration import CalibrationResult
from tests import DATA

LOGISTIC = DATA / "calibration_logistic.mdl"
YEARS = np.arange(21.0)  # observed at model times 0..20
TRUTH = {"growth rate": 0.5, "capacity": 1000.0}


def simulate(batch: BatchModel, params: dict[str, float], sigma: float, seed: int,
             times: np.ndarray = YEARS) -> pd.DataFrame:
    """Population at ``times`` from known parameters, with log-normal noise of ``sigma``."""
    run = batch.run_arrays({k: np.array([v]) for k, v in params.items()}, 1,
                           return_variables=["Population"], final_time=float(times.max()))
    labels = batch.schedule(float(times.max())).labels
    clean = np.interp(times, labels, run["Population"][0])
    noise = np.exp(sigma * np.random.default_rng(seed).standard_normal(times.size))
    return pd.DataFrame({"year": times, "population": clean * noise})


def spec_for(observations: pd.DataFrame, **changes: object) -> CalibrationSpec:
    settings: dict[str, object] = {
        "observations": observations,
        "mappings": (SeriesMap("Population", "population"),),
        "parameters": {"growth rate": None, "capacity": None},
        "time_column": "year", "walkers": 16, "steps": 1000, "seed": 1,
    }
    settings.update(changes)
    return CalibrationSpec(**settings)  # type: ignore[arg-type]


def row(result: CalibrationResult, name: str) -> pd.Series:
    return result.table.set_index("name").loc[name]


