"""Control variables that are equations: FINAL TIME = horizon follows a scenario's horizon."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysd
import pytest

from sdcluster.engine.batch_support import can_vectorize
from sdcluster.engine.run import run_scenarios
from sdcluster.experiments.scenarios import Scenario
from sdcluster.model.loaded import load_model

MODEL = Path(__file__).resolve().parents[1] / "data" / "core_dynamic_clock.mdl"


@pytest.mark.parametrize("horizon", [12.0, 20.0, 7.5])
def test_the_run_ends_where_final_time_says_as_in_pysd(horizon: float) -> None:
    model = load_model(MODEL)
    scenario = Scenario(name="h", overrides={"horizon": horizon})
    ds = run_scenarios(model, [scenario]).dataset
    reference = pysd.read_vensim(str(MODEL)).run(params={"horizon": horizon})
    assert float(ds["time"].values[-1]) == horizon == float(reference.index[-1])
    np.testing.assert_allclose(ds["Stock"].sel(scenario="h").values, reference["Stock"].values,
                               rtol=1e-12)


def test_the_declared_clock_is_kept_when_nothing_it_reads_changes() -> None:
    model = load_model(MODEL)
    assert model.clock_for({"rate": 2.0}) is model.time
    assert model.clock_for({"horizon": 30.0}).final_time == 30.0
    assert model.time.final_time == 12.0  # the loaded model is not changed


def test_the_batch_engine_refuses_it_by_name() -> None:
    ok, reason = can_vectorize(MODEL)
    assert not ok
    assert "control variable that is an equation of constants (horizon)" in reason
    assert "FINAL TIME" in reason
