"""The micro fluctuations as the model spec asks: multiplicative, mean-preserving, seeded.

The spec's form is exp(x - sigma^2 / 2): its mean is 1 whatever the noise, and it is
exactly 1 when there is no noise input, so a deterministic run is the noise-free cluster.
"""

from __future__ import annotations

import numpy as np
import pytest

from sdcluster.engine.batch import BatchModel
from tests.builtin_model.behaviour_support import batch_run, noisy_run, saveper

MULTIPLIERS = ["spinoff noise", "entry noise", "knowledge noise"]


@pytest.mark.parametrize("sd_scale", [1.0, 2.0])
def test_every_multiplier_has_mean_one(batch: BatchModel, sd_scale: float) -> None:
    # 2,000 members; the mean over members and over years 5-15 (about ten correlation
    # times) has a standard error near 0.005 at the default noise and 0.01 at twice it.
    # A median-1 multiplier exp(x) would be high by exp(var / 2) - 1, up to 13 % at the
    # default noise in a small cluster; the bound 0.03 sits between the two.
    sd = sd_scale * batch.default("noise sd")
    runs = noisy_run(batch, {"noise sd": sd}, 2000, MULTIPLIERS, seed=5, final_time=15.0)
    window = slice(int(5 / saveper(batch)), None)
    for name in MULTIPLIERS:
        mean = float(runs[name][:, window].mean())
        assert abs(mean - 1.0) < 0.03, (name, mean)
        assert runs[name].min() > 0, name  # a flow stays positive


def test_every_multiplier_is_exactly_one_without_noise_input(batch: BatchModel) -> None:
    names = [*MULTIPLIERS, "Spinoff Fluctuation Variance"]
    runs = batch_run(batch, {"noise sd": np.array([0.0, 0.5, 1.0])}, 3, names)
    for name in MULTIPLIERS:
        assert np.all(runs[name] == 1.0), name
    assert np.all(runs["Spinoff Fluctuation Variance"] == 0.0)


def test_the_variance_stock_tracks_the_fluctuations_variance(batch: BatchModel) -> None:
    # Its expectation is the variance of the fluctuation at every step: noise sd^2 once
    # a few correlation times have passed (noise scale makes the fluctuation's sd noise sd).
    names = ["Spinoff Fluctuation", "Spinoff Fluctuation Variance"]
    runs = noisy_run(batch, {}, 2000, names, seed=8, final_time=20.0)
    late = slice(int(10 / saveper(batch)), None)
    target = batch.default("noise sd") ** 2
    realised = float(runs["Spinoff Fluctuation"][:, late].var(axis=0).mean())
    recorded = float(runs["Spinoff Fluctuation Variance"][:, late].mean())
    assert realised == pytest.approx(target, rel=0.05)
    assert recorded == pytest.approx(target, rel=0.05)
