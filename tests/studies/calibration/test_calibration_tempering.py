"""Parallel tempering on a known two-mode target: the ladder, the swaps, the mode weights."""

from __future__ import annotations

import emcee
import numpy as np
import pytest

from sdcluster.studies.calibration_tempering import TemperedEnsembles, temperature_ladder

# Two narrow Gaussian modes at -3 and +3 holding 1/4 and 3/4 of the mass: the
# stretch move alone keeps the split its walkers started with.
CENTRES, WEIGHTS, WIDTH = np.array([-3.0, 3.0]), np.array([0.25, 0.75]), 0.3


def log_likelihood(theta: np.ndarray) -> np.ndarray:
    x = np.atleast_2d(theta)[:, 0]
    dens = WEIGHTS * np.exp(-0.5 * ((x[:, None] - CENTRES) / WIDTH) ** 2)
    with np.errstate(divide="ignore"):
        return np.log(dens.sum(axis=1))


def stretch() -> list[tuple[emcee.moves.Move, float]]:
    return [(emcee.moves.StretchMove(), 1.0)]


def cold_chain(temperatures: int, seed: int = 0, steps: int = 3000) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    rng = np.random.default_rng(seed)
    betas = temperature_ladder(temperatures, 400.0)
    ensembles = TemperedEnsembles(log_likelihood, 32, 1, betas, stretch, rng)
    # Half the walkers start in each mode: the wrong split for the weights.
    start = np.concatenate([rng.normal(-3, 0.1, 16), rng.normal(3, 0.1, 16)])[:, None]
    for _ in ensembles.sample(start, log_likelihood(start), steps):
        pass
    return ensembles.cold.get_chain(discard=steps // 3)[:, :, 0], ensembles.swap_acceptance


def test_ladder_is_geometric_from_one_to_the_hottest() -> None:
    np.testing.assert_allclose(temperature_ladder(4, 1000.0), [1.0, 0.1, 0.01, 0.001])
    assert temperature_ladder(1, 1000.0).tolist() == [1.0]


def test_without_tempering_the_walkers_keep_their_starting_split() -> None:
    chain, _ = cold_chain(1)
    assert np.mean(chain > 0) == pytest.approx(0.5, abs=0.02)


def test_tempering_gives_each_mode_its_true_weight() -> None:
    # The swap's acceptance rule keeps every ensemble's target (Vousden et al. 2016,
    # eq. 5), so the cold chain puts 3/4 of its draws in the heavier mode.
    chain, acceptance = cold_chain(5)
    assert np.mean(chain > 0) == pytest.approx(0.75, abs=0.05)
    assert chain.std() == pytest.approx(np.sqrt(0.75 * 0.25 * 36 + WIDTH**2), rel=0.1)
    assert np.all((acceptance > 0) & (acceptance < 1)), acceptance


def test_each_seed_gives_its_own_chain_and_one_seed_the_same() -> None:
    first, second, other = cold_chain(3, 1, 200)[0], cold_chain(3, 1, 200)[0], \
        cold_chain(3, 2, 200)[0]
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)
