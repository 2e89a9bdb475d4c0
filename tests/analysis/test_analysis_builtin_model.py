"""The analysis on the built-in model, run with plain PySD (no sdcluster engine)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from sdcluster.analysis import (
    PHASES,
    AnalysisSettings,
    classify_phases,
    entropy_balance,
    entropy_regime,
    phase_onsets,
    phase_sequence,
    power_contributions,
    summary_table,
)
from sdcluster.model.paths import builtin_model_path

MODEL = builtin_model_path()


def contract_dataset(model: object, frame: object, scenario: str) -> xr.Dataset:
    """Build the results Dataset of the shared contract from a PySD run."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    docs = model.doc.set_index("Real Name")  # type: ignore[attr-defined]
    data = {}
    for name in frame.columns:
        info = docs.loc[name] if name in docs.index else None
        values = np.asarray(frame[name].to_numpy(), dtype=float)[np.newaxis, :]
        attrs = {
            "units": "" if info is None else str(info["Units"] or ""),
            "documentation": "" if info is None else str(info["Comment"] or ""),
            "python_name": "" if info is None else str(info["Py Name"]),
        }
        data[name] = xr.DataArray(values, dims=("scenario", "time"), attrs=attrs)
    coords = {"scenario": [scenario], "time": frame.index.to_numpy(dtype=float)}
    return xr.Dataset(data, coords=coords)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    import pysd

    # Translate a copy: read_vensim writes a .py beside the model file.
    copy = Path(tmp_path_factory.mktemp("model")) / MODEL.name
    shutil.copy(MODEL, copy)
    model = pysd.read_vensim(str(copy))
    frame = model.run()
    return contract_dataset(model, frame, "baseline")


def test_baseline_passes_micro_macro_far(baseline: xr.Dataset) -> None:
    phases = classify_phases(baseline).sel(scenario="baseline")
    assert phase_sequence(phases) == list(PHASES[:3])
    onsets = phase_onsets(baseline).loc["baseline"]
    assert onsets[PHASES[0]] == 0.0
    assert 0.0 < onsets[PHASES[1]] < onsets[PHASES[2]] < 60.0


def test_baseline_macro_fluctuation_is_mostly_orderly(baseline: xr.Dataset) -> None:
    phases = classify_phases(baseline).values[0]
    regime = entropy_regime(baseline).values[0]
    in_macro = phases == PHASES[1]
    assert np.mean(regime[in_macro] == "orderly") > 0.5


def test_balance_matches_the_models_totals(baseline: xr.Dataset) -> None:
    total = entropy_balance(baseline).sel(subsystem="total")
    assert_allclose(total["diS"], baseline["diS total"], rtol=1e-9, atol=1e-12)
    assert_allclose(total["deS"], baseline["deS total"], rtol=1e-9, atol=1e-12)
    assert_allclose(total["dS"], baseline["dS total"], rtol=1e-9, atol=1e-12)
    assert (total["diS"] >= 0).all()


def test_power_decomposition_assumption_holds_in_the_model(baseline: xr.Dataset) -> None:
    # The decomposition treats competition and environment effects as factors of
    # innovation power: dividing them out must leave a factor free of both.
    parts = power_contributions(baseline)
    assert_allclose(parts["knowledge creation"].sum("power"), baseline["knowledge creation"])
    innovation_part = parts["knowledge creation"].sel(power="innovation")
    neutral_power = baseline["innovation power"] / (
        baseline["competition effect"] * baseline["environment effect"]
    )
    expected = baseline["Innovative Firms"] * neutral_power * baseline["knowledge noise"]
    assert_allclose(innovation_part, expected, rtol=1e-9)


def test_summary_table_on_the_model(baseline: xr.Dataset) -> None:
    table = summary_table(baseline, AnalysisSettings())
    row = table.loc["baseline"]
    assert row["final phase"] == PHASES[2]
    assert row["Innovative Firms"] == pytest.approx(
        float(baseline["Innovative Firms"].values[0, -1])
    )
