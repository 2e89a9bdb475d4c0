"""Mass balance: every stock equals its initial value plus the integral of its net flow."""

from __future__ import annotations

import numpy as np
import pytest
import simlin

from sdcluster.model.loaded import load_model
from sdcluster.model.paths import models_dir


def _key(name: str) -> str:
    return name.lower().replace("_", " ").strip()


def _stock_structure() -> dict[str, tuple[list[str], list[str]]]:
    """Inflows and outflows of each stock, as pysimlin (an independent reader) sees the file."""
    model = simlin.load(models_dir() / "innovation_cluster.mdl")
    return {
        _key(v.name): ([_key(f) for f in v.inflows], [_key(f) for f in v.outflows])
        for v in model.variables
        if isinstance(v, simlin.Stock)
    }


@pytest.fixture(scope="module")
def every_step():  # type: ignore[no-untyped-def]
    model = load_model()  # a model of its own: saving every step must not leak into other tests
    clock = model.time
    times = clock.step_times()
    frame = model.pysd_model.run(
        return_timestamps=times, initial_condition="original", progress=False
    )
    return frame.rename(columns=_key), clock.time_step


STOCKS = sorted(_stock_structure())


def test_the_model_has_its_seventeen_stocks() -> None:
    expected = sorted(_key(name) for name in (
        "Young Firms", "Mature Firms", "Knowledge Sharing Firms", "Knowledge Stock",
        "Frontier Knowledge", "Technology Vitality", "Next Generation", "Innovation Resources",
        "Entropy R", "Entropy K", "Entropy U",
        "Spinoff Fluctuation", "Entry Fluctuation", "Knowledge Fluctuation",
        # The variance each fluctuation has received: what its multiplier exp(x - var / 2)
        # subtracts to stay mean-preserving (model spec, fluctuations).
        "Spinoff Fluctuation Variance", "Entry Fluctuation Variance",
        "Knowledge Fluctuation Variance",
    ))
    assert expected == STOCKS


@pytest.mark.parametrize("stock", STOCKS)
def test_stock_is_initial_value_plus_integral_of_net_flow(every_step, stock: str) -> None:  # type: ignore[no-untyped-def]
    frame, dt = every_step
    inflows, outflows = _stock_structure()[stock]
    assert inflows or outflows
    net = sum((frame[f].to_numpy() for f in inflows), np.zeros(len(frame)))
    net = net - sum((frame[f].to_numpy() for f in outflows), np.zeros(len(frame)))
    level = frame[stock].to_numpy()
    # Euler: the level at step k is the initial level plus dt times the net flows of steps 0..k-1.
    integral = level[0] + np.concatenate([[0.0], np.cumsum(net[:-1] * dt)])
    np.testing.assert_allclose(level, integral, rtol=1e-9, atol=1e-12)
