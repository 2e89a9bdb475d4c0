"""Extreme conditions and invariants (model spec, 'Extreme conditions and invariants')."""

from __future__ import annotations

import numpy as np
from model_support import RunFn

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


def test_no_firms_at_the_start(run: RunFn) -> None:
    ds = run(initial_firms=0.0)
    assert float(np.abs(ds["Innovative Firms"]).max()) == 0.0
    time = ds["time"].values
    k0 = float(ds["Knowledge Stock"][0])
    lifetime = float(ds["knowledge lifetime"][0])
    dt = 0.0625
    # Euler integration of K' = -K / 8 is K0 (1 - dt/8)^(t/dt): equal to rounding error.
    euler = k0 * (1.0 - dt / lifetime) ** (time / dt)
    np.testing.assert_allclose(ds["Knowledge Stock"].values, euler, rtol=1e-10)
    # and within the Euler error of the exact solution K0 exp(-t/8).
    np.testing.assert_allclose(
        ds["Knowledge Stock"].values, k0 * np.exp(-time / lifetime), rtol=0.04
    )


def test_strong_noise_keeps_stocks_in_bounds(run: RunFn) -> None:
    for seed in (1, 2, 3):
        ds = run(noise_sd=1.0, noise_seed=seed)  # invariants are checked by the fixture
        for stock in (
            "Innovative Firms",
            "Knowledge Stock",
            "Knowledge Sharing Firms",
            "Innovation Resources",
        ):
            assert float(ds[stock].min()) >= 0.0, stock
        assert float(ds["Pink Noise"].std()) > 0.3  # the noise really acted


def test_all_levers_at_one(run: RunFn) -> None:
    ds = run(**LEVERS_AT_ONE)
    assert float(ds["Innovative Firms"].max()) <= float(ds["cluster capacity"][0])
    assert float(ds["Order Degree"].max()) < 1.0


def test_capacity_equal_to_initial_firms_means_no_growth(run: RunFn) -> None:
    ds = run(cluster_capacity=10.0)
    firms = ds["Innovative Firms"].values
    assert np.all(np.diff(firms) <= 0.0)
