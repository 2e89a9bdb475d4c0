"""Extreme conditions and invariants (model spec, 'Extreme conditions and invariants')."""

from __future__ import annotations

import numpy as np

from tests.builtin_model.model_support import RunFn

LEVERS_AT_ONE = {
    "openness": 1.0,
    "internal_cooperation": 1.0,
    "technology_introduction": 1.0,
    "government_support": 1.0,
    "fair_competition_regulation": 1.0,
    "university_cooperation": 1.0,
}


def test_isolated_cluster_produces_entropy_only(run: RunFn) -> None:
    ds = run(openness=0.0)
    np.testing.assert_array_equal(ds["dS total"].values, ds["diS total"].values)
    assert float(ds["dS total"].min()) >= 0.0


def test_no_firms_in_a_closed_region(run: RunFn) -> None:
    ds = run(openness=0.0, initial_young_firms=0.0, initial_mature_firms=0.0)
    assert float(np.abs(ds["Innovative Firms"]).max()) == 0.0
    time = ds["time"].values
    k0 = float(ds["Knowledge Stock"][0])
    rate = float(ds["knowledge depreciation rate"][0])
    dt = float(ds["TIME STEP"][0]) if "TIME STEP" in ds else 0.03125
    # Euler integration of K' = -rate K is K0 (1 - rate dt)^(t/dt): equal to rounding error.
    euler = k0 * (1.0 - rate * dt) ** (time / dt)
    np.testing.assert_allclose(ds["Knowledge Stock"].values, euler, rtol=1e-9)
    # and within Euler's error of the exact solution K0 exp(-rate t): the log of the ratio
    # is (t/dt) (ln(1 - rate dt) + rate dt), at most t dt rate^2 / 2 (1 + rate dt) in size.
    error = np.abs(ds["Knowledge Stock"].values / (k0 * np.exp(-rate * time)) - 1)
    assert np.all(error <= time * dt * rate**2 / 2 * (1 + rate * dt) + 1e-12)


def test_strong_noise_keeps_stocks_in_bounds(run: RunFn) -> None:
    for seed in (1, 2, 3):
        ds = run(noise_sd=1.0, noise_seed=seed)  # invariants are checked by the fixture
        for stock in (
            "Young Firms",
            "Mature Firms",
            "Knowledge Stock",
            "Knowledge Sharing Firms",
            "Innovation Resources",
            "Technology Vitality",
            "Next Generation",
        ):
            assert float(ds[stock].min()) >= 0.0, stock
        for fluctuation in ("Spinoff Fluctuation", "Entry Fluctuation", "Knowledge Fluctuation"):
            assert float(ds[fluctuation].std()) > 0.3, fluctuation  # the noise really acted


def test_all_levers_at_one(run: RunFn) -> None:
    ds = run(**LEVERS_AT_ONE)
    # The bound derived in models/checks/all_levers_max.toml (births cannot outpace exits
    # beyond regional capacity x sqrt(1/0.029 - 1) = 1154 firms).
    assert float(ds["Innovative Firms"].max()) <= 1200.0
    assert float(ds["Order Degree"].max()) < 1.0


def test_a_closed_cluster_has_no_entry(run: RunFn) -> None:
    ds = run(openness=0.0)
    assert float(np.abs(ds["entry"]).max()) == 0.0
    assert float(np.abs(ds["knowledge absorption"]).max()) == 0.0
